"""Seeded synthetic drawings and series: shapes, ranges, reproducibility, exact relations."""

from __future__ import annotations

import numpy as np
import pytest

from strokedelta import ValidationError
from strokedelta.models import AbsoluteLinearRegressor
from strokedelta.synthetic import SHAPES, shape_template, synthetic_drawings, synthetic_series


def test_same_seed_same_drawings_and_other_seed_differs():
    a = synthetic_drawings(20, seed=3)
    b = synthetic_drawings(20, seed=3)
    c = synthetic_drawings(20, seed=4)
    assert a.equals(b)
    assert not a.strokes.equals(c.strokes)


def test_generator_seed_is_accepted():
    a = synthetic_drawings(5, seed=np.random.default_rng(1))
    b = synthetic_drawings(5, seed=1)
    assert a.equals(b)


@pytest.mark.parametrize(
    ("kind", "strokes"),
    [(k, {"house": 3, "face": 4}.get(k, 1)) for k in SHAPES],
)
def test_every_kind_has_its_strokes_and_word(kind, strokes):
    d = synthetic_drawings(6, kinds=[kind], seed=0)
    assert d.meta["word"].tolist() == [kind] * 6
    assert d.n_strokes.tolist() == [strokes] * 6
    assert d.lengths.tolist() == [sum(len(s) for s in shape_template(kind))] * 6
    assert d.strokes.values.dtype == np.int64


def test_kinds_are_mixed_and_key_ids_count_up():
    d = synthetic_drawings(200, seed=0)
    assert set(d.meta["word"]) == set(SHAPES)
    assert d.meta["key_id"].tolist()[:3] == ["1", "2", "3"]


def test_drawings_fit_the_canvas_and_shift_moves_them_exactly():
    base = synthetic_drawings(50, seed=2, noise=0.0)
    points = base.absolute().values
    assert points.min() >= 0
    assert points.max() <= 256
    moved = synthetic_drawings(50, seed=2, noise=0.0, shift=1000)
    np.testing.assert_array_equal(moved.absolute().values, points + 1000)
    # only the first row of each drawing (its offset from the origin) changes
    first = base.strokes.offsets[:-1]
    rest = np.setdiff1d(np.arange(base.n_points), first)
    np.testing.assert_array_equal(moved.strokes.values[rest], base.strokes.values[rest])


def test_square_without_rotation_or_noise_is_a_square_of_the_drawn_size():
    d = synthetic_drawings(10, kinds=["square"], seed=5, noise=0.0, rotation=0.0, integer=False)
    for points in d.absolute():
        width, height = np.ptp(points, axis=0)
        assert width == pytest.approx(height)
        assert 0.3 * 256 <= width <= 0.6 * 256 + 1e-9
    assert d.strokes.values.dtype == np.float64


def test_noise_jitters_points_by_about_its_standard_deviation():
    clean = synthetic_drawings(40, kinds=["circle"], seed=1, noise=0.0, integer=False)
    noisy = synthetic_drawings(40, kinds=["circle"], seed=1, noise=2.0, integer=False)
    diff = noisy.absolute().values - clean.absolute().values
    assert diff.std() == pytest.approx(2.0, rel=0.1)


def test_template_points_stay_within_reach():
    for kind in SHAPES:
        reach = max(np.hypot(*s.T).max() for s in shape_template(kind))
        assert 0.5 < reach <= 1.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n must be an integer >= 1; got 0"),
        ({"n": 2, "kinds": []}, "kinds must name at least one kind; got an empty list"),
        ({"n": 2, "kinds": ["blob"]}, "kind must be one of 'circle'.*; got 'blob'"),
        ({"n": 2, "size": (0.5, 0.2)}, r"size must be a range \(low, high\)"),
        ({"n": 2, "noise": -1}, "noise must be a finite number >= 0.0; got -1"),
        ({"n": 2, "canvas": float("nan")}, "canvas must be a finite number > 0; got nan"),
    ],
)
def test_drawing_arguments_are_checked(kwargs, message):
    n = kwargs.pop("n")
    with pytest.raises(ValidationError, match=message):
        synthetic_drawings(n, **kwargs)


def test_series_relation_groups_and_time():
    f = synthetic_series(10, n_features=2, n_groups=3, weights=[1.5, -2.0], bias=4, noise=0)
    assert list(f.columns) == ["group", "t", "x1", "x2", "y"]
    assert f["group"].tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert f["t"].tolist() == [0, 1, 2, 3, 0, 1, 2, 0, 1, 2]
    np.testing.assert_allclose(f["y"], 1.5 * f["x1"] - 2.0 * f["x2"] + 4)
    assert f.attrs == {"weights": [1.5, -2.0], "bias": 4.0}


def test_series_shift_moves_features_and_keeps_the_relation():
    a = synthetic_series(300, n_features=3, n_groups=4, seed=7)
    b = synthetic_series(300, n_features=3, n_groups=4, seed=7, shift=1e4)
    features = ["x1", "x2", "x3"]
    np.testing.assert_allclose(b[features], a[features] + 1e4)
    np.testing.assert_allclose(b["y"], a["y"] + 1e4 * sum(a.attrs["weights"]), rtol=1e-12)


def test_series_noise_is_recovered_by_least_squares():
    f = synthetic_series(4000, n_features=2, n_groups=5, noise=0.5, walk=True, seed=1)
    model = AbsoluteLinearRegressor(solver="lstsq").fit(f[["x1", "x2"]], f["y"])
    np.testing.assert_allclose(model.coef_, f.attrs["weights"], atol=0.02)
    resid = f["y"] - model.predict(f[["x1", "x2"]])
    assert resid.std() == pytest.approx(0.5, rel=0.05)


def test_walk_features_restart_in_every_group():
    f = synthetic_series(1000, n_groups=2, walk=True, spread=10.0, seed=3)
    steps = f.groupby("group")["x"].diff().dropna()
    assert steps.std() == pytest.approx(1.0, rel=0.1)
    assert (f.groupby("group")["x"].first().between(0, 10)).all()


def test_drift_wanders_the_target_but_not_the_features():
    steady = synthetic_series(2000, walk=True, seed=4)
    wandering = synthetic_series(2000, walk=True, seed=4, drift=0.5)
    np.testing.assert_array_equal(steady["x"], wandering["x"])
    gap = (wandering["y"] - steady["y"]).to_numpy()
    assert gap[0] == pytest.approx(0.0, abs=2.0)
    assert np.abs(gap).max() > 5  # a random walk with 0.5 steps wanders over 2000 rows


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_rows": 3, "n_groups": 4}, "n_groups must be at most n_rows"),
        ({"n_rows": 5, "n_features": 2, "weights": [1.0]}, "weights must have one value per"),
        ({"n_rows": 5, "spread": 0}, "spread must be a finite number > 0; got 0"),
        ({"n_rows": 0}, "n_rows must be an integer >= 1; got 0"),
    ],
)
def test_series_arguments_are_checked(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        synthetic_series(**kwargs)
