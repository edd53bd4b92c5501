"""Google's simplification, resampling and RDP: golden tests on the real Quick, Draw! files."""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REAL_DATA
from hypothesis import given
from hypothesis import strategies as st
from rdp import rdp as rdp_reference

from strokedelta import Ragged, ValidationError
from strokedelta.io import read_drawings
from strokedelta.sketch import Drawings
from strokedelta.sketch.polyline import (
    rdp,
    rdp_batch,
    rdp_mask,
    rdp_mask_batch,
    resample,
    resample_batch,
)
from strokedelta.sketch.simplify import simplify_drawings, simplify_polylines

REAL = REAL_DATA  # tests/conftest.py: ../shared/data/real or $STROKEDELTA_REAL_DATA
WORDS = ("cat", "sheep")


@pytest.fixture(scope="module")
def real() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real data folder not found: {REAL}")
    return REAL


def reference_rdp(points: np.ndarray, epsilon: float) -> np.ndarray:
    """The rdp package (its np.cross on 2-D vectors warns under numpy 2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return rdp_reference(points, epsilon)  # type: ignore[no-any-return]


def reference_resample(points: np.ndarray) -> np.ndarray:
    """The straightforward per-stroke resampling at 1 px with np.interp."""
    if len(points) == 1:
        return points.astype(float)
    steps = np.hypot(*np.diff(points, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    total = arc[-1]
    if total == 0:
        return points[[0, -1]].astype(float)
    t = np.append(np.arange(0, total, 1.0), total)
    return np.stack([np.interp(t, arc, points[:, 0]), np.interp(t, arc, points[:, 1])], axis=1)


def raw_strokes(real: Path) -> list[np.ndarray]:
    """Every stroke of the raw samples, in raw pixel coordinates."""
    strokes: list[np.ndarray] = []
    for word in WORDS:
        drawings = read_drawings(real / f"quickdraw_{word}_raw.ndjson")
        points = drawings.absolute().values.astype(np.float64)
        strokes.extend(np.split(points, drawings.stroke_offsets()[1:-1]))
    return strokes


def google_scaled_strokes(real: Path) -> list[np.ndarray]:
    """Every raw stroke aligned to the top-left and scaled to 255, as Google's recipe does."""
    strokes: list[np.ndarray] = []
    for word in WORDS:
        for line in (real / f"quickdraw_{word}_raw.ndjson").read_text().splitlines():
            drawing = [np.array(s[:2], dtype=float).T for s in json.loads(line)["drawing"]]
            low = np.concatenate(drawing).min(axis=0)
            top = max((s - low).max() for s in drawing)
            strokes.extend((s - low) * 255 / top for s in drawing)
    return strokes


def hausdorff(a: np.ndarray, b: np.ndarray) -> float:
    dist = np.hypot(*(a[:, None, :] - b[None, :, :]).transpose(2, 0, 1))
    return float(max(dist.min(axis=1).max(), dist.min(axis=0).max()))


# ------------------------------------------------------------------- Google's output
def test_simplify_drawings_reproduces_googles_simplified_files(real):
    exact = 0
    total = 0
    for word in WORDS:
        raw = read_drawings(real / f"quickdraw_{word}_raw.ndjson")
        google = read_drawings(real / f"quickdraw_{word}_simplified.ndjson")
        ours = simplify_drawings(raw)
        by_key = dict(zip(google.meta["key_id"], range(len(google))))
        assert ours.meta["key_id"].tolist() == raw.meta["key_id"].tolist()
        for i, key in enumerate(ours.meta["key_id"]):
            want = google[by_key[key]]
            total += 1
            if np.array_equal(ours[i], want):
                exact += 1
                continue
            # Not exact: same strokes, each within 3 px (symmetric Hausdorff on vertices).
            ours_strokes = ours[[i]].to_polylines()[0]
            want_strokes = google[[by_key[key]]].to_polylines()[0]
            assert len(ours_strokes) == len(want_strokes), key
            for mine, theirs in zip(ours_strokes, want_strokes):
                distance = hausdorff(np.array(mine).T, np.array(theirs).T)
                assert distance <= 3.0, (key, distance)
    assert total == 48
    assert exact >= 46, f"only {exact} of 48 drawings match Google exactly"


def test_simplify_polylines_matches_google_on_the_json_drawings(real):
    exact = 0
    for word in WORDS:
        google = {}
        for line in (real / f"quickdraw_{word}_simplified.ndjson").read_text().splitlines():
            record = json.loads(line)
            google[record["key_id"]] = record["drawing"]
        for line in (real / f"quickdraw_{word}_raw.ndjson").read_text().splitlines():
            record = json.loads(line)
            exact += simplify_polylines(record["drawing"]) == google[record["key_id"]]
    assert exact >= 46


