"""Vectorised kernels on batches of polylines: arc-length resampling and Ramer-Douglas-Peucker.

Both run on flat arrays of many polylines at once: resampling is offset arithmetic, and RDP is one
compiled pass (numba) over all polylines, each simplified with an explicit stack of open spans (no
Python loop per polyline or per point). RDP uses the perpendicular distance to the *infinite line*
through a span's end points, computed with the same floating-point operations as the ``rdp``
package, so the kept points are identical to it. The numpy reference of RDP keeps a frontier of
all open spans of all polylines and splits them together, one numpy pass per recursion level; it
runs where the compiled pass could not follow numpy's BLAS bit for bit (:func:`_plain_norms`) and
is what the tests compare it with. Google's simplification (:mod:`strokedelta.sketch.simplify`)
is built from these two.

Examples
--------
>>> import numpy as np
>>> resample(np.array([[0.0, 0.0], [2.5, 0.0]])).tolist()
[[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [2.5, 0.0]]
>>> rdp(np.array([[0, 0], [1, 0.1], [2, 3], [3, 3]]), epsilon=0.5).tolist()
[[0.0, 0.0], [1.0, 0.1], [2.0, 3.0], [3.0, 3.0]]
"""

from __future__ import annotations

import functools
from typing import Any

import numba
import numpy as np

from strokedelta._kernels import array_type, chunk_bounds, jit_kernel, run_chunks, threads_for
from strokedelta._validation import check_array, check_finite, check_number, fail
from strokedelta.delta import from_deltas
from strokedelta.exceptions import ValidationError
from strokedelta.ragged import Ragged, offsets_from_lengths

__all__ = [
    "rdp",
    "rdp_batch",
    "rdp_mask",
    "rdp_mask_batch",
    "resample",
    "resample_batch",
]


# ------------------------------------------------------------------------------ checks
def _check_points(name: str, points: Any) -> np.ndarray:
    arr = check_array(name, points, ndim=2, columns=2, kinds="iuf")
    check_finite(name, arr)
    return arr


def _check_batch(name: str, strokes: Any) -> Ragged:
    if not isinstance(strokes, Ragged):
        raise fail(name, "be a Ragged of (N, 2) points", type(strokes).__name__)
    _check_points(f"{name}.values", strokes.values)
    return strokes


def _sqnorm(v: np.ndarray) -> np.ndarray:
    """Squared norms of the rows of ``v`` exactly as ``np.linalg.norm(row) ** 2`` computes them.

    ``np.linalg.norm`` of a vector is ``sqrt(x.dot(x))``, and ``dot`` goes through BLAS, which may
    fuse the multiply-adds; ``vecdot`` / ``matmul`` take the same path, ``x * x`` sums do not.
    """
    v = np.ascontiguousarray(v, dtype=np.float64)
    if hasattr(np, "vecdot"):
        return np.vecdot(v, v)
    return np.matmul(v[:, None, :], v[:, :, None])[:, 0, 0]  # pragma: no cover (numpy < 2)


