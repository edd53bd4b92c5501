"""Every picture: drawings as SVG and PNG, and the figures of the experiments.

==========================  ==========================================================
module                      what it draws
==========================  ==========================================================
:mod:`~.render.svg`         one drawing or a labelled grid as SVG text or file
:mod:`~.render.png`         the same as PNG (matplotlib Agg)
:mod:`~.render.figures`     experiment figures: shift heatmap, loss curves, rollouts,
                            sketch-shift errors, drift
:mod:`~.render.files`       the drawings of a file into an .svg or .png (the CLI's
                            ``render``)
:mod:`~.render.raster`      Google's ``numpy_bitmap`` grey images (cairo), and a file of
                            drawings into an ``.npy`` (the CLI's ``rasterize``)
==========================  ==========================================================

Drawings are placed the same way in SVG and PNG (``_picture``), and strokes are drawn on
matplotlib axes by one routine for PNGs and figures (``_canvas``). Coordinates follow Quick,
Draw!: ``y`` grows downward, so drawings appear the right way up. Every file is written
atomically; matplotlib is imported only when a PNG is drawn.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 9], [0, 9]]], [[[5, 5], [0, 9]]]])
>>> path = save_svg(d, pathlib.Path(tempfile.mkdtemp()) / "two.svg", grid="1x2")
>>> path.name, path.read_text().count("<path")  # two strokes and the grid's lines
('two.svg', 3)
"""

from typing import TYPE_CHECKING

from strokedelta._lazy import lazy_attributes
from strokedelta.render._picture import ACCENT, CELL, GRID_LINE, INK, parse_grid
from strokedelta.render.files import (
    PICTURE_FORMATS,
    picture_format,
    read_first_drawings,
    render_file,
    save_picture,
)
from strokedelta.render.png import save_png
from strokedelta.render.svg import drawing_svg, grid_svg, save_svg

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports these
    from strokedelta.render.figures import (
        LossCurve,
        Rollout,
        plot_drift,
        plot_loss_curves,
        plot_rollouts,
        plot_shift_heatmap,
        plot_sketch_shift,
    )
    from strokedelta.render.raster import Rasterizer, rasterize, rasterize_file

#: Names imported on first use: the experiment figures and the rasterizer (cairo, tqdm), which
#: drawing a file as SVG or PNG does not need.
_LAZY = {
    **dict.fromkeys(
        [
            "LossCurve",
            "Rollout",
            "plot_drift",
            "plot_loss_curves",
            "plot_rollouts",
            "plot_shift_heatmap",
            "plot_sketch_shift",
        ],
        "strokedelta.render.figures",
    ),
    **dict.fromkeys(["Rasterizer", "rasterize", "rasterize_file"], "strokedelta.render.raster"),
}


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY)


__all__ = [
    "ACCENT",
    "CELL",
    "GRID_LINE",
    "INK",
    "PICTURE_FORMATS",
    "LossCurve",
    "Rasterizer",
    "Rollout",
    "drawing_svg",
    "grid_svg",
    "parse_grid",
    "picture_format",
    "plot_drift",
    "plot_loss_curves",
    "plot_rollouts",
    "plot_shift_heatmap",
    "plot_sketch_shift",
    "rasterize",
    "rasterize_file",
    "read_first_drawings",
    "render_file",
    "save_picture",
    "save_png",
    "save_svg",
]
