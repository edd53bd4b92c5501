"""Differences of neighbours in a bucket shuffle's order, bucket by bucket, threaded.

The rows are first copied bucket by bucket (:func:`~strokedelta.models._buckets.scatter_rows`);
then each bucket is read in order into a small buffer that stays in the core's cache, and the
pairs of its places are differenced from there, in random order within the bucket. For up to
:data:`NARROW_COLUMNS` columns the per-column sums of a bucket are kept in registers
(:func:`_narrow_diffs`: the same sums in the same order as :func:`_bucket_diffs`, the same bits,
a third less time); wider rows take the general kernel.

Examples
--------
>>> import numpy as np
>>> from strokedelta.models._buckets import bucket_shuffle, shuffle_order
>>> x = np.arange(20_000.0)[:, None]
>>> plan = bucket_shuffle(len(x), np.random.default_rng(0))
>>> pairs, squares, sums = bucketed_pairs(x, 2 * x, plan)
>>> rows = np.hstack([x, 2 * x])[shuffle_order(plan)]
>>> bool((pairs == np.diff(rows, axis=0)).all()), sums.tolist()
(True, [199990000.0, 399980000.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta._kernels import array_type, jit_kernel, run_chunks, threads_for
from strokedelta.models._buckets import BucketShuffle, even_bounds, scatter_rows

__all__ = ["NARROW_COLUMNS", "bucketed_pairs"]

#: Rows of at most this many columns take the kernel that keeps its sums in registers.
NARROW_COLUMNS = 8


def _diffs_signature(dtype: Any) -> Any:
    import numba  # here: numba loads when a kernel first compiles

    index = array_type(np.int64, readonly=True)
    return numba.void(
        array_type(np.float64, 2, readonly=True),
        index,
        index,
        array_type(np.float64, 2, readonly=True),
        array_type(dtype, 2),
        numba.int64,
        array_type(np.float64, 3),
        numba.int64,
        numba.int64,
    )


@jit_kernel(
    f4=lambda: _diffs_signature(np.float32),
    f8=lambda: _diffs_signature(np.float64),
)
def _bucket_diffs(
    buf, positions, starts, edges, out, shift, stats, b0, b1
):  # pragma: no cover - compiled
    """Pairs ending in buckets ``b0 .. b1 - 1``: ``out[k - shift] = buf[positions[k]] -
    buf[positions[k - 1]]`` for every place ``k >= 1`` of the bucket (``edges[b]`` is the row at
    the place before bucket ``b``); the bucket's sums of squares of the differences (as float64,
    before rounding to ``out``) in ``stats[b, 0]`` and the sums of its rows in ``stats[b, 1]``.

    A bucket is read (in order, into ``local``, where it then sits in cache) before any of its
    pairs is written, and only the rows of its own places are read or written, so ``out`` may be
    ``buf`` itself with ``shift=0``: the pairs then replace the rows, bucket by bucket."""
    w = buf.shape[1]
    size = 0
    for b in range(b0, b1):
        size = max(size, starts[b + 1] - starts[b])
    local = np.empty((size + 1, w))
    acc = np.zeros(w)
    total = np.zeros(w)
    for b in range(b0, b1):
        start = starts[b]
        stop = starts[b + 1]
        if start == stop:
            continue
        local[0] = edges[b]
        total[:] = 0.0
        for k in range(start, stop):
            for j in range(w):
                v = buf[k, j]
                local[k - start + 1, j] = v
                total[j] += v
        stats[b, 1] = total
        acc[:] = 0.0
        for k in range(max(1, start), stop):
            prev = 0 if k == start else positions[k - 1] - start + 1
            this = positions[k] - start + 1
            for j in range(w):
                d = local[this, j] - local[prev, j]
                out[k - shift, j] = d
                acc[j] += d * d
        stats[b, 0] = acc


@jit_kernel(
    f4=lambda: _diffs_signature(np.float32),
    f8=lambda: _diffs_signature(np.float64),
)
def _narrow_diffs(
    buf, positions, starts, edges, out, shift, stats, b0, b1
):  # pragma: no cover - compiled
    """:func:`_bucket_diffs` for rows of at most :data:`NARROW_COLUMNS` columns, the sums in
    scalars (registers) rather than arrays, added in the same order: the same bits."""
    w = buf.shape[1]
    size = 0
    for b in range(b0, b1):
        size = max(size, starts[b + 1] - starts[b])
    local = np.empty((size + 1, NARROW_COLUMNS))
    for b in range(b0, b1):
        start = starts[b]
        stop = starts[b + 1]
        if start == stop:
            continue
        local[0, :w] = edges[b]
        t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = 0.0
        for k in range(start, stop):
            r = k - start + 1
            v = buf[k, 0]
            local[r, 0] = v
            t0 += v
            if w > 1:
                v = buf[k, 1]
                local[r, 1] = v
                t1 += v
            if w > 2:
                v = buf[k, 2]
                local[r, 2] = v
                t2 += v
            if w > 3:
                v = buf[k, 3]
                local[r, 3] = v
                t3 += v
            if w > 4:
                v = buf[k, 4]
                local[r, 4] = v
                t4 += v
            if w > 5:
                v = buf[k, 5]
                local[r, 5] = v
                t5 += v
            if w > 6:
                v = buf[k, 6]
                local[r, 6] = v
                t6 += v
            if w > 7:
                v = buf[k, 7]
                local[r, 7] = v
                t7 += v
        totals = (t0, t1, t2, t3, t4, t5, t6, t7)
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for k in range(max(1, start), stop):
            prev = 0 if k == start else positions[k - 1] - start + 1
            this = positions[k] - start + 1
            row = k - shift
            d = local[this, 0] - local[prev, 0]
            out[row, 0] = d
            a0 += d * d
            if w > 1:
                d = local[this, 1] - local[prev, 1]
                out[row, 1] = d
                a1 += d * d
            if w > 2:
                d = local[this, 2] - local[prev, 2]
                out[row, 2] = d
                a2 += d * d
            if w > 3:
                d = local[this, 3] - local[prev, 3]
                out[row, 3] = d
                a3 += d * d
            if w > 4:
                d = local[this, 4] - local[prev, 4]
                out[row, 4] = d
                a4 += d * d
            if w > 5:
                d = local[this, 5] - local[prev, 5]
                out[row, 5] = d
                a5 += d * d
            if w > 6:
                d = local[this, 6] - local[prev, 6]
                out[row, 6] = d
                a6 += d * d
            if w > 7:
                d = local[this, 7] - local[prev, 7]
                out[row, 7] = d
                a7 += d * d
        squares = (a0, a1, a2, a3, a4, a5, a6, a7)
        for j in range(w):
            stats[b, 0, j] = squares[j]
            stats[b, 1, j] = totals[j]


def bucketed_pairs(
    x: np.ndarray, y: np.ndarray, plan: BucketShuffle, dtype: Any = np.float64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Differences of neighbours in the order of ``plan`` (more than one bucket) of the rows of
    ``x`` and ``y`` (C-contiguous float64), ``(n - 1, p + q)`` float64 or float32, with the
    float64 sums of squares of every column of the differences and the sums of every column of
    ``[x | y]``.

    The differences equal ``np.diff(np.hstack([x, y])[shuffle_order(plan)], axis=0)`` rounded to
    ``dtype``, with the same bits whatever the number of threads. The rows are copied bucket by
    bucket into one float64 buffer; float64 differences then replace them in place (the
    result is a view of that buffer: no second allocation, whose first touch of fresh pages
    costs about as much as the copy), float32 ones go to a new array.
    """
    n, width = x.shape[0], x.shape[1] + y.shape[1]
    key = "f4" if np.dtype(dtype) == np.float32 else "f8"
    threads = threads_for(n * width)
    buf = np.empty((n, width), dtype=np.float64)
    scatter_rows(x, y, plan, buf)
    # the row at the place before each bucket, read before the pairs overwrite the rows
    edges = buf[plan.positions[np.maximum(plan.starts[:-1] - 1, 0)]]
    out, shift = (buf, 0) if key == "f8" else (np.empty((n - 1, width), np.float32), 1)
    stats = np.zeros((plan.n_buckets, 2, width))  # per bucket: so the threads do not matter
    kernel = (_narrow_diffs if width <= NARROW_COLUMNS else _bucket_diffs)[key]
    run_chunks(
        lambda b0, b1: kernel(buf, plan.positions, plan.starts, edges, out, shift, stats, b0, b1),
        even_bounds(plan.n_buckets, 4 * threads) if threads > 1 else [0, plan.n_buckets],
        threads,
    )
    totals = stats.sum(axis=0)
    return out[1:] if shift == 0 else out, totals[0], totals[1]
