"""Vectorised checks of stroke-3 rows: finite values and pen states of 0 or 1 per drawing."""

from __future__ import annotations

import numpy as np

from strokedelta.ragged import Ragged

__all__ = ["stroke3_problems"]


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
