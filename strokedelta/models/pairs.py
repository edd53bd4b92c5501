"""Pair rows within groups and difference them: the training data of the delta regressors.

Two pairings, both shift invariant (a constant added to every row cancels in a difference):

- ``"consecutive"``: each row minus the previous row of its group, in the given row order
  (``to_deltas`` with group offsets, first rows dropped). Right for sequences, where the next
  step is predicted from the previous ones; but when the noise sits on the levels it doubles
  the noise of every difference while the signal of a slowly moving feature shrinks.
- ``"random"``: rows shuffled within each group (seeded), then consecutive differences of that
  shuffled order: the scheme of the original notebook (shuffle, then difference). Pairs span
  the whole spread of the group, so the slope is estimated about as well as least squares on
  the levels (within ~1% RMSE measured), and the pairs come out in random order. Without
  groups, from ``2 * BUCKET_ROWS`` rows on, the shuffle is the bucket shuffle of
  :mod:`~strokedelta.models._buckets` (a uniformly random permutation too, whose data
  movement is sequential, so the time per row does not grow with the rows): the rows are
  copied bucket by bucket and differenced bucket by bucket, threaded (``compact=True``, the
  default fit's choice: copied centred in float32, see :func:`packed_pairs`); below that, and
  with groups, ``rng.permutation``.

A group of ``m`` rows gives ``m - 1`` pairs. The gather and the difference run in one fused
numba pass over the flat arrays in float64 (no Python loop per row or per group), in fixed chunks
of rows shared out between threads when the batch is large; a small batch goes to an equivalent
numpy pass while the kernel is not loaded (a first ``fit`` on a few thousand rows pays no
compilation). The result equals ``to_deltas(values[order], offsets)`` without each group's first
row, with the same bits on every path.

Examples
--------
>>> import numpy as np
>>> x = np.array([[1.0], [2.0], [4.0], [10.0], [11.0]])
>>> dx, dy = delta_pairs(x, 3 * x, groups=[0, 0, 0, 1, 1], pairing="consecutive")
>>> dx.ravel().tolist(), dy.ravel().tolist()
([1.0, 2.0, 1.0], [3.0, 6.0, 3.0])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from strokedelta import _kernels
from strokedelta._kernels import PREFETCH_AHEAD, array_type, jit_kernel, run_chunks, threads_for
from strokedelta._validation import check_choice, fail
from strokedelta.models._bucket_pairs import bucketed_pairs
from strokedelta.models._buckets import (
    CENTRED_COLUMNS,
    bucket_shuffle,
    n_buckets,
    shuffle_order,
)
from strokedelta.ragged import group_order

if TYPE_CHECKING:
    #: Bound when the first kernel here compiles: the numba intrinsic of strokedelta._kernels.
    prefetch: Any

__all__ = ["NUMPY_ROWS", "PAIRINGS", "PackedPairs", "delta_pairs", "packed_pairs", "pair_order"]

PAIRINGS = ("random", "consecutive")
_CHUNK = 16384
#: Above this many rows the pairs are always compiled passes (no numpy, so no floating-point
#: warnings on a NaN or an inf, which their column sums then show).
NUMPY_ROWS = _CHUNK


def _pair_signature(dtype: Any) -> Any:
    import numba  # here: numba loads when the kernel first compiles

    globals()["prefetch"] = _kernels.prefetch  # made with numba, for the kernel below
    rows = array_type(np.float64, 2, readonly=True)
    index = array_type(np.int64, readonly=True)
    return numba.void(
        rows,
        rows,
        index,
        index,
        array_type(dtype, 2),
        array_type(np.float64, 3),
        numba.int64,
        numba.int64,
    )


@jit_kernel(f4=lambda: _pair_signature(np.float32), f8=lambda: _pair_signature(np.float64))
def _pair_kernel(x, y, order, offsets, out, stats, c0, c1):  # pragma: no cover - compiled
    """Differences of neighbours in ``order`` within (non-empty) groups, chunks ``c0 .. c1 - 1``.

    ``stats[c, 0]`` receives chunk ``c``'s sums of squares of the differences and
    ``stats[c, 1]`` the sums of its rows (for the column means), per column of ``[x | y]``.
    """
    n = order.shape[0]
    p = x.shape[1]
    q = y.shape[1]
    squares = np.zeros(p + q)  # a chunk's running sums, kept here and stored once per chunk
    sums = np.zeros(p + q)
    for c in range(c0, c1):
        start = c * _CHUNK
        stop = min(n, start + _CHUNK)
        squares[:] = 0.0
        sums[:] = 0.0
        g = np.searchsorted(offsets, start, side="right") - 1
        end = offsets[g + 1]
        for i in range(start, stop):
            if i + PREFETCH_AHEAD < n:
                ahead = order[i + PREFETCH_AHEAD]
                prefetch(x, ahead)  # noqa: F821
                prefetch(y, ahead)  # noqa: F821
            while end <= i:
                g += 1
                end = offsets[g + 1]
            a = order[i]
            for j in range(p):
                sums[j] += x[a, j]
            for j in range(q):
                sums[p + j] += y[a, j]
            if i + 1 >= end:
                continue
            row = i - g
            b = order[i + 1]
            for j in range(p):
                d = x[b, j] - x[a, j]
                out[row, j] = d
                squares[j] += d * d
            for j in range(q):
                d = y[b, j] - y[a, j]
                out[row, p + j] = d
                squares[p + j] += d * d
        stats[c, 0] = squares
        stats[c, 1] = sums


def _running_total(values: np.ndarray) -> np.ndarray:
    """Column sums added strictly in row order from 0.0, as the kernel adds them."""
    start = np.zeros((1, values.shape[1]))
    return np.add.accumulate(np.concatenate([start, values]), axis=0)[-1]


def _pairs_numpy(
    x: np.ndarray,
    y: np.ndarray,
    order: np.ndarray,
    offsets: np.ndarray,
    out: np.ndarray,
    stats: np.ndarray,
) -> None:
    """The kernel's results for one chunk (``n <= _CHUNK``), bit for bit, in numpy."""
    rows = np.concatenate([x[order], y[order]], axis=1)
    last = np.zeros(len(order), dtype=bool)
    last[offsets[1:][np.diff(offsets) > 0] - 1] = True
    pair = ~last[:-1]
    diffs = rows[1:][pair] - rows[:-1][pair]
    out[...] = diffs
    stats[0, 0] = _running_total(diffs * diffs)
    stats[0, 1] = _running_total(rows)


