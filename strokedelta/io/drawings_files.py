"""Read, write and convert drawings files of any registered format, chosen by extension.

Every function here finds the file's :class:`~strokedelta.io.registry.DrawingsFormat` with
:func:`~strokedelta.io.registry.format_for` and calls what the record holds; none names a
format. Reading streams in chunks where the format allows it; writing goes through
:func:`open_writer`, which writes to a temporary file renamed into place only on success, so a
failure never leaves a partial output.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.sketch import Drawings
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_drawings(Drawings.from_polylines([[[[0, 3], [0, 4]]]]), folder / "a.ndjson")
>>> [len(chunk) for chunk in iter_drawings(folder / "a.ndjson")]
[1]
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from strokedelta._files import (
    atomic_path,
    check_input_file,
    check_output_is_not_input,
    suffix_of,
)
from strokedelta._threads import threads_allowed
from strokedelta._validation import check_choice, fail
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io.read_report import ReadReport
from strokedelta.io.registry import DrawingsWriter, format_for, suffixes
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.sketch.drawings import SPLITS, Drawings, check_drawings

__all__ = [
    "READ_FORMATS",
    "WRITE_FORMATS",
    "DrawingsWriter",
    "convert_drawings",
    "format_of",
    "iter_drawings",
    "open_writer",
    "output_paths",
    "read_drawings",
    "write_drawings",
]

# strokedelta/io/__init__.py imports (and so registers) every format module before this one.
#: Extensions that :func:`read_drawings` reads.
READ_FORMATS: tuple[str, ...] = suffixes()
#: Extensions that :func:`write_drawings` writes.
WRITE_FORMATS: tuple[str, ...] = suffixes()

#: Chunk size asking a format that parses a whole file for all of it in one chunk.
_WHOLE_FILE = sys.maxsize


def format_of(path: Any) -> str:
    """The format name of a path from its extension.

    Examples
    --------
    >>> format_of("sheep.ndjson.gz"), format_of("x.PARQUET")
    ('ndjson', 'parquet')
    >>> format_of("notes.txt")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.FormatError: notes.txt: unknown drawings format '.txt';
        use .ndjson, .ndjson.gz, .bin, .npz, .parquet
    """
    return format_for(path).name


def iter_drawings(
    path: Any,
    *,
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    chunk_size: int | None = None,
    limits: ReadLimits | None = None,
) -> Iterator[Drawings]:
    """Yield the drawings of a file in chunks (memory bounded by a chunk for ndjson / Parquet).

    Parameters
    ----------
    path : str or Path
        Format from the extension (see the module table); ``-`` reads ndjson from stdin.
    split : {"train", "valid", "test"}, optional
        For ``.npz`` the key to read; for other files keep the rows whose ``split`` column
        equals it (an error when there is no such column).
    errors : {"raise", "skip"}
        Stop at the first bad drawing with a FormatError naming the file and the line or
        record, or skip bad drawings and count them in ``report``.
    report : ReadReport, optional
        Receives the number of skipped drawings and the reasons.
    chunk_size : int, optional
        Drawings per chunk (format-specific default).
    limits : ReadLimits, optional
        Resource limits checked before allocating (:data:`strokedelta.limits.DEFAULT_LIMITS`).

    Raises
    ------
    FileAccessError
        When ``path`` cannot be opened or is not a regular file (a FIFO, a device).
    """
    fmt = format_for(path)
    if split is not None:
        check_choice("split", split, SPLITS)
    check_input_file(path)  # a FIFO or a device (/dev/zero) would block or never end
    options: dict[str, Any] = {
        "errors": errors,
        "report": report,
        "limits": DEFAULT_LIMITS if limits is None else limits,
    }
    if chunk_size is not None:
        options["chunk_size"] = chunk_size
    if fmt.selects_split:
        options["split"] = split
    for chunk in fmt.read_chunks(path, **options):
        if split is not None and not fmt.selects_split:
            chunk = _rows_of_split(chunk, split, path)
        if len(chunk):
            yield chunk


def _rows_of_split(chunk: Drawings, split: str, path: Any) -> Drawings:
    if "split" not in chunk.meta.columns:
        raise ValidationError(
            f"split={split!r} needs a file with a 'split' column "
            f"(a Sketch-RNN .npz or data converted from one); "
            f"{path} has none"
        )
    return chunk[(chunk.meta["split"] == split).to_numpy()]


def read_drawings(
    path: Any,
    *,
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits | None = None,
) -> Drawings:
    """Read a whole file of drawings (any format of :data:`READ_FORMATS`).

    See :func:`iter_drawings` for the parameters. An empty result keeps the file's layout
    where the format records it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bad.ndjson"
    >>> _ = path.write_text('{"drawing": [[[1, 2], [3]]]}\\n')
    >>> read_drawings(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.FormatError: ...bad.ndjson, line 1: stroke 0:
        x and y have different lengths (2 and 1)
    """
    fmt = format_for(path)
    whole = None if fmt.streams else _WHOLE_FILE
    options: dict[str, Any] = {"split": split, "errors": errors, "report": report, "limits": limits}
    chunks = list(iter_drawings(path, chunk_size=whole, **options))
    if len(chunks) == 1:
        return chunks[0]
    if chunks:
        return Drawings.concat(chunks)
    return fmt.empty(path)


class _SplitsGuard:
    """A writer of a format that cannot keep splits: refuses drawings with a ``split`` column,
    or drops the column when ``merge`` (the splits are merged into one set)."""

    def __init__(self, writer: DrawingsWriter, name: str, path: Any, merge: bool) -> None:
        self._writer, self._name, self._path, self._merge = writer, name, path, merge
        self.count = writer.count

    def write(self, drawings: Drawings) -> None:
        if "split" in drawings.meta.columns:
            if not self._merge and drawings.meta["split"].notna().any():
                raise ValidationError(
                    f"{self._path}: the {self._name} format cannot keep the drawings' splits "
                    "(train / valid / test); pass merge_splits=True (--merge-splits) to write "
                    "them as one set, or write .ndjson, .npz or .parquet"
                )
            drawings = Drawings._trusted(
                drawings.strokes, drawings.meta.drop(columns="split"), drawings.time, drawings.attrs
            )
        self._writer.write(drawings)
        self.count = self._writer.count

    def close(self) -> None:
        self._writer.close()

    def abort(self) -> None:
        self._writer.abort()


@contextlib.contextmanager
def open_writer(
    path: Any, *, merge_splits: bool = False, **options: Any
) -> Iterator[DrawingsWriter]:
    """Open a writer for ``path`` (format from the extension); the file appears on success.

    Options go to the format's writer (``row_group_size`` for Parquet). Drawings with a
    ``split`` column keep their splits in every format that can (``keeps_splits``: ndjson,
    npz, Parquet); a format that cannot (``.bin``) refuses them with a ValidationError naming
    ``merge_splits``, unless ``merge_splits=True``, which writes all splits as one set.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.sketch import Drawings
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.ndjson.gz"
    >>> with open_writer(path) as writer:
    ...     for _ in range(3):
    ...         writer.write(Drawings.from_polylines([[[[1], [2]]]]))
    >>> writer.count, len(read_drawings(path))
    (3, 3)
    """
    fmt = format_for(path)
    if str(path) == "-":
        raise FormatError("writing to stdout is not supported; give an output file", path="-")
    if suffix_of(path).endswith(".gz"):
        options["gzip"] = True
    with atomic_path(path) as tmp:
        writer = fmt.writer(tmp, **options)
        if not fmt.keeps_splits:
            writer = _SplitsGuard(writer, fmt.name, path, merge_splits)
        try:
            yield writer
        except BaseException:
            writer.abort()
            raise
        writer.close()


def write_drawings(drawings: Drawings, path: Any, **options: Any) -> None:
    """Write drawings to ``path`` in the format of its extension, atomically.

    ``.npz`` writes the ``split`` column's splits (everything in ``train`` without one) as
    int16 (refusing values outside int16) or float64 elements; ``.bin`` needs integer
    coordinates in 0..255 and cannot keep splits (see :func:`open_writer` and its
    ``merge_splits``); ``.ndjson`` writes Google's layout (times when present) plus a
    ``split`` field when the drawings have one. Options go to :func:`open_writer`.
    """
    check_drawings(drawings)
    with open_writer(path, **options) as writer:
        writer.write(drawings)


def convert_drawings(
    source: Any,
    target: Any,
    *,
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    transform: Callable[[Drawings], Drawings] | None = None,
    on_chunk: Callable[[Drawings], None] | None = None,
    chunk_size: int | None = None,
    limits: ReadLimits | None = None,
    merge_splits: bool = False,
) -> tuple[int, int]:
    """Stream drawings from ``source`` to ``target`` (formats from the extensions).

    The splits of the source (an npz's keys, a ``split`` column or field) are kept in every
    target format that can hold them; a ``.bin`` target refuses them unless
    ``merge_splits=True`` (see :func:`open_writer`).

    Reading and ``transform`` run in this thread while a worker thread writes the previous
    chunk (parsing and Parquet / file writing release the GIL, so both cores work); at most
    one chunk is being written while the next is read, so memory holds about two chunks.
    Where threads are not allowed (``STROKEDELTA_IO_THREADS=0``, or numba without a
    thread-safe threading layer) each chunk is written before the next is read. ``target``
    appears only when everything was written.

    Parameters
    ----------
    source, target : str or Path
    split, errors, report, chunk_size, limits
        As for :func:`iter_drawings`.
    transform : callable, optional
        Applied to each chunk before writing (simplification, filters).
    on_chunk : callable, optional
        Called with each chunk as read (e.g. to advance a progress bar).
    merge_splits : bool
        Let a target that cannot keep splits (``.bin``) write them all as one set (implied by
        ``split``: one split's drawings need no label).

    Returns
    -------
    (drawings, points) : tuple of int
        What was written.

    Raises
    ------
    FileAccessError
        Before any work, when ``target`` is ``source`` (also through a link).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.sketch import Drawings
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_drawings(Drawings.from_polylines([[[[0, 3], [0, 4]]]]), folder / "a.ndjson")
    >>> convert_drawings(folder / "a.ndjson", folder / "a.parquet")
    (1, 2)
    """
    format_of(source)
    format_of(target)
    check_output_is_not_input([target], [source])
    options: dict[str, Any] = {"split": split, "errors": errors, "report": report, "limits": limits}
    chunks = iter_drawings(source, chunk_size=chunk_size, **options)
    prepared = _prepared(chunks, transform, on_chunk)
    # one split asked for: its label is all there is to drop, nothing mixes
    with open_writer(target, merge_splits=merge_splits or split is not None) as writer:
        if threads_allowed():
            return _write_behind(writer, prepared)
        return _write_each(writer, prepared)


def output_paths(inputs: Any, output_dir: Any, to: str) -> list[Path]:
    """The output of every input when converting many files: ``output_dir / (stem + to)``.

    ``cat.ndjson.gz`` becomes ``output_dir / "cat.parquet"`` for ``to=".parquet"``.

    Raises
    ------
    ValidationError
        ``to`` is not a writable format, two inputs share an output, or an output is an input.
    FormatError
        An input's extension is unknown.

    Examples
    --------
    >>> [str(p) for p in output_paths(["a/cat.ndjson.gz", "b/dog.npz"], "out", ".bin")]
    ['out/cat.bin', 'out/dog.bin']
    """
    check_choice("to", to, WRITE_FORMATS)
    if isinstance(inputs, (str, Path)):
        raise fail("inputs", "be a list of paths", repr(str(inputs)))
    sources = [Path(p) for p in inputs]
    for source in sources:
        format_of(source)  # an unknown extension fails before any work
    folder = Path(output_dir)
    targets = [folder / (s.name[: len(s.name) - len(suffix_of(s))] + to) for s in sources]
    seen: dict[Path, Path] = {}
    for source, target in zip(sources, targets):
        if target in seen:
            raise fail("inputs", "have distinct names", f"{seen[target]} and {source} -> {target}")
        if target.resolve() == source.resolve():
            raise fail("output_dir", "not overwrite an input", str(target))
        seen[target] = source
    return targets


def _prepared(
    chunks: Iterable[Drawings],
    transform: Callable[[Drawings], Drawings] | None,
    on_chunk: Callable[[Drawings], None] | None,
) -> Iterator[Drawings]:
    """Each chunk as read, reported to ``on_chunk``, then transformed."""
    for chunk in chunks:
        if on_chunk is not None:
            on_chunk(chunk)
        yield chunk if transform is None else transform(chunk)


def _write_each(writer: DrawingsWriter, chunks: Iterable[Drawings]) -> tuple[int, int]:
    """Write the chunks one after the other in this thread: (drawings, points) written."""
    drawings = points = 0
    for chunk in chunks:
        writer.write(chunk)
        drawings += len(chunk)
        points += chunk.n_points
    return drawings, points


def _write_behind(writer: DrawingsWriter, chunks: Iterable[Drawings]) -> tuple[int, int]:
    """Write chunk i in a worker thread while chunk i+1 is read here: (drawings, points).

    At most one write is in flight; a failed write raises here before the next chunk is
    handed over, and a failed read waits for the write in flight before it propagates.
    """
    drawings = points = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="strokedelta-writer") as pool:
        in_flight: Future[None] | None = None
        for chunk in chunks:
            if in_flight is not None:
                in_flight.result()
            in_flight = pool.submit(writer.write, chunk)
            drawings += len(chunk)
            points += chunk.n_points
        if in_flight is not None:
            in_flight.result()
    return drawings, points