# ---------------------------------------------------------------------------- resample
def resample_batch(strokes: Ragged, spacing: float = 1.0) -> Ragged:
    """Resample every polyline of a batch at ``spacing`` along its length, vectorised.

    Each output polyline holds the first point, the points at arc length ``spacing``,
    ``2 * spacing``, ... strictly before the end, and the last point. A polyline of zero length
    gives its first and last point (two points); a single point stays one point; an empty
    polyline stays empty. Positions are interpolated exactly as :func:`numpy.interp` does.

    Parameters
    ----------
    strokes : Ragged
        Values ``(N, 2)``: one polyline per sequence.
    spacing : float
        Distance between consecutive output points (> 0).

    Returns
    -------
    Ragged
        float64 ``(M, 2)`` values, one resampled polyline per input polyline (ids kept).

    Examples
    --------
    >>> batch = Ragged(np.array([[0, 0], [0, 2], [5, 5], [5, 5]]), [0, 2, 4])
    >>> out = resample_batch(batch)
    >>> out.lengths.tolist(), out[0].tolist(), out[1].tolist()
    ([3, 2], [[0.0, 0.0], [0.0, 1.0], [0.0, 2.0]], [[5.0, 5.0], [5.0, 5.0]])
    """
    strokes = _check_batch("strokes", strokes)
    spacing = check_number("spacing", spacing, positive=True)
    points = strokes.values.astype(np.float64, copy=False)
    offsets = strokes.offsets
    lengths = strokes.lengths
    n = len(points)
    # Arc length from each polyline's first point, summed sequentially per polyline.
    steps = np.zeros(n, dtype=np.float64)
    if n > 1:
        diff = points[1:] - points[:-1]
        steps[1:] = np.hypot(diff[:, 0], diff[:, 1])
    steps[offsets[:-1][lengths > 0]] = 0.0
    arc = from_deltas(steps, offsets)
    nonempty = lengths > 0
    total = np.zeros(len(lengths), dtype=np.float64)
    total[nonempty] = arc[offsets[1:][nonempty] - 1]
    # Samples k * spacing for k = 1 .. count - 1 (count = first k with k * spacing >= total).
    count = _first_multiple_at_or_after(total, spacing)
    count = np.where(lengths >= 2, np.maximum(count, 1), 0)
    # first_k[i]: first k >= 1 whose sample lies at or after point i (clipped to the stroke).
    owner = np.repeat(np.arange(len(lengths)), lengths)
    first_k = np.clip(_first_multiple_at_or_after(arc, spacing), 1, count[owner])
    # Samples between point i and i + 1 (never across polylines: last point -> count).
    per_segment = np.zeros(n, dtype=np.int64)
    if n > 1:
        per_segment[:-1] = first_k[1:] - first_k[:-1]
        per_segment[offsets[1:][nonempty] - 1] = 0
    # Inner samples, interpolated per segment exactly as np.interp: slope * (t - left) + v0.
    used = np.flatnonzero(per_segment)
    counts = per_segment[used]
    rank = np.arange(int(counts.sum())) - np.repeat(offsets_from_lengths(counts)[:-1], counts)
    k = np.repeat(first_k[used], counts) + rank
    left = arc[used]
    step = k * spacing - np.repeat(left, counts)
    on_vertex = step == 0
    # Assemble: first point, inner samples, last point.
    out_lengths = np.where(lengths >= 2, count + 1, lengths)
    out_offsets = offsets_from_lengths(out_lengths)
    out = np.empty((int(out_offsets[-1]), 2), dtype=np.float64)
    out[out_offsets[:-1][nonempty]] = points[offsets[:-1][nonempty]]
    many = lengths >= 2
    out[out_offsets[1:][many] - 1] = points[offsets[1:][many] - 1]
    target = np.repeat(out_offsets[owner[used]], counts) + k
    length = arc[used + 1] - left
    for c in range(2):
        column = np.ascontiguousarray(points[:, c])
        base = column[used]
        slope = (column[used + 1] - base) / length
        spread = np.repeat(base, counts)
        values = np.repeat(slope, counts) * step + spread
        values[on_vertex] = spread[on_vertex]
        out[target, c] = values
    return Ragged(out, out_offsets, strokes.ids)


def _first_multiple_at_or_after(x: np.ndarray, spacing: float) -> np.ndarray:
    """Smallest integer ``k >= 0`` with ``k * spacing >= x`` (exact for the float products)."""
    k = np.ceil(x / spacing).astype(np.int64)
    k = np.where((k > 0) & ((k - 1) * spacing >= x), k - 1, k)
    return np.where(k * spacing < x, k + 1, k)


def resample(points: Any, spacing: float = 1.0) -> Any:
    """Resample one polyline ``(n, 2)`` (or a :class:`Ragged` batch) at ``spacing``.

    See :func:`resample_batch` for the rule; a batch in gives a batch out.

    Examples
    --------
    >>> resample(np.array([[0, 0], [3, 4]]), spacing=2.0).tolist()
    [[0.0, 0.0], [1.2, 1.6], [2.4, 3.2], [3.0, 4.0]]
    """
    if isinstance(points, Ragged):
        return resample_batch(points, spacing)
    points = _check_points("points", points)
    return resample_batch(Ragged(points, [0, len(points)]), spacing).values


