"""Differences of neighbours in a bucket shuffle's order, bucket by bucket, threaded.

The rows are first copied bucket by bucket (:func:`~strokedelta.models._buckets.scatter_rows`);
then each bucket is read in order into a small buffer that stays in the core's cache, and the
pairs of its places are differenced from there, in random order within the bucket. For up to
:data:`NARROW_COLUMNS` columns the per-column sums of a bucket are kept in registers
(:func:`_narrow_diffs`, compiled once per width: the same sums in the same order as
:func:`_bucket_diffs`, the same bits, in about half the time); wider rows take the general
kernel. With a centre, the rows are copied centred in float32 and differenced in place there
(the default fit's pairs: half the memory of float64 rows, see :func:`bucketed_pairs`).

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


def _diffs_signature(dtype: Any, rows: Any = np.float64) -> Any:
    import numba  # here: numba loads when a kernel first compiles

    index = array_type(np.int64, readonly=True)
    return numba.void(
        array_type(rows, 2, readonly=True),
        index,
        index,
        array_type(rows, 2, readonly=True),
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


def _narrow_signature(dtype: Any, rows: Any, width: int) -> Any:
    import numba  # here: numba loads when a kernel first compiles

    signature = _diffs_signature(dtype, rows)
    return numba.void(*signature.args, numba.types.UniTuple(numba.float64, width))


#: The signatures of :func:`_narrow_diffs`: ``f8``, ``f4`` or ``c4`` (as in
#: :func:`_bucket_diffs`) and the width, ``"f8_6"``.
_NARROW_SIGNATURES: dict[str, Any] = {
    f"{key}_{width}": (
        lambda dtype=dtype, rows=rows, width=width: _narrow_signature(dtype, rows, width)
    )
    for key, dtype, rows in (
        ("f4", np.float32, np.float64),
        ("f8", np.float64, np.float64),
        ("c4", np.float32, np.float32),
    )
    for width in range(1, NARROW_COLUMNS + 1)
}


@jit_kernel(**_NARROW_SIGNATURES)
def _narrow_diffs(
    buf, positions, starts, edges, out, shift, stats, b0, b1, width
):  # pragma: no cover - compiled
    """:func:`_bucket_diffs` for rows of at most :data:`NARROW_COLUMNS` columns, the sums in
    scalars (registers) rather than arrays, added in the same order: the same bits. The width
    is the length of the tuple ``width``, known when the kernel compiles (one signature per
    width), so the tests on it vanish and the columns of a row are handled together (about
    1.7 times faster than testing the width in every row); float32 rows sit in cache as they
    are."""
    w = len(width)
    size = 0
    for b in range(b0, b1):
        size = max(size, starts[b + 1] - starts[b])
    local = np.empty((size + 1, NARROW_COLUMNS), dtype=buf.dtype)
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
        # the row at the place before the first pair, then each pair's row: in registers
        first = 0 if start > 0 else positions[0] + 1
        p0 = p1 = p2 = p3 = p4 = p5 = p6 = p7 = np.float64(0.0)
        c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = np.float64(0.0)
        p0 = np.float64(local[first, 0])
        if w > 1:
            p1 = np.float64(local[first, 1])
        if w > 2:
            p2 = np.float64(local[first, 2])
        if w > 3:
            p3 = np.float64(local[first, 3])
        if w > 4:
            p4 = np.float64(local[first, 4])
        if w > 5:
            p5 = np.float64(local[first, 5])
        if w > 6:
            p6 = np.float64(local[first, 6])
        if w > 7:
            p7 = np.float64(local[first, 7])
        for k in range(max(1, start), stop):
            this = positions[k] - start + 1
            c0 = np.float64(local[this, 0])
            if w > 1:
                c1 = np.float64(local[this, 1])
            if w > 2:
                c2 = np.float64(local[this, 2])
            if w > 3:
                c3 = np.float64(local[this, 3])
            if w > 4:
                c4 = np.float64(local[this, 4])
            if w > 5:
                c5 = np.float64(local[this, 5])
            if w > 6:
                c6 = np.float64(local[this, 6])
            if w > 7:
                c7 = np.float64(local[this, 7])
            row = k - shift
            d = c0 - p0
            out[row, 0] = d
            a0 += d * d
            p0 = c0
            if w > 1:
                d = c1 - p1
                out[row, 1] = d
                a1 += d * d
                p1 = c1
            if w > 2:
                d = c2 - p2
                out[row, 2] = d
                a2 += d * d
                p2 = c2
            if w > 3:
                d = c3 - p3
                out[row, 3] = d
                a3 += d * d
                p3 = c3
            if w > 4:
                d = c4 - p4
                out[row, 4] = d
                a4 += d * d
                p4 = c4
            if w > 5:
                d = c5 - p5
                out[row, 5] = d
                a5 += d * d
                p5 = c5
            if w > 6:
                d = c6 - p6
                out[row, 6] = d
                a6 += d * d
                p6 = c6
            if w > 7:
                d = c7 - p7
                out[row, 7] = d
                a7 += d * d
                p7 = c7
        squares = (a0, a1, a2, a3, a4, a5, a6, a7)
        for j in range(w):
            stats[b, 0, j] = squares[j]
            stats[b, 1, j] = totals[j]


def bucketed_pairs(
    x: np.ndarray,
    y: np.ndarray,
    plan: BucketShuffle,
    dtype: Any = np.float64,
    centre: np.ndarray | None = None,
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

    With a ``centre`` (``(p + q,)``, at most
    :data:`~strokedelta.models._buckets.CENTRED_COLUMNS` columns), the rows minus the centre
    are copied in float32 instead and their float32 differences replace them (half the memory
    and its traffic): each difference of rows ``a`` and ``b`` is then within ``2**-24 *
    (|a - centre| + |b - centre| + |a - b|)`` of the exact one; the sums of squares are those
    of the float64 differences of the float32 rows, the column sums those of the float32 rows
    (add ``n * centre``).
    """
    n, width = x.shape[0], x.shape[1] + y.shape[1]
    key = "c4" if centre is not None else "f4" if np.dtype(dtype) == np.float32 else "f8"
    threads = threads_for(n * width)
    buf = np.empty((n, width), dtype=np.float32 if key == "c4" else np.float64)
    scatter_rows(x, y, plan, buf, centre)
    # the row at the place before each bucket, read before the pairs overwrite the rows
    edges = buf[plan.positions[np.maximum(plan.starts[:-1] - 1, 0)]]
    out, shift = (buf, 0) if key != "f4" else (np.empty((n - 1, width), np.float32), 1)
    stats = np.zeros((plan.n_buckets, 2, width))  # per bucket: so the threads do not matter
    if width <= NARROW_COLUMNS:
        narrow, shape = _narrow_diffs[f"{key}_{width}"], (0.0,) * width

        def kernel(*args: Any) -> None:
            narrow(*args, shape)

    else:
        kernel = _bucket_diffs[key]
    run_chunks(
        lambda b0, b1: kernel(buf, plan.positions, plan.starts, edges, out, shift, stats, b0, b1),
        even_bounds(plan.n_buckets, 4 * threads) if threads > 1 else [0, plan.n_buckets],
        threads,
    )
    totals = stats.sum(axis=0)
    return out[1:] if shift == 0 else out, totals[0], totals[1]
