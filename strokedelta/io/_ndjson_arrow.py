"""The second ndjson parse path: a whole chunk read by pyarrow's JSON reader into Drawings.

The ``drawing`` column comes back as ``list<list<list<double>>>``; its offsets are validated and
flattened with offset arithmetic (no Python work per point). Anything unusual returns None, and
the line-by-line parser names the problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta.io._ndjson_build import (
    SAFE_INT,
    ChunkState,
    build_drawings,
    expected_rows,
    meta_frame,
)
from strokedelta.io._ndjson_lines import STRING_COLUMNS
from strokedelta.ragged import offsets_from_lengths
from strokedelta.sketch.drawings import META_COLUMNS, Drawings
from strokedelta.sketch.formats import FlatPolylines

__all__ = ["parse_arrow"]


def parse_arrow(data: bytes, lines: list[bytes], state: ChunkState) -> Drawings | None:
    """Parse a whole chunk with pyarrow; None when anything is off (the slow path decides)."""
    import pyarrow as pa
    import pyarrow.json as pj

    expected = expected_rows(lines)
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
    meta = meta_frame({c: table.column(c).combine_chunks() for c in META_COLUMNS})
    return build_drawings(flat, meta)


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


def _flat_from_arrow(drawing: Any, state: ChunkState) -> FlatPolylines | None:
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
    d_off: np.ndarray, s_off: np.ndarray, c_off: np.ndarray, values: np.ndarray, state: ChunkState
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
    if len(values) and np.abs(values).max() >= SAFE_INT:
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
