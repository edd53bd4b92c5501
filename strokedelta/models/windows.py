"""Next-step windows of drawings, cut from the flat stroke arrays without a loop per drawing.

A window is the ``k`` rows before a target point, flattened oldest first: stroke-3 rows
``[dx, dy, pen]`` for the delta model, ``[x, y, pen]`` absolute rows for the point model.
Targets are pen-down continuations (the pen did not lift after the previous point) at
position ``k + 1`` or later, so a window never holds a drawing's first row (the offset from
the origin, an absolute position) and never crosses drawings.

Examples
--------
>>> from strokedelta import Ragged
>>> strokes = Ragged(np.array([[9, 9, 0], [1, 0, 0], [2, 0, 0]]), [0, 3])
>>> next_step_windows(strokes, 1)[0].tolist()
[[1.0, 0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta._validation import check_array, check_int, fail
from strokedelta.delta import from_deltas
from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import Drawings

__all__ = [
    "absolute_points",
    "cut_windows",
    "next_step_windows",
    "strokes_of",
    "target_rows",
    "window_rows",
]


def strokes_of(data: Any) -> tuple[Ragged, Drawings | None]:
    if isinstance(data, Drawings):
        return data.strokes, data
    if isinstance(data, Ragged):
        check_array("strokes", data.values, ndim=2, columns=3, kinds="iuf")
        return data, None
    raise fail("drawings", "be a Drawings or a Ragged of stroke-3 rows", type(data).__name__)


def absolute_points(strokes: Ragged) -> np.ndarray:
    """Absolute ``(N, 2)`` float64 points (integers summed exactly first)."""
    xy = strokes.values[:, :2]
    xy = xy.astype(np.int64) if xy.dtype.kind in "biu" else xy.astype(np.float64)
    return np.asarray(from_deltas(xy, strokes.offsets), dtype=np.float64)


def window_rows(strokes: Ragged, absolute: bool, points: np.ndarray | None = None) -> np.ndarray:
    """The per-point window rows: ``[dx, dy, pen]`` or ``[x, y, pen]`` in float64."""
    rows = strokes.values.astype(np.float64)
    if absolute:
        rows[:, :2] = absolute_points(strokes) if points is None else points
    return rows


def next_step_windows(
    data: Drawings | Ragged, window: int, *, absolute: bool = False, dtype: Any = np.float64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training windows of every drawing: ``(features, targets, rows)``, vectorised.

    Parameters
    ----------
    data : Drawings or Ragged
        Stroke-3 drawings.
    window : int
        Number of previous rows ``k`` in a window.
    absolute : bool
        Windows of absolute points ``[x, y, pen]`` and absolute targets (the point model),
        instead of stroke-3 rows and ``(dx, dy)`` targets.
    dtype : numpy dtype
        dtype of features and targets.

    Returns
    -------
    features : ndarray, shape (M, 3 k)
        The ``k`` previous rows, oldest first, flattened row by row.
    targets : ndarray, shape (M, 2)
    rows : ndarray of int64, shape (M,)
        Flat index of every target point.

    Examples
    --------
    >>> from strokedelta import Ragged
    >>> strokes = Ragged(np.array([[5, 5, 0], [1, 0, 0], [2, 0, 0], [3, 0, 1], [9, 9, 0]]),
    ...                  [0, 4, 5])
    >>> features, targets, rows = next_step_windows(strokes, 2)
    >>> features.tolist(), targets.tolist(), rows.tolist()
    ([[1.0, 0.0, 0.0, 2.0, 0.0, 0.0]], [[3.0, 0.0]], [3])
    """
    k = check_int("window", window, minimum=1)
    strokes, _ = strokes_of(data)
    points = absolute_points(strokes) if absolute else None
    rows = window_rows(strokes, absolute, points)
    targets_at = target_rows(strokes, k)
    features = cut_windows(rows, targets_at, k).astype(dtype, copy=False)
    source = points if points is not None else rows[:, :2]
    return features, source[targets_at].astype(dtype, copy=False), targets_at


def target_rows(strokes: Ragged, k: int) -> np.ndarray:
    pen = strokes.values[:, 2]
    pen_down_before = np.zeros(len(pen), dtype=bool)
    pen_down_before[1:] = pen[:-1] == 0
    return np.flatnonzero((strokes.positions() >= k + 1) & pen_down_before)


def cut_windows(rows: np.ndarray, targets_at: np.ndarray, k: int) -> np.ndarray:
    if len(targets_at) == 0:
        return np.zeros((0, k * rows.shape[1]), dtype=rows.dtype)
    view = np.lib.stride_tricks.sliding_window_view(rows, (k, rows.shape[1]))[:, 0]
    return view[targets_at - k].reshape(len(targets_at), k * rows.shape[1])
