"""``to_deltas`` / ``from_deltas``: the exact delta codec for arrays, ragged batches and tensors.

The convention keeps the first value: ``d[0] = x[0]`` and ``d[i] = x[i] - x[i - 1]``, so
``from_deltas(to_deltas(x)) == x`` with no stored state. With ``offsets`` every sequence of a
ragged batch restarts. ``lag`` gives seasonal differences (``d[i] = x[i] - x[i - lag]``, the
first ``lag`` values kept) and ``order`` repeats the differencing; both invert exactly.

Dtypes: integers stay integers and round-trip exactly. Unsigned input is widened to a signed
type, and a result that does not fit the input's (signed) type is widened to the smallest signed
type that holds it; past int64 :class:`~strokedelta.exceptions.DeltaOverflowError` is raised, so
nothing ever wraps. Floats are summed in float64 inside each sequence and returned in the input
dtype.

Examples
--------
>>> import numpy as np
>>> x = np.array([[0, 0], [3, 4], [5, 4], [1, 1], [2, 3]], dtype=np.int16)
>>> d = to_deltas(x, offsets=[0, 3, 5])
>>> d.tolist()
[[0, 0], [3, 4], [2, 0], [1, 1], [1, 2]]
>>> from_deltas(d, offsets=[0, 3, 5]).tolist() == x.tolist()
True
>>> to_deltas(np.array([5, 3, 10], dtype=np.uint8))
array([ 5, -2,  7], dtype=int16)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta._kernels import segmented_cumsum, segmented_diff
from strokedelta._validation import check_array, check_int, check_offsets, fail
from strokedelta.exceptions import DeltaOverflowError
from strokedelta.ragged import Ragged

__all__ = ["from_deltas", "to_deltas"]

_SIGNED = (np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64))


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "device")


def _signed_floor(dtype: np.dtype) -> np.dtype:
    """The signed integer dtype the result may not be narrower than (uint8 -> int16)."""
    if dtype.kind == "u":
        return np.dtype(f"int{min(dtype.itemsize * 16, 64)}")
    return dtype


def _narrow(work: np.ndarray, floor: np.dtype) -> np.ndarray:
    """Cast int64 ``work`` to the smallest signed dtype, not narrower than ``floor``, that fits."""
    if work.size == 0:
        return work.astype(floor)
    low, high = int(work.min()), int(work.max())
    for dtype in _SIGNED:
        info = np.iinfo(dtype)
        if dtype.itemsize >= floor.itemsize and info.min <= low and high <= info.max:
            return work.astype(dtype, copy=False)
    return work  # pragma: no cover - int64 always fits its own range


def _prepare(name: str, x: Any, offsets: Any, order: int, lag: int) -> tuple[Any, ...]:
    check_int("order", order, minimum=1)
    check_int("lag", lag, minimum=1)
    arr = check_array(name, x, ndim=(1, 2), kinds="iuf")
    n = arr.shape[0]
    offs = np.array([0, n], dtype=np.int64) if offsets is None else check_offsets(offsets, n)
    flat = arr.reshape(n, arr.shape[1] if arr.ndim == 2 else 1)
    if arr.dtype.kind == "f":
        work = np.ascontiguousarray(flat, dtype=np.float64 if arr.itemsize < 4 else arr.dtype)
    else:
        if arr.dtype == np.uint64 and n and flat.max() > np.iinfo(np.int64).max:
            raise DeltaOverflowError(f"{name} holds uint64 values above the int64 maximum")
        work = np.ascontiguousarray(flat, dtype=np.int64)
    return arr, offs, work


def _finish(arr: np.ndarray, work: np.ndarray) -> np.ndarray:
    out = _narrow(work, _signed_floor(arr.dtype)) if arr.dtype.kind in "iu" else work
    if arr.dtype.kind == "f":
        out = out.astype(arr.dtype, copy=False)
    return out.reshape(arr.shape)


def to_deltas(x: Any, offsets: Any = None, *, order: int = 1, lag: int = 1) -> Any:
    """Difference ``x`` along axis 0, keeping the first value of every sequence.

    Parameters
    ----------
    x : numpy.ndarray, torch.Tensor or Ragged
        Shape ``(n,)`` or ``(n, C)``. A :class:`~strokedelta.ragged.Ragged` brings its own
        offsets and gives a Ragged back; a tensor gives a tensor on the same device.
    offsets : array_like of int, shape (S + 1,), optional
        Sequence boundaries in a flat batch; each sequence restarts. Default: one sequence.
    order : int
        How many times to difference (``order=2`` gives second differences).
    lag : int
        Seasonal lag: ``d[i] = x[i] - x[i - lag]``, the first ``lag`` values kept.

    Returns
    -------
    Same kind as ``x``; see the module docstring for dtypes. The input is never modified.

    Raises
    ------
    ValidationError
        Bad shape, dtype, offsets, ``order`` or ``lag``.
    DeltaOverflowError
        An int64 difference would wrap.

    Examples
    --------
    >>> to_deltas(np.array([1, 4, 9, 16, 25]), order=2).tolist()
    [1, 2, 2, 2, 2]
    >>> to_deltas(np.array([10, 20, 11, 21]), lag=2).tolist()
    [10, 20, 1, 1]
    >>> to_deltas(np.array([100, -100], dtype=np.int8)).dtype
    dtype('int16')
    """
    if isinstance(x, Ragged):
        if offsets is not None:
            raise fail("offsets", "be None when x is a Ragged (it has its own)", "offsets")
        return x.with_values(to_deltas(x.values, x.offsets, order=order, lag=lag))
    if _is_tensor(x):
        from strokedelta import _torch_delta  # torch is heavy: imported only for tensors

        return _torch_delta.to_deltas(x, offsets, order=order, lag=lag)
    arr, offs, work = _prepare("x", x, offsets, order, lag)
    for _ in range(order):
        work = segmented_diff(work, offs, lag)
    return _finish(arr, work)


def from_deltas(d: Any, offsets: Any = None, *, order: int = 1, lag: int = 1) -> Any:
    """Rebuild absolute values from deltas: the exact inverse of :func:`to_deltas`.

    Parameters
    ----------
    d : numpy.ndarray, torch.Tensor or Ragged
        Deltas of shape ``(n,)`` or ``(n, C)``, first value(s) of each sequence absolute.
    offsets : array_like of int, shape (S + 1,), optional
        Sequence boundaries; each sequence restarts from its own first value.
    order, lag : int
        As given to :func:`to_deltas`.

    Returns
    -------
    Same kind as ``d``. Floats are accumulated in float64 per sequence and returned in the input
    dtype; integers are summed exactly.

    Raises
    ------
    ValidationError
        Bad shape, dtype, offsets, ``order`` or ``lag``.
    DeltaOverflowError
        An integer running sum does not fit in int64.

    Examples
    --------
    >>> from_deltas(np.array([1, 2, 2, 2, 2]), order=2).tolist()
    [1, 4, 9, 16, 25]
    >>> from_deltas(np.array([[2.5], [0.5], [7.0], [1.0]]), offsets=[0, 2, 4]).ravel().tolist()
    [2.5, 3.0, 7.0, 8.0]
    """
    if isinstance(d, Ragged):
        if offsets is not None:
            raise fail("offsets", "be None when d is a Ragged (it has its own)", "offsets")
        return d.with_values(from_deltas(d.values, d.offsets, order=order, lag=lag))
    if _is_tensor(d):
        from strokedelta import _torch_delta  # torch is heavy: imported only for tensors

        return _torch_delta.from_deltas(d, offsets, order=order, lag=lag)
    arr, offs, work = _prepare("d", d, offsets, order, lag)
    for _ in range(order):
        work = segmented_cumsum(work, offs, lag)
    return _finish(arr, work)
