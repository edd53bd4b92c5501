"""Segmented difference and cumulative-sum kernels over flat ragged arrays.

Two backends give bit-identical results: numba loops (one pass per sequence, run in parallel
over sequences) and pure numpy (the difference is one slice; the cumulative sum pads sequences of
similar length into buckets and scans each bucket along its rows). Both add strictly left to
right inside each sequence, in float64 or checked int64, so a sequence of values around 1e-3 next
to one around 1e6 keeps its own precision: there is no global prefix sum.

numba is a required dependency (the sketch and model kernels need it too) and the default backend.
The numpy path is the reference implementation: the tests check that both backends agree bit for
bit, and ``STROKEDELTA_BACKEND=numpy`` (or ``backend="numpy"``) selects it. The parallel numba
kernels are launched under one lock: numba's fallback ``workqueue`` threading layer aborts the
process when two threads launch parallel kernels at once, and the kernels already use every core.

Examples
--------
>>> import numpy as np
>>> x = np.array([[1.0], [4.0], [9.0], [2.0], [5.0]])
>>> offsets = np.array([0, 3, 5])
>>> segmented_diff(x, offsets, 1, backend="numpy").ravel().tolist()
[1.0, 3.0, 5.0, 2.0, 3.0]
>>> segmented_cumsum(segmented_diff(x, offsets, 1), offsets, 1).ravel().tolist()
[1.0, 4.0, 9.0, 2.0, 5.0]
"""

from __future__ import annotations

import os
import threading

import numba
import numpy as np

from strokedelta.exceptions import DeltaOverflowError

__all__ = [
    "BACKENDS",
    "default_backend",
    "overflow_error",
    "segmented_cumsum",
    "segmented_diff",
    "stable_group_order",
]

BACKENDS = ("numba", "numpy")
"""The kernel backends: numba (the default) and numpy (the reference implementation)."""
_LAUNCH = threading.Lock()


def default_backend() -> str:
    """The backend used when none is given: ``$STROKEDELTA_BACKEND`` if it names one, else numba."""
    wanted = os.environ.get("STROKEDELTA_BACKEND", "")
    return wanted if wanted in BACKENDS else BACKENDS[0]


def overflow_error(where: str) -> DeltaOverflowError:
    """The error for an int64 difference or running sum that would wrap."""
    return DeltaOverflowError(
        f"integer {where} overflows int64; convert the data to float64 to proceed"
    )


# --------------------------------------------------------------------------- numba kernels
# The kernels see C-contiguous (N, C) data as flat 1-D arrays: row i, column c is element
# i * C + c, so a lag of ``lag`` rows is a stride of ``step = lag * C`` elements and the inner
# loop is a plain 1-D loop that numba vectorises.


@numba.njit(parallel=True, cache=True, nogil=True)
def _diff_flat(x, offsets, width, step, out):  # pragma: no cover
    for s in numba.prange(offsets.shape[0] - 1):
        start = offsets[s] * width
        stop = offsets[s + 1] * width
        head = min(start + step, stop)
        for j in range(start, head):
            out[j] = x[j]
        for j in range(head, stop):
            out[j] = x[j] - x[j - step]


@numba.njit(parallel=True, cache=True, nogil=True)
def _diff_int64_checked(x, offsets, width, step, out, bad):  # pragma: no cover
    for s in numba.prange(offsets.shape[0] - 1):
        start = offsets[s] * width
        stop = offsets[s + 1] * width
        head = min(start + step, stop)
        for j in range(start, head):
            out[j] = x[j]
        wrapped = 0
        for j in range(head, stop):
            a = x[j]
            b = x[j - step]
            r = a - b
            wrapped |= (a ^ b) & (a ^ r)
            out[j] = r
        if wrapped < 0:
            bad[s] = True


@numba.njit(parallel=True, cache=True, nogil=True)
def _cumsum_float(d, offsets, width, step, out):  # pragma: no cover
    for s in numba.prange(offsets.shape[0] - 1):
        start = offsets[s] * width
        stop = offsets[s + 1] * width
        head = min(start + step, stop)
        for j in range(start, head):
            out[j] = d[j]
        for j in range(head, stop):
            out[j] = out[j - step] + d[j]


@numba.njit(parallel=True, cache=True, nogil=True)
def _cumsum_int64(d, offsets, width, step, out, bad):  # pragma: no cover
    for s in numba.prange(offsets.shape[0] - 1):
        start = offsets[s] * width
        stop = offsets[s + 1] * width
        head = min(start + step, stop)
        for j in range(start, head):
            out[j] = d[j]
        wrapped = 0
        for j in range(head, stop):
            a = out[j - step]
            b = d[j]
            r = a + b
            wrapped |= (a ^ r) & (b ^ r)
            out[j] = r
        if wrapped < 0:
            bad[s] = True


@numba.njit(cache=True, nogil=True)
def _counting_order(codes, offsets):  # pragma: no cover
    cursor = offsets[:-1].copy()
    order = np.empty(codes.shape[0], dtype=np.int64)
    for i in range(codes.shape[0]):
        c = codes[i]
        order[cursor[c]] = i
        cursor[c] += 1
    return order


