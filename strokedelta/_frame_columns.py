"""Row layout and column access for :class:`strokedelta.DeltaTransformer` (not public API).

Rows of a DataFrame are laid out group by group (:func:`strokedelta.ragged.group_order`), split
into runs of non-missing values, read into numpy arrays with a missing mask, and written back as
numpy or pandas' nullable columns. Everything is vectorised over rows; nothing loops per group.

Examples
--------
>>> import pandas as pd
>>> layout = layout_rows(pd.DataFrame({"g": ["a", "b", "a"]}), "g")
>>> layout.order.tolist(), layout.position.tolist()
([0, 2, 1], [0, 1, 0])
>>> rows, offsets, step = split_runs(np.array([True, False, True]), np.array([0, 1, 2]))
>>> rows.tolist(), offsets.tolist(), step.tolist()
([0, 2], [0, 1, 2], [0, 0])
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._validation import fail
from strokedelta.exceptions import ValidationError
from strokedelta.ragged import group_order

__all__ = [
    "Layout",
    "anchor_index",
    "anchor_series",
    "build_column",
    "column_values",
    "fits",
    "is_masked",
    "layout_rows",
    "not_numeric",
    "numeric_kind",
    "plain",
    "restore_dtype",
    "row_label",
    "split_runs",
]


# --------------------------------------------------------------------------- row layout
@dataclass(frozen=True)
class Layout:
    """Rows grouped contiguously: grouped row ``i`` is original row ``order[i]``."""

    order: np.ndarray  # (n,) original row of each grouped row
    keys: np.ndarray  # (S,) group key of each group, in order of first appearance
    segment: np.ndarray  # (n,) group number of each grouped row
    position: np.ndarray  # (n,) position of each grouped row inside its group


def row_label(index: pd.Index, row: int) -> Any:
    """The index label of a row, as a plain Python value for messages."""
    return plain(index[row])


def plain(value: Any) -> Any:
    """A numpy scalar as the equivalent Python value (for readable messages)."""
    return value.item() if isinstance(value, np.generic) else value


def layout_rows(frame: pd.DataFrame, group: Hashable | None) -> Layout:
    """Lay the rows out group by group (one group when ``group`` is None); NaN keys are refused."""
    n = len(frame)
    if group is None:
        order = np.arange(n, dtype=np.int64)
        offsets = np.array([0, n] if n else [0], dtype=np.int64)
        keys = np.array([None] if n else [], dtype=object)
    else:
        raw = frame[group]
        missing = raw.isna().to_numpy()
        if missing.any():
            row = row_label(frame.index, int(np.argmax(missing)))
            raise fail(f"group column {group!r}", "have a key on every row", f"NaN at row {row!r}")
        order, offsets, keys = group_order(raw.to_numpy())
    lengths = np.diff(offsets)
    segment = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    position = np.arange(n, dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    return Layout(order.astype(np.int64, copy=False), keys, segment, position)


def split_runs(
    valid: np.ndarray, position: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split grouped rows into runs of valid rows (a group start or a gap starts a new run).

    Returns ``(rows, offsets, step)``: the grouped rows that are valid, the run offsets over
    them, and the position of each of them inside its run.
    """
    rows = np.flatnonzero(valid)
    previous_valid = np.concatenate([[False], valid[:-1]])
    starts = (valid & ((position == 0) | ~previous_valid))[rows]
    run_starts = np.flatnonzero(starts)
    offsets = np.append(run_starts, rows.size).astype(np.int64)
    step = np.arange(rows.size, dtype=np.int64) - np.repeat(run_starts, np.diff(offsets))
    return rows, offsets, step


# ------------------------------------------------------------------------ column access
def is_masked(dtype: Any) -> bool:
    """True for pandas' nullable numeric dtypes (Int64, UInt8, Float64, ...)."""
    return isinstance(dtype, pd.api.extensions.ExtensionDtype) and hasattr(dtype, "numpy_dtype")


def numeric_kind(dtype: Any) -> str:
    """``i``, ``u`` or ``f`` for the numeric dtypes the transformer accepts, else ``""``."""
    base = dtype.numpy_dtype if is_masked(dtype) else dtype
    return base.kind if isinstance(base, np.dtype) and base.kind in "iuf" else ""


def not_numeric(frame: pd.DataFrame, name: Hashable) -> ValidationError:
    """The error for a column that does not hold numbers, naming the first bad value."""
    series = frame[name]
    coerced = pd.to_numeric(series, errors="coerce") if series.dtype == object else None
    if coerced is None and pd.api.types.is_string_dtype(series.dtype):
        coerced = pd.to_numeric(series.astype(object), errors="coerce")
    if coerced is not None:
        bad = (coerced.isna() & series.notna()).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            value = series.iloc[row]
            return fail(
                f"column {name!r}",
                "hold numbers",
                f"{value!r} at row {row_label(frame.index, row)!r}",
            )
    return fail(f"column {name!r}", "have a numeric dtype", series.dtype)


def column_values(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A numeric column as ``(values, missing)`` numpy arrays (missing entries hold 0 or NaN)."""
    dtype: Any = series.dtype
    if is_masked(dtype):
        missing = series.isna().to_numpy()
        fill = np.nan if dtype.numpy_dtype.kind == "f" else 0
        return series.to_numpy(dtype=dtype.numpy_dtype, na_value=fill), missing
    values = series.to_numpy()
    if values.dtype.kind == "f":
        return values, np.isnan(values)
    return values, np.zeros(values.shape, dtype=bool)


def build_column(values: np.ndarray, missing: np.ndarray, masked: bool) -> Any:
    """Build an output column: numpy when nothing is missing, nullable when ints need NA."""
    if values.dtype.kind in "iu":
        if masked or missing.any():
            return pd.arrays.IntegerArray(values, missing.copy())
        return values
    values = values.copy()
    values[missing] = np.nan
    return pd.arrays.FloatingArray(values, missing.copy()) if masked else values


def fits(values: np.ndarray, dtype: np.dtype) -> bool:
    """True when integer ``values`` are representable in the integer ``dtype``."""
    if values.size == 0:
        return True
    info = np.iinfo(dtype)
    return int(values.min()) >= int(info.min) and int(values.max()) <= int(info.max)


def restore_dtype(values: np.ndarray, dtype: Any) -> np.ndarray:
    """Cast integrated values back to the fitted dtype when that is exact, else keep them."""
    target = dtype.numpy_dtype if is_masked(dtype) else dtype
    if values.dtype.kind in "iu" and target.kind in "iu" and fits(values, target):
        return values.astype(target, copy=False)
    if values.dtype.kind == "f" and target.kind == "f":
        return values.astype(target, copy=False)
    return values


# ---------------------------------------------------------------------------- anchors
def anchor_index(group: Hashable | None, keys: np.ndarray, steps: np.ndarray) -> pd.Index:
    """Anchors are keyed by ``step`` (position in the group), and by group key when grouped."""
    if group is None:
        return pd.Index(steps, name="step")
    return pd.MultiIndex.from_arrays([keys, steps], names=[group, "step"])


def anchor_series(index: pd.Index, values: np.ndarray, name: Hashable) -> pd.Series:
    """Integer anchors are stored nullable, so joining columns never turns them into floats."""
    data = pd.array(values) if values.dtype.kind in "iu" else values
    return pd.Series(data, index=index, name=name)
