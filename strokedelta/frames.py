"""DataFrame columns as flat numpy arrays for delta coding: checks, row layout and column access.

The layer under :class:`strokedelta.DeltaTransformer` and the Dask engine
(:mod:`strokedelta.distributed`). Rows of a DataFrame are laid out group by group
(:func:`strokedelta.ragged.group_order`), split into runs of non-missing values, read into numpy
arrays with a missing mask, and written back as numpy or pandas' nullable columns. Everything is
vectorised over rows; nothing loops per group.

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

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._validation import fail
from strokedelta.exceptions import ValidationError
from strokedelta.ragged import group_order

__all__ = [
    "Layout",
    "build_column",
    "check_frame",
    "column_values",
    "fits",
    "is_masked",
    "layout_rows",
    "not_numeric",
    "numeric_kind",
    "plain",
    "put_column",
    "restore_dtype",
    "row_label",
    "select_columns",
    "split_runs",
]


# --------------------------------------------------------------------------- checks
def select_columns(
    frame: pd.DataFrame, columns: Sequence[Hashable] | None, group: Hashable | None
) -> list[Hashable]:
    """The columns to code: ``columns`` as a list, or every numeric column but ``group``.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [1, 1], "x": [0.5, 1.0], "note": ["p", "q"]})
    >>> select_columns(frame, None, "id"), select_columns(frame, "x", None)
    (['x'], ['x'])
    >>> select_columns(frame, ["id"], "id")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: columns must not include the group column 'id'; got
        ['id']
    """
    chosen: list[Hashable]
    if columns is None:
        chosen = [c for c in frame.columns if c != group and numeric_kind(frame[c].dtype)]
        if not chosen:
            raise fail("X", "have a numeric column to difference", list(frame.columns))
    else:
        chosen = [columns] if isinstance(columns, str) else list(columns)
        if not chosen:
            raise fail("columns", "name at least one column", "[]")
    if len(set(chosen)) != len(chosen):
        raise fail("columns", "be unique", chosen)
    if group in chosen:
        raise fail("columns", f"not include the group column {group!r}", chosen)
    return chosen


def check_frame(X: Any, columns: Sequence[Hashable], group: Hashable | None) -> pd.DataFrame:
    """``X`` must be a DataFrame holding ``columns`` (once each, numeric) and ``group``.

    Examples
    --------
    >>> check_frame(pd.DataFrame({"x": [1]}), ["x", "y"], None)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: X must have the column(s) 'y'; got columns ['x']
    """
    if not isinstance(X, pd.DataFrame):
        raise fail("X", "be a pandas DataFrame", type(X).__name__)
    wanted = [*columns, *([] if group is None else [group])]
    absent = [c for c in wanted if c not in X.columns]
    if absent:
        listed = ", ".join(repr(c) for c in absent)
        raise fail("X", f"have the column(s) {listed}", f"columns {list(X.columns)}")
    duplicated = [c for c in wanted if int((X.columns == c).sum()) > 1]
    if duplicated:
        raise fail("X", "have each named column once", f"duplicates {duplicated}")
    for name in columns:
        if not numeric_kind(X[name].dtype):
            raise not_numeric(X, name)
    return X


def not_numeric(frame: pd.DataFrame, name: Hashable) -> ValidationError:
    """The error for a column that does not hold numbers, naming the first bad value.

    Examples
    --------
    >>> str(not_numeric(pd.DataFrame({"x": ["1", "a"]}), "x"))
    "column 'x' must hold numbers; got 'a' at row 1"
    """
    series = frame[name]
    if series.dtype == object:  # integers past 64 bits (read from text as Python ints)
        huge = [i for i, v in enumerate(series.tolist()) if isinstance(v, int) and abs(v) >= 2**63]
        if huge:
            text = str(series.iloc[huge[0]])
            shown = text if len(text) <= 30 else f"{text[:27]}..."
            where = f"{shown} at row {row_label(frame.index, huge[0])!r}"
            return fail(f"column {name!r}", "hold numbers that fit in 64 bits", where)
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


def row_label(index: pd.Index, row: int) -> Any:
    """The index label of a row, as a plain Python value for messages.

    Examples
    --------
    >>> row_label(pd.Index(["a", "b"]), 1)
    'b'
    """
    return plain(index[row])


def plain(value: Any) -> Any:
    """A numpy scalar as the equivalent Python value (for readable messages).

    Examples
    --------
    >>> plain(np.int64(3)), plain("a")
    (3, 'a')
    """
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- row layout
@dataclass(frozen=True)
class Layout:
    """Rows grouped contiguously: grouped row ``i`` is original row ``order[i]``."""

    order: np.ndarray  # (n,) original row of each grouped row
    keys: np.ndarray  # (S,) group key of each group, in order of first appearance
    segment: np.ndarray  # (n,) group number of each grouped row
    position: np.ndarray  # (n,) position of each grouped row inside its group


def layout_rows(frame: pd.DataFrame, group: Hashable | None) -> Layout:
    """Lay the rows out group by group (one group when ``group`` is None); NaN keys are refused.

    Examples
    --------
    >>> layout_rows(pd.DataFrame({"g": ["a", "b", "a"]}), "g").keys.tolist()
    ['a', 'b']
    """
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
    them, and the position of each of them inside its run (see the module's example).
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
    """True for pandas' nullable numeric dtypes (Int64, UInt8, Float64, ...).

    Examples
    --------
    >>> is_masked(pd.Int64Dtype()), is_masked(np.dtype(np.int64))
    (True, False)
    """
    return isinstance(dtype, pd.api.extensions.ExtensionDtype) and hasattr(dtype, "numpy_dtype")


def numeric_kind(dtype: Any) -> str:
    """``i``, ``u`` or ``f`` for the numeric dtypes the transformer accepts, else ``""``.

    Examples
    --------
    >>> numeric_kind(pd.UInt8Dtype()), numeric_kind(np.dtype(object))
    ('u', '')
    """
    base = dtype.numpy_dtype if is_masked(dtype) else dtype
    return base.kind if isinstance(base, np.dtype) and base.kind in "iuf" else ""


def column_values(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A numeric column as ``(values, missing)`` numpy arrays (missing entries hold 0 or NaN).

    Examples
    --------
    >>> values, missing = column_values(pd.Series([4, None], dtype="Int64"))
    >>> values.tolist(), missing.tolist()
    ([4, 0], [False, True])
    """
    dtype: Any = series.dtype
    if is_masked(dtype):
        missing = series.isna().to_numpy()
        fill = np.nan if dtype.numpy_dtype.kind == "f" else 0
        values = series.to_numpy(dtype=dtype.numpy_dtype, na_value=fill)
        return values, missing | np.isnan(values) if fill is np.nan else missing
    values = series.to_numpy()
    if values.dtype.kind == "f":
        return values, np.isnan(values)
    return values, np.zeros(values.shape, dtype=bool)


