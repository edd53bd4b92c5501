"""Pictures of drawings: SVG text and files, and PNG files through matplotlib (Agg, no display).

One drawing, or a grid of ``rows x columns`` drawings, each scaled to fit its cell with its
aspect ratio kept. Coordinates follow Quick, Draw!: ``y`` grows *downward*, as in SVG; the PNG
axes are flipped to match, so drawings appear the right way up in both. All points of all
drawings are placed with a few numpy operations; every file is written through
:func:`strokedelta._files.atomic_path`.

Experiment figures (loss curves, heatmaps) live in :mod:`strokedelta.plots`.

Examples
--------
>>> import numpy as np
>>> svg = drawing_svg(np.array([[10, 10, 0], [20, 0, 1], [0, 10, 1]]))
>>> svg.count("<path")
2
>>> "M10 10 L30 10" in svg
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from strokedelta._files import atomic_path
from strokedelta._validation import check_array, check_finite, check_int, check_number, fail
from strokedelta.delta import from_deltas
from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import Drawings
from strokedelta.sketch.formats import stroke_offsets

__all__ = ["drawing_svg", "grid_svg", "parse_grid", "save_png", "save_svg"]

#: Side of one grid cell in SVG pixels, and the blank margin inside it (fraction of the side).
CELL = 128.0
PAD = 0.08
INK = "#1a1a1a"
GRID_LINE = "#dddddd"
ACCENT = "#1f77b4"


# ------------------------------------------------------------------------- selection
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
class _Picture:
    """What to draw: stroke-3 drawings, their labels and the grid shape."""

    strokes: Ragged
    labels: list[str]
    rows: int
    columns: int
    chosen: np.ndarray


def _as_batch(drawings: Any) -> tuple[Ragged, Drawings | None]:
    if isinstance(drawings, Drawings):
        return drawings.strokes, drawings
    if isinstance(drawings, Ragged):
        check_array("drawings", drawings.values, ndim=2, columns=3, kinds="iuf")
        return drawings, None
    s3 = check_array("stroke3", drawings, ndim=2, columns=3, kinds="iuf")
    return Ragged(s3, [0, len(s3)]), None


def _select(drawings: Any, grid: Any, index: int | None) -> _Picture:
    strokes, source = _as_batch(drawings)
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
    return _Picture(strokes.take(chosen), labels, rows, columns, chosen)


# ---------------------------------------------------------------------------- layout
def _layout(picture: _Picture, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Absolute points placed in their cells (y down) and the stroke offsets into them."""
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


def _number(values: np.ndarray) -> list[str]:
    """Short text for coordinates: ints as ints, floats to 2 decimals without trailing zeros."""
    if values.dtype.kind in "iu":
        return [str(v) for v in values.tolist()]
    return [f"{v:.2f}".rstrip("0").rstrip(".") for v in np.round(values, 2).tolist()]


def _paths(points: np.ndarray, bounds: np.ndarray) -> list[str]:
    """One SVG path ``d`` per stroke (a one-point stroke becomes a dot)."""
    if len(points) == 0:
        return []
    xs, ys = _number(points[:, 0]), _number(points[:, 1])
    pairs = [f"{x} {y}" for x, y in zip(xs, ys)]
    out = []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if b - a == 1:
            out.append(f"M{pairs[a]} l0 0")
        else:
            out.append(f"M{pairs[a]} L" + " ".join(pairs[a + 1 : b]))
    return out


def _split_highlight(bounds: np.ndarray, flags: np.ndarray) -> tuple[list[int], list[int]]:
    """Point indices and run bounds of the highlighted runs of each stroke.

    A highlighted run that starts inside a stroke begins at the point before it, so the accent
    line continues the plain one; the plain strokes are drawn whole underneath.
    """
    change = np.flatnonzero(flags[1:] != flags[:-1]) + 1
    cuts = np.union1d(bounds, change)
    starts = set(bounds.tolist())
    index: list[int] = []
    run_bounds = [0]
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        if b > a and flags[a]:
            index.extend(range(a if a in starts else a - 1, b))
            run_bounds.append(len(index))
    return index, run_bounds


