"""Pictures of drawings: SVG text, SVG and PNG files, the right way up; pictures of files; the
one stroke-drawing routine shared by PNGs and figures; matplotlib loaded only on use."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from conftest import REAL_DATA
from matplotlib.image import imread

from strokedelta import Ragged, ValidationError
from strokedelta.io import read_drawings
from strokedelta.render import (
    INK,
    Rollout,
    drawing_svg,
    grid_svg,
    parse_grid,
    picture_format,
    plot_rollouts,
    read_first_drawings,
    render_file,
    save_picture,
    save_png,
    save_svg,
)
from strokedelta.render._canvas import draw_strokes, new_figure
from strokedelta.sketch import Drawings

REAL = REAL_DATA  # tests/conftest.py: ../shared/data/real or $STROKEDELTA_REAL_DATA
SVG = "{http://www.w3.org/2000/svg}"

# A long line along the top (y = 0) and a short one near the bottom (y = 100).
TOP_AND_BOTTOM = np.array([[0, 0, 0], [100, 0, 1], [-100, 100, 0], [10, 0, 1]])


@pytest.fixture(scope="module")
def cats() -> Drawings:
    if not REAL.is_dir():
        pytest.skip(f"real data folder not found: {REAL}")
    return read_drawings(REAL / "quickdraw_cat_simplified.ndjson")


def dark_rows(path: Path) -> np.ndarray:
    """Number of dark pixels in each row of a PNG."""
    image = imread(path)
    return (image[:, :, :3].mean(axis=2) < 0.5).sum(axis=1)


def test_drawing_svg_keeps_coordinates_with_y_down():
    svg = drawing_svg(TOP_AND_BOTTOM)
    root = ET.fromstring(svg)
    paths = [p.get("d") for p in root.iter(f"{SVG}path")]
    assert paths == ["M0 0 L100 0", "M0 100 L10 100"]
    assert root.get("viewBox") == "-10 -10 120 120"
    dot = drawing_svg(np.array([[3.25, 4.5, 1]]))
    assert '<path d="M3.25 4.5 l0 0"/>' in dot


def test_save_svg_grid_of_real_drawings(cats, tmp_path):
    out = save_svg(cats, tmp_path / "grid.svg", grid=(2, 3), index=4)
    root = ET.parse(out).getroot()
    assert (root.get("width"), root.get("height")) == ("384", "256")
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels == [f"{i} cat" for i in range(4, 10)]
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == 1 + int(cats[4:10].n_strokes.sum())  # grid rules + strokes
    coords = np.array(
        [
            float(v)
            for p in paths[1:]
            for v in p.get("d").replace("M", " ").replace("L", " ").split()
        ]
    ).reshape(-1, 2)
    assert coords.min() >= 0
    assert coords[:, 0].max() <= 384
    assert coords[:, 1].max() <= 256


def test_save_svg_one_drawing_and_a_short_grid(cats, tmp_path):
    one = save_svg(cats, tmp_path / "one.svg", index=2)
    assert one.read_text() == drawing_svg(cats[2])
    tail = save_svg(cats, tmp_path / "tail.svg", grid="2x2", index=23)
    assert tail.read_text().count("<text") == 2  # only drawings 23 and 24 exist
    batch = save_svg(cats.strokes, tmp_path / "ragged.svg", grid=(1, 2))
    assert "<text" in batch.read_text()
    assert " cat" not in batch.read_text()


def test_png_is_the_right_way_up(tmp_path):
    out = save_png(TOP_AND_BOTTOM, tmp_path / "one.png", dpi=50)
    rows = dark_rows(out)
    assert imread(out).shape[:2] == (200, 200)
    inked = np.flatnonzero(rows)
    top, bottom = inked[: len(inked) // 2], inked[len(inked) // 2 :]
    assert rows[top].sum() > 3 * rows[bottom].sum()  # the long line is at the top


def test_png_grid_of_real_drawings(cats, tmp_path):
    out = save_png(cats, tmp_path / "grid.png", grid=(2, 4), cell_inches=1.0, dpi=60)
    image = imread(out)
    assert image.shape[:2] == (120, 240)
    assert dark_rows(out).sum() > 500
    with pytest.raises(ValidationError, match=r"index must be in 0\.\.24; got 25"):
        save_png(cats, tmp_path / "bad.png", index=25)
    assert not (tmp_path / "bad.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.png"]


def test_png_draws_one_point_strokes(tmp_path):
    out = save_png(np.array([[50, 50, 1]]), tmp_path / "dot.png", dpi=50)
    assert dark_rows(out).sum() > 0


def test_render_errors():
    assert parse_grid(" 2 x 3 ") == (2, 3)
    with pytest.raises(ValidationError, match="grid must be ROWSxCOLUMNS"):
        parse_grid("2x")
    with pytest.raises(ValidationError, match="grid rows must be an integer >= 1; got 0"):
        parse_grid((0, 3))
    with pytest.raises(ValidationError, match=r"stroke3 must have shape \(n, 3\); got \(4, 2\)"):
        drawing_svg(np.zeros((4, 2)))
    with pytest.raises(ValidationError, match="drawings must hold at least one drawing"):
        grid_svg(Ragged(np.zeros((0, 3)), [0]), (1, 1))
    with pytest.raises(ValidationError, match="stroke3 must be finite"):
        drawing_svg(np.array([[np.inf, 0, 1]]))


def test_highlighted_points_are_drawn_in_the_accent_colour():
    from strokedelta.render import ACCENT, grid_svg

    # One stroke of 4 points whose last two are a model's continuation, then a plain drawing.
    drawings = Drawings.from_polylines([[[[0, 1, 2, 3], [0, 0, 0, 0]]], [[[0, 5], [5, 0]]]])
    flags = np.array([False, False, True, True, False, False])
    svg = grid_svg(drawings, (1, 2), highlight=flags)
    accent = [line for line in svg.splitlines() if f'stroke="{ACCENT}"' in line]
    assert len(accent) == 1
    coordinates = ET.fromstring(accent[0]).get("d").replace("M", "").replace("L", "").split()
    assert len(coordinates) == 2 * 3  # points 1, 2, 3: the continuation joined to point 1
    assert grid_svg(drawings, (1, 2)).count(ACCENT) == 0
    with pytest.raises(ValidationError, match=r"highlight must have one flag per point \(6,\)"):
        grid_svg(drawings, (1, 2), highlight=[True])


def test_import_of_render_leaves_matplotlib_unloaded():
    code = (
        "import sys, strokedelta.render as r; assert 'matplotlib' not in sys.modules; "
        "r.drawing_svg([[0, 0, 0], [1, 1, 1]]); assert 'matplotlib' not in sys.modules; "
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_save_picture_picks_the_format_from_the_extension(tmp_path):
    svg = save_picture(TOP_AND_BOTTOM, tmp_path / "one.SVG")
    assert svg.read_text() == drawing_svg(TOP_AND_BOTTOM)
    png = save_picture(TOP_AND_BOTTOM, tmp_path / "one.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert picture_format("a/b.png") == ".png"
    with pytest.raises(ValidationError, match=r"target must end in \.svg or \.png; got '.*x\.jpg'"):
        save_picture(TOP_AND_BOTTOM, tmp_path / "x.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.SVG", "one.png"]


def test_render_file_reads_only_what_it_draws(cats, tmp_path):
    source = REAL / "quickdraw_cat_simplified.ndjson"
    assert render_file(source, tmp_path / "g.svg", grid="2x2", index=23) == 2
    assert render_file(source, tmp_path / "one.svg", index=5) == 1
    assert (tmp_path / "one.svg").read_text() == drawing_svg(cats[5])
    first = read_first_drawings(source, 3)
    assert first.equals(cats[:3])
    with pytest.raises(ValidationError, match=r"index must be in 0\.\.24; got 30"):
        render_file(source, tmp_path / "bad.png", index=30)
    with pytest.raises(ValidationError, match="count must be an integer >= 1; got 0"):
        read_first_drawings(source, 0)
    assert not (tmp_path / "bad.png").exists()


def test_rollout_figure_draws_strokes_like_the_png_of_a_drawing(tmp_path):
    truth = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [20.0, 20.0], [30.0, 20.0]])
    pen = np.array([0, 1, 1, 0, 1])  # a line, a one-point stroke, a line
    run = Rollout("delta", 0.0, truth, pen, 4, np.array([[31.0, 21.0], [32.0, 22.0]]))
    out = plot_rollouts([run], tmp_path / "r.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = new_figure()
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    draw_strokes(ax, truth, np.array([0, 2, 3, 5]), color=INK, linewidth=2.0, label="d")
    lines, dots = ax.collections
    assert [len(p) for p in lines.get_segments()] == [2, 2]
    assert dots.get_offsets().tolist() == [[10.0, 10.0]]
    assert ax.get_legend_handles_labels()[1] == ["d"]
