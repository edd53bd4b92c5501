"""Delta coding of Dask DataFrames: :class:`~strokedelta.DeltaTransformer` per partition.

Two paths. With ``group``, the coded columns are shuffled on the group, every group is coded
whole by the pandas transformer, and the rows are sorted back into their partitions. Without it,
the frame is one sequence that runs across partitions: deltas are computed per partition after
the last rows of the one before (a short chain of tasks), and integration is a parallel prefix
scan (local sums per partition, plus the carry of the partitions before).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from dask import delayed

from strokedelta._kernels import overflow_error
from strokedelta._validation import check_int, fail
from strokedelta.delta import from_deltas
from strokedelta.exceptions import MissingDependencyError
from strokedelta.frames import column_values, is_masked, numeric_kind, row_label
from strokedelta.transformer import DeltaTransformer

try:  # dask's dataframe part of the extra strokedelta[dask] (pandas and pyarrow glue)
    import dask.dataframe as dd
except ImportError as exc:
    raise MissingDependencyError("dask", extra="dask") from exc

__all__ = ["delta_dask_frame"]

_ROW = "__strokedelta_row__"  # monotone row key: partition number << _SHIFT | position
_SHIFT = 40


def delta_dask_frame(
    frame: dd.DataFrame,
    columns: Hashable | Sequence[Hashable],
    *,
    group: Hashable | None = None,
    order: int = 1,
    lag: int = 1,
    inverse: bool = False,
) -> dd.DataFrame:
    """Delta-code (or, with ``inverse=True``, integrate) columns of a Dask DataFrame.

    The result is lazy, has the input's partitions, index, divisions and row order, and equals
    :class:`~strokedelta.DeltaTransformer` (``first="keep"``) on the computed frame.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        Row order is time order, across partitions too.
    columns : str or list of str
        Numeric columns to code; other columns pass through.
    group : str, optional
        Column naming the sequence of each row (rows of groups may interleave). The coded
        columns are shuffled on it, coded group by group in original row order, and sorted back.
        Default: the whole frame is one sequence, carried across partition boundaries.
    order, lag : int, default 1
        As for :func:`strokedelta.to_deltas`.
    inverse : bool, default False
        Integrate deltas back to absolute values instead.

    Returns
    -------
    dask.dataframe.DataFrame
        Integer columns come out as int64 (nullable ``Int64`` when nullable): every partition
        must share one dtype, where pandas narrows per data. Floats keep their dtype.

    Notes
    -----
    Everything is exact except the float ``inverse`` without ``group``: each partition is
    summed from zero and the carry of earlier partitions added after (a parallel prefix scan,
    like dask's ``cumsum``), which rounds differently from one left-to-right sum (relative
    differences around 1e-15). Missing values raise a ValidationError naming their row.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd
    >>> frame = dd.from_pandas(pd.DataFrame({"x": [1, 3, 6, 10, 15]}), npartitions=2)
    >>> deltas = delta_dask_frame(frame, "x")
    >>> deltas.compute()["x"].tolist()
    [1, 2, 3, 4, 5]
    >>> delta_dask_frame(deltas, "x", inverse=True).compute()["x"].tolist()
    [1, 3, 6, 10, 15]
    """
    if not isinstance(frame, dd.DataFrame):
        raise fail("frame", "be a dask DataFrame", type(frame).__name__)
    check_int("order", order, minimum=1)
    check_int("lag", lag, minimum=1)
    if not isinstance(inverse, bool):
        raise fail("inverse", "be True or False", repr(inverse))
    if _ROW in frame.columns:
        raise fail("frame", f"not have a column named {_ROW!r} (used internally)", _ROW)
    names: list[Hashable] = (
        [columns] if isinstance(columns, str) else list(cast(Sequence[Hashable], columns))
    )
    wanted = [*names, *([] if group is None else [group])]
    absent = ", ".join(repr(c) for c in wanted if c not in frame.columns)
    if absent:
        raise fail("frame", f"have the column(s) {absent}", f"columns {list(frame.columns)}")
    coder = DeltaTransformer(columns=names, group=group, order=order, lag=lag)
    coder.fit(frame._meta)  # the pandas transformer's own checks and messages, on the meta
    dtypes = {name: _output_dtype(frame._meta[name].dtype) for name in names}
    meta = frame._meta.astype(dtypes)
    if group is not None:
        return _grouped(frame, coder, inverse, dtypes, meta)
    chain = _integrate_chain if inverse else _encode_chain
    outs = chain(frame.to_delayed(), coder, dtypes)
    divisions = frame.divisions if frame.known_divisions else None
    return dd.from_delayed(outs, meta=meta, divisions=divisions, verify_meta=False)


def _output_dtype(dtype: Any) -> Any:
    """int64 for every integer column (nullable Int64 when nullable); floats keep theirs."""
    if numeric_kind(dtype) == "f":
        return dtype
    return pd.Int64Dtype() if is_masked(dtype) else np.dtype(np.int64)


# ------------------------------------------------------------------------- grouped path
def _grouped(
    frame: dd.DataFrame, coder: DeltaTransformer, inverse: bool, dtypes: dict, meta: pd.DataFrame
) -> dd.DataFrame:
    """Shuffle on the group, code whole groups in row-key order, sort back, put in place."""
    n, names, group = frame.npartitions, coder.columns_, coder.group
    subset = frame[[group, *names]]
    keyed_meta = _with_row_key(subset._meta, {"number": 0})
    keyed = subset.map_partitions(_with_row_key, meta=keyed_meta)
    coded = keyed.shuffle(on=group).map_partitions(
        _code_groups, coder=coder, inverse=inverse, dtypes=dtypes, meta=keyed_meta.astype(dtypes)
    )
    # Known divisions on the row key send every row back to its own partition, sorted.
    back = coded.set_index(_ROW, divisions=(*(p << _SHIFT for p in range(n)), (n << _SHIFT) - 1))
    return frame.map_partitions(_put_columns, back, names=names, align_dataframes=False, meta=meta)


def _with_row_key(part: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    number = 0 if partition_info is None else int(partition_info["number"])
    out = part.copy(deep=False)
    out[_ROW] = (number << _SHIFT) + np.arange(len(part), dtype=np.int64)
    return out


def _code_groups(part: pd.DataFrame, coder: DeltaTransformer, inverse: bool, dtypes: dict) -> Any:
    part = part.sort_values(_ROW, kind="stable")  # the shuffle interleaves source partitions
    return _code(part, coder, inverse).astype(dtypes)


def _code(part: pd.DataFrame, coder: DeltaTransformer, inverse: bool = False) -> pd.DataFrame:
    coder = DeltaTransformer(**coder.get_params())  # a fresh one: tasks may share threads
    return (
        coder.fit(part.iloc[:0]).inverse_transform(part) if inverse else coder.fit_transform(part)
    )


def _put_columns(part: pd.DataFrame, coded: pd.DataFrame, names: list[Hashable]) -> pd.DataFrame:
    out = part.copy(deep=False)
    for name in names:
        out[name] = coded[name].array
    return out


# ------------------------------------------------------------------- one-sequence path
def _encode_chain(parts: list[Any], coder: DeltaTransformer, dtypes: dict) -> list[Any]:
    """Each partition is coded after the last ``order * lag`` rows before it (a tiny chain)."""
    context: Any = None
    outs = []
    for part in parts:
        outs.append(delayed(_encode_part)(part, context, coder, dtypes))
        context = delayed(_with_context)(context, part, coder, coder.order * coder.lag)
    return outs


def _with_context(
    context: pd.DataFrame | None, part: pd.DataFrame, coder: DeltaTransformer, last: int = 0
) -> pd.DataFrame:
    """The coded columns of ``part`` after the rows before it (only the ``last`` rows if > 0)."""
    block = part[coder.columns_]
    block = block if context is None or not len(context) else pd.concat([context, block])
    return block.iloc[-last:] if last else block


def _encode_part(
    part: pd.DataFrame, context: pd.DataFrame | None, coder: DeltaTransformer, dtypes: dict
) -> pd.DataFrame:
    block = _with_context(context, part, coder)
    coded = _code(block, coder).iloc[len(block) - len(part) :].astype(dtypes)
    return _put_columns(part, coded, coder.columns_)


def _integrate_chain(parts: list[Any], coder: DeltaTransformer, dtypes: dict) -> list[Any]:
    """``order`` prefix scans: local lag-sums per partition, plus the carry of those before."""
    names, lag = coder.columns_, coder.lag
    blocks = [delayed(_work_values)(part, names) for part in parts]
    for _ in range(coder.order):
        sums = [delayed(_lag_sums)(block, lag) for block in blocks]
        state: Any = (0, None)
        blocks = []
        for local in sums:
            blocks.append(delayed(_add_carry)(local, state, lag))
            state = delayed(_advance)(state, local, lag)
    return [delayed(_put_values)(p, b, names, dtypes) for p, b in zip(parts, blocks)]


def _work_values(part: pd.DataFrame, names: list[Hashable]) -> list[np.ndarray]:
    """Each column as int64 or float64 numpy; a missing delta is an error naming its row."""
    arrays = []
    for name in names:
        values, missing = column_values(part[name])
        if missing.any():
            row = row_label(part.index, int(np.argmax(missing)))
            raise fail(f"column {name!r}", "hold no missing deltas", f"NaN at row {row!r}")
        if values.dtype.kind == "u" and values.size and values.max() > np.iinfo(np.int64).max:
            raise overflow_error("delta")
        arrays.append(values.astype(np.float64 if values.dtype.kind == "f" else np.int64))
    return arrays


def _lag_sums(arrays: list[np.ndarray], lag: int) -> list[np.ndarray]:
    """Lag-``lag`` running sums of each column, from zero (:func:`strokedelta.from_deltas`)."""
    return [from_deltas(a, order=1, lag=lag).astype(a.dtype, copy=False) for a in arrays]


def _checked_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    total = a + b
    if total.dtype.kind == "i" and ((a ^ total) & (b ^ total) < 0).any():
        raise overflow_error("cumulative sum")
    return total


def _advance(state: tuple[int, Any], local: list[np.ndarray], lag: int) -> tuple[int, Any]:
    """The carry after one more partition: per phase (global row mod ``lag``), all sums so far."""
    offset, carry = state
    n = len(local[0]) if local else 0
    carry = [np.zeros(lag, dtype=a.dtype) for a in local] if carry is None else carry
    phase = np.arange(min(lag, n))
    last = phase + (n - 1 - phase) // lag * lag  # the last local row of each local phase
    where = (offset + phase) % lag  # local phase -> global phase
    out = [c.copy() for c in carry]
    for c, a in zip(out, local):
        c[where] = _checked_add(c[where], a[last])
    return offset + n, out


def _add_carry(local: list[np.ndarray], state: tuple[int, Any], lag: int) -> list[np.ndarray]:
    offset, carry = state
    if carry is None:
        return local
    phase = (offset + np.arange(len(local[0]) if local else 0)) % lag
    return [_checked_add(a, c[phase]) for a, c in zip(local, carry)]


def _put_values(
    part: pd.DataFrame, arrays: list[np.ndarray], names: list[Hashable], dtypes: dict
) -> pd.DataFrame:
    out = part.copy(deep=False)
    for name, values in zip(names, arrays):
        dtype = dtypes[name]
        out[name] = pd.array(values, dtype=dtype) if is_masked(dtype) else values.astype(dtype)
    return out