def test_one_point_and_zero_length_strokes_become_two_points():
    out = simplify_polylines([[[0, 100], [0, 50]], [[40], [20]], [[60, 60, 60], [10, 10, 10]]])
    assert out == [[[0, 255], [0, 128]], [[102, 102], [51, 51]], [[153, 153], [26, 26]]]


def test_simplify_drawings_keeps_meta_order_and_sets_attrs():
    meta = pd.DataFrame({"key_id": ["b", "a"], "word": ["cat", "cat"]})
    drawings = Drawings.from_polylines(
        [
            [[[10, 20, 30], [5, 5.1, 5], [0, 10, 20]]],
            [[[0, 3], [0, 4], [0, 9]], [[1], [1], [30]]],
        ],
        meta=meta,
    )
    drawings.attrs["scale_factor"] = 2.0
    out = simplify_drawings(drawings, epsilon=1.5)
    assert out.meta.equals(meta)
    assert out.attrs == {"simplified": True, "epsilon": 1.5}
    assert out.time is None
    assert out.strokes.values.dtype == np.int64
    assert out.to_polylines() == [
        [[[0, 255], [0, 0]]],
        [[[0, 191], [0, 255]], [[64, 64], [64, 64]]],
    ]


def test_simplify_drawings_with_an_empty_batch_and_a_constant_drawing():
    empty = simplify_drawings(Drawings(Ragged(np.zeros((0, 3), dtype=np.int64), [0])))
    assert len(empty) == 0
    dot = simplify_drawings(Drawings.from_polylines([[[[7, 7], [9, 9]]]]))
    assert dot[0].tolist() == [[0, 0, 0], [0, 0, 1]]


def test_simplify_errors_name_the_argument():
    with pytest.raises(ValidationError, match="drawings must be a Drawings; got list"):
        simplify_drawings([[1, 2, 3]])  # type: ignore[arg-type]
    d = Drawings.from_polylines([[[[0, 1], [0, 1]]]])
    with pytest.raises(ValidationError, match="epsilon must be a finite number >= 0; got -1"):
        simplify_drawings(d, epsilon=-1)


# -------------------------------------------------------------------------- resample
def test_resample_matches_numpy_interp_on_every_real_stroke(real):
    strokes = raw_strokes(real)
    batch = resample_batch(Ragged.from_list(strokes))
    assert len(batch) == len(strokes)
    for ours, stroke in zip(batch, strokes):
        np.testing.assert_array_equal(ours, reference_resample(stroke))


def test_resample_puts_points_one_spacing_apart_along_a_line():
    out = resample(np.array([[0, 0], [3, 4], [3, 4], [3, 9.5]]))
    steps = np.hypot(*np.diff(out, axis=0).T)
    assert len(out) == 12
    np.testing.assert_allclose(steps[:-1], 1.0)
    assert steps[-1] == pytest.approx(0.5)
    assert out[-1].tolist() == [3.0, 9.5]


def test_resample_edge_cases_and_spacing():
    batch = Ragged(np.array([[1.0, 1.0], [2, 2], [2, 2], [0, 0], [4, 0]]), [0, 0, 1, 3, 5])
    out = resample_batch(batch, spacing=2.0)
    assert out.lengths.tolist() == [0, 1, 2, 3]
    assert out[3].tolist() == [[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]]
    with pytest.raises(ValidationError, match="spacing must be a finite number > 0; got 0"):
        resample(np.zeros((2, 2)), spacing=0)
    with pytest.raises(ValidationError, match=r"points must have shape \(n, 2\); got \(7,\)"):
        resample(np.zeros(7))
    with pytest.raises(ValidationError, match="points must be finite"):
        resample(np.array([[0.0, np.nan]]))


# ------------------------------------------------------------------------------- RDP
def test_rdp_is_identical_to_the_rdp_package_on_resampled_raw_strokes(real):
    batch = resample_batch(Ragged.from_list(raw_strokes(real)[::8]))
    ours = rdp(batch, 2.0)
    assert isinstance(ours, Ragged)
    for mine, stroke in zip(ours, batch):
        np.testing.assert_array_equal(mine, reference_rdp(stroke, 2.0))


@pytest.mark.slow
def test_rdp_is_identical_to_the_rdp_package_inside_googles_recipe(real):
    batch = resample_batch(Ragged.from_list(google_scaled_strokes(real)[::3]))
    mask = rdp_mask_batch(batch, 2.0)
    for i, stroke in enumerate(batch):
        kept = batch.values[batch.offsets[i] : batch.offsets[i + 1]][
            mask[batch.offsets[i] : batch.offsets[i + 1]]
        ]
        np.testing.assert_array_equal(kept, reference_rdp(stroke, 2.0))


