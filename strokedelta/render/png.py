"""PNG pictures of drawings through matplotlib (Agg, no display), written atomically.

The axes are flipped so that ``y`` grows downward, as in Quick, Draw! and SVG: drawings appear
the right way up.

Examples
--------
>>> import tempfile, pathlib
>>> out = save_png([[0, 0, 0], [5, 5, 1]], pathlib.Path(tempfile.mkdtemp()) / "one.png")
>>> out.read_bytes()[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from strokedelta._validation import check_int, check_number
from strokedelta.render._canvas import draw_strokes, new_figure, save_figure
from strokedelta.render._picture import CELL, GRID_LINE, INK, Picture, cell_corners, layout, select

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["save_png"]


def _draw_grid(ax: Axes, picture: Picture) -> None:
    """Rules between the cells and the label of each drawing in its top-left corner."""
    from matplotlib.collections import LineCollection  # matplotlib is heavy: on use

    width, height = picture.columns * CELL, picture.rows * CELL
    rules = [[(c * CELL, 0), (c * CELL, height)] for c in range(1, picture.columns)]
    rules += [[(0, r * CELL), (width, r * CELL)] for r in range(1, picture.rows)]
    ax.add_collection(LineCollection(rules, colors=GRID_LINE, linewidths=0.8))
    for (x, y), label in zip(cell_corners(picture, CELL), picture.labels):
        ax.text(x + 4, y + 4, label, fontsize=7, color="#888888", ha="left", va="top")


def save_png(
    drawings: Any,
    path: str | os.PathLike[str],
    *,
    grid: Any = None,
    index: int | None = None,
    cell_inches: float | None = None,
    dpi: int = 100,
) -> Path:
    """Write one drawing or a grid of drawings as a PNG (matplotlib Agg, atomically).

    Parameters
    ----------
    drawings : Drawings, Ragged of stroke-3, or one (n, 3) stroke-3 array
    path : path-like
    grid : (rows, columns) or "RxC", optional
        Draw drawings ``index, index + 1, ...`` in a grid (labelled by index and word).
    index : int, optional
        The (first) drawing to draw; default 0.
    cell_inches : float, optional
        Size of one cell (default 4 for one drawing, 1.6 in a grid).
    dpi : int

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save_png([[0, 0, 0], [5, 5, 1], [3, 0, 1]], folder / "g.png", grid="1x2").name
    'g.png'
    """
    picture = select(drawings, grid, index)
    inches = check_number(
        "cell_inches",
        cell_inches if cell_inches is not None else (4.0 if grid is None else 1.6),
        positive=True,
    )
    dpi = check_int("dpi", dpi, minimum=10)
    placed, bounds = layout(picture, CELL)
    fig = new_figure(figsize=(picture.columns * inches, picture.rows * inches), dpi=dpi)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    draw_strokes(ax, placed, bounds, color=INK, linewidth=1.2 if grid is not None else 2.0)
    if grid is not None:
        _draw_grid(ax, picture)
    ax.set_xlim(0, picture.columns * CELL)
    ax.set_ylim(picture.rows * CELL, 0)  # y grows downward in drawing coordinates
    ax.set_aspect("equal")
    ax.set_axis_off()
    return save_figure(fig, path, dpi=dpi, facecolor="white")