# ----------------------------------------------------------------------- compiled RDP
# Distances exactly as ``rdp.pldist``: ``|cross(end - start, start - point)| / |end - start|``
# (``np.cross`` of 2-vectors is ``a0 * b1 - a1 * b0``; ``np.linalg.norm`` of one number is
# ``sqrt(c * c)`` and of a 2-vector ``sqrt(x * x + y * y)``), or ``|point - start|`` when the
# ends coincide; the first farthest point splits a span when its distance exceeds epsilon.
#
# A distance is ``sqrt(q) / length`` with ``q = c * c``, and correctly rounded square roots and
# divisions never reverse an order: the largest distance is ``sqrt(max q) / length``, found
# without a square root or division per point. Only when it exceeds epsilon, and a point before
# the first largest ``q`` comes within 1e-12 of it, does a second pass look for the first point
# at that distance, dividing only where ``q`` is within 1e-12 of the largest (rounding moves a
# distance by a few 1e-16, so no point at the largest distance is skipped). Most spans are not
# split: when ``max q < epsilon**2 * length**2 * (1 - 1e-12)`` (all normal doubles) no rounding
# can lift the distance above epsilon, and neither square root is taken; nor when
# ``max q > epsilon**2 * length**2 * (1 + 1e-12)`` and no earlier point comes within 1e-12 of it
# (the span splits there whatever the rounding: six roundings move a distance far less than
# that). Outside the normal range of doubles (overflow, underflow) the plain loop decides.
_TINY = 2.2250738585072014e-308  # the smallest normal double
_LARGEST = float(np.finfo(np.float64).max)
_F8 = np.dtype(np.float64)
_NDARRAY = np.ndarray


@numba.njit(nogil=True, error_model="numpy")
def _squared(points, first, i, ax, ay, dx, dy, same):  # pragma: no cover - compiled
    rx = ax - points[i, 0]
    ry = ay - points[i, 1]
    if same:
        return rx * rx + ry * ry
    c = dx * ry - dy * rx
    return c * c


@numba.njit(nogil=True, error_model="numpy")
def _split(points, first, last, epsilon):  # pragma: no cover - compiled
    """The point that splits span ``first .. last`` (as ``rdp`` chooses it), or -1."""
    ax = points[first, 0]
    ay = points[first, 1]
    dx = points[last, 0] - ax
    dy = points[last, 1] - ay
    same = dx == 0.0 and dy == 0.0
    inner = points[first + 1 : last]  # a slice: indices from 0, no wrap-around per point
    top = 0.0
    below = 0.0  # the largest q before the first point at ``top``
    at = -1  # that point, counted from ``first + 1``
    if same:
        for k in range(inner.shape[0]):
            rx = ax - inner[k, 0]
            ry = ay - inner[k, 1]
            q = rx * rx + ry * ry
            if q > top:
                below = top
                top = q
                at = k
    else:
        for k in range(inner.shape[0]):
            c = dx * (ay - inner[k, 1]) - dy * (ax - inner[k, 0])
            q = c * c
            if q > top:
                below = top
                top = q
                at = k
    if top == 0.0:
        return -1  # every distance is 0 (or NaN): nothing is farther than epsilon >= 0
    squared_length = 1.0 if same else dx * dx + dy * dy
    bound = epsilon * epsilon * squared_length
    if (
        _TINY <= top < np.inf
        and _TINY <= squared_length < np.inf
        and epsilon * epsilon >= _TINY
        and _TINY <= bound < np.inf
    ):
        if top < bound * (1.0 - 1e-12):
            return -1  # sqrt(top) / length <= epsilon whatever the rounding: no square root
        if top > bound * (1.0 + 1e-12) and below < top * (1.0 - 1e-12):
            return first + 1 + at  # > epsilon whatever the rounding, and no tie: no root
    length = np.sqrt(squared_length)
    farthest = np.sqrt(top) / length
    if not farthest > epsilon:
        return -1
    if _TINY <= top < np.inf and _TINY <= length < np.inf and _TINY <= farthest < np.inf:
        floor = top * (1.0 - 1e-12)
        if below < floor:  # no earlier point can round to the same distance: one pass
            return first + 1 + at
        for i in range(first + 1, first + 1 + at):
            q = _squared(points, first, i, ax, ay, dx, dy, same)
            if q >= floor and np.sqrt(q) / length == farthest:
                return i
        return first + 1 + at
    dmax = 0.0
    split = -1
    for i in range(first + 1, last):
        d = np.sqrt(_squared(points, first, i, ax, ay, dx, dy, same)) / length
        if d > dmax:
            dmax = d
            split = i
    return split if dmax > epsilon else -1