def _fill_pairs(
    x: np.ndarray,
    y: np.ndarray,
    order: np.ndarray,
    offsets: np.ndarray,
    out: np.ndarray,
    stats: np.ndarray,
) -> None:
    """Fill ``out`` and ``stats``: numpy for one chunk while the kernel is not loaded, else the
    kernel over chunks, threaded when large (the chunks, and so every bit, stay the same)."""
    key = {np.dtype(np.float32): "f4", np.dtype(np.float64): "f8"}.get(out.dtype)
    if key is None:  # other dtypes: the float64 differences, rounded once
        wide = np.empty(out.shape, dtype=np.float64)
        _fill_pairs(x, y, order, offsets, wide, stats)
        out[...] = wide
        return
    n = len(order)
    if n <= _CHUNK and not _pair_kernel.wanted(key, n * out.shape[1]):
        _pairs_numpy(x, y, order, offsets, out, stats)
        return
    kernel = _pair_kernel[key]
    n_chunks = stats.shape[0]
    threads = threads_for(n * out.shape[1])
    run_chunks(
        lambda c0, c1: kernel(x, y, order, offsets, out, stats, c0, c1),
        range(n_chunks + 1) if threads > 1 else [0, n_chunks],
        threads,
    )


def pair_order(
    n: int, groups: Any = None, *, pairing: str = "random", random_state: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Row order and group offsets whose consecutive differences are the pairs.

    Parameters
    ----------
    n : int
        Number of rows.
    groups : array_like, shape (n,), optional
        Group key of every row; None means one group.
    pairing : {"random", "consecutive"}
        Shuffle rows within each group, or keep their order.
    random_state : int, numpy.random.Generator or None
        Seed of the shuffle (ignored for ``"consecutive"``).

    Returns
    -------
    order : ndarray of int64, shape (n,)
        Groups laid out contiguously.
    offsets : ndarray of int64, shape (G + 1,)
        Group ``g`` is ``order[offsets[g]:offsets[g + 1]]``.

    Examples
    --------
    >>> order, offsets = pair_order(4, ["a", "b", "a", "b"], pairing="consecutive")
    >>> order.tolist(), offsets.tolist()
    ([0, 2, 1, 3], [0, 2, 4])
    """
    check_choice("pairing", pairing, PAIRINGS)
    if groups is not None:
        keys = np.asarray(groups)
        if keys.shape != (n,):
            raise fail("groups", f"have shape ({n},)", tuple(keys.shape))
    if pairing == "consecutive":
        if groups is None:
            return np.arange(n, dtype=np.int64), np.array([0, n], dtype=np.int64)
        order, offsets, _ = group_order(keys)
        return order.astype(np.int64, copy=False), offsets
    rng = np.random.default_rng(random_state)
    if groups is None:
        return shuffle_order(bucket_shuffle(n, rng)), np.array([0, n], dtype=np.int64)
    shuffled = rng.permutation(n).astype(np.int64, copy=False)
    codes, _ = pd.factorize(keys[shuffled], sort=False, use_na_sentinel=False)
    by_group = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=int(codes.max()) + 1 if n else 0)
    offsets = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return shuffled[by_group], offsets


def delta_pairs(
    x: Any,
    y: Any,
    groups: Any = None,
    *,
    pairing: str = "random",
    random_state: Any = None,
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Differences of paired rows of ``x`` and ``y`` within each group.

    Parameters
    ----------
    x, y : array_like, shape (n, p) and (n, q)
        Features and targets (differenced in float64; never modified).
    groups : array_like, shape (n,), optional
        Rows are only paired with rows of the same group.
    pairing : {"random", "consecutive"}
        See the module docstring.
    random_state : int, numpy.random.Generator or None
        Seed of the random pairing.
    dtype : numpy dtype
        dtype of the returned differences (float32 halves the memory of training data).

    Returns
    -------
    dx, dy : ndarray, shape (n - G, p) and (n - G, q)
        One row per pair, for ``G`` non-empty groups.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> dx, dy = delta_pairs(x + 1000, 2 * x, pairing="random", random_state=0)
    >>> bool(np.allclose(dy, 2 * dx)), dx.shape
    (True, (3, 1))
    """
    pairs = packed_pairs(x, y, groups, pairing=pairing, random_state=random_state, dtype=dtype)
    return pairs.rows[:, : pairs.p], pairs.rows[:, pairs.p :]


class PackedPairs(NamedTuple):
    """Training pairs ``rows = [dx | dy]`` with ``p`` feature columns, and column statistics.

    ``sum_squares``: float64 sums of squares of every column of the differences (before any
    rounding to the output dtype); ``means``: column means of the original ``[x | y]`` rows.
    """

    rows: np.ndarray
    p: int
    sum_squares: np.ndarray
    means: np.ndarray


def packed_pairs(
    x: Any,
    y: Any,
    groups: Any = None,
    *,
    pairing: str = "random",
    random_state: Any = None,
    dtype: Any = np.float32,
    compact: bool = False,
) -> PackedPairs:
    """Like :func:`delta_pairs` in the training layout, with column statistics in one pass.

    ``compact=True`` makes the pairs of a bucket shuffle (``"random"`` pairing without groups,
    from ``2 * BUCKET_ROWS`` rows, at most ``CENTRED_COLUMNS`` columns) float32 differences
    of float32 rows centred on the median of 65 evenly spaced rows
    (:func:`~strokedelta.models._bucket_pairs.bucketed_pairs` with a centre: half the memory
    traffic, each difference within ``2**-24`` times the rows' distances from the centre),
    unless a column's RMS difference is zero or leaves float32's safe range
    (``FLOAT32_RMS``); other pairs, and those, come in ``dtype`` as without it.

    Examples
    --------
    >>> pairs = packed_pairs(np.array([[0.0], [2.0]]), np.array([[1.0], [5.0]]),
    ...                      pairing="consecutive")
    >>> pairs.rows.tolist(), pairs.p, pairs.sum_squares.tolist(), pairs.means.tolist()
    ([[2.0, 4.0]], 1, [4.0, 16.0], [1.0, 3.0])
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise fail("x and y", "be 2-D with the same number of rows", f"{x.shape} and {y.shape}")
    n = x.shape[0]
    if groups is None and pairing == "random" and n_buckets(n) > 1:
        plan = bucket_shuffle(n, np.random.default_rng(random_state))
        if compact and x.shape[1] >= 1 and x.shape[1] + y.shape[1] <= CENTRED_COLUMNS:
            centre = _centre(x, y)
            out, squares, sums = bucketed_pairs(x, y, plan, np.float32, centre)
            if _fits_float32(squares, sums, n):
                return PackedPairs(out, x.shape[1], squares, centre + sums / n)
            del out
        fast = np.dtype(dtype) in (np.float32, np.float64)
        out, squares, sums = bucketed_pairs(x, y, plan, dtype if fast else np.float64)
        if not fast:  # other dtypes: the float64 differences, rounded once
            out = out.astype(dtype)
        return PackedPairs(out, x.shape[1], squares, sums / n)
    order, offsets = pair_order(n, groups, pairing=pairing, random_state=random_state)
    n_groups = int(np.count_nonzero(np.diff(offsets)))
    width = x.shape[1] + y.shape[1]
    out = np.empty((max(0, n - n_groups), width), dtype=dtype)
    stats = np.zeros((max(1, -(-n // _CHUNK)), 2, width))
    if n:
        _fill_pairs(x, y, order, offsets, out, stats)
    totals = stats.sum(axis=0)
    return PackedPairs(out, x.shape[1], totals[0], totals[1] / max(1, n))


#: Centred float32 rows are used while every column's RMS difference lies within these: far
#: from float32's overflow, and from its subnormals, where precision ends (a column that comes
#: out all zeros may have underflowed, so it takes the exact pairs too).
FLOAT32_RMS = (2.0**-100, 2.0**100)


def _centre(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The median of 65 evenly spaced rows of ``[x | y]``, per column (an element, not an
    average: no arithmetic, so no warning on an inf)."""
    rows = np.linspace(0, x.shape[0] - 1, 65).round().astype(np.intp)
    sample = np.sort(np.concatenate([x[rows], y[rows]], axis=1), axis=0)
    return np.ascontiguousarray(sample[32], dtype=np.float64)


def _fits_float32(squares: np.ndarray, sums: np.ndarray, n: int) -> bool:
    """Whether the statistics of centred float32 pairs are finite with every column's RMS in
    :data:`FLOAT32_RMS` (else the rows did not fit float32, or held a NaN or an inf)."""
    if not (np.isfinite(squares).all() and np.isfinite(sums).all()):
        return False
    rms = np.sqrt(squares / max(1, n - 1))
    low, high = FLOAT32_RMS
    return bool(((rms >= low) & (rms <= high)).all())
