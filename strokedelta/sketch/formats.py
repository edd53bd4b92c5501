"""Exact conversions between sketch layouts: polylines, stroke-3, absolute points and stroke-5.

* **polylines**: a drawing is a list of strokes ``[[x...], [y...]]`` (raw Quick, Draw! adds
  ``[t...]``), in absolute coordinates.
* **stroke-3** ``(n, 3)``: ``[dx, dy, pen]`` with ``pen = 1`` on the last point of a stroke (the
  pen lifts *after* it); the first row is the offset of the first point from the origin.
* **stroke-5** ``(max_len + 1, 5)``: ``[dx, dy, p_down, p_up, p_end]``, a start token
  ``[0, 0, 1, 0, 0]`` first, then the points, then end-of-sketch rows ``[0, 0, 0, 0, 1]`` *after*
  the last point (as magenta's Sketch-RNN does).

Single-drawing functions and batch functions (``*_batch``, on a :class:`~strokedelta.Ragged`)
share the same flat-array code: no Python loop per point or per drawing. Integer input stays
integer and every round trip is exact on integer data.

Examples
--------
>>> import numpy as np
>>> s3 = polylines_to_stroke3([[[0, 3], [0, 4]], [[5], [5]]])
>>> s3.tolist()
[[0, 0, 0], [3, 4, 1], [2, 1, 1]]
>>> s5 = stroke3_to_stroke5(s3, max_len=4)
>>> s5.tolist()
[[0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [3, 4, 0, 1, 0], [2, 1, 0, 1, 0], [0, 0, 0, 0, 1]]
>>> stroke5_to_stroke3(s5).tolist() == s3.tolist()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

from strokedelta._validation import check_array, check_finite, check_int, fail
from strokedelta.delta import from_deltas, to_deltas
from strokedelta.exceptions import ValidationError
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch.stroke3_checks import point_problems

__all__ = [
    "FlatPolylines",
    "absolute_to_stroke3",
    "flatten_polylines",
    "polylines_to_stroke3",
    "stroke3_to_absolute",
    "stroke3_to_polylines",
    "stroke3_to_stroke5",
    "stroke3_to_stroke5_batch",
    "stroke5_to_stroke3",
    "stroke5_to_stroke3_batch",
    "stroke_offsets",
]

START_TOKEN = (0, 0, 1, 0, 0)


# --------------------------------------------------------------------------- polylines
@dataclass
class FlatPolylines:
    """Many drawings of absolute polylines as flat arrays.

    Attributes
    ----------
    points : ndarray, shape (N, 2)
        Absolute ``x, y`` of every point of every stroke of every drawing.
    time : ndarray of int64, shape (N,), or None
        Time of every point (raw Quick, Draw!), when the source has it.
    stroke_offsets : ndarray of int64, shape (K + 1,)
        Stroke ``k`` is ``points[stroke_offsets[k]:stroke_offsets[k + 1]]``.
    drawing_offsets : ndarray of int64, shape (D + 1,)
        Drawing ``d`` is strokes ``drawing_offsets[d]:drawing_offsets[d + 1]``.
    """

    points: np.ndarray
    time: np.ndarray | None
    stroke_offsets: np.ndarray
    drawing_offsets: np.ndarray

    @property
    def point_offsets(self) -> np.ndarray:
        """Offsets of each drawing into :attr:`points`."""
        return self.stroke_offsets[self.drawing_offsets]

    def to_stroke3(self) -> Ragged:
        """The drawings as a stroke-3 :class:`Ragged` (pen 1 on each stroke's last point).

        Raises ValidationError when a delta is not finite (``1e308`` then ``-1e308``), and
        DeltaOverflowError when an integer delta does not fit int64.
        """
        pen = np.zeros(len(self.points), dtype=self.points.dtype)
        pen[self.stroke_offsets[1:] - 1] = 1
        deltas = to_deltas(self.points, self.point_offsets)
        if deltas.dtype.kind == "f" and not np.isfinite(deltas).all():
            bad, messages = point_problems(self.points, self.point_offsets)
            raise ValidationError(f"drawing {int(bad[0])}: {messages[0]}")
        values = np.empty((len(self.points), 3), dtype=np.result_type(deltas, pen))
        values[:, :2] = deltas
        values[:, 2] = pen
        return Ragged(values, self.point_offsets)


def _numbers(name: str, flat: list[Any]) -> np.ndarray:
    """A flat list of JSON numbers as int64 (all integers) or float64; anything else refused."""
    arr = np.asarray(flat) if flat else np.zeros(0, dtype=np.int64)
    if arr.dtype == object or arr.dtype.kind not in "iuf":
        kinds = sorted({type(v).__name__ for v in flat if not isinstance(v, (int, float))})
        raise fail(name, "hold only numbers", ", ".join(kinds) or arr.dtype)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    check_finite(name, arr)
    return arr.astype(np.float64, copy=False)


def flatten_polylines(drawings: Any) -> FlatPolylines:
    """Flatten a list of drawings (lists of ``[[x...], [y...](, [t...])]`` strokes) at once.

    The nested lists are walked with C-level ``map`` / ``chain`` calls and converted to numpy
    in one go, so there is no Python loop per point.

    Raises
    ------
    ValidationError
        Empty drawings, strokes without points, strokes that are not ``[x, y]`` or
        ``[x, y, t]`` (all alike), x / y / t of different lengths, non-numbers, NaN or infinity.

    Examples
    --------
    >>> flat = flatten_polylines([[[[1, 2], [3, 4]]], [[[5], [6]], [[7], [8]]]])
    >>> flat.points.tolist(), flat.stroke_offsets.tolist(), flat.drawing_offsets.tolist()
    ([[1, 3], [2, 4], [5, 6], [7, 8]], [0, 2, 3, 4], [0, 1, 3])
    """
    drawings = list(drawings)
    n_strokes = np.fromiter(map(len, drawings), dtype=np.int64, count=len(drawings))
    if (n_strokes == 0).any():
        raise fail(
            "drawings",
            "have at least one stroke each",
            f"an empty drawing at index {int(np.argmax(n_strokes == 0))}",
        )
    strokes = list(chain.from_iterable(drawings))
    arity = np.fromiter(map(len, strokes), dtype=np.int64, count=len(strokes))
    width = int(arity[0]) if len(arity) else 2
    if width not in (2, 3) or (arity != width).any():
        bad = int(np.argmax(arity != width)) if width in (2, 3) else 0
        raise fail(
            "strokes",
            "all be [x, y] or all be [x, y, t]",
            f"{int(arity[bad])} lists in stroke {bad}",
        )
    columns = [list(map(_item(c), strokes)) for c in range(width)]
    lengths = [np.fromiter(map(len, col), dtype=np.int64, count=len(col)) for col in columns]
    for c, name in enumerate("xyt"[:width]):
        if c and (lengths[c] != lengths[0]).any():
            k = int(np.argmax(lengths[c] != lengths[0]))
            raise fail(
                f"{name} of each stroke",
                "have as many values as x",
                f"{int(lengths[c][k])} and {int(lengths[0][k])} in stroke {k}",
            )
    if (lengths[0] == 0).any():
        raise fail(
            "strokes",
            "have at least one point",
            f"an empty stroke at index {int(np.argmax(lengths[0] == 0))}",
        )
    x = _numbers("x", list(chain.from_iterable(columns[0])))
    y = _numbers("y", list(chain.from_iterable(columns[1])))
    dtype = np.result_type(x, y)
    points = np.empty((len(x), 2), dtype=dtype)
    points[:, 0] = x
    points[:, 1] = y
    time = None
    if width == 3:
        t = _numbers("t", list(chain.from_iterable(columns[2])))
        if t.dtype.kind == "f":
            if not np.array_equal(t, np.round(t)):
                raise fail("t", "hold integer milliseconds", "fractional values")
            t = t.astype(np.int64)
        time = t
    return FlatPolylines(
        points, time, offsets_from_lengths(lengths[0]), offsets_from_lengths(n_strokes)
    )


def _item(index: int) -> Any:
    return itemgetter(index)


def stroke_offsets(pen: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Offsets of every stroke into the flat points, from the pen column and drawing offsets.

    A stroke ends on a point with ``pen == 1`` or at the end of its drawing.

    Examples
    --------
    >>> stroke_offsets(np.array([0, 1, 1, 0, 0]), np.array([0, 3, 5])).tolist()
    [0, 2, 3, 5]
    """
    ends = pen != 0
    ends[offsets[1:][offsets[1:] > offsets[:-1]] - 1] = True
    return np.concatenate([[0], np.flatnonzero(ends) + 1]).astype(np.int64)


def polylines_to_stroke3(strokes: Any) -> np.ndarray:
    """One drawing's absolute strokes ``[[x...], [y...]]`` -> stroke-3 ``(n, 3)``.

    Examples
    --------
    >>> polylines_to_stroke3([[[10, 12], [5, 5]], [[11], [9]]]).tolist()
    [[10, 5, 0], [2, 0, 1], [-1, 4, 1]]
    """
    return flatten_polylines([strokes]).to_stroke3().values


def stroke3_to_polylines(s3: Any) -> list[np.ndarray]:
    """One stroke-3 drawing -> a list of absolute ``(k, 2)`` arrays, one per stroke.

    Examples
    --------
    >>> [a.tolist() for a in stroke3_to_polylines([[10, 5, 0], [2, 0, 1], [-1, 4, 1]])]
    [[[10, 5], [12, 5]], [[11, 9]]]
    """
    s3 = _check_stroke3("s3", s3)
    points = stroke3_to_absolute(s3)
    bounds = stroke_offsets(s3[:, 2], np.array([0, len(s3)]))
    return np.split(points, bounds[1:-1])


def stroke3_to_absolute(s3: Any) -> np.ndarray:
    """One stroke-3 drawing -> absolute points ``(n, 2)`` (exact for integers).

    Examples
    --------
    >>> stroke3_to_absolute([[10, 5, 0], [2, 0, 1], [-1, 4, 1]]).tolist()
    [[10, 5], [12, 5], [11, 9]]
    """
    s3 = _check_stroke3("s3", s3)
    return from_deltas(s3[:, :2])


def absolute_to_stroke3(points: Any, pen: Any) -> np.ndarray:
    """Absolute points ``(n, 2)`` and a pen column ``(n,)`` -> stroke-3 ``(n, 3)``.

    Examples
    --------
    >>> absolute_to_stroke3([[10, 5], [12, 5], [11, 9]], [0, 1, 1]).tolist()
    [[10, 5, 0], [2, 0, 1], [-1, 4, 1]]
    """
    points = check_array("points", points, ndim=2, columns=2, kinds="iuf")
    pen = check_array("pen", pen, ndim=1, kinds="biuf")
    if len(pen) != len(points):
        raise fail("pen", f"have one value per point ({len(points)})", len(pen))
    deltas = to_deltas(points)
    out = np.empty((len(points), 3), dtype=np.result_type(deltas, np.int8))
    out[:, :2] = deltas
    out[:, 2] = pen
    return out


# ------------------------------------------------------------------------ stroke-5
def _check_stroke3(name: str, s3: Any) -> np.ndarray:
    return check_array(name, s3, ndim=2, columns=3, kinds="iuf")


def stroke3_to_stroke5(s: Any, max_len: int) -> np.ndarray:
    """One stroke-3 drawing ``(n, 3)`` -> stroke-5 ``(max_len + 1, 5)``.

    Row 0 is the start token ``[0, 0, 1, 0, 0]``, rows ``1..n`` the points
    ``[dx, dy, 1 - pen, pen, 0]`` and rows ``n + 1..max_len`` end-of-sketch ``[0, 0, 0, 0, 1]``
    (none when ``n == max_len``, as in magenta). Integer input stays integer.

    Examples
    --------
    >>> stroke3_to_stroke5([[1, 2, 1]], max_len=2).tolist()
    [[0, 0, 1, 0, 0], [1, 2, 0, 1, 0], [0, 0, 0, 0, 1]]
    """
    s = _check_stroke3("s", s)
    out, _, _ = stroke3_to_stroke5_batch(Ragged(s, [0, len(s)]), max_len)
    return out[0]


def stroke3_to_stroke5_batch(
    strokes: Ragged, max_len: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A stroke-3 batch -> padded stroke-5 ``(B, max_len + 1, 5)``, ``lengths`` and ``mask``.

    Parameters
    ----------
    strokes : Ragged
        Values ``(N, 3)`` stroke-3.
    max_len : int, optional
        Number of point rows after the start token; default the longest drawing.

    Returns
    -------
    stroke5 : ndarray, shape (B, max_len + 1, 5)
        Same dtype as the input (integers stay integers).
    lengths : ndarray of int64, shape (B,)
        Points per drawing (the start token not counted).
    mask : ndarray of bool, shape (B, max_len + 1)
        True on the rows holding a real point (``1 <= j <= lengths[b]``).

    Examples
    --------
    >>> batch = Ragged(np.array([[1, 1, 1], [2, 0, 0], [3, 3, 1]]), [0, 1, 3])
    >>> s5, lengths, mask = stroke3_to_stroke5_batch(batch)
    >>> s5[0].tolist(), lengths.tolist(), mask.tolist()
    ([[0, 0, 1, 0, 0], [1, 1, 0, 1, 0], [0, 0, 0, 0, 1]], [1, 2],
     [[False, True, False], [False, True, True]])
    """
    if not isinstance(strokes, Ragged):
        raise fail("strokes", "be a Ragged of stroke-3 rows", type(strokes).__name__)
    values = _check_stroke3("strokes.values", strokes.values)
    lengths = strokes.lengths
    longest = int(lengths.max()) if len(lengths) else 0
    width = longest if max_len is None else check_int("max_len", max_len, minimum=0)
    if width < longest:
        raise fail("max_len", f"be >= the longest drawing ({longest} points)", width)
    dtype = values.dtype if values.dtype.kind in "if" else np.int64
    out = np.zeros((len(strokes), width + 1, 5), dtype=dtype)
    out[:, 0, 2] = 1
    rows = strokes.positions() + 1
    seg = strokes.segment_ids()
    pen = values[:, 2]
    out[seg, rows, 0] = values[:, 0]
    out[seg, rows, 1] = values[:, 1]
    out[seg, rows, 2] = 1 - pen
    out[seg, rows, 3] = pen
    index = np.arange(width + 1)
    mask = (index >= 1) & (index <= lengths[:, None])
    out[:, :, 4] = index > lengths[:, None]
    return out, lengths, mask


def stroke5_to_stroke3(s5: Any, *, start_token: bool = True) -> np.ndarray:
    """One stroke-5 drawing -> stroke-3 ``(n, 3)``: points up to the first end-of-sketch row.

    Parameters
    ----------
    s5 : array_like, shape (L, 5)
    start_token : bool
        Whether row 0 is the start token (dropped), as :func:`stroke3_to_stroke5` writes it.

    Examples
    --------
    >>> stroke5_to_stroke3([[0, 0, 1, 0, 0], [1, 2, 0, 1, 0], [0, 0, 0, 0, 1]]).tolist()
    [[1, 2, 1]]
    """
    s5 = check_array("s5", s5, ndim=2, columns=5, kinds="iuf")
    return stroke5_to_stroke3_batch(s5[None], start_token=start_token).values


def stroke5_to_stroke3_batch(stroke5: Any, *, start_token: bool = True) -> Ragged:
    """Padded stroke-5 ``(B, L, 5)`` -> a stroke-3 :class:`Ragged`, vectorised.

    Each drawing ends before its first end-of-sketch row (``p_end == 1``) or at the end of the
    padding; ``pen`` is the ``p_up`` column.

    Examples
    --------
    >>> s5 = np.array([[[0, 0, 1, 0, 0], [4, 5, 0, 1, 0], [0, 0, 0, 0, 1]]])
    >>> stroke5_to_stroke3_batch(s5).values.tolist()
    [[4, 5, 1]]
    """
    s5 = check_array("stroke5", stroke5, ndim=3, kinds="iuf")
    if s5.shape[2] != 5:
        raise fail("stroke5", "have shape (B, L, 5)", tuple(s5.shape))
    body = s5[:, 1:] if start_token else s5
    ended = body[:, :, 4] != 0
    lengths = np.where(ended.any(axis=1), ended.argmax(axis=1), body.shape[1]).astype(np.int64)
    keep = np.arange(body.shape[1]) < lengths[:, None]
    rows = body[keep]
    out = np.empty((len(rows), 3), dtype=s5.dtype)
    out[:, :2] = rows[:, :2]
    out[:, 2] = rows[:, 3]
    return Ragged(out, offsets_from_lengths(lengths))
