"""Vectorised checks of drawings: finite stroke-3 values, pen states of 0 or 1, and absolute
points whose differences (the stroke-3 deltas) are finite and fit their dtype."""

from __future__ import annotations

import numpy as np

from strokedelta.ragged import Ragged

__all__ = ["EMPTY_DRAWING", "point_problems", "stroke3_problems"]

#: The one message for a drawing without points, in every reader.
EMPTY_DRAWING = "empty drawing (no strokes)"


def stroke3_problems(strokes: Ragged, *, allow_empty: bool = True) -> tuple[np.ndarray, list[str]]:
    """Find drawings whose stroke-3 rows are invalid, vectorised.

    Returns the indices of the bad drawings and one message per bad drawing (its first
    problem): a non-finite value, a pen value other than 0 / 1, or (with
    ``allow_empty=False``) no points at all.

    Examples
    --------
    >>> r = Ragged(np.array([[0, 0, 1], [1, 1, 2], [0, 0, 1]]), [0, 1, 2, 2, 3])
    >>> stroke3_problems(r, allow_empty=False)
    (array([1, 2]), ['pen values must be 0 or 1; got 2 at point 0', 'empty drawing (no points)'])
    """
    values = strokes.values
    bad_rows = np.zeros(len(values), dtype=bool)
    nonfinite = None
    if values.dtype.kind == "f":
        nonfinite = ~np.isfinite(values).all(axis=1)
        bad_rows |= nonfinite
    pen = values[:, 2]
    bad_pen = (pen != 0) & (pen != 1)
    bad_rows |= bad_pen
    empty = strokes.lengths == 0
    if not bad_rows.any() and (allow_empty or not empty.any()):
        return np.zeros(0, dtype=np.int64), []
    rows = np.flatnonzero(bad_rows)
    owner = np.searchsorted(strokes.offsets, rows, side="right") - 1
    first = np.unique(owner, return_index=True)
    messages: dict[int, str] = {}
    for drawing, at in zip(first[0].tolist(), first[1].tolist()):
        row = int(rows[at])
        point = row - int(strokes.offsets[drawing])
        if nonfinite is not None and nonfinite[row]:
            messages[drawing] = (
                f"values must be finite; got {values[row].tolist()} at point {point}"
            )
        else:
            messages[drawing] = f"pen values must be 0 or 1; got {pen[row].item()} at point {point}"
    if not allow_empty:
        for drawing in np.flatnonzero(empty).tolist():
            messages[drawing] = "empty drawing (no points)"
    order = sorted(messages)
    return np.array(order, dtype=np.int64), [messages[i] for i in order]


def point_problems(points: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Find drawings of absolute ``(N, 2)`` points whose deltas cannot be stored, vectorised.

    A float coordinate must be finite and differ from the one before it by a finite amount
    (``1e308`` then ``-1e308`` overflows to an infinite delta); an integer difference must fit
    int64. Returns the indices of the bad drawings and one message per bad drawing, naming its
    first bad point (0-based, as in stroke-3).

    Examples
    --------
    >>> points = np.array([[0.0, 0.0], [1e308, 0.0], [-1e308, 0.0], [1.0, 2.0]])
    >>> point_problems(points, np.array([0, 3, 4]))  # doctest: +NORMALIZE_WHITESPACE
    (array([0]), ['coordinates must be finite with finite differences; got [-1e+308, 0.0]
        after [1e+308, 0.0] at point 2'])
    """
    points = np.asarray(points)
    n = len(points)
    offsets = np.asarray(offsets, dtype=np.int64)
    starts = np.zeros(n, dtype=bool)
    starts[offsets[:-1][offsets[:-1] < n]] = True
    if n == 0 or points.dtype.kind not in "iuf":
        return np.zeros(0, dtype=np.int64), []
    with np.errstate(over="ignore", invalid="ignore"):
        if points.dtype.kind == "f":
            bad = ~np.isfinite(points).all(axis=1)
            bad[1:] |= ~np.isfinite(points[1:] - points[:-1]).all(axis=1) & ~starts[1:]
            what = "coordinates must be finite with finite differences"
        else:
            a, b = points[1:].astype(np.int64), points[:-1].astype(np.int64)
            wrapped = ((a ^ b) & (a ^ (a - b))) < 0  # the sign flipped: a - b wrapped around
            bad = np.zeros(n, dtype=bool)
            bad[1:] = wrapped.any(axis=1) & ~starts[1:]
            what = "coordinate differences must fit a 64-bit integer"
    if not bad.any():
        return np.zeros(0, dtype=np.int64), []
    rows = np.flatnonzero(bad)
    owner = np.searchsorted(offsets, rows, side="right") - 1
    drawings, first = np.unique(owner, return_index=True)
    messages = []
    for row in rows[first].tolist():
        point = row - int(offsets[np.searchsorted(offsets, row, side="right") - 1])
        got = f"{points[row].tolist()}"
        if point and np.isfinite(points[row].astype(np.float64)).all():
            got += f" after {points[row - 1].tolist()}"
        messages.append(f"{what}; got {got} at point {point}")
    return drawings.astype(np.int64), messages