def _svg_document(width: float, height: float, view: str, body: list[str], line: float) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="{view}">'
    )
    group = (
        f'<g fill="none" stroke="{INK}" stroke-width="{line:g}" stroke-linecap="round" '
        'stroke-linejoin="round">'
    )
    return "\n".join(
        [
            head,
            '<rect width="100%" height="100%" fill="white"/>',
            group,
            *body,
            "</g>",
            "</svg>",
            "",
        ]
    )


# ------------------------------------------------------------------------------- SVG
def drawing_svg(stroke3: Any, *, size: float = 256.0, line_width: float = 2.0) -> str:
    """One stroke-3 drawing as SVG text, in its own coordinates (y down).

    Parameters
    ----------
    stroke3 : array_like, shape (n, 3)
    size : float
        Displayed size in pixels of the longer side.
    line_width : float
        Stroke width in displayed pixels.

    Examples
    --------
    >>> print(drawing_svg([[0, 0, 0], [4, 3, 1]]).splitlines()[0])
    <svg xmlns="http://www.w3.org/2000/svg" width="256" height="202.667"
        viewBox="-0.4 -0.4 4.8 3.8">
    """
    s3 = check_array("stroke3", stroke3, ndim=2, columns=3, kinds="iuf")
    check_finite("stroke3", s3)
    size = check_number("size", size, positive=True)
    line_width = check_number("line_width", line_width, positive=True)
    points = from_deltas(s3[:, :2]) if len(s3) else np.zeros((0, 2), dtype=s3.dtype)
    bounds = stroke_offsets(s3[:, 2], np.array([0, len(s3)]))
    low = points.min(axis=0) if len(points) else np.zeros(2)
    extent = (points.max(axis=0) - low) if len(points) else np.zeros(2)
    longest = float(max(extent.max(), 1))
    margin = 0.1 * longest
    view_w, view_h = float(extent[0]) + 2 * margin, float(extent[1]) + 2 * margin
    ratio = size / max(view_w, view_h)
    view = " ".join(_number(np.array([low[0] - margin, low[1] - margin, view_w, view_h])))
    body = [f'<path d="{d}"/>' for d in _paths(points, bounds)]
    return _svg_document(view_w * ratio, view_h * ratio, view, body, line_width / ratio)