# --------------------------------------------------------------------------- numpy kernels
def _heads(offsets: np.ndarray, lag: int) -> np.ndarray:
    """Flat indices of the first ``lag`` rows of every sequence (those that exist)."""
    starts = offsets[:-1]
    idx = (starts[:, None] + np.arange(lag)).ravel()
    return idx[idx < np.repeat(offsets[1:], lag)]


def _diff_numpy(x: np.ndarray, offsets: np.ndarray, lag: int, out: np.ndarray) -> bool:
    np.subtract(x[lag:], x[:-lag], out=out[lag:])
    heads = _heads(offsets, lag)
    out[heads] = x[heads]
    if out.dtype == np.int64:
        a, b, r = x[lag:], x[:-lag], out[lag:]
        wrapped = ((a ^ b) & (a ^ r)) < 0
        wrapped[heads[heads >= lag] - lag] = False
        return bool(wrapped.any())
    return False


def _cumsum_numpy(d: np.ndarray, offsets: np.ndarray, lag: int, out: np.ndarray) -> bool:
    """Scan buckets of sequences padded to the next multiple of ``lag`` x power of two."""
    lengths = np.diff(offsets)
    nonempty = np.flatnonzero(lengths)
    if nonempty.size == 0:
        return False
    steps = -(-lengths[nonempty] // lag)  # rows per lag-chain, rounded up
    bucket = np.ceil(np.log2(steps)).astype(np.int64)
    wrapped = False
    for b in np.unique(bucket):
        seqs = nonempty[bucket == b]
        width = int(2**b) * lag
        pos = np.arange(width)
        valid = pos < lengths[seqs, None]
        rows = np.where(valid, offsets[seqs, None] + pos, 0)
        block = np.where(valid[..., None], d[rows], 0).astype(out.dtype, copy=False)
        block = block.reshape(len(seqs), width // lag, lag, -1)
        scanned = np.cumsum(block, axis=1)
        if out.dtype == np.int64:
            prev = scanned[:, :-1]
            here, add = scanned[:, 1:], block[:, 1:]
            wrapped |= bool((((prev ^ here) & (add ^ here)) < 0).any())
        out[rows[valid]] = scanned.reshape(len(seqs), width, -1)[valid]
    return wrapped


# ------------------------------------------------------------------------------ dispatch
def stable_group_order(
    codes: np.ndarray, offsets: np.ndarray, *, backend: str | None = None
) -> np.ndarray:
    """Row order that lays groups out contiguously, keeping row order inside each group.

    ``codes`` are group numbers ``0..G-1`` and ``offsets`` the group starts from their counts;
    the result equals ``np.argsort(codes, kind="stable")`` (numba does it as a counting sort).
    """
    if (backend or default_backend()) == "numba":
        return _counting_order(np.ascontiguousarray(codes, dtype=np.int64), offsets)
    return np.argsort(codes, kind="stable")


def segmented_diff(
    x: np.ndarray, offsets: np.ndarray, lag: int, *, backend: str | None = None
) -> np.ndarray:
    """Lag-``lag`` differences of a 2-D array within each sequence, first ``lag`` rows kept.

    ``x`` must be C-contiguous float32, float64 or int64; the result has the same dtype.
    int64 differences that wrap raise :class:`~strokedelta.exceptions.DeltaOverflowError`.
    """
    out = np.empty_like(x)
    if x.shape[0] == 0:
        return out
    backend = backend or default_backend()
    if backend == "numba":
        width = x.shape[1]
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        bad = np.zeros(len(offsets) - 1, dtype=np.bool_)
        with _LAUNCH:
            if x.dtype == np.int64:
                _diff_int64_checked(flat_x, offsets, width, lag * width, flat_out, bad)
            else:
                _diff_flat(flat_x, offsets, width, lag * width, flat_out)
        wrapped = bool(bad.any())
    else:
        wrapped = _diff_numpy(x, offsets, lag, out)
    if wrapped:
        raise overflow_error("difference")
    return out


def segmented_cumsum(
    d: np.ndarray, offsets: np.ndarray, lag: int, *, backend: str | None = None
) -> np.ndarray:
    """Inverse of :func:`segmented_diff`: running sums with stride ``lag`` inside each sequence.

    Floats accumulate in float64 (the result is float64); int64 additions that wrap raise
    :class:`~strokedelta.exceptions.DeltaOverflowError`.
    """
    work = np.float64 if d.dtype.kind == "f" else np.int64
    out = np.empty(d.shape, dtype=work)
    if d.shape[0] == 0:
        return out
    backend = backend or default_backend()
    if backend == "numba":
        width = d.shape[1]
        flat_d, flat_out = d.reshape(-1), out.reshape(-1)
        bad = np.zeros(len(offsets) - 1, dtype=np.bool_)
        with _LAUNCH:
            if work is np.int64:
                _cumsum_int64(flat_d, offsets, width, lag * width, flat_out, bad)
            else:
                _cumsum_float(flat_d, offsets, width, lag * width, flat_out)
        wrapped = bool(bad.any())
    else:
        wrapped = _cumsum_numpy(d, offsets, lag, out)
    if wrapped:
        raise overflow_error("cumulative sum")
    return out
