"""RDP of one polyline at a time (the call users loop over strokes with): the compiled fast path
gives the ``rdp`` package's points on real strokes and on degenerate random polylines, in every
memory layout, and every input it cannot take still gets the checked path's error."""

from __future__ import annotations

import json
import threading
import warnings

import numpy as np
import pytest
from conftest import REAL_DATA, SAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st
from rdp import rdp as rdp_reference

from strokedelta import Ragged, ValidationError
from strokedelta.sketch import polyline
from strokedelta.sketch.polyline import rdp, rdp_batch, rdp_mask, resample_batch


def reference(points: np.ndarray, epsilon: float) -> np.ndarray:
    """The rdp package (its np.cross on 2-D vectors warns under numpy 2, and a chord whose
    length underflows to 0 divides 0 by 0: a nan distance, which never splits)."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", DeprecationWarning)
        return rdp_reference(np.ascontiguousarray(points), epsilon)  # type: ignore[no-any-return]


def sample_strokes() -> list[np.ndarray]:
    """Every stroke of the raw drawings (the real files when present, else data/'s sample),
    scaled to 0..255 per drawing and resampled at 1 px: what simplify_drawings feeds RDP."""
    if REAL_DATA.is_dir():
        paths = [REAL_DATA / f"quickdraw_{w}_raw.ndjson" for w in ("cat", "sheep")]
    else:
        paths = [SAMPLES / "quickdraw_cat_raw_sample.ndjson"]
    strokes: list[np.ndarray] = []
    for path in paths:
        for line in path.read_text().splitlines():
            drawing = [np.array(s[:2], dtype=float).T for s in json.loads(line)["drawing"]]
            low = np.concatenate(drawing).min(axis=0)
            top = max(float((s - low).max()) for s in drawing) or 1.0
            strokes.extend((s - low) * 255 / top for s in drawing)
    return list(resample_batch(Ragged.from_list(strokes), 1.0))


@pytest.fixture(scope="module")
def strokes() -> list[np.ndarray]:
    return sample_strokes()


@pytest.mark.parametrize("epsilon", [0.0, 0.5, 2.0, 10.0])
def test_every_sample_stroke_is_identical_to_the_rdp_package(strokes, epsilon):
    # the real files: 357 strokes, every 4th or 12th (the rdp package is slow); data/'s sample: 47
    assert len(strokes) > (100 if REAL_DATA.is_dir() else 40)
    step = (4 if epsilon == 2.0 else 12) if REAL_DATA.is_dir() else 1
    for stroke in strokes[::step]:
        ours = rdp(stroke, epsilon)
        np.testing.assert_array_equal(ours, reference(stroke, epsilon))
        assert ours.dtype == np.float64
        assert ours.flags.c_contiguous
        assert ours.flags.writeable
        assert not np.shares_memory(ours, stroke)


def test_the_raw_integer_strokes_match_and_keep_their_dtype(strokes):
    for stroke in strokes[::15]:
        raw = np.round(stroke).astype(np.int32)
        ours = rdp(raw, 1.5)
        assert ours.dtype == np.int32
        np.testing.assert_array_equal(ours, reference(raw.astype(float), 1.5))


# Points on a small grid: repeated points, collinear runs, closed loops and ties come often.
grid = st.integers(-4, 4).map(float)
degenerate = st.lists(st.tuples(grid, grid), min_size=0, max_size=30).map(
    lambda pts: np.array(pts, dtype=np.float64).reshape(-1, 2)
)
wide = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
spread = st.lists(st.tuples(wide, wide), min_size=1, max_size=40).map(
    lambda pts: np.array(pts, dtype=np.float64)
)
layouts = st.sampled_from(["C", "F", "strided", "read-only"])


def _in_layout(points: np.ndarray, layout: str) -> np.ndarray:
    if layout == "F":
        return np.asfortranarray(points)
    if layout == "strided":  # every other column of a wider array: not contiguous
        wide = np.zeros((len(points), 4))
        wide[:, ::2] = points
        return wide[:, ::2]
    if layout == "read-only":
        points = points.copy()
        points.flags.writeable = False
    return points


@settings(max_examples=120)
@given(st.one_of(degenerate, spread), st.sampled_from([0.0, 0.5, 1.0, 2.0, 1e3]), layouts)
def test_any_polyline_in_any_layout_is_identical_to_the_rdp_package(points, epsilon, layout):
    given_points = _in_layout(points, layout)
    before = given_points.copy()
    ours = rdp(given_points, epsilon)
    if len(points) == 0:
        assert ours.shape == (0, 2)
    else:
        np.testing.assert_array_equal(ours, reference(points, epsilon))
        mask = rdp_mask(given_points, epsilon)
        np.testing.assert_array_equal(points[mask], ours)
    np.testing.assert_array_equal(given_points, before)  # the input is never modified
    assert not np.shares_memory(ours, given_points)


def test_distances_a_hair_either_side_of_epsilon_split_as_the_rdp_package_does():
    """Points whose distance to the chord is epsilon give or take a few ulps or 1e-9..1e-3:
    where the compiled pass skips the square roots it must still decide as ``rdp`` does."""
    rng = np.random.default_rng(11)
    offsets = [-1e-3, -1e-6, -1e-9, -1e-12, 0.0, 1e-12, 1e-9, 1e-6, 1e-3]
    checked = 0
    for epsilon in (0.5, 1.0, 2.0, 3.7):
        for _ in range(12):
            start, end = rng.uniform(-300, 300, 2), rng.uniform(-300, 300, 2)
            along = end - start
            normal = np.array([-along[1], along[0]]) / np.hypot(*along)
            for relative in offsets:
                for ulps in (-2, -1, 0, 1, 2):
                    distance = epsilon * (1 + relative)
                    for _ in range(abs(ulps)):
                        distance = np.nextafter(distance, np.inf if ulps > 0 else -np.inf)
                    t = np.sort(rng.uniform(0.05, 0.95, 5))
                    inner = start + t[:, None] * along
                    inner[2] += distance * normal  # the farthest point, about epsilon away
                    inner[[0, 1, 3, 4]] += 0.2 * epsilon * normal
                    points = np.vstack([start, inner, end])
                    np.testing.assert_array_equal(rdp(points, epsilon), reference(points, epsilon))
                    checked += 1
    assert checked == 4 * 12 * 9 * 5


def test_a_chord_whose_length_underflows_keeps_its_ends():
    points = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 6.445731112827176e-184]])
    for epsilon in (0.0, 1.0):
        np.testing.assert_array_equal(rdp(points, epsilon), points[[0, 2]])
        np.testing.assert_array_equal(rdp(points, epsilon), reference(points, epsilon))


def test_short_polylines_are_copied_whole():
    for n in range(4):
        points = np.arange(2.0 * n).reshape(n, 2)
        ours = rdp(points, 0.5)
        np.testing.assert_array_equal(ours, points if n < 3 else points[[0, 2]])
        assert not np.shares_memory(ours, points)
    same = np.ones((5, 2))  # every point the same: the two ends stay
    np.testing.assert_array_equal(rdp(same, 0.0), reference(same, 0.0))


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_bad_points_get_the_checked_paths_errors_in_every_layout(layout):
    points = _in_layout(np.cumsum(np.ones((9, 2)), axis=0), layout)
    points = points.copy(order="K") if layout != "strided" else points
    points[4, 1] = np.nan
    with pytest.raises(ValidationError, match=r"points must be finite; got nan at index \(4, 1\)"):
        rdp(points, 1.0)
    points[4, 1] = -np.inf
    with pytest.raises(ValidationError, match=r"points must be finite; got -inf at index \(4, 1\)"):
        rdp(points, 1.0)
    with pytest.raises(ValidationError, match="points must be finite"):
        rdp(points, float("nan"))  # the points' error comes first
    with pytest.raises(ValidationError, match=r"points must have shape \(n, 2\); got \(9, 3\)"):
        rdp(np.zeros((9, 3)), 1.0)
    with pytest.raises(ValidationError, match=r"points must have shape \(n, 2\); got \(9,\)"):
        rdp(np.zeros(9), 1.0)


@pytest.mark.parametrize("epsilon", [-0.5, float("nan"), float("inf"), True, "two", None])
def test_bad_epsilons_are_refused_as_before(epsilon):
    with pytest.raises(ValidationError, match="epsilon must be a finite number >= 0"):
        rdp(np.zeros((5, 2)), epsilon)


def test_other_epsilon_types_take_the_checked_path_to_the_same_points(strokes):
    stroke = strokes[3]
    expected = reference(stroke, 2.0)
    for epsilon in (2, np.float64(2.0), np.float32(2.0)):
        np.testing.assert_array_equal(rdp(stroke, epsilon), expected)
    unaligned = np.frombuffer(b"\0" + stroke.tobytes(), offset=1).reshape(-1, 2)
    assert not unaligned.flags.aligned
    np.testing.assert_array_equal(rdp(unaligned, 2.0), expected)
    np.testing.assert_array_equal(rdp(stroke.tolist(), 2.0), expected)
    np.testing.assert_array_equal(rdp(stroke.astype(">f8"), 2.0), expected)


def test_threads_get_their_own_results(strokes):
    expected = [reference(s, 2.0) for s in strokes[:40]]
    results: dict[int, list[np.ndarray]] = {}

    def work(k: int) -> None:
        results[k] = [rdp(s, 2.0) for _ in range(5) for s in strokes[:40]][-40:]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(4):
        for ours, theirs in zip(results[k], expected):
            np.testing.assert_array_equal(ours, theirs)


def test_one_stroke_at_a_time_equals_the_batch(strokes):
    batch = Ragged.from_list(strokes)
    for ours, stroke in zip(rdp_batch(batch, 2.0), strokes):
        np.testing.assert_array_equal(ours, rdp(stroke, 2.0))


def test_where_numpys_norms_round_differently_the_numpy_path_decides(monkeypatch, strokes):
    monkeypatch.setattr(polyline, "_RDP_ROWS", polyline._checked_path_only)
    monkeypatch.setattr(polyline, "_plain_norms", lambda: False)
    for stroke in strokes[::20]:
        np.testing.assert_array_equal(rdp(stroke, 2.0), reference(stroke, 2.0))
