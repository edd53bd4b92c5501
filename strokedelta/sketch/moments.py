"""Exact, mergeable statistics of stroke-3 offsets: counts, integer sums and a length histogram.

A :class:`DeltaMoments` holds, for a set of integer drawings, the number of drawings, points and
strokes, the exact integer sums of ``dx``, ``dy``, ``dx**2`` and ``dy**2`` (Python ints: they
never overflow), the ranges of ``dx`` and ``dy`` and the histogram of points per drawing. Two of
them merge with ``+`` into the moments of the union, whatever the order or the grouping, so a
statistic computed chunk by chunk, file by file or on many Dask workers is *identical to the bit*
to the one computed on everything at once. :attr:`DeltaMoments.scale_factor` is Sketch-RNN's
normalising scale factor (the pooled standard deviation, ddof=0, of ``dx`` and ``dy``) computed
from the integer sums with one correctly rounded division and one square root. The sums are
taken in one compiled pass with int64 accumulators wherever the offsets' ranges prove that none
can overflow (any drawings of 16-bit offsets, as Quick, Draw!'s), else with numpy in int64 blocks
small enough not to: the same Python ints either way.

Examples
--------
>>> from strokedelta.sketch import Drawings
>>> a = Drawings.from_polylines([[[[0, 3], [0, 4]]]])
>>> b = Drawings.from_polylines([[[[1], [1]], [[2], [5]]]])
>>> m = DeltaMoments.from_drawings(a) + DeltaMoments.from_drawings(b)
>>> m == DeltaMoments.from_drawings(Drawings.concat([a, b]))
True
>>> m.drawings, m.points, m.strokes, m.sum_dx, m.sum_dy2, m.lengths
(2, 4, 3, 5, 33, ((2, 2),))
>>> round(m.scale_factor, 6)
1.561249
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from strokedelta._kernels import SMALL
from strokedelta._validation import fail
from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import Drawings

__all__ = ["DeltaMoments"]

#: The largest magnitude whose square fits int64 (sums of squares are taken in int64 blocks).
_SQUARE_SAFE = 3_037_000_499
_INT64_MAX = 2**63 - 1


def _exact_sum(column: np.ndarray, square: bool) -> int:
    """The exact sum of an int64 column (or of its squares) as a Python int.

    Summed in int64 blocks small enough that no block can overflow; magnitudes whose squares
    overflow int64 fall back to Python integers.
    """
    if not len(column):
        return 0
    top = int(np.abs(column).max())
    if top > _SQUARE_SAFE:  # |v| near int64's bound: exact Python arithmetic
        return sum(int(v) * int(v) if square else int(v) for v in column.tolist())
    bound = max(1, top * top if square else top)
    block = max(1, _INT64_MAX // bound)
    total = 0
    for start in range(0, len(column), block):
        part = column[start : start + block]
        total += int(np.sum(part * part if square else part, dtype=np.int64))
    return total


#: Integer layouts the compiled pass reads (uint64 may not fit its int64 accumulators).
_COMPILED_KINDS = frozenset(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64))
_COMPILED_KINDS |= frozenset(np.dtype(t) for t in (np.uint8, np.uint16, np.uint32))


def _int_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:  # pragma: no cover
    """One pass over stroke-3 rows: sums of dx, dy and squares, ranges, strokes.

    Returns int64 ``[sum_dx, sum_dy, sum_dx2, sum_dy2, min_dx, max_dx, min_dy, max_dy,
    strokes]``. The sums wrap on overflow: the caller keeps them only where the ranges prove
    that none could (:meth:`DeltaMoments._compiled`).
    """
    out = np.zeros(9, dtype=np.int64)
    sx = sy = sx2 = sy2 = strokes = np.int64(0)
    lo_x = hi_x = np.int64(values[0, 0])  # the caller gives at least one row
    lo_y = hi_y = np.int64(values[0, 1])
    for i in range(values.shape[0]):
        x, y = np.int64(values[i, 0]), np.int64(values[i, 1])
        sx += x
        sy += y
        sx2 += x * x
        sy2 += y * y
        lo_x, hi_x = min(lo_x, x), max(hi_x, x)
        lo_y, hi_y = min(lo_y, y), max(hi_y, y)
        if values[i, 2] != 0:
            strokes += 1
    for d in range(offsets.shape[0] - 1):  # a last point with pen 0 ends one more stroke
        end = offsets[d + 1]
        if end > offsets[d] and values[end - 1, 2] == 0:
            strokes += 1
    out[0], out[1], out[2], out[3] = sx, sy, sx2, sy2
    out[4], out[5], out[6], out[7], out[8] = lo_x, hi_x, lo_y, hi_y, strokes
    return out


_SUMS: list[Any] = []


def _compiled_sums() -> Any:
    """:func:`_int_sums` compiled; numba is imported on first use (after :mod:`strokedelta._kernels`
    chose its cache folder), as inputs below :data:`~strokedelta._kernels.SMALL` values never
    take the compiled pass."""
    if not _SUMS:
        import numba  # here: slow to import, and small inputs (a short command) never need it

        _SUMS.append(numba.njit(cache=True, nogil=True)(_int_sums))
    return _SUMS[0]


def _length_histogram(lengths: np.ndarray) -> tuple[tuple[int, int], ...]:
    if not len(lengths):
        return ()
    counts = np.bincount(lengths)
    sizes = np.flatnonzero(counts)
    return tuple(zip(sizes.tolist(), counts[sizes].tolist()))


def _span(column: np.ndarray) -> tuple[int, int] | None:
    return (int(column.min()), int(column.max())) if len(column) else None


def _merge_span(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None or b is None:
        return a if b is None else b
    return (min(a[0], b[0]), max(a[1], b[1]))


@dataclass(frozen=True)
class DeltaMoments:
    """Exact sums of one set of integer stroke-3 drawings; ``a + b`` is the union's.

    Build with :meth:`from_drawings` (or ``DeltaMoments()`` for the empty set) and combine with
    ``+`` or :meth:`merge`; the result does not depend on how the drawings were grouped.

    Attributes
    ----------
    drawings, points, strokes : int
        How many drawings, stroke-3 rows and strokes (pen lifts, plus a last unfinished stroke).
    sum_dx, sum_dy, sum_dx2, sum_dy2 : int
        Exact sums of the offsets and of their squares.
    dx_range, dy_range : (int, int) or None
        Smallest and largest offset (``None`` without points).
    lengths : tuple of (int, int)
        The histogram of points per drawing: ``(length, count)`` pairs by increasing length.

    Examples
    --------
    >>> DeltaMoments().drawings, DeltaMoments().scale_factor is None
    (0, True)
    """

    drawings: int = 0
    points: int = 0
    strokes: int = 0
    sum_dx: int = 0
    sum_dy: int = 0
    sum_dx2: int = 0
    sum_dy2: int = 0
    dx_range: tuple[int, int] | None = None
    dy_range: tuple[int, int] | None = None
    lengths: tuple[tuple[int, int], ...] = field(default=())

    @classmethod
    def from_drawings(cls, drawings: Drawings | Ragged) -> DeltaMoments:
        """The moments of a :class:`~strokedelta.sketch.Drawings` (or a stroke-3 ``Ragged``).

        Raises
        ------
        ValidationError
            When the coordinates are not integers (float data has no exact sums: round it,
            e.g. with Google's simplification, first).

        Examples
        --------
        >>> from strokedelta.sketch import Drawings
        >>> DeltaMoments.from_drawings(Drawings.from_polylines([[[[0.5], [0]]]]))
        Traceback (most recent call last):
        ...
        strokedelta.exceptions.ValidationError: drawings must have integer coordinates for exact
            moments; got float64
        """
        if isinstance(drawings, Drawings):
            strokes, whole = drawings.strokes, drawings
        elif isinstance(drawings, Ragged):
            strokes, whole = drawings, Drawings(drawings)
        else:
            raise fail("drawings", "be a Drawings or a Ragged of stroke-3", type(drawings).__name__)
        values = strokes.values
        if values.dtype.kind not in "iu":
            raise fail("drawings", "have integer coordinates for exact moments", values.dtype)
        if values.dtype in _COMPILED_KINDS and values.size >= SMALL:
            compiled = cls._compiled(strokes)
            if compiled is not None:
                return compiled
        return cls._general(strokes, int(whole.n_strokes.sum()))

    @classmethod
    def _compiled(cls, strokes: Ragged) -> DeltaMoments | None:
        """The moments in one compiled pass (the numbers of :meth:`_general`, several times
        faster); ``None`` when the offsets are so large that an int64 sum may have wrapped."""
        if not len(strokes.values):
            return None
        sums = _compiled_sums()(strokes.values, np.asarray(strokes.offsets, dtype=np.int64))
        t = sums.tolist()
        top = max(-t[4], t[5], -t[6], t[7], 1)  # exact: the ranges never overflow
        if strokes.n_points * top * top > _INT64_MAX:
            return None
        return cls(
            drawings=len(strokes),
            points=strokes.n_points,
            strokes=t[8],
            sum_dx=t[0],
            sum_dy=t[1],
            sum_dx2=t[2],
            sum_dy2=t[3],
            dx_range=(t[4], t[5]),
            dy_range=(t[6], t[7]),
            lengths=_length_histogram(strokes.lengths),
        )

    @classmethod
    def _general(cls, strokes: Ragged, n_strokes: int) -> DeltaMoments:
        """The moments of any integer drawings, with numpy in exact int64 blocks."""
        values = strokes.values
        dx = values[:, 0].astype(np.int64)
        dy = values[:, 1].astype(np.int64)
        sizes, counts = np.unique(strokes.lengths, return_counts=True)
        return cls(
            drawings=len(strokes),
            points=strokes.n_points,
            strokes=n_strokes,
            sum_dx=_exact_sum(dx, False),
            sum_dy=_exact_sum(dy, False),
            sum_dx2=_exact_sum(dx, True),
            sum_dy2=_exact_sum(dy, True),
            dx_range=_span(dx),
            dy_range=_span(dy),
            lengths=tuple(zip(sizes.tolist(), counts.tolist())),
        )

    @classmethod
    def sum(cls, parts: Iterable[DeltaMoments]) -> DeltaMoments:
        """The merge of any number of moments (the empty moments for none).

        Examples
        --------
        >>> DeltaMoments.sum([]) == DeltaMoments()
        True
        """
        total = cls()
        for part in parts:
            total = total.merge(part)
        return total

    def merge(self, other: DeltaMoments) -> DeltaMoments:
        """The moments of the union of both sets (commutative and associative, exactly)."""
        if not isinstance(other, DeltaMoments):
            raise fail("other", "be a DeltaMoments", type(other).__name__)
        histogram = Counter(dict(self.lengths))
        histogram.update(dict(other.lengths))
        return DeltaMoments(
            drawings=self.drawings + other.drawings,
            points=self.points + other.points,
            strokes=self.strokes + other.strokes,
            sum_dx=self.sum_dx + other.sum_dx,
            sum_dy=self.sum_dy + other.sum_dy,
            sum_dx2=self.sum_dx2 + other.sum_dx2,
            sum_dy2=self.sum_dy2 + other.sum_dy2,
            dx_range=_merge_span(self.dx_range, other.dx_range),
            dy_range=_merge_span(self.dy_range, other.dy_range),
            lengths=tuple(sorted(histogram.items())),
        )

    def __add__(self, other: DeltaMoments) -> DeltaMoments:
        if not isinstance(other, DeltaMoments):
            return NotImplemented
        return self.merge(other)

    @property
    def scale_factor(self) -> float | None:
        """Sketch-RNN's scale factor: the pooled std (ddof=0) of dx and dy; ``None`` if empty.

        ``sqrt((n * S2 - S1**2) / n**2)`` with ``n = 2 * points``, ``S1`` and ``S2`` the exact
        sums over both axes: one correctly rounded division, one square root. It agrees with
        ``np.std`` of the offsets (:func:`~strokedelta.sketch.fit_scale_factor`) to rounding.
        """
        if self.points == 0:
            return None
        n = 2 * self.points
        s1 = self.sum_dx + self.sum_dy
        s2 = self.sum_dx2 + self.sum_dy2
        return math.sqrt((n * s2 - s1 * s1) / (n * n))

    def length_percentiles(self, q: Sequence[float]) -> list[float | None]:
        """Percentiles of points per drawing from the histogram, as ``np.percentile`` (linear).

        Examples
        --------
        >>> from strokedelta.sketch import Drawings
        >>> d = Drawings.from_polylines([[[[0], [0]]], [[[0, 1, 2], [0, 1, 2]]]])
        >>> DeltaMoments.from_drawings(d).length_percentiles([0, 50, 100])
        [1.0, 2.0, 3.0]
        """
        if not self.drawings:
            return [None] * len(q)
        sizes = np.array([s for s, _ in self.lengths], dtype=np.float64)
        ends = np.cumsum([c for _, c in self.lengths])

        def at(rank: int) -> float:  # the rank-th smallest length (0-based)
            return float(sizes[int(np.searchsorted(ends, rank, side="right"))])

        out: list[float | None] = []
        for value in q:
            position = (self.drawings - 1) * (float(value) / 100.0)
            low = math.floor(position)
            t = position - low
            a, b = at(low), at(min(low + 1, self.drawings - 1))
            out.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (histogram keys as text); :meth:`from_dict` reads it back.

        Examples
        --------
        >>> from strokedelta.sketch import Drawings
        >>> m = DeltaMoments.from_drawings(Drawings.from_polylines([[[[0, 3], [0, 4]]]]))
        >>> m.to_dict()["lengths"], DeltaMoments.from_dict(m.to_dict()) == m
        ({'2': 1}, True)
        """
        return {
            "drawings": self.drawings,
            "points": self.points,
            "strokes": self.strokes,
            "sum_dx": self.sum_dx,
            "sum_dy": self.sum_dy,
            "sum_dx2": self.sum_dx2,
            "sum_dy2": self.sum_dy2,
            "dx_range": None if self.dx_range is None else list(self.dx_range),
            "dy_range": None if self.dy_range is None else list(self.dy_range),
            "lengths": {str(size): count for size, count in self.lengths},
            "scale_factor": self.scale_factor,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeltaMoments:
        """The moments :meth:`to_dict` wrote."""
        if not isinstance(data, dict):
            raise fail("data", "be a dict written by DeltaMoments.to_dict", type(data).__name__)
        return cls(
            **{k: int(data[k]) for k in ("drawings", "points", "strokes")},
            **{k: int(data[k]) for k in ("sum_dx", "sum_dy", "sum_dx2", "sum_dy2")},
            dx_range=None if data["dx_range"] is None else tuple(data["dx_range"]),
            dy_range=None if data["dy_range"] is None else tuple(data["dy_range"]),
            lengths=tuple(sorted((int(k), int(v)) for k, v in data["lengths"].items())),
        )
