"""The ``strokedelta render`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REAL_DATA
from matplotlib.image import imread

from strokedelta.cli import main

REAL = REAL_DATA  # tests/conftest.py: ../shared/data/real or $STROKEDELTA_REAL_DATA


@pytest.fixture(scope="module")
def real() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real data folder not found: {REAL}")
    return REAL


def run(*args: object) -> object:
    return CliRunner().invoke(main, ["render", *map(str, args)])


def test_render_one_drawing_to_svg(real, tmp_path):
    out = tmp_path / "cat.svg"
    cats = real / "quickdraw_cat_simplified.ndjson"
    result = run(cats, out, "--index", 3)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out} (1 drawing)\n"
    strokes = json.loads(cats.read_text().splitlines()[3])["drawing"]
    assert out.read_text().startswith("<svg")
    assert out.read_text().count("<path") == len(strokes) == 13


def test_render_a_grid_of_a_sketchrnn_split_to_png(real, tmp_path):
    out = tmp_path / "sheep.png"
    result = run(real / "aaron_sheep.npz", out, "--grid", "2x3", "--split", "test")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out} (6 drawings)\n"
    assert imread(out).shape[:2] == (320, 480)


def test_render_raw_ndjson_grid_past_the_end(real, tmp_path):
    out = tmp_path / "tail.svg"
    result = run(real / "quickdraw_sheep_raw.ndjson", out, "--grid", "2x2", "--index", 21)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out} (2 drawings)\n"
    assert out.read_text().count("<text") == 2


def test_render_errors_are_one_line(real, tmp_path):
    cats = real / "quickdraw_cat_simplified.ndjson"
    result = run(cats, tmp_path / "x.png", "--index", 99)
    assert result.exit_code == 1
    assert result.output == "Error: index must be in 0..24; got 99\n"
    result = run(cats, tmp_path / "x.jpg")
    assert result.exit_code == 2
    assert "must end in .svg or .png" in result.output
    result = run(cats, tmp_path / "x.svg", "--grid", "3by4")
    assert result.exit_code == 2
    assert "grid must be ROWSxCOLUMNS" in result.output
    result = run(tmp_path / "missing.ndjson", tmp_path / "x.svg")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())  # nothing written, not even a partial file
