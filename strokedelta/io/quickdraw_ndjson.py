"""Quick, Draw! ndjson (raw and simplified, plain or ``.gz``): streamed reading and writing.

Each line is one JSON object: ``word``, ``countrycode``, ``timestamp``, ``recognized``,
``key_id`` and ``drawing``, a list of strokes ``[[x...], [y...]]`` (simplified) or
``[[x...], [y...], [t...]]`` (raw). Reading goes chunk by chunk: each chunk of lines is parsed
by pyarrow's JSON reader in one call and flattened with offset arithmetic (no Python work per
point); a chunk that pyarrow rejects, or whose content is invalid, is re-read line by line to
name the exact line and problem (``errors="raise"``) or to skip the bad lines
(``errors="skip"``).

Dtypes: raw drawings (with times) load as float64 coordinates and int64 times; simplified
drawings load as int32 (int64 if the numbers need it) unless they hold fractions (float64).
Writing uses Google's layout and key order; integral values are written without a fraction
(as JavaScript does), so Google's files round-trip byte for byte.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cat.ndjson"
>>> _ = path.write_text('{"word":"cat","key_id":"12","drawing":[[[1,5],[2,2]],[[3],[9]]]}\\n')
>>> d = read_ndjson(path)
>>> d[0].tolist(), d.meta["word"].tolist()
([[1, 2, 0], [4, 0, 1], [-2, 7, 1]], ['cat'])
>>> print(format_ndjson(d), end="")
{"word":"cat","key_id":"12","drawing":[[[1,5],[2,2]],[[3],[9]]]}
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._files import open_binary_input
from strokedelta._validation import check_int
from strokedelta.exceptions import FormatError
from strokedelta.io._ndjson_lines import STRING_COLUMNS, BadRecord, parse_record
from strokedelta.io._ndjson_write import NdjsonWriter, format_ndjson, write_ndjson
from strokedelta.io._report import (
    ReadReport,
    check_errors,
    handle,
    threads_allowed,
)
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch.drawings import META_COLUMNS, Drawings
from strokedelta.sketch.formats import FlatPolylines, flatten_polylines

__all__ = ["NdjsonWriter", "format_ndjson", "iter_ndjson", "read_ndjson", "write_ndjson"]

DEFAULT_CHUNK = 20_000
_SAFE_INT = 2.0**53


# ----------------------------------------------------------------------------- reading
@dataclass
class _State:
    """What the first chunk fixed for the whole file: strokes with times (3) or without (2)."""

    width: int | None = None


def iter_ndjson(
    path: Any,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    errors: str = "raise",
    report: ReadReport | None = None,
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
    state = _State()
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
    state: _State,
    errors: str,
    report: ReadReport | None,
) -> Drawings | None:
    """Accept a fast parse that agrees with the file so far, else parse line by line."""
    if fast is not None and state.width in (None, fast[1]):
        state.width = fast[1]
        return fast[0]
    return _parse_slow(lines, first_line, path, state, errors, report)


def read_ndjson(path: Any, **options: Any) -> Drawings:
    """Read a whole ndjson file into one :class:`Drawings` (options as :func:`iter_ndjson`)."""
    chunks = list(iter_ndjson(path, **options))
    if not chunks:
        return _empty()
    return chunks[0] if len(chunks) == 1 else Drawings.concat(chunks)


def _empty() -> Drawings:
    meta = _meta_frame({c: [] for c in META_COLUMNS})
    return Drawings(Ragged(np.zeros((0, 3), dtype=np.int32), [0]), meta)


def _parse_fast(lines: list[bytes]) -> tuple[Drawings, int] | None:
    """Parse a chunk with the compiled scanner, else pyarrow: (drawings, strokes' width)."""
    state = _State()
    data = b"".join(lines)
    for parse in (_parse_compiled, _parse_arrow):
        fast = parse(data, lines, state)
        if fast is not None and state.width is not None:
            return fast, state.width
    return None


def _expected_rows(lines: list[bytes]) -> int:
    return len(lines) - lines.count(b"\n") - lines.count(b"\r\n")


def _parse_compiled(data: bytes, lines: list[bytes], state: _State) -> Drawings | None:
    """Parse a chunk with the compiled scanner; None when it gives up or the data is bad."""
    from strokedelta.io._ndjson_kernel import OK, byte_counts, scan_chunk

    buf = np.frombuffer(data, dtype=np.uint8)
    counts = byte_counts(buf)
    brackets, commas = int(counts[ord("[")]), int(counts[ord(",")])
    max_floats = int(counts[ord(".")] + counts[ord("e")] + counts[ord("E")]) + 1
    (
        status,
        width,
        spans,
        recognized,
        row_strokes,
        stroke_points,
        coords,
        float_index,
        float_start,
        float_len,
        rows,
        strokes,
        points,
        floats,
    ) = scan_chunk(
        buf,
        state.width or 0,
        len(lines) + 1,
        (commas + brackets) // 2 + 1,
        brackets + 1,
        max_floats,
    )
    if status != OK or rows != _expected_rows(lines) or rows == 0:
        return None
    if floats:
        texts = _gather_bytes(buf, float_start[:floats], float_len[:floats])
        try:
            parsed = texts.astype(np.float64)
        except ValueError:
            return None
        coords = coords.astype(np.float64)
        coords.reshape(-1)[float_index[:floats]] = parsed
    xy = coords[:2, :points].T
    if floats and not (np.isfinite(xy).all() and (np.abs(xy) < _SAFE_INT).all()):
        return None  # integers have at most 15 digits: only parsed floats need the check
    time = None
    if width == 3:
        t = coords[2, :points]
        if t.dtype.kind == "f" and (
            not np.array_equal(t, np.round(t)) or np.abs(t).max() >= _SAFE_INT
        ):
            return None
        time = t.astype(np.int64)
    state.width = width
    flat = FlatPolylines(
        np.ascontiguousarray(xy),
        time,
        offsets_from_lengths(stroke_points[:strokes]),
        offsets_from_lengths(row_strokes[:rows]),
    )
    columns: dict[str, Any] = {}
    for k, name in enumerate(STRING_COLUMNS):
        column = _span_strings(buf, spans[:rows, k])
        if column is None:
            return None
        columns[name] = column
    flags = recognized[:rows]
    if (flags >= 0).all():
        columns["recognized"] = flags.astype(bool)
    else:
        column = pd.array(flags == 1, dtype="boolean")
        column[flags < 0] = pd.NA
        columns["recognized"] = column
    return _build(flat, pd.DataFrame({c: columns[c] for c in META_COLUMNS}))


def _gather_bytes(buf: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Byte spans as a fixed-width ``S`` array (zero padded), without a loop per span."""
    width = max(int(length.max()) if len(length) else 1, 1)
    columns = np.arange(width)
    inside = columns < length[:, None]
    matrix = np.zeros((len(start), width), dtype=np.uint8)
    matrix[inside] = buf[(start[:, None] + columns)[inside]]
    return matrix.view(f"S{width}").ravel()


def _span_strings(buf: np.ndarray, spans: np.ndarray) -> pd.Series | None:
    """Byte spans (start, end; start -1 = null) as a pandas string column via Arrow buffers.

    None when the bytes are not valid UTF-8.
    """
    import pyarrow as pa

    present = spans[:, 0] >= 0
    length = np.where(present, spans[:, 1] - spans[:, 0], 0)
    offsets = offsets_from_lengths(length)
    gather = np.repeat(spans[:, 0] - offsets[:-1], length) + np.arange(offsets[-1])
    validity = None if present.all() else pa.py_buffer(np.packbits(present, bitorder="little"))
    array = pa.LargeStringArray.from_buffers(
        len(spans),
        pa.py_buffer(offsets),
        pa.py_buffer(buf[gather].tobytes()),
        validity,
        int((~present).sum()),
    )
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return None
    return array.to_pandas()


def _parse_arrow(data: bytes, lines: list[bytes], state: _State) -> Drawings | None:
    """Parse a whole chunk with pyarrow; None when anything is off (the slow path decides)."""
    import pyarrow as pa
    import pyarrow.json as pj

    expected = _expected_rows(lines)
    if expected == 0:
        return None
    try:
        table = pj.read_json(
            pa.BufferReader(data),
            read_options=pj.ReadOptions(block_size=max(1 << 20, len(data) // 2 + 1)),
            parse_options=pj.ParseOptions(
                explicit_schema=_schema(), unexpected_field_behavior="ignore"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != expected:
        return None
    flat = _flat_from_arrow(table.column("drawing").combine_chunks(), state)
    if flat is None:
        return None
    meta = _meta_frame({c: table.column(c).combine_chunks() for c in META_COLUMNS})
    return _build(flat, meta)


def _schema() -> Any:
    import pyarrow as pa

    fields = [(c, pa.string()) for c in STRING_COLUMNS]
    fields.append(("recognized", pa.bool_()))
    fields.append(("drawing", pa.list_(pa.list_(pa.list_(pa.float64())))))
    return pa.schema(fields)


def _level(array: Any) -> tuple[np.ndarray, Any] | None:
    """Offsets (starting at 0) and child of a list array; None if it holds nulls."""
    if array.null_count:
        return None
    offsets = np.asarray(array.offsets, dtype=np.int64)
    return offsets - offsets[0], array.flatten()


def _flat_from_arrow(drawing: Any, state: _State) -> FlatPolylines | None:
    """Validate and flatten a ``list<list<list<double>>>`` column; None on any problem."""
    levels = []
    array = drawing
    for _ in range(3):
        level = _level(array)
        if level is None:
            return None
        levels.append(level[0])
        array = level[1]
    if array.null_count:
        return None
    return _flatten_levels(levels[0], levels[1], levels[2], np.asarray(array), state)


def _flatten_levels(
    d_off: np.ndarray, s_off: np.ndarray, c_off: np.ndarray, values: np.ndarray, state: _State
) -> FlatPolylines | None:
    """Drawings -> strokes -> lists -> numbers offsets to flat points; None on any problem.

    Problems (left to the line-by-line parser to name): an empty drawing, a stroke that is
    not 2 or 3 lists (or differs from the file's first stroke), lists of different lengths,
    empty strokes, non-finite or huge numbers, fractional times.
    """
    n_strokes = np.diff(d_off)
    arity = np.diff(s_off)
    if len(arity) == 0 or (n_strokes == 0).any():
        return None
    width = int(arity[0])
    if width not in (2, 3) or (arity != width).any():
        return None
    if state.width is not None and width != state.width:
        return None
    lengths = np.diff(c_off).reshape(-1, width)
    n = lengths[:, 0]
    if (n == 0).any() or (lengths != n[:, None]).any():
        return None
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        return None
    if len(values) and np.abs(values).max() >= _SAFE_INT:
        return None
    point_offsets = offsets_from_lengths(n)
    base = np.repeat(c_off[:-1:width] - point_offsets[:-1], n) + np.arange(point_offsets[-1])
    step = np.repeat(n, n)
    points = np.empty((len(base), 2), dtype=values.dtype)
    points[:, 0] = values[base]
    points[:, 1] = values[base + step]
    time = None
    if width == 3:
        t = values[base + 2 * step]
        if t.dtype.kind == "f" and not np.array_equal(t, np.round(t)):
            return None
        time = t.astype(np.int64)
    state.width = width
    return FlatPolylines(points, time, point_offsets, d_off)


def _coordinates(points: np.ndarray, has_time: bool) -> np.ndarray:
    """Raw (timed) data -> float64; integral data -> int32 (int64 when needed)."""
    if has_time:
        return points.astype(np.float64, copy=False)
    if points.dtype.kind == "f" and (
        not np.array_equal(points, np.round(points)) or (np.abs(points) >= _SAFE_INT).any()
    ):
        return points
    if len(points) == 0 or (points.min() > -(2**31) and points.max() < 2**31 - 1):
        return points.astype(np.int32)
    return points.astype(np.int64)


def _build(flat: FlatPolylines, meta: pd.DataFrame) -> Drawings:
    flat.points = _coordinates(flat.points, flat.time is not None)
    strokes = flat.to_stroke3()
    time = None if flat.time is None else Ragged(flat.time, strokes.offsets)
    # valid by construction: finite values (checked while parsing), pen made from strokes
    return Drawings._trusted(strokes, meta, time, {})


def _meta_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """Metadata columns (pyarrow arrays or lists) -> DataFrame with stable dtypes."""
    import pyarrow as pa

    data: dict[str, Any] = {}
    for name in META_COLUMNS:
        col = columns[name]
        if not isinstance(col, pa.Array):
            col = pa.array(col, type=pa.bool_() if name == "recognized" else pa.string())
        if name == "recognized":
            if col.null_count:
                data[name] = pd.array(col.to_pylist(), dtype="boolean")
            else:
                data[name] = np.asarray(col, dtype=bool)
        else:
            data[name] = col.to_pandas()
    return pd.DataFrame(data)


def _parse_slow(
    lines: list[bytes],
    first_line: int,
    path: str,
    state: _State,
    errors: str,
    report: ReadReport | None,
) -> Drawings | None:
    drawings: list[Any] = []
    meta: dict[str, list[Any]] = {c: [] for c in META_COLUMNS}
    for number, line in enumerate(lines, start=first_line):
        problem = None
        try:
            record = parse_record(line, state.width)
        except BadRecord as exc:
            problem = FormatError(str(exc), path=path, line=number)
        if problem is not None:
            handle(problem, errors, report)
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
    return _build(flat, _meta_frame(meta))