@numba.njit(nogil=True, error_model="numpy")
def _simplify(points, a, b, epsilon, keep, stack):  # pragma: no cover - compiled
    """Mark the points RDP keeps of polyline ``a .. b - 1`` in ``keep``."""
    if b == a:
        return
    keep[a] = True
    keep[b - 1] = True
    stack[0] = a
    stack[1] = b - 1
    top = 2
    while top > 0:
        top -= 2
        first = stack[top]
        last = stack[top + 1]
        if last - first < 2:
            continue
        split = _split(points, first, last, epsilon)
        if split >= 0:
            keep[split] = True
            stack[top] = first
            stack[top + 1] = split
            stack[top + 2] = split
            stack[top + 3] = last
            top += 4


_POINTS = array_type(np.float64, 2, readonly=True)


@jit_kernel(
    f8=numba.void(
        _POINTS,
        array_type(np.int64, readonly=True),
        numba.float64,
        array_type(np.bool_),
        numba.int64,
        numba.int64,
    ),
    error_model="numpy",
)
def _rdp_kernel(points, offsets, epsilon, keep, s0, s1):  # pragma: no cover - compiled
    longest = 0
    for s in range(s0, s1):
        longest = max(longest, offsets[s + 1] - offsets[s])
    stack = np.empty(2 * longest + 4, dtype=np.int64)
    for s in range(s0, s1):
        _simplify(points, offsets[s], offsets[s + 1], epsilon, keep, stack)


_EXPONENT = np.uint64(0x7FF0000000000000)
_EXPONENT_STEP = np.uint64(1 << 52)
_SIGN = np.uint64(1 << 63)


@numba.njit(nogil=True, error_model="numpy")
def _finite(points):  # pragma: no cover - compiled
    """Whether every coordinate is finite. C-ordered points: a coordinate's exponent bits plus
    one carry into the sign bit only when they are all ones (inf, nan), in integer steps that
    LLVM vectorises; other layouts: one ``isfinite`` per coordinate."""
    if not points.flags.c_contiguous:
        for i in range(points.shape[0]):
            for j in range(points.shape[1]):
                if not np.isfinite(points[i, j]):
                    return False
        return True
    bits = points.ravel().view(np.uint64)  # a view of C-ordered points
    carry = np.uint64(0)
    for i in range(bits.shape[0]):
        carry |= (bits[i] & _EXPONENT) + _EXPONENT_STEP
    return (carry & _SIGN) == 0


@numba.njit(nogil=True, error_model="numpy")
def _kept_in_order(points, epsilon, scratch):  # pragma: no cover - compiled
    """RDP of one polyline of ``n >= 2`` finite points: writes the kept indices, in order, to
    ``scratch[2 * n :]`` and returns how many (``scratch`` holds ``3 * n``; the first ``2 * n``
    are the stack of open spans).

    The left span of a split is taken first, so the spans left unsplit come in order along the
    polyline and the last point of each is the next kept point: no mask, no second pass.
    """
    n = points.shape[0]
    scratch[0] = 0
    scratch[1] = n - 1
    top = 2
    kept = 2 * n
    scratch[kept] = 0
    kept += 1
    while top > 0:  # at most n - 1 disjoint spans are open: 2 * n - 2 stack entries
        top -= 2
        first = scratch[top]
        last = scratch[top + 1]
        split = _split(points, first, last, epsilon) if last - first >= 2 else -1
        if split < 0:
            scratch[kept] = last
            kept += 1
        else:
            scratch[top] = split
            scratch[top + 1] = last
            scratch[top + 2] = first
            scratch[top + 3] = split
            top += 4
    return kept - 2 * n


