"""Readers and writers of drawings, chosen by file extension.

=================  =========================================  ======  ======
extension          format                                     read    write
=================  =========================================  ======  ======
``.ndjson(.gz)``   Quick, Draw! ndjson, raw or simplified     yes     yes
``.bin``           Quick, Draw! binary                        yes     yes
``.npz``           Sketch-RNN stroke-3 splits                 yes     yes
``.parquet``       strokedelta's columnar drawings layout     yes     yes
=================  =========================================  ======  ======

Reading streams in chunks where the format allows it (ndjson, Parquet); writing goes through
:func:`open_writer`, which writes to a temporary file renamed into place only on success, so
a failure never leaves a partial output.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]]]])
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_drawings(d, folder / "d.parquet")
>>> write_drawings(read_drawings(folder / "d.parquet"), folder / "d.ndjson")
>>> read_drawings(folder / "d.ndjson").to_polylines()
[[[[0, 3], [0, 4]]], [[[1], [1]]]]
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from strokedelta._files import atomic_path, suffix_of
from strokedelta._validation import check_choice
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io._report import ReadReport, in_chunks, threads_allowed
from strokedelta.io.sketchrnn_npz import SPLITS
from strokedelta.sketch.drawings import Drawings, check_drawings

__all__ = [
    "READ_FORMATS",
    "WRITE_FORMATS",
    "DrawingsWriter",
    "ReadReport",
    "convert_drawings",
    "format_of",
    "iter_drawings",
    "open_writer",
    "read_drawings",
    "write_drawings",
]

_FORMATS = {
    ".ndjson": "ndjson",
    ".ndjson.gz": "ndjson",
    "-": "ndjson",
    ".bin": "bin",
    ".npz": "npz",
    ".parquet": "parquet",
    ".pq": "parquet",
}
READ_FORMATS = (".ndjson", ".ndjson.gz", ".bin", ".npz", ".parquet")
WRITE_FORMATS = READ_FORMATS


class DrawingsWriter(Protocol):
    """What :func:`open_writer` yields: ``write`` batches, ``count`` drawings written."""

    count: int

    def write(self, drawings: Drawings) -> None: ...  # pragma: no cover

    def close(self) -> None: ...  # pragma: no cover

    def abort(self) -> None: ...  # pragma: no cover


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
    suffix = suffix_of(path)
    try:
        return _FORMATS[suffix]
    except KeyError:
        raise FormatError(
            f"unknown drawings format {suffix!r}; use " + ", ".join(READ_FORMATS), path=str(path)
        ) from None


def iter_drawings(
    path: Any,
    *,
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    chunk_size: int | None = None,
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
    """
    fmt = format_of(path)
    if split is not None:
        check_choice("split", split, SPLITS)
    options: dict[str, Any] = {"errors": errors, "report": report}
    if chunk_size is not None:
        options["chunk_size"] = chunk_size
    if fmt == "ndjson":
        from strokedelta.io.quickdraw_ndjson import iter_ndjson

        chunks: Iterator[Drawings] = iter_ndjson(path, **options)
    elif fmt == "bin":
        from strokedelta.io.quickdraw_bin import iter_bin

        chunks = iter_bin(path, **options)
    elif fmt == "parquet":
        from strokedelta.io.parquet import iter_parquet

        chunks = iter_parquet(path, **options)
    else:
        from strokedelta.io.sketchrnn_npz import read_npz

        chunks = in_chunks(
            read_npz(path, split=split, errors=errors, report=report), chunk_size or 100_000
        )
        split = None
    for chunk in chunks:
        if split is not None:
            if "split" not in chunk.meta.columns:
                raise ValidationError(
                    f"split={split!r} needs a file with a 'split' column "
                    f"(a Sketch-RNN .npz or data converted from one); "
                    f"{path} has none"
                )
            chunk = chunk[(chunk.meta["split"] == split).to_numpy()]
        if len(chunk):
            yield chunk