def grid_svg(
    drawings: Any, grid: Any = None, *, index: int | None = None, highlight: Any = None
) -> str:
    """A grid of drawings (or one) as SVG text; each drawing fits its cell, labelled by index.

    ``highlight`` is an optional boolean per flat point of ``drawings``: those points (and the
    line leading to them) are drawn in an accent colour, e.g. a model's continuation of a
    drawing.

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> d = Drawings.from_polylines([[[[0, 9], [0, 9]]], [[[0, 5], [5, 0]]]])
    >>> svg = grid_svg(d, (1, 2))
    >>> svg.count("<path"), svg.count("<text")
    (3, 2)
    """
    picture = _select(drawings, grid, index)
    placed, bounds = _layout(picture, CELL)
    width, height = picture.columns * CELL, picture.rows * CELL
    body = [f'<path d="{d}"/>' for d in _paths(placed, bounds)]
    if highlight is not None:
        strokes, _ = _as_batch(drawings)
        flags = np.asarray(highlight, dtype=bool)
        if flags.shape != (strokes.n_points,):
            raise fail("highlight", f"have one flag per point ({strokes.n_points},)", flags.shape)
        chosen = Ragged(flags, strokes.offsets).take(picture.chosen).values
        keep, run_bounds = _split_highlight(bounds, chosen)
        body += [
            f'<path stroke="{ACCENT}" d="{d}"/>'
            for d in _paths(placed[keep], np.asarray(run_bounds, dtype=np.int64))
        ]
    if grid is not None:
        lines = [f"M{c * CELL:g} 0 V{height:g}" for c in range(1, picture.columns)]
        lines += [f"M0 {r * CELL:g} H{width:g}" for r in range(1, picture.rows)]
        if lines:
            body.insert(0, f'<path stroke="{GRID_LINE}" stroke-width="1" d="{" ".join(lines)}"/>')
        for slot, label in enumerate(picture.labels):
            x = (slot % picture.columns) * CELL + 4
            y = (slot // picture.columns) * CELL + 12
            body.append(
                f'<text x="{x:g}" y="{y:g}" font-size="10" font-family="sans-serif" '
                f'fill="#888888" stroke="none">{escape(label)}</text>'
            )
    return _svg_document(width, height, f"0 0 {width:g} {height:g}", body, 1.5)


def save_svg(
    drawings: Any,
    path: str | os.PathLike[str],
    *,
    grid: Any = None,
    index: int | None = None,
    highlight: Any = None,
) -> Path:
    """Write one drawing or a grid of drawings as an SVG file (atomically).

    Parameters
    ----------
    drawings : Drawings, Ragged of stroke-3, or one (n, 3) stroke-3 array
    path : path-like
    grid : (rows, columns) or "RxC", optional
        Draw drawings ``index, index + 1, ...`` in a grid; without it, draw drawing ``index``
        alone in its own coordinates.
    index : int, optional
        The (first) drawing to draw; default 0.
    highlight : array_like of bool, shape (N,), optional
        Points to draw in an accent colour (see :func:`grid_svg`); implies a grid of one when
        ``grid`` is not given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = save_svg([[0, 0, 0], [5, 5, 1]], pathlib.Path(tempfile.mkdtemp()) / "one.svg")
    >>> out.read_text().startswith("<svg")
    True
    """
    if grid is None and highlight is None:
        picture = _select(drawings, None, index)
        text = drawing_svg(picture.strokes[0])
    else:
        text = grid_svg(drawings, grid or (1, 1), index=index, highlight=highlight)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------- PNG
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
    >>> out = save_png([[0, 0, 0], [5, 5, 1]], pathlib.Path(tempfile.mkdtemp()) / "one.png")
    >>> out.read_bytes()[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    picture = _select(drawings, grid, index)
    inches = check_number(
        "cell_inches",
        cell_inches if cell_inches is not None else (4.0 if grid is None else 1.6),
        positive=True,
    )
    dpi = check_int("dpi", dpi, minimum=10)
    placed, bounds = _layout(picture, CELL)
    fig = Figure(figsize=(picture.columns * inches, picture.rows * inches), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    width, height = picture.columns * CELL, picture.rows * CELL
    line = 1.2 if grid is not None else 2.0
    pieces = np.split(placed, bounds[1:-1]) if len(placed) else []
    ax.add_collection(
        LineCollection(
            [p for p in pieces if len(p) > 1],
            colors=INK,
            linewidths=line,
            capstyle="round",
            joinstyle="round",
        )
    )
    dots = np.array([p[0] for p in pieces if len(p) == 1]).reshape(-1, 2)
    if len(dots):
        ax.scatter(dots[:, 0], dots[:, 1], s=line**2 * 2, c=INK, linewidths=0)
    if grid is not None:
        rules = [[(c * CELL, 0), (c * CELL, height)] for c in range(1, picture.columns)]
        rules += [[(0, r * CELL), (width, r * CELL)] for r in range(1, picture.rows)]
        ax.add_collection(LineCollection(rules, colors=GRID_LINE, linewidths=0.8))
        for slot, label in enumerate(picture.labels):
            ax.text(
                (slot % picture.columns) * CELL + 4,
                (slot // picture.columns) * CELL + 4,
                label,
                fontsize=7,
                color="#888888",
                ha="left",
                va="top",
            )
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)  # y grows downward in drawing coordinates
    ax.set_aspect("equal")
    ax.set_axis_off()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, facecolor="white")
    return path
