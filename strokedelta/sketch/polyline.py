"""Vectorised kernels on batches of polylines: arc-length resampling and Ramer-Douglas-Peucker.

Both run on flat arrays of many polylines at once: resampling is offset arithmetic, and RDP
keeps a frontier of all open spans of all polylines and splits them together, one numpy pass per
recursion level (no Python loop per polyline or per point). RDP uses the perpendicular distance
to the *infinite line* through a span's end points, computed with the same floating-point
operations as the ``rdp`` package, so the kept points are identical to it. Google's
simplification (:mod:`strokedelta.sketch.simplify`) is built from these two.

Examples
--------
>>> import numpy as np
>>> resample(np.array([[0.0, 0.0], [2.5, 0.0]])).tolist()
[[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [2.5, 0.0]]
>>> rdp(np.array([[0, 0], [1, 0.1], [2, 3], [3, 3]]), epsilon=0.5).tolist()
[[0.0, 0.0], [1.0, 0.1], [2.0, 3.0], [3.0, 3.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta._validation import check_array, check_finite, check_number, fail
from strokedelta.delta import from_deltas
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
    points = strokes.values.astype(np.float64, copy=False)
    x, y = np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])
    offsets, lengths = strokes.offsets, strokes.lengths
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
    points = _check_points("points", points)
    return rdp_mask_batch(Ragged(points, [0, len(points)]), epsilon)


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
    lengths = np.bincount(strokes.segment_ids()[keep], minlength=len(strokes))
    return Ragged(strokes.values[keep], offsets_from_lengths(lengths), strokes.ids)


def rdp(points: Any, epsilon: float) -> Any:
    """Ramer-Douglas-Peucker simplification of one polyline ``(n, 2)`` (or a batch).

    The same points as the ``rdp`` package's ``rdp(points, epsilon)``; a :class:`Ragged`
    batch in gives a batch out (:func:`rdp_batch`).

    Examples
    --------
    >>> rdp(np.array([[0, 0], [1, 1], [2, 2], [3, 3]]), 0.1).tolist()
    [[0, 0], [3, 3]]
    """
    if isinstance(points, Ragged):
        return rdp_batch(points, epsilon)
    points = _check_points("points", points)
    return points[rdp_mask(points, epsilon)]