def build_column(values: np.ndarray, missing: np.ndarray, masked: bool, arrow: bool = False) -> Any:
    """Build an output column: numpy when nothing is missing, nullable when ints need NA, and
    Arrow-backed (``int64[pyarrow]``, ...) when ``arrow``.

    Examples
    --------
    >>> build_column(np.array([1, 2]), np.array([False, True]), masked=False).tolist()
    [1, <NA>]
    >>> build_column(np.array([1, 2]), np.array([False, True]), True, arrow=True).dtype
    int64[pyarrow]
    """
    if arrow:
        import pyarrow as pa

        return pd.arrays.ArrowExtensionArray(pa.array(values, mask=missing))
    if values.dtype.kind in "iu":
        if masked or missing.any():
            return pd.arrays.IntegerArray(values, missing.copy())
        return values
    values = values.copy()
    values[missing] = np.nan
    return pd.arrays.FloatingArray(values, missing.copy()) if masked else values


def put_column(
    out: pd.DataFrame,
    name: Hashable,
    layout: Layout,
    rows: np.ndarray,
    values: np.ndarray,
    missing: np.ndarray,
    masked: bool,
    arrow: bool = False,
) -> None:
    """Scatter grouped ``values`` (given for grouped ``rows``) back to row order, into ``name``.

    ``missing`` marks the missing entries of every grouped row; the column is replaced in place.

    Examples
    --------
    >>> out = pd.DataFrame({"g": ["a", "b", "a"], "x": [0, 0, 0]})
    >>> layout = layout_rows(out, "g")
    >>> put_column(out, "x", layout, np.arange(3), np.array([1, 2, 3]), np.zeros(3, bool), False)
    >>> out["x"].tolist()
    [1, 3, 2]
    """
    full = np.zeros(len(layout.order), dtype=values.dtype)
    full[layout.order[rows]] = values
    holes = np.empty(len(layout.order), dtype=bool)
    holes[layout.order] = missing
    position = out.columns.get_loc(name)
    assert isinstance(position, int)  # column names were checked to be unique
    out.isetitem(position, build_column(full, holes, masked, arrow))


def fits(values: np.ndarray, dtype: np.dtype) -> bool:
    """True when integer ``values`` are representable in the integer ``dtype``.

    Examples
    --------
    >>> fits(np.array([-128, 127]), np.dtype(np.int8)), fits(np.array([300]), np.dtype(np.int8))
    (True, False)
    """
    if values.size == 0:
        return True
    info = np.iinfo(dtype)
    return int(values.min()) >= int(info.min) and int(values.max()) <= int(info.max)


def restore_dtype(values: np.ndarray, dtype: Any) -> np.ndarray:
    """Cast integrated values back to the fitted dtype when that is exact, else keep them.

    Examples
    --------
    >>> restore_dtype(np.array([1, 2]), np.dtype(np.int16)).dtype
    dtype('int16')
    >>> restore_dtype(np.array([1, 300]), np.dtype(np.int8)).dtype
    dtype('int64')
    """
    target = dtype.numpy_dtype if is_masked(dtype) else dtype
    if values.dtype.kind in "iu" and target.kind in "iu" and fits(values, target):
        return values.astype(target, copy=False)
    if values.dtype.kind == "f" and target.kind == "f":
        return values.astype(target, copy=False)
    return values
