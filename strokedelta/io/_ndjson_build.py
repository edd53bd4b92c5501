"""What the two ndjson parse paths share: the file's stroke width and building Drawings.

The compiled scanner (:mod:`strokedelta.io._ndjson_scan`) and the line-by-line parser
(:mod:`strokedelta.io._ndjson_lines`) both end with flat points, offsets and metadata columns;
this module turns them into :class:`Drawings` with the documented dtypes: raw drawings (with
times) as float64 coordinates and int64 times, simplified drawings as int32 (int64 if the
numbers need it) unless they hold fractions (float64).

Examples
--------
>>> from strokedelta.sketch.formats import flatten_polylines
>>> meta = meta_frame({c: [None] for c in META_COLUMNS})
>>> d = build_drawings(flatten_polylines([[[[1.0, 5.0], [2.0, 2.0]]]]), meta)
>>> d[0].tolist(), d.strokes.values.dtype.name
([[1, 2, 0], [4, 0, 1]], 'int32')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import META_COLUMNS, Drawings
from strokedelta.sketch.formats import FlatPolylines

__all__ = ["SAFE_INT", "ChunkState", "build_drawings", "meta_frame"]

#: Numbers at or beyond this size are not exact in float64 (the fast parser gives up on them).
SAFE_INT = 2.0**53


@dataclass
class ChunkState:
    """What earlier chunks fixed for the whole file: strokes with times (3) or without (2),
    and whether drawings carry a ``split`` column."""

    width: int | None = None
    splits: bool = False


def _coordinates(points: np.ndarray, has_time: bool) -> np.ndarray:
    """Raw (timed) data -> float64; integral data -> int32 (int64 when needed)."""
    if has_time:
        return points.astype(np.float64, copy=False)
    if points.dtype.kind == "f" and (
        not np.array_equal(points, np.round(points)) or (np.abs(points) >= SAFE_INT).any()
    ):
        return points
    if len(points) == 0 or (points.min() > -(2**31) and points.max() < 2**31 - 1):
        return points.astype(np.int32)
    return points.astype(np.int64)


def build_drawings(flat: FlatPolylines, meta: pd.DataFrame) -> Drawings:
    flat.points = _coordinates(flat.points, flat.time is not None)
    strokes = flat.to_stroke3()
    time = None if flat.time is None else Ragged(flat.time, strokes.offsets)
    # valid by construction: finite values (checked while parsing), pen made from strokes
    return Drawings._trusted(strokes, meta, time, {})


def meta_frame(columns: dict[str, Any]) -> pd.DataFrame:
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