@jit_kernel(f8=array_type(np.int64)(_POINTS, numba.float64), error_model="numpy")
def _rdp_one(points, epsilon):  # pragma: no cover - compiled
    """Indices of the points RDP keeps of one polyline; ``[-1]`` when a point is not finite."""
    n = points.shape[0]
    if not _finite(points):
        return np.full(1, -1, dtype=np.int64)
    if n <= 2:
        return np.arange(n)
    scratch = np.empty(3 * n, dtype=np.int64)
    count = _kept_in_order(points, epsilon, scratch)
    return scratch[2 * n : 2 * n + count].copy()


def _rows_signatures() -> list[Any]:
    """``_rdp_rows`` takes writable C-ordered points (the common case, an exact match), and any
    other layout, read-only too (one match each: a read-only C type would make it ambiguous)."""
    rows = array_type(np.float64, 2)
    strided = numba.types.Array(numba.float64, 2, "A", readonly=True)
    return [rows(points, numba.float64) for points in (rows, strided)]


@jit_kernel(f8=_rows_signatures, error_model="numpy")
def _rdp_rows(points, epsilon):  # pragma: no cover - compiled
    """The points RDP keeps of one polyline, in a new array. ValueError when the points are
    not ``(n, 2)``, one is not finite or epsilon is not in ``[0, largest double]``: the caller
    then takes the checked path, which says which."""
    n = points.shape[0]
    if points.shape[1] != 2 or not 0.0 <= epsilon <= _LARGEST or not _finite(points):
        raise ValueError("not a finite (n, 2) polyline or not an epsilon >= 0")
    if n <= 2:
        return points.copy()
    scratch = np.empty(3 * n, dtype=np.int64)
    count = _kept_in_order(points, epsilon, scratch)
    kept = np.empty((count, 2), dtype=np.float64)
    for j in range(count):
        i = scratch[2 * n + j]
        kept[j, 0] = points[i, 0]
        kept[j, 1] = points[i, 1]
    return kept


@jit_kernel(
    f8=numba.types.Tuple((array_type(np.float64, 2), array_type(np.int64)))(
        _POINTS, array_type(np.int64, readonly=True), array_type(np.bool_, readonly=True)
    )
)
def _compact(points, offsets, keep):  # pragma: no cover - compiled
    """The kept rows of ``points`` and their polylines' offsets."""
    kept = np.empty((np.count_nonzero(keep), 2), dtype=np.float64)
    out_offsets = np.zeros(offsets.shape[0], dtype=np.int64)
    j = 0
    for s in range(offsets.shape[0] - 1):
        for i in range(offsets[s], offsets[s + 1]):
            if keep[i]:
                kept[j, 0] = points[i, 0]
                kept[j, 1] = points[i, 1]
                j += 1
        out_offsets[s + 1] = j
    return kept, out_offsets


@functools.lru_cache(maxsize=1)
def _plain_norms() -> bool:
    """Whether numpy's dot of 2-vectors (BLAS, which ``np.linalg.norm`` uses) is ``x*x + y*y``
    rounded twice, as the compiled kernel computes it; a BLAS that fuses the multiply-add would
    round some norms differently, and RDP then takes the numpy path to stay identical to ``rdp``.
    """
    v = (
        np.random.default_rng(0).normal(size=(512, 2))
        * 10.0 ** np.arange(-4, 4).repeat(64)[:, None]
    )
    plain = v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1]
    return bool(np.array_equal(_sqnorm(v), plain)) and all(
        float(np.dot(row, row)) == float(p) for row, p in zip(v[:16], plain[:16])
    )


def _rdp_compiled(points: np.ndarray, offsets: np.ndarray, epsilon: float) -> np.ndarray | None:
    """The RDP mask from the compiled pass, or None where it may not follow numpy's norms."""
    if not _plain_norms():
        return None
    points = np.ascontiguousarray(points, dtype=np.float64)
    keep = np.zeros(len(points), dtype=np.bool_)
    kernel = _rdp_kernel["f8"]
    threads = threads_for(points.size)
    if threads == 1:
        kernel(points, offsets, epsilon, keep, 0, len(offsets) - 1)
    else:
        run_chunks(
            lambda s0, s1: kernel(points, offsets, epsilon, keep, s0, s1),
            chunk_bounds(offsets, 2, threads),
            threads,
        )
    return keep