def test_rdp_small_cases():
    line = np.array([[0, 0], [1, 1], [2, 2], [3, 3]])
    assert rdp(line, 0.0).tolist() == [[0, 0], [3, 3]]
    assert rdp(np.array([[5, 5]]), 1.0).tolist() == [[5, 5]]
    assert rdp(np.zeros((0, 2)), 1.0).shape == (0, 2)
    loop = np.array([[0, 0], [4, 0.5], [4, 4], [0.2, 0], [0, 0]])  # closed: distance to start
    assert rdp_mask(loop, 1.0).tolist() == [True, True, True, False, True]
    assert rdp(loop, 1.0).tolist() == reference_rdp(loop, 1.0).tolist()
    # Ties keep the first farthest point, like the rdp package.
    tie = np.array([[0, 0], [1, 2], [2, 2], [3, 0]])
    assert rdp(tie, 1.0).tolist() == reference_rdp(tie, 1.0).tolist() == [[0, 0], [1, 2], [3, 0]]


def test_rdp_batch_equals_one_stroke_at_a_time():
    rng = np.random.default_rng(5)
    strokes = [np.cumsum(rng.normal(size=(int(n), 2)), axis=0) for n in rng.integers(0, 30, 40)]
    batch = rdp_batch(Ragged.from_list(strokes), 0.7)
    for ours, stroke in zip(batch, strokes):
        np.testing.assert_array_equal(ours, rdp(stroke, 0.7))


def test_rdp_errors():
    with pytest.raises(ValidationError, match=r"epsilon must be a finite number >= 0; got -0\.5"):
        rdp(np.zeros((3, 2)), -0.5)
    with pytest.raises(ValidationError, match=r"points must have shape \(n, 2\); got \(3, 3\)"):
        rdp(np.zeros((3, 3)), 1.0)
    with pytest.raises(ValidationError, match="strokes must be a Ragged of"):
        rdp_mask_batch(np.zeros((3, 2)), 1.0)  # type: ignore[arg-type]


coordinates = st.floats(-1000, 1000, allow_nan=False, width=32)
polylines = st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=40).map(
    lambda pts: np.array(pts, dtype=np.float64)
)


@given(polylines, st.sampled_from([0.0, 0.5, 2.0, 10.0]))
def test_rdp_matches_the_rdp_package_on_any_polyline(points, epsilon):
    np.testing.assert_array_equal(rdp(points, epsilon), reference_rdp(points, epsilon))


@given(polylines, st.sampled_from([0.0, 0.5, 2.0, 10.0]))
def test_rdp_keeps_end_points_and_drops_only_points_near_the_kept_lines(points, epsilon):
    mask = rdp_mask(points, epsilon)
    assert mask[0]
    assert mask[-1]
    kept = np.flatnonzero(mask)
    for a, b in itertools.pairwise(kept):
        start, end = points[a], points[b]
        direction = end - start
        length = np.hypot(*direction)
        for p in points[a + 1 : b]:
            if length == 0:
                distance = np.hypot(*(p - start))
            else:
                rel = p - start
                distance = abs(direction[0] * rel[1] - direction[1] * rel[0]) / length
            assert distance <= epsilon * (1 + 1e-9) + 1e-9


@given(polylines)
def test_resample_keeps_the_ends_and_never_moves_off_the_polyline(points):
    out = resample(points)
    np.testing.assert_array_equal(out[0], points[0])
    np.testing.assert_array_equal(out[-1], points[-1])
    steps = np.hypot(*np.diff(out, axis=0).T)
    assert np.all(steps <= 1.0 + 1e-6 * (1 + np.abs(points).max()))


def test_convert_simplify_reproduces_google_end_to_end(real, tmp_path):
    from click.testing import CliRunner

    from strokedelta.cli import main

    exact = 0
    for word in WORDS:
        out = tmp_path / f"{word}.ndjson"
        result = CliRunner().invoke(
            main, ["convert", str(real / f"quickdraw_{word}_raw.ndjson"), str(out), "--simplify"]
        )
        assert result.exit_code == 0, result.output
        google = {}
        for line in (real / f"quickdraw_{word}_simplified.ndjson").read_text().splitlines():
            record = json.loads(line)
            google[record["key_id"]] = record["drawing"]
        for line in out.read_text().splitlines():
            record = json.loads(line)
            exact += record["drawing"] == google[record["key_id"]]
    assert exact >= 46
