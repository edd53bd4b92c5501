"""Bitmaps: rasterize against an independent transcription of Google's cairo snippet, pixel for
pixel, on the real Quick, Draw! samples; the ``strokedelta rasterize`` command."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.cli import main
from strokedelta.exceptions import MissingDependencyError, ValidationError
from strokedelta.io import read_drawings, write_drawings
from strokedelta.render import Rasterizer, rasterize, rasterize_file
from strokedelta.render.raster import ORIGINAL_SIDE
from strokedelta.sketch import Drawings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "quickdraw_cat_sample.ndjson"
SIMPLIFIED = ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_simplified.ndjson")


def _reference():
    """Google's snippet, transcribed once in scripts/check_raster.py (which prints the pixel
    counts the docs quote) and independent of strokedelta.render."""
    spec = importlib.util.spec_from_file_location("check_raster", ROOT / "scripts/check_raster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.vector_to_raster


vector_to_raster = _reference()


@pytest.fixture(scope="module")
def sample() -> Drawings:
    return read_drawings(SAMPLE)


@pytest.mark.parametrize("size", [28, 30, 64, 128, 256])
def test_real_samples_match_the_snippet_pixel_for_pixel(real_data, size):
    for name in SIMPLIFIED:
        drawings = read_drawings(real_data / name)
        want = vector_to_raster(drawings.to_polylines(), side=size)
        got = rasterize(drawings, size)
        assert got.shape == (25, size * size)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("size", "line_width", "padding"), [(28, 16, 16), (64, 6.5, 0), (48, 30, 40)]
)
def test_repository_sample_matches_the_snippet(sample, size, line_width, padding):
    want = vector_to_raster(sample.to_polylines(), size, line_width, padding)
    got = rasterize(sample, size, line_width=line_width, padding=padding)
    np.testing.assert_array_equal(got, want)


def test_float_coordinates_match_the_snippet(sample):
    scaled = sample.with_values(sample.strokes.values * np.array([0.7, 0.9, 1.0]))
    np.testing.assert_array_equal(
        rasterize(scaled, 32), vector_to_raster(scaled.to_polylines(), side=32)
    )


strokes = st.lists(st.integers(0, 255), min_size=1, max_size=12).flatmap(
    lambda xs: st.tuples(
        st.just(xs), st.lists(st.integers(0, 255), min_size=len(xs), max_size=len(xs))
    )
)


@given(st.lists(st.lists(strokes, min_size=1, max_size=5), min_size=1, max_size=4))
def test_any_drawing_matches_the_snippet(polylines):
    drawings = Drawings.from_polylines([[list(s) for s in d] for d in polylines])
    np.testing.assert_array_equal(rasterize(drawings, 28), vector_to_raster(polylines))


def test_black_background_white_strokes_centred(sample):
    images = rasterize(sample, 256).reshape(-1, 256, 256)
    margin = int(np.floor(16 * 256 / (ORIGINAL_SIDE + 48)))  # the padding, in pixels
    assert images[:, :margin].max() == 0
    assert images[:, :, :margin].max() == 0
    assert images[:, -margin:].max() == 0
    assert images[:, :, -margin:].max() == 0
    assert (images.reshape(len(sample), -1).max(axis=1) == 255).all()  # fully covered pixels
    assert ((images > 0).mean(axis=(1, 2)) < 0.5).all()  # mostly black
    for image, lines in zip(images, sample.to_polylines()):
        x = np.concatenate([s[0] for s in lines])
        y = np.concatenate([s[1] for s in lines])
        rows, cols = np.nonzero(image)
        # Simplified drawings start at 0, so centring by the maximum centres the ink
        if x.min() == 0 and y.min() == 0:
            assert abs((cols.min() + cols.max()) / 2 - 127.5) <= 1.0
            assert abs((rows.min() + rows.max()) / 2 - 127.5) <= 1.0


def test_threads_chunks_and_the_reusable_rasterizer_agree(sample):
    many = Drawings.concat([sample] * 50)  # 1250 drawings: two chunks of the path buffer
    one = rasterize(many, 28)
    np.testing.assert_array_equal(rasterize(many, 28, workers=2), one)
    again = Rasterizer(28)
    np.testing.assert_array_equal(again(many), one)
    np.testing.assert_array_equal(again(sample[:3]), one[:3])  # the canvas is cleared each time
    np.testing.assert_array_equal(np.tile(one[:25], (50, 1)), one)


def test_empty_and_one_point_drawings():
    assert rasterize(Drawings.from_polylines([]), 28).shape == (0, 784)
    dot = rasterize(Drawings.from_polylines([[[[0], [0]]]]), 28).reshape(28, 28)
    assert dot.max() > 0
    assert np.count_nonzero(dot) <= 9


def test_bad_arguments_name_the_argument(sample):
    with pytest.raises(ValidationError, match="size must be an integer >= 1; got 0"):
        rasterize(sample, 0)
    with pytest.raises(ValidationError, match="size must be at most 4096 pixels; got 5000"):
        rasterize(sample, 5000)
    with pytest.raises(ValidationError, match="line_width must be a finite number > 0; got 0"):
        rasterize(sample, line_width=0)
    with pytest.raises(ValidationError, match="padding must be a finite number >= 0; got -1"):
        rasterize(sample, padding=-1)
    with pytest.raises(ValidationError, match="drawings must be a Drawings; got list"):
        rasterize([[1, 2]])


class _NoCairo:
    """A meta path finder that fails ``import cairocffi`` as a missing libcairo does."""

    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def find_spec(self, name, path=None, target=None):
        if name == "cairocffi":
            raise self.error("cannot load library 'libcairo.so.2'")
        return None


@pytest.mark.parametrize(
    ("error", "match"),
    [
        (OSError, "needs libcairo.*apt-get install libcairo2"),
        (ImportError, "pip install cairocffi"),
    ],
)
def test_missing_cairo_is_a_clear_error(monkeypatch, sample, error, match):
    monkeypatch.delitem(sys.modules, "cairocffi")
    monkeypatch.setattr(sys, "meta_path", [_NoCairo(error), *sys.meta_path])
    with pytest.raises(MissingDependencyError, match=match):
        Rasterizer(28)(sample)


def run(*args: object):
    return CliRunner().invoke(main, ["rasterize", *map(str, args)])


def test_cli_writes_what_np_save_writes(sample, tmp_path):
    out = tmp_path / "cats.npy"
    result = run(SAMPLE, out, "--size", 64, "--workers", 2)
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out} (25 drawings, 64x64 px)\n"
    buffer = io.BytesIO()
    np.save(buffer, rasterize(sample, 64))
    assert out.read_bytes() == buffer.getvalue()


def test_cli_split_and_skip(tmp_path):
    d = Drawings.from_polylines([[[[0, 9], [0, 9]]]] * 3)
    d.meta["split"] = ["train", "test", "test"]
    source = tmp_path / "d.parquet"
    write_drawings(d, source)
    out = tmp_path / "test.npy"
    assert run(source, out, "--split", "test").exit_code == 0
    np.testing.assert_array_equal(np.load(out), rasterize(d[1:], 28))
    bad = tmp_path / "bad.ndjson"
    lines = SAMPLE.read_text().splitlines()
    bad.write_text("\n".join([lines[0], '{"drawing": 7}', lines[1]]) + "\n")
    result = CliRunner().invoke(main, ["rasterize", str(bad), str(out), "--errors", "skip"])
    assert result.exit_code == 0, result.output
    assert np.load(out).shape == (2, 784)


def test_cli_refuses_bad_input_with_one_line_and_no_output(tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"drawing": [[[1, 2], [3]]]}\n')
    out = tmp_path / "out.npy"
    result = run(bad, out)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: ")
    assert "bad.ndjson" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]
    npy = tmp_path / "a.npy"
    np.save(npy, np.zeros((1, 784), np.uint8))
    refused = run(npy, npy)
    assert refused.exit_code == 1
    assert "refusing to overwrite an input" in refused.output
    wrong = run(SAMPLE, tmp_path / "x.png")
    assert wrong.exit_code == 2
    assert "must end in .npy" in wrong.output


def test_rasterize_file_refuses_a_target_that_is_not_npy(tmp_path):
    with pytest.raises(ValidationError, match=r"target must end in \.npy; got '.*x\.png'"):
        rasterize_file(SAMPLE, tmp_path / "x.png")
