"""Quick, Draw! ndjson (raw and simplified, plain or ``.gz``): streamed reading and writing.

Each line is one JSON object: ``word``, ``countrycode``, ``timestamp``, ``recognized``,
``key_id`` and ``drawing``, a list of strokes ``[[x...], [y...]]`` (simplified) or
``[[x...], [y...], [t...]]`` (raw). Reading goes chunk by chunk: each chunk of lines is parsed
by the compiled scanner (:mod:`strokedelta.io._ndjson_scan`), else by pyarrow's JSON reader
(:mod:`strokedelta.io._ndjson_arrow`), and flattened with offset arithmetic (no Python work per
point); a chunk that both reject, or whose content is invalid, is re-read line by line
(:mod:`strokedelta.io._ndjson_lines`) to name the exact line and problem (``errors="raise"``) or
to skip the bad lines (``errors="skip"``).

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
from itertools import islice
from typing import Any

import numpy as np

from strokedelta._files import open_binary_input
from strokedelta._threads import threads_allowed
from strokedelta._validation import check_int
from strokedelta.exceptions import FormatError
from strokedelta.io._ndjson_arrow import parse_arrow
from strokedelta.io._ndjson_build import ChunkState, build_drawings, meta_frame
from strokedelta.io._ndjson_lines import BadRecord, parse_record
from strokedelta.io._ndjson_scan import parse_compiled
from strokedelta.io._ndjson_write import NdjsonWriter
from strokedelta.io.read_report import ReadReport, check_errors, raise_or_record
from strokedelta.io.registry import DrawingsFormat, register
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import META_COLUMNS, Drawings
from strokedelta.sketch.formats import flatten_polylines

__all__ = ["DEFAULT_CHUNK", "NdjsonWriter", "iter_ndjson"]

#: Lines per chunk when reading.
DEFAULT_CHUNK = 20_000


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
        Lines per chunk (memory is bounded by one chunk).
    errors : {"raise", "skip"}
        Stop at the first bad line (FormatError naming file and line) or skip bad lines,
        counting them in ``report``.
    report : ReadReport, optional
        Receives the skipped lines and their reasons.
    """
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    errors = check_errors(errors)
    state = ChunkState()
    name = str(path)
    # Two chunks are parsed at a time in worker threads (the compiled scanner and numpy
    # release the GIL); results are taken in file order, and a chunk the fast parsers give
    # up on is re-read line by line here, in order, so errors and reports stay exact.
    pending: deque[tuple[list[bytes], int, Future[tuple[Drawings, int] | None]]] = deque()
    workers = 2 if threads_allowed() else 1
    with open_binary_input(path) as handle_, ThreadPoolExecutor(max_workers=workers) as pool:
        first_line = 1
        more = True
        while more or pending:
            if more:
                lines = list(islice(handle_, chunk_size))
                more = bool(lines)
                if lines:
                    future: Future[tuple[Drawings, int] | None] = Future()
                    if workers > 1:
                        future = pool.submit(_parse_fast, lines)
                    else:  # parse here: no concurrent numba kernels
                        future.set_result(_parse_fast(lines))
                    pending.append((lines, first_line, future))
                    first_line += len(lines)
            if pending and (len(pending) >= workers or not more):
                lines_, start, future = pending.popleft()
                chunk = _take(future.result(), lines_, start, name, state, errors, report)
                if chunk is not None and len(chunk):
                    yield chunk


def _take(
    fast: tuple[Drawings, int] | None,
    lines: list[bytes],
    first_line: int,
    path: str,
    state: ChunkState,
    errors: str,
    report: ReadReport | None,
) -> Drawings | None:
    """Accept a fast parse that agrees with the file so far, else parse line by line."""
    if fast is not None and state.width in (None, fast[1]):
        state.width = fast[1]
        return fast[0]
    return _parse_slow(lines, first_line, path, state, errors, report)


def _parse_fast(lines: list[bytes]) -> tuple[Drawings, int] | None:
    """Parse a chunk with the compiled scanner, else pyarrow: (drawings, strokes' width)."""
    state = ChunkState()
    data = b"".join(lines)
    for parse in (parse_compiled, parse_arrow):
        fast = parse(data, lines, state)
        if fast is not None and state.width is not None:
            return fast, state.width
    return None


def _parse_slow(
    lines: list[bytes],
    first_line: int,
    path: str,
    state: ChunkState,
    errors: str,
    report: ReadReport | None,
) -> Drawings | None:
    """Parse a chunk line by line: the exact line and reason of every bad line."""
    drawings: list[Any] = []
    meta: dict[str, list[Any]] = {c: [] for c in META_COLUMNS}
    for number, line in enumerate(lines, start=first_line):
        problem = None
        try:
            record = parse_record(line, state.width)
        except BadRecord as exc:
            problem = FormatError(str(exc), path=path, line=number)
        if problem is not None:
            raise_or_record(problem, errors, report)
            continue
        if record is None:
            continue
        values, drawing, state.width = record
        drawings.append(drawing)
        for c in META_COLUMNS:
            meta[c].append(values.get(c))
    if not drawings:
        return None
    flat = flatten_polylines(drawings)
    if flat.points.dtype.kind == "i" and flat.time is not None:
        flat.points = flat.points.astype(np.float64)
    return build_drawings(flat, meta_frame(meta))


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
        keeps_splits=False,
        reads_stdin=True,
    )
)
