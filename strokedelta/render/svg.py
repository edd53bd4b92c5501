"""SVG pictures of drawings: one drawing in its own coordinates, or a labelled grid.

Coordinates follow Quick, Draw!: ``y`` grows downward, as in SVG, so drawings appear the right
way up. Files are written through :func:`strokedelta._files.atomic_path`.

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
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from strokedelta._files import atomic_path
from strokedelta._validation import check_array, check_finite, check_number, fail
from strokedelta.delta import from_deltas
from strokedelta.ragged import Ragged
from strokedelta.render._picture import (
    ACCENT,
    CELL,
    GRID_LINE,
    INK,
    as_batch,
    cell_corners,
    layout,
    select,
)
from strokedelta.sketch.formats import stroke_offsets

__all__ = ["drawing_svg", "grid_svg", "save_svg"]


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


def _highlight_paths(
    drawings: Any, chosen: np.ndarray, highlight: Any, placed: np.ndarray, bounds: np.ndarray
) -> list[str]:
    """Accent-coloured paths over the highlighted points of the chosen drawings."""
    strokes, _ = as_batch(drawings)
    flags = np.asarray(highlight, dtype=bool)
    if flags.shape != (strokes.n_points,):
        raise fail("highlight", f"have one flag per point ({strokes.n_points},)", flags.shape)
    keep, run_bounds = _split_highlight(bounds, Ragged(flags, strokes.offsets).take(chosen).values)
    return [
        f'<path stroke="{ACCENT}" d="{d}"/>'
        for d in _paths(placed[keep], np.asarray(run_bounds, dtype=np.int64))
    ]


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
    picture = select(drawings, grid, index)
    placed, bounds = layout(picture, CELL)
    width, height = picture.columns * CELL, picture.rows * CELL
    body = [f'<path d="{d}"/>' for d in _paths(placed, bounds)]
    if highlight is not None:
        body += _highlight_paths(drawings, picture.chosen, highlight, placed, bounds)
    if grid is not None:
        lines = [f"M{c * CELL:g} 0 V{height:g}" for c in range(1, picture.columns)]
        lines += [f"M0 {r * CELL:g} H{width:g}" for r in range(1, picture.rows)]
        if lines:
            body.insert(0, f'<path stroke="{GRID_LINE}" stroke-width="1" d="{" ".join(lines)}"/>')
        for (x, y), label in zip(cell_corners(picture, CELL), picture.labels):
            body.append(
                f'<text x="{x + 4:g}" y="{y + 12:g}" font-size="10" font-family="sans-serif" '
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
        picture = select(drawings, None, index)
        text = drawing_svg(picture.strokes[0])
    else:
        text = grid_svg(drawings, grid or (1, 1), index=index, highlight=highlight)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
