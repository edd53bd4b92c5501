"""What a picture of drawings shows and where: the chosen drawings, their labels, the grid, and
every point placed in its cell (shared by the SVG and the PNG renderers).

Coordinates follow Quick, Draw!: ``y`` grows *downward*. All points of all drawings are placed
with a few numpy operations.

Examples
--------
>>> import numpy as np
>>> picture = select(np.array([[0, 0, 0], [10, 0, 1]]), "1x2", None)
>>> picture.rows, picture.columns, picture.labels
(1, 2, ['0'])
>>> placed, bounds = layout(picture, 100.0)
>>> placed.tolist(), bounds.tolist()
([[8.0, 50.0], [92.0, 50.0]], [0, 2])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from strokedelta._validation import check_array, check_finite, check_int, fail
from strokedelta.delta import from_deltas
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings
from strokedelta.sketch.formats import stroke_offsets

__all__ = [
    "ACCENT",
    "CELL",
    "GRID_LINE",
    "INK",
    "PAD",
    "Picture",
    "as_batch",
    "cell_corners",
    "layout",
    "parse_grid",
    "select",
]

#: Side of one grid cell in SVG pixels, and the blank margin inside it (fraction of the side).
CELL = 128.0
PAD = 0.08
#: Colours: strokes, grid rules, highlighted points (a model's continuation).
INK = "#1a1a1a"
GRID_LINE = "#dddddd"
ACCENT = "#1f77b4"


def parse_grid(grid: Any) -> tuple[int, int]:
    """``(rows, columns)`` from a pair of ints or a ``"RxC"`` string.

    Examples
    --------
    >>> parse_grid("3x4"), parse_grid((2, 5))
    ((3, 4), (2, 5))
    >>> parse_grid("3by4")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: grid must be ROWSxCOLUMNS, e.g. 3x4; got '3by4'
    """
    if isinstance(grid, str):
        parts = grid.lower().split("x")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise fail("grid", "be ROWSxCOLUMNS, e.g. 3x4", repr(grid))
        grid = (int(parts[0]), int(parts[1]))
    if not isinstance(grid, (tuple, list)) or len(grid) != 2:
        raise fail("grid", "be (rows, columns) or 'RxC'", repr(grid))
    return check_int("grid rows", grid[0], minimum=1), check_int("grid columns", grid[1], minimum=1)


@dataclass
class Picture:
    """What to draw: stroke-3 drawings, their labels, the grid shape and their indices."""

    strokes: Ragged
    labels: list[str]
    rows: int
    columns: int
    chosen: np.ndarray


def as_batch(drawings: Any) -> tuple[Ragged, Drawings | None]:
    """Stroke-3 drawings as a Ragged batch, and the Drawings they came from (if any)."""
    if isinstance(drawings, Drawings):
        return drawings.strokes, drawings
    if isinstance(drawings, Ragged):
        check_array("drawings", drawings.values, ndim=2, columns=3, kinds="iuf")
        return drawings, None
    s3 = check_array("stroke3", drawings, ndim=2, columns=3, kinds="iuf")
    return Ragged(s3, [0, len(s3)]), None


def select(drawings: Any, grid: Any, index: int | None) -> Picture:
    """Drawings ``index, index + 1, ...`` (as many as the grid holds), labelled by index and
    word."""
    strokes, source = as_batch(drawings)
    check_finite("drawings", strokes.values)
    n = len(strokes)
    if n == 0:
        raise fail("drawings", "hold at least one drawing", "none")
    first = 0 if index is None else check_int("index", index, minimum=0)
    if first >= n:
        raise fail("index", f"be in 0..{n - 1}", first)
    rows, columns = (1, 1) if grid is None else parse_grid(grid)
    chosen = np.arange(first, min(n, first + rows * columns))
    labels = [str(i) for i in chosen.tolist()]
    if source is not None and "word" in source.meta.columns:
        words = source.meta["word"].iloc[chosen].astype(str).tolist()
        labels = [f"{i} {w}" for i, w in zip(labels, words)]
    return Picture(strokes.take(chosen), labels, rows, columns, chosen)


def layout(picture: Picture, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Absolute points placed in their cells (y down) and the stroke offsets into them.

    Each drawing is scaled to fit its cell (less the margin :data:`PAD`) with its aspect ratio
    kept, and centred.
    """
    strokes = picture.strokes
    points = from_deltas(Ragged(strokes.values[:, :2].astype(np.float64), strokes.offsets)).values
    bounds = stroke_offsets(strokes.values[:, 2], strokes.offsets)
    lengths = strokes.lengths
    full = lengths > 0
    if not full.any():
        return np.zeros((0, 2)), np.zeros(1, dtype=np.int64)
    starts = strokes.offsets[:-1][full]
    low = np.minimum.reduceat(points, starts)
    size = np.maximum.reduceat(points, starts) - low
    inner = cell * (1 - 2 * PAD)
    longest = size.max(axis=1)
    scale = np.where(longest > 0, inner / np.where(longest > 0, longest, 1), 1.0)
    slot = np.flatnonzero(full)
    corner = np.stack([slot % picture.columns, slot // picture.columns], axis=1) * cell
    shift = corner + cell * PAD + (inner - size * scale[:, None]) / 2
    owner = np.repeat(np.arange(len(slot)), lengths[full])
    placed = (points - low[owner]) * scale[owner][:, None] + shift[owner]
    return placed, bounds


def cell_corners(picture: Picture, cell: float) -> list[tuple[float, float]]:
    """Top-left corner ``(x, y)`` of the cell of every chosen drawing, in grid order."""
    return [
        ((slot % picture.columns) * cell, (slot // picture.columns) * cell)
        for slot in range(len(picture.labels))
    ]