def read_drawings(
    path: Any,
    *,
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
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
    fmt = format_of(path)
    if fmt == "npz":
        from strokedelta.io.sketchrnn_npz import read_npz

        return read_npz(path, split=split, errors=errors, report=report)
    chunks = list(iter_drawings(path, split=split, errors=errors, report=report))
    if len(chunks) == 1:
        return chunks[0]
    if chunks:
        return Drawings.concat(chunks)
    return _empty_like(path, fmt, split)


def _empty_like(path: Any, fmt: str, split: str | None) -> Drawings:
    if fmt == "parquet":
        from strokedelta.io.parquet import read_parquet

        empty = read_parquet(path)
        return empty if split is None else empty[:0]
    if fmt == "ndjson":
        from strokedelta.io.quickdraw_ndjson import _empty

        return _empty()
    import numpy as np

    from strokedelta.ragged import Ragged

    return Drawings(Ragged(np.zeros((0, 3), dtype=np.int16), [0]))


@contextlib.contextmanager
def open_writer(path: Any, **options: Any) -> Iterator[DrawingsWriter]:
    """Open a writer for ``path`` (format from the extension); the file appears on success.

    Options go to the format's writer (``row_group_size`` for Parquet).

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
    fmt = format_of(path)
    if str(path) == "-":
        raise FormatError("writing to stdout is not supported; give an output file", path="-")
    with atomic_path(path) as tmp:
        writer = _make_writer(fmt, tmp, gzip=suffix_of(path).endswith(".gz"), **options)
        try:
            yield writer
        except BaseException:
            writer.abort()
            raise
        writer.close()


def _make_writer(fmt: str, tmp: Any, *, gzip: bool, **options: Any) -> DrawingsWriter:
    if fmt == "ndjson":
        from strokedelta.io.quickdraw_ndjson import NdjsonWriter

        return NdjsonWriter(tmp, gzip=gzip)
    if fmt == "bin":
        from strokedelta.io.quickdraw_bin import BinWriter

        return BinWriter(tmp)
    if fmt == "npz":
        from strokedelta.io.sketchrnn_npz import NpzWriter

        return NpzWriter(tmp)
    from strokedelta.io.parquet import ParquetWriter

    return ParquetWriter(tmp, **options)


def write_drawings(drawings: Drawings, path: Any, **options: Any) -> None:
    """Write drawings to ``path`` in the format of its extension, atomically.

    ``.npz`` writes the ``split`` column's splits (everything in ``train`` without one) as
    int16 (refusing values outside int16) or float64 elements; ``.bin`` needs integer
    coordinates in 0..255; ``.ndjson`` writes Google's layout (times when present).
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
) -> tuple[int, int]:
    """Stream drawings from ``source`` to ``target`` (formats from the extensions).

    Reading and ``transform`` run in this thread while a second thread writes the previous
    chunk (parsing and Parquet / file writing release the GIL, so both cores work); at most
    three chunks are in memory. ``target`` appears only when everything was written.

    Parameters
    ----------
    source, target : str or Path
    split, errors, report, chunk_size
        As for :func:`iter_drawings`.
    transform : callable, optional
        Applied to each chunk before writing (simplification, filters).
    on_chunk : callable, optional
        Called with each chunk as read (e.g. to advance a progress bar).

    Returns
    -------
    (drawings, points) : tuple of int
        What was written.

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
    totals = [0, 0]
    chunks = iter_drawings(source, split=split, errors=errors, report=report, chunk_size=chunk_size)

    def prepared() -> Iterator[Drawings]:
        for chunk in chunks:
            if on_chunk is not None:
                on_chunk(chunk)
            yield chunk if transform is None else transform(chunk)

    with open_writer(target) as writer:
        if not threads_allowed():
            for chunk in prepared():
                writer.write(chunk)
                totals[0] += len(chunk)
                totals[1] += chunk.n_points
            return totals[0], totals[1]
        pending: queue.Queue[Drawings | None] = queue.Queue(maxsize=1)
        failure: list[BaseException] = []

        def drain() -> None:
            while (chunk := pending.get()) is not None:
                if failure:
                    continue
                try:
                    writer.write(chunk)
                    totals[0] += len(chunk)
                    totals[1] += chunk.n_points
                except BaseException as exc:  # handed to the reading thread
                    failure.append(exc)

        thread = threading.Thread(target=drain, daemon=True)
        thread.start()
        try:
            for chunk in prepared():
                if failure:
                    break
                pending.put(chunk)
        finally:
            pending.put(None)
            thread.join()
        if failure:
            raise failure[0]
    return totals[0], totals[1]