def _mask_of(points: np.ndarray, offsets: np.ndarray, epsilon: float) -> np.ndarray:
    """The RDP mask of checked (finite, ``(N, 2)``) points and offsets."""
    compiled = _rdp_compiled(points, offsets, epsilon)
    return compiled if compiled is not None else _rdp_mask_numpy(points, offsets, epsilon)


# --------------------------------------------------------------------------------- RDP
def rdp_mask_batch(strokes: Ragged, epsilon: float) -> np.ndarray:
    """Ramer-Douglas-Peucker over a batch of polylines: which points to keep, vectorised.

    Identical to ``rdp.rdp(points, epsilon, return_mask=True)`` applied to each polyline: a
    span's first and last points are kept; the interior point farthest from the infinite line
    through them (the first one on ties; the distance to the start point when both ends
    coincide) is kept and the span split there when that distance exceeds ``epsilon``.
    All open spans of all polylines are processed together, one recursion level per pass.

    Parameters
    ----------
    strokes : Ragged
        Values ``(N, 2)``: one polyline per sequence.
    epsilon : float
        Tolerance (>= 0), in the units of the points.

    Returns
    -------
    ndarray of bool, shape (N,)

    Examples
    --------
    >>> batch = Ragged(np.array([[0, 0], [1, 1], [2, 0], [0, 0], [5, 0.5], [9, 0]]), [0, 3, 6])
    >>> rdp_mask_batch(batch, 0.9).tolist()
    [True, True, True, True, False, True]
    """
    strokes = _check_batch("strokes", strokes)
    epsilon = check_number("epsilon", epsilon, minimum=0)
    return _mask_of(strokes.values, strokes.offsets, epsilon)


def _rdp_mask_numpy(points: np.ndarray, offsets: np.ndarray, epsilon: float) -> np.ndarray:
    """The numpy reference of :func:`rdp_mask_batch`: a frontier of open spans, one pass per
    recursion level."""
    points = points.astype(np.float64, copy=False)
    x, y = np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])
    lengths = np.diff(offsets)
    keep = np.zeros(len(points), dtype=bool)
    nonempty = lengths > 0
    keep[offsets[:-1][nonempty]] = True
    keep[offsets[1:][nonempty] - 1] = True
    open_ = lengths >= 3
    start, end = offsets[:-1][open_], offsets[1:][open_] - 1
    while len(start):
        interior = end - start - 1
        first = offsets_from_lengths(interior)
        index = np.arange(first[-1]) + np.repeat(start + 1 - first[:-1], interior)
        distance = _line_distance(x, y, start, end, interior, index)
        top = np.maximum.reduceat(distance, first[:-1])
        is_top = distance == np.repeat(top, interior)
        where = np.minimum.reduceat(np.where(is_top, index, len(points)), first[:-1])
        split = top > epsilon
        middle = where[split]
        keep[middle] = True
        start = np.concatenate([start[split], middle])
        end = np.concatenate([middle, end[split]])
        still_open = end - start >= 2
        start, end = start[still_open], end[still_open]
    return keep


def _line_distance(
    x: np.ndarray,
    y: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    interior: np.ndarray,
    index: np.ndarray,
) -> np.ndarray:
    """Distance of each interior point to the line of its span, as ``rdp.pldist`` computes it.

    ``|cross(end - start, start - point)| / norm(end - start)``, or ``norm(point - start)``
    when the span's ends coincide; per-span values are spread with ``repeat`` (cheap) and the
    norms go through :func:`_sqnorm` so every bit matches.
    """
    ax, ay = x[start], y[start]
    dx, dy = x[end] - ax, y[end] - ay
    length = np.sqrt(_sqnorm(np.stack([dx, dy], axis=1)))
    rx = np.repeat(ax, interior) - x[index]
    ry = np.repeat(ay, interior) - y[index]
    cross = np.repeat(dx, interior) * ry
    cross -= np.repeat(dy, interior) * rx
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.sqrt(cross * cross) / np.repeat(length, interior)
    same = (dx == 0) & (dy == 0)
    if same.any():
        at = np.repeat(same, interior)
        distance[at] = np.sqrt(_sqnorm(np.stack([rx[at], ry[at]], axis=1)))
    return distance


