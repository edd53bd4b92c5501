"""Quick, Draw! ndjson (raw and simplified, plain or ``.gz``): streamed reading and writing.

Each line is one JSON object: ``word``, ``countrycode``, ``timestamp``, ``recognized``,
``key_id`` and ``drawing``, a list of strokes ``[[x...], [y...]]`` (simplified) or
``[[x...], [y...], [t...]]`` (raw); strokedelta adds ``split`` (``train`` / ``valid`` /
``test``, after ``key_id``) for drawings that have one, and reads it back into the ``split``
column (present only when a line has the field). Reading goes chunk by chunk
(:mod:`strokedelta.io._ndjson_chunks` cuts the stream at newlines in bounded memory): each
chunk is parsed by the compiled scanner (:mod:`strokedelta.io._ndjson_scan`) and flattened
with offset arithmetic (no Python work per point); a chunk it rejects, whose content is invalid
or over a limit, is re-read line by line (:mod:`strokedelta.io._ndjson_lines`) to name the exact
line and problem (``errors="raise"``) or to skip the bad lines (``errors="skip"``). The first
:data:`FAST_MIN_BYTES` of a file go line by line too: loading the compiled scanner (numba and
its cached machine code) costs about a second, more than parsing a small file line by line, so
a command on a small file never loads it; both parsers give the same drawings. No line
goes to a parser that could crash the process or exhaust its memory: lines over
``max_line_bytes`` are never held, JSON nesting is measured before :func:`json.loads` recurses,
strokes and points are counted before arrays are built, and coordinates whose deltas would not
be finite (``1e308`` then ``-1e308``) are refused.

Dtypes: raw drawings (with times) load as float64 coordinates and int64 times; simplified
drawings load as int32 (int64 if the numbers need it) unless they hold fractions (float64).
Writing (:class:`NdjsonWriter`) uses Google's layout and key order; integral values are written
without a fraction (as JavaScript does), so Google's files round-trip byte for byte.

This module registers the ``ndjson`` format; read and write it with
:func:`strokedelta.io.read_drawings` and :func:`strokedelta.io.write_drawings`.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.io import read_drawings, write_drawings
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cat.ndjson"
>>> _ = path.write_text('{"word":"cat","key_id":"12","drawing":[[[1,5],[2,2]],[[3],[9]]]}\\n')
>>> d = read_drawings(path)
>>> d[0].tolist(), d.meta["word"].tolist()
([[1, 2, 0], [4, 0, 1], [-2, 7, 1]], ['cat'])
>>> write_drawings(d, path.with_name("copy.ndjson"))
>>> print(path.with_name("copy.ndjson").read_text(), end="")
{"word":"cat","key_id":"12","drawing":[[[1,5],[2,2]],[[3],[9]]]}
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._files import open_binary_input
from strokedelta._threads import threads_allowed
from strokedelta._validation import check_int
from strokedelta.exceptions import FormatError, ResourceLimitError
from strokedelta.io._ndjson_build import ChunkState, build_drawings, meta_frame
from strokedelta.io._ndjson_chunks import Chunk, LongLine, read_chunks
from strokedelta.io._ndjson_lines import BadRecord, LimitHit, parse_record
from strokedelta.io._ndjson_write import NdjsonWriter
from strokedelta.io.read_report import ReadReport, check_errors, raise_or_record
from strokedelta.io.registry import DrawingsFormat, register
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import META_COLUMNS, Drawings
from strokedelta.sketch.formats import flatten_polylines

__all__ = ["CHUNK_BYTES", "DEFAULT_CHUNK", "FAST_MIN_BYTES", "NdjsonWriter", "iter_ndjson"]

#: Lines per chunk when reading.
DEFAULT_CHUNK = 20_000
#: About how many bytes a chunk holds at most (a longer line makes a chunk of its own).
CHUNK_BYTES = 16 << 20
#: Chunks go to the compiled scanner once the file has given this many bytes (with the chunk);
#: before, line by line (about 1.3 MB/s, against about a second to load numba's kernels).
FAST_MIN_BYTES = 256 << 10

_Pending = tuple[Chunk | LongLine, "Future[tuple[Drawings, int] | None]"]


def iter_ndjson(
    path: Any,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Drawings]:
    """Yield the drawings of a Quick, Draw! ndjson file in chunks of ``chunk_size`` lines.

    Parameters
    ----------
    path : str or Path
        ``*.ndjson``, ``*.ndjson.gz`` or ``-`` (stdin).
    chunk_size : int
        Lines per chunk (memory is bounded by one chunk, at most about 16 MiB of text).
    errors : {"raise", "skip"}
        Stop at the first bad line (FormatError naming file and line) or skip bad lines,
        counting them in ``report``. A line over a limit of ``limits`` is a bad line
        (ResourceLimitError); a corrupt or oversized gzip stream always stops the reading.
    report : ReadReport, optional
        Receives the skipped lines and their reasons.
    limits : ReadLimits
        ``max_line_bytes``, ``max_depth``, ``max_strokes`` and ``max_points`` per line;
        ``max_decompressed_bytes`` and ``max_ratio`` for ``.gz`` files.
    """
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    errors = check_errors(errors)
    state = ChunkState()
    name = str(path)
    # Two chunks are parsed at a time in worker threads (the compiled scanner and numpy
    # release the GIL); results are taken in file order, and a chunk the fast parser gives
    # up on is re-read line by line here, in order, so errors and reports stay exact.
    pending: deque[_Pending] = deque()
    workers = 2 if threads_allowed() else 1
    seen = 0  # bytes read so far
    with (
        open_binary_input(path, limits=limits) as handle,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        items = read_chunks(
            handle,
            lines=chunk_size,
            size=CHUNK_BYTES,
            max_line_bytes=limits.max_line_bytes,
            errors=errors,
        )
        more = True
        while more or pending:
            if more:
                item = next(items, None)
                more = item is not None
                if isinstance(item, Chunk) and item.data.isspace():
                    continue  # blank lines only: nothing to parse
                if item is not None:
                    seen += len(item.data) if isinstance(item, Chunk) else FAST_MIN_BYTES
                    fast = seen >= FAST_MIN_BYTES
                    pending.append((item, _submit(pool, workers, item, limits, fast)))
            if pending and (len(pending) >= workers or not more):
                item_, future = pending.popleft()
                chunk = _take(item_, future.result(), name, state, errors, report, limits)
                if chunk is not None and len(chunk):
                    yield _with_split_column(chunk, state)


def _with_split_column(chunk: Drawings, state: ChunkState) -> Drawings:
    """Once a chunk had a ``split`` column, every later chunk has one (null where absent)."""
    if "split" in chunk.meta.columns:
        state.splits = True
    elif state.splits:
        chunk.meta["split"] = pd.Series([None] * len(chunk), dtype="str")
    return chunk


def _submit(
    pool: ThreadPoolExecutor,
    workers: int,
    item: Chunk | LongLine,
    limits: ReadLimits,
    fast: bool,
) -> Future[tuple[Drawings, int] | None]:
    """Start the fast parse of a chunk (in a worker when threads may run); a None result,
    also when ``fast`` is False, sends the chunk to the line-by-line parser."""
    future: Future[tuple[Drawings, int] | None] = Future()
    if not fast:
        future.set_result(None)
    elif workers > 1 and isinstance(item, Chunk):
        return pool.submit(_parse_fast, item, limits)
    else:
        future.set_result(_parse_fast(item, limits))  # here: no concurrent numba kernels
    return future


def _take(
    item: Chunk | LongLine,
    fast: tuple[Drawings, int] | None,
    path: str,
    state: ChunkState,
    errors: str,
    report: ReadReport | None,
    limits: ReadLimits,
) -> Drawings | None:
    """Accept a fast parse that agrees with the file so far, else parse line by line."""
    if isinstance(item, LongLine):
        what = f"line has more than {limits.max_line_bytes} bytes"
        error = ResourceLimitError(
            what, limit="max_line_bytes", value=limits.max_line_bytes, path=path, line=item.line
        )
        raise_or_record(error, errors, report)
        return None
    if fast is not None and state.width in (None, fast[1]):
        state.width = fast[1]
        return fast[0]
    return _parse_slow(item, path, state, errors, report, limits)


def _parse_fast(item: Chunk | LongLine, limits: ReadLimits) -> tuple[Drawings, int] | None:
    """Parse a chunk with the compiled scanner: (drawings, strokes' width), or None."""
    if isinstance(item, LongLine):
        return None
    state = ChunkState()
    fast = parse_compiled(item.data, item.n_lines, state, limits)
    if fast is not None and state.width is not None:
        return fast, state.width
    return None


def parse_compiled(
    data: bytes, n_lines: int, state: ChunkState, limits: ReadLimits
) -> Drawings | None:
    """:func:`strokedelta.io._ndjson_scan.parse_compiled`, loaded on first use."""
    # imported here: it loads numba and its compiled kernels (about a second), which a small
    # file, parsed line by line, never needs
    from strokedelta.io._ndjson_scan import parse_compiled as scan  # lazy: numba is heavy

    return scan(data, n_lines, state, limits)


def _parse_slow(
    item: Chunk,
    path: str,
    state: ChunkState,
    errors: str,
    report: ReadReport | None,
    limits: ReadLimits,
) -> Drawings | None:
    """Parse a chunk line by line: the exact line and reason of every bad line."""
    drawings: list[Any] = []
    meta: dict[str, list[Any]] = {c: [] for c in (*META_COLUMNS, "split")}
    lines = item.data.split(b"\n")[: item.n_lines]
    for number, line in enumerate(lines, start=item.first_line):
        try:
            record = parse_record(line, state.width, limits)
        except BadRecord as exc:
            raise_or_record(_line_error(exc, path, number, limits), errors, report)
            continue
        if record is None:
            continue
        values, drawing, state.width = record
        drawings.append(drawing)
        for c, column in meta.items():
            column.append(values.get(c))
    if not drawings:
        return None
    flat = flatten_polylines(drawings)
    if flat.points.dtype.kind == "i" and flat.time is not None:
        flat.points = flat.points.astype(np.float64)
    frame = meta_frame(meta)
    if any(s is not None for s in meta["split"]):
        frame["split"] = pd.Series(meta["split"], dtype="str")
    return build_drawings(flat, frame)


def _line_error(exc: BadRecord, path: str, line: int, limits: ReadLimits) -> FormatError:
    if isinstance(exc, LimitHit):
        return ResourceLimitError(
            exc.what, limit=exc.limit, value=getattr(limits, exc.limit), path=path, line=line
        )
    return FormatError(str(exc), path=path, line=line)


def _no_drawings(path: Any) -> Drawings:
    """What reading gives when there are no drawings: the Quick, Draw! columns, int32 points."""
    meta = meta_frame({c: [] for c in META_COLUMNS})
    return Drawings(Ragged(np.zeros((0, 3), dtype=np.int32), [0]), meta)


register(
    DrawingsFormat(
        name="ndjson",
        description="Quick, Draw! ndjson, raw or simplified",
        suffixes=(".ndjson", ".ndjson.gz"),
        read_chunks=iter_ndjson,
        writer=NdjsonWriter,
        empty=_no_drawings,
        streams=True,
        keeps_time=True,
        keeps_splits=True,
        reads_stdin=True,
    )
)
