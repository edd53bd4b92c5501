"""The matplotlib pieces every PNG shares: a figure on an Agg canvas (no pyplot state, no
display), the one way strokes of a drawing are drawn on axes, and the atomic PNG write.

matplotlib is imported on the first picture, so ``import strokedelta`` stays light.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> fig = new_figure(figsize=(1, 1))
>>> ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
>>> draw_strokes(ax, np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]), np.array([0, 2, 3]),
...              color="black", linewidth=1.0)
>>> len(ax.collections)  # one line, one dot
2
>>> save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "f.png").read_bytes()[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from strokedelta._files import atomic_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["draw_strokes", "new_figure", "save_figure"]


def new_figure(**options: Any) -> Figure:
    """A matplotlib ``Figure(**options)`` attached to an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # matplotlib is heavy: on use
    from matplotlib.figure import Figure  # matplotlib is heavy: on use

    fig = Figure(**options)
    FigureCanvasAgg(fig)
    return fig


def draw_strokes(
    ax: Axes,
    points: np.ndarray,
    bounds: np.ndarray,
    *,
    color: str,
    linewidth: float,
    label: str | None = None,
) -> None:
    """Draw the strokes ``points[bounds[i]:bounds[i + 1]]`` on ``ax`` with round ends.

    Strokes of one point are drawn as dots of the line's width. ``label`` names the lines in a
    legend. The axes limits are left to the caller.
    """
    from matplotlib.collections import LineCollection  # matplotlib is heavy: on use

    pieces = np.split(points, bounds[1:-1]) if len(points) else []
    lines = LineCollection(
        [p for p in pieces if len(p) > 1],
        colors=color,
        linewidths=linewidth,
        capstyle="round",
        joinstyle="round",
    )
    if label is not None:
        lines.set_label(label)
    ax.add_collection(lines)
    dots = np.array([p[0] for p in pieces if len(p) == 1]).reshape(-1, 2)
    if len(dots):
        ax.scatter(dots[:, 0], dots[:, 1], s=linewidth**2 * 2, c=color, linewidths=0)


def save_figure(fig: Figure, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write ``fig`` as a PNG at ``path`` (atomically) with ``savefig(**options)``."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", **options)
    return path