def rdp_mask(points: Any, epsilon: float) -> np.ndarray:
    """Which points of one polyline ``(n, 2)`` (or a batch) RDP keeps, as a bool mask.

    Examples
    --------
    >>> rdp_mask(np.array([[0, 0], [1, 0.1], [2, 0]]), 0.5).tolist()
    [True, False, True]
    """
    if isinstance(points, Ragged):
        return rdp_mask_batch(points, epsilon)
    points, kept = _rdp_single(points, epsilon)
    mask = np.zeros(len(points), dtype=bool)
    mask[kept] = True
    return mask


def _rdp_single(points: Any, epsilon: Any) -> tuple[np.ndarray, np.ndarray]:
    """One polyline, checked, and the indices of the points RDP keeps (one compiled call)."""
    arr = check_array("points", points, ndim=2, columns=2, kinds="iuf")
    try:
        epsilon = check_number("epsilon", epsilon, minimum=0)
    except ValidationError:
        check_finite("points", arr)  # the points' error first, as for a batch
        raise
    if not _plain_norms():
        check_finite("points", arr)
        mask = _rdp_mask_numpy(arr, np.array([0, len(arr)], dtype=np.int64), epsilon)
        return arr, np.flatnonzero(mask)
    kept = _rdp_one["f8"](np.ascontiguousarray(arr, dtype=np.float64), epsilon)
    if len(kept) and kept[0] < 0:
        check_finite("points", arr)
    return arr, kept


def rdp_batch(strokes: Ragged, epsilon: float) -> Ragged:
    """The points RDP keeps of every polyline of a batch (values keep their dtype).

    Examples
    --------
    >>> batch = Ragged(np.array([[0, 0], [1, 0], [2, 0], [7, 7]]), [0, 3, 4])
    >>> out = rdp_batch(batch, 1.0)
    >>> out.values.tolist(), out.lengths.tolist()
    ([[0, 0], [2, 0], [7, 7]], [2, 1])
    """
    keep = rdp_mask_batch(strokes, epsilon)
    values = strokes.values
    if values.dtype == np.float64 and values.flags.c_contiguous:
        kept, offsets = _compact["f8"](values, strokes.offsets, keep)
        return Ragged(kept, offsets, strokes.ids)
    running = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=running[1:])
    return Ragged(values[keep], running[strokes.offsets], strokes.ids)


def _load_rdp_rows(points: np.ndarray, epsilon: float) -> np.ndarray:
    """The first fast call of :func:`rdp`: load ``_rdp_rows`` into ``_RDP_ROWS`` (where numpy's
    norms round differently, :func:`_plain_norms`, a stand-in that sends every call to the
    checked path) and run it."""
    global _RDP_ROWS
    _RDP_ROWS = _rdp_rows["f8"] if _plain_norms() else _checked_path_only
    return _RDP_ROWS(points, epsilon)


def _checked_path_only(points: np.ndarray, epsilon: float) -> np.ndarray:
    raise ValueError("numpy's norms round differently here: the numpy path decides")


_RDP_ROWS: Any = _load_rdp_rows  # the fast path of rdp: the compiled ``_rdp_rows`` once loaded


def rdp(points: Any, epsilon: float) -> Any:
    """Ramer-Douglas-Peucker simplification of one polyline ``(n, 2)`` (or a batch).

    The same points as the ``rdp`` package's ``rdp(points, epsilon)``; a :class:`Ragged`
    batch in gives a batch out (:func:`rdp_batch`). A float64 array (any memory layout) with a
    float ``epsilon`` takes one compiled call, made for loops over many strokes; other inputs
    are checked and converted first, and keep their dtype.

    Examples
    --------
    >>> rdp(np.array([[0, 0], [1, 1], [2, 2], [3, 3]]), 0.1).tolist()
    [[0, 0], [3, 3]]
    """
    if type(points) is _NDARRAY and points.dtype is _F8 and type(epsilon) is float:
        try:  # one compiled call, which checks the shape, finiteness and epsilon itself
            return _RDP_ROWS(points, epsilon)
        except (TypeError, ValueError):  # not 2-D, unaligned, not (n, 2), not finite, bad epsilon:
            pass  # the checked path below raises the library's error, or takes the input
    if isinstance(points, Ragged):
        return rdp_batch(points, epsilon)
    points, index = _rdp_single(points, epsilon)
    return points[index]
