"""A seeded shuffle of many rows that stays in the CPU's caches: random buckets, then a
shuffle inside each bucket.

A Fisher-Yates shuffle of millions of rows, and reading rows in that order, cost one cache miss
per row once the rows outgrow the caches, so the time per row grows with the number of rows.
The bucket shuffle (Rao and Sandelius) gives the same thing, a uniformly random permutation,
with sequential memory traffic: every row draws one of ``B`` buckets uniformly (``B`` a power
of two, about :data:`BUCKET_ROWS` rows each), the rows are copied bucket by bucket keeping
their order inside a bucket (a counting scatter, two sequential passes), and each bucket is
permuted uniformly; the random reads then stay inside one bucket, which fits in a core's cache.
Below ``2 * BUCKET_ROWS`` rows there is one bucket, and the order is ``rng.permutation(n)``;
rows that fit in the last-level cache may instead be read in random order where they are
(:func:`cached_shuffle`, a compiled Fisher-Yates).

The random numbers: two seeds drawn from a numpy ``Generator``, then counter-based SplitMix64
streams, one value per row for its bucket and one stream per bucket for its permutation (an
inside-out Fisher-Yates with Lemire's exactly uniform bounded draws), so the permutation does
not depend on how the rows and buckets are shared out between threads; :func:`shuffle_order`
gives it as one array (the reference the tests compare the kernels with).

Examples
--------
>>> import numpy as np
>>> plan = bucket_shuffle(5, np.random.default_rng(0))
>>> shuffle_order(plan).tolist() == np.random.default_rng(0).permutation(5).tolist()
True
>>> n_buckets(1_000_000)
256
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from strokedelta import _kernels
from strokedelta._kernels import array_type, jit_kernel, run_chunks, threads_for

if TYPE_CHECKING:
    #: Bound when the scatter compiles: the numba intrinsic of strokedelta._kernels.
    prefetch: Any

__all__ = [
    "BUCKET_ROWS",
    "CENTRED_COLUMNS",
    "BucketShuffle",
    "bucket_shuffle",
    "bucketed_rows",
    "cached_shuffle",
    "even_bounds",
    "n_buckets",
    "scatter_rows",
    "shuffle_order",
]

#: Rows per bucket aimed at (4096 rows of 6 float64 columns are 192 KiB).
BUCKET_ROWS = 4096
#: At most this many buckets (their labels are uint16).
MAX_BUCKETS = 1 << 14
#: Rows per part of the scatter, one part per thread (a multiple of this many rows).
PART_ROWS = 1 << 14
#: Rows up to this many bytes are read in random order where they are (:func:`cached_shuffle`):
#: they stay in the last-level cache, and copying them would cost more than it saves. Half of
#: a 32 MiB L3, since a shared cache is not all one process's. ``scripts/bench_shuffle.py``
#: (2-core EPYC VM, 32 MiB L3) gave the time of one SGD epoch read in place over its time
#: copied bucket by bucket: 0.65 at 2.4 MB and 0.93 at 9.6 MB, but 1.11 at 16.8 MB and 1.24 at
#: 24 MB. A constant, not the machine's cache size, so that a seed gives the same fit anywhere.
CACHE_BYTES = 1 << 24
#: How many places ahead in its bucket the scatter prefetches the row it will write.
SCATTER_AHEAD = 8


def n_buckets(n: int) -> int:
    """Buckets for ``n`` rows: 1 below ``2 * BUCKET_ROWS``, else the power of two nearest
    ``n / BUCKET_ROWS`` (at most :data:`MAX_BUCKETS`)."""
    if n < 2 * BUCKET_ROWS:
        return 1
    return min(MAX_BUCKETS, 1 << round(math.log2(n / BUCKET_ROWS)))


class BucketShuffle(NamedTuple):
    """A bucket shuffle of ``n`` rows.

    ``labels`` is the bucket of every row (uint16; None for one bucket), ``starts`` the first
    place of every bucket in the bucketed layout (``(B + 1,)``), and ``positions`` the row of the
    bucketed layout at each place of the shuffled order (int64, a permutation of ``range(n)``
    that keeps every bucket's places inside the bucket). ``part_bounds`` cut the rows into
    parts (one per thread, multiples of :data:`PART_ROWS`) and ``part_counts[t, b]`` counts the
    rows of part ``t`` in bucket ``b``.
    """

    labels: np.ndarray | None
    starts: np.ndarray
    positions: np.ndarray
    part_bounds: np.ndarray | None = None
    part_counts: np.ndarray | None = None

    @property
    def n_buckets(self) -> int:
        return len(self.starts) - 1


def bucket_shuffle(n: int, rng: np.random.Generator) -> BucketShuffle:
    """Draw the buckets and the permutation of every bucket (see the module docstring)."""
    buckets = n_buckets(n)
    if buckets == 1:
        order = rng.permutation(n).astype(np.int64, copy=False)
        return BucketShuffle(None, np.array([0, n], dtype=np.int64), order)
    label_seed, shuffle_seed = (int(s) for s in rng.integers(0, 2**63, size=2))
    threads = threads_for(n)
    labels = np.empty(n, dtype=np.uint16)
    bounds = even_bounds(n, threads, PART_ROWS)
    counts = np.zeros((len(bounds) - 1, buckets), dtype=np.int64)
    bits = buckets.bit_length() - 1
    label_kernel = _labels["i8"]
    run_chunks(
        lambda c0, c1: label_kernel(
            np.uint64(label_seed), bits, labels, counts[c0], bounds[c0], bounds[c0 + 1]
        ),
        range(len(bounds)),
        threads,
    )
    starts = np.zeros(buckets + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=starts[1:])
    positions = np.empty(n, dtype=np.int64)
    shuffle_kernel = _bucket_orders["i8"]
    run_chunks(
        lambda b0, b1: shuffle_kernel(np.uint64(shuffle_seed), starts, positions, b0, b1),
        even_bounds(buckets, 4 * threads) if threads > 1 else [0, buckets],
        threads,
    )
    return BucketShuffle(labels, starts, positions, bounds, counts)


def cached_shuffle(n: int, rng: np.random.Generator, row_bytes: int) -> BucketShuffle:
    """:func:`bucket_shuffle`, or one bucket shuffled by the compiled Fisher-Yates (seeded by
    one draw from ``rng``) when ``n`` rows of ``row_bytes`` fit in :data:`CACHE_BYTES` and
    need no copy to be read in random order."""
    if n < 2 * BUCKET_ROWS or n * row_bytes > CACHE_BYTES:
        return bucket_shuffle(n, rng)
    starts = np.array([0, n], dtype=np.int64)
    positions = np.empty(n, dtype=np.int64)
    _bucket_orders["i8"](np.uint64(int(rng.integers(0, 2**63))), starts, positions, 0, 1)
    return BucketShuffle(None, starts, positions)


def shuffle_order(plan: BucketShuffle) -> np.ndarray:
    """The permutation: the original row at every place of the order."""
    if plan.labels is None:
        return plan.positions
    return np.argsort(plan.labels, kind="stable")[plan.positions]


# ----------------------------------------------------------------------------- kernels
_GAMMA = 0x9E3779B97F4A7C15  # SplitMix64's increment


def _labels_signature() -> Any:
    import numba  # here: numba loads when a kernel first compiles

    return numba.void(
        numba.uint64,
        numba.int64,
        array_type(np.uint16),
        array_type(np.int64),
        numba.int64,
        numba.int64,
    )


@jit_kernel(i8=_labels_signature)
def _labels(seed, bits, labels, counts, r0, r1):  # pragma: no cover - compiled
    """Bucket ``mix(seed + (i + 1) * GAMMA) >> (64 - bits)`` of rows ``r0 .. r1 - 1`` (a
    counter-based SplitMix64 stream), counted per bucket into ``counts``."""
    shift = np.uint64(64 - bits)
    for i in range(r0, r1):
        z = seed + np.uint64(i + 1) * np.uint64(_GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)  # SplitMix64's mix
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        b = (z ^ (z >> np.uint64(31))) >> shift
        labels[i] = b
        counts[b] += 1


def _bucket_orders_signature() -> Any:
    import numba  # here: numba loads when a kernel first compiles

    return numba.void(
        numba.uint64,
        array_type(np.int64, readonly=True),
        array_type(np.int64),
        numba.int64,
        numba.int64,
    )


@jit_kernel(i8=_bucket_orders_signature)
def _bucket_orders(seed, starts, positions, b0, b1):  # pragma: no cover - compiled
    """A Fisher-Yates shuffle ("inside-out": place ``i`` swaps with a place ``j <= i``) of the
    places of every bucket ``b0 .. b1 - 1``, driven by the SplitMix64 stream that starts at
    ``mix(seed + (b + 1) * GAMMA)``. Each draw of ``j`` is Lemire's multiply-and-reject on
    32 bits (exactly uniform, no division but on the rare rejection test), two draws per
    64-bit output: about 1.7 times faster than a float product per draw."""
    low32 = np.uint64(0xFFFFFFFF)
    for b in range(b0, b1):
        start = starts[b]
        state = seed + np.uint64(b + 1) * np.uint64(_GAMMA)  # the stream of bucket b
        state = (state ^ (state >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        state = (state ^ (state >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        state = state ^ (state >> np.uint64(31))
        spare = np.uint64(0)
        for i in range(starts[b + 1] - start):
            if i % 2:  # the low half of the last output
                draw = spare
            else:
                state += np.uint64(_GAMMA)  # SplitMix64
                z = state
                z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
                z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
                z = z ^ (z >> np.uint64(31))
                draw, spare = z >> np.uint64(32), z & low32
            bound = np.uint64(i + 1)
            product = draw * bound
            if (product & low32) < bound:  # maybe in the biased zone: reject below 2**32 % bound
                threshold = (np.uint64(1 << 32) - bound) % bound
                while (product & low32) < threshold:
                    state += np.uint64(_GAMMA)
                    z = state
                    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
                    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
                    z = z ^ (z >> np.uint64(31))
                    product = (z >> np.uint64(32)) * bound
            j = np.int64(product >> np.uint64(32))
            positions[start + i] = positions[start + j]
            positions[start + j] = start + i


def _scatter_signature(dtype: Any) -> Any:
    import numba  # here: numba loads when a kernel first compiles

    globals()["prefetch"] = _kernels.prefetch  # made with numba, for the kernel below
    rows = array_type(dtype, 2, readonly=True)
    return numba.void(
        rows,
        rows,
        array_type(np.uint16, readonly=True),
        array_type(np.int64),
        array_type(dtype, 2),
        numba.int64,
        numba.int64,
    )


@jit_kernel(
    f4=lambda: _scatter_signature(np.float32),
    f8=lambda: _scatter_signature(np.float64),
)
def _scatter(x, y, labels, pos, buf, r0, r1):  # pragma: no cover - compiled
    """Rows ``r0 .. r1 - 1`` of ``[x | y]`` to ``buf[pos[label]]`` (``pos`` advances).

    Each bucket is a write stream, too many for the CPU's prefetcher to follow: a write asks
    for the row :data:`SCATTER_AHEAD` places further on in its bucket, so that the cache line
    is there when the bucket's turn comes again (twice as fast on 256 buckets)."""
    p = x.shape[1]
    q = y.shape[1]
    n = buf.shape[0]
    for i in range(r0, r1):
        b = labels[i]
        k = pos[b]
        pos[b] = k + 1
        if k + SCATTER_AHEAD < n:
            prefetch(buf, k + SCATTER_AHEAD)  # noqa: F821
        for j in range(p):
            buf[k, j] = x[i, j]
        for j in range(q):
            buf[k, p + j] = y[i, j]


#: Rows of at most this many columns may be scattered centred (:func:`_scatter_centred`).
CENTRED_COLUMNS = 8


def _centred_signature(p: int, q: int) -> Any:
    import numba  # here: numba loads when a kernel first compiles

    globals()["prefetch"] = _kernels.prefetch  # made with numba, for the kernel below
    rows = array_type(np.float64, 2, readonly=True)
    return numba.void(
        rows,
        rows,
        array_type(np.uint16, readonly=True),
        array_type(np.int64),
        array_type(np.float32, 2),
        numba.int64,
        numba.int64,
        numba.types.UniTuple(numba.float64, p),
        numba.types.UniTuple(numba.float64, q),
    )


#: The signatures of :func:`_scatter_centred`, one per ``(p, q)``: ``"c4_5_1"``.
_CENTRED_SIGNATURES: dict[str, Any] = {
    f"c4_{p}_{q}": (lambda p=p, q=q: _centred_signature(p, q))
    for p in range(1, CENTRED_COLUMNS)
    for q in range(1, CENTRED_COLUMNS + 1 - p)
}


@jit_kernel(**_CENTRED_SIGNATURES)
def _scatter_centred(x, y, labels, pos, buf, r0, r1, cx, cy):  # pragma: no cover - compiled
    """:func:`_scatter` of float64 rows minus the centre ``(cx, cy)`` (rounded once) into a
    float32 ``buf``. The centre is passed by value and its lengths are known when the kernel
    compiles (one signature per ``(p, q)``), so it stays in registers: read from an array it
    would be read again after every store to ``buf`` (which might be the same memory), in
    about 1.7 times the time."""
    p = len(cx)
    q = len(cy)
    n = buf.shape[0]
    for i in range(r0, r1):
        b = labels[i]
        k = pos[b]
        pos[b] = k + 1
        if k + SCATTER_AHEAD < n:
            prefetch(buf, k + SCATTER_AHEAD)  # noqa: F821
        for j in range(p):
            buf[k, j] = x[i, j] - cx[j]
        for j in range(q):
            buf[k, p + j] = y[i, j] - cy[j]


def even_bounds(stop: int, parts: int, step: int = 1) -> np.ndarray:
    """``parts + 1`` increasing bounds from 0 to ``stop``, multiples of ``step`` inside."""
    inner = [min(stop, (stop * i // parts) // step * step) for i in range(1, parts)]
    return np.unique(np.array([0, *inner, stop], dtype=np.int64))


def scatter_rows(
    x: np.ndarray,
    y: np.ndarray,
    plan: BucketShuffle,
    buf: np.ndarray,
    centre: np.ndarray | None = None,
) -> None:
    """Scatter every row of ``[x | y]`` into ``buf``, one thread per part of the plan (stable
    within a bucket: each part writes after the earlier parts' rows of the same bucket, so the
    bits do not depend on the threads). With a ``centre`` (``(p + q,)``, at most
    :data:`CENTRED_COLUMNS` columns), float64 rows minus the centre go to a float32 ``buf``."""
    assert plan.labels is not None
    assert plan.part_bounds is not None
    assert plan.part_counts is not None
    bounds, counts = plan.part_bounds, plan.part_counts
    before = np.cumsum(counts, axis=0) - counts  # rows of the earlier parts, per bucket
    pos = plan.starts[:-1] + before
    if centre is None:
        kernel = _scatter["f4" if buf.dtype == np.float32 else "f8"]
    else:
        p, middle = x.shape[1], [float(c) for c in centre]
        centred = _scatter_centred[f"c4_{p}_{y.shape[1]}"]
        cx, cy = tuple(middle[:p]), tuple(middle[p:])

        def kernel(*args: Any) -> None:
            centred(*args, cx, cy)

    run_chunks(
        lambda c0, c1: kernel(x, y, plan.labels, pos[c0], buf, bounds[c0], bounds[c0 + 1]),
        range(len(bounds)),
        len(bounds) - 1,
    )


def bucketed_rows(rows: np.ndarray, plan: BucketShuffle, buf: np.ndarray | None = None) -> Any:
    """``rows`` (float32, C-contiguous) copied bucket by bucket into ``buf`` (allocated when
    None), so that ``buf[plan.positions]`` is ``rows[shuffle_order(plan)]``."""
    if buf is None:
        buf = np.empty_like(rows)
    scatter_rows(rows, rows[:, :0], plan, buf)
    return buf
