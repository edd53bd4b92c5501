"""NextDeltaRegressor and NextPointRegressor: windows, rollouts, and translation on real data."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REAL_DATA
from hypothesis import assume, given
from hypothesis import strategies as st

from strokedelta.exceptions import NotFittedError, TrainingDivergedError, ValidationError
from strokedelta.io import read_drawings
from strokedelta.models import (
    DeltaLinearRegressor,
    NextDeltaRegressor,
    NextPointRegressor,
    NextStepRegressor,
    next_step_windows,
    round_to_pixels,
)
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings

REAL = REAL_DATA  # tests/conftest.py: ../shared/data/real or $STROKEDELTA_REAL_DATA


def _drawings(*arrays: list[list[int]]) -> Drawings:
    return Drawings(Ragged.from_list([np.array(a, dtype=np.int64) for a in arrays]))


def _translate(drawings: Drawings, by: int) -> Drawings:
    values = drawings.strokes.values.astype(np.int64)
    values[drawings.strokes.offsets[:-1], :2] += by  # the first row is the offset from 0
    return Drawings(Ragged(values, drawings.strokes.offsets), drawings.meta)


def _naive_windows(strokes: list[np.ndarray], k: int, absolute: bool):
    """One Python loop per drawing and per point: the reference for the vectorised code."""
    features, targets = [], []
    for rows in strokes:
        rows = rows.astype(np.float64)
        points = np.cumsum(rows[:, :2], axis=0)
        source = np.column_stack([points, rows[:, 2]]) if absolute else rows
        for t in range(k + 1, len(rows)):
            if rows[t - 1, 2] == 0:
                features.append(source[t - k : t].ravel())
                targets.append(points[t] if absolute else rows[t, :2])
    return np.array(features).reshape(-1, 3 * k), np.array(targets).reshape(-1, 2)


stroke3 = st.lists(
    st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.integers(0, 1)),
    min_size=0,
    max_size=12,
).map(lambda rows: np.array(rows, dtype=np.int64).reshape(-1, 3))


@given(st.lists(stroke3, min_size=1, max_size=6), st.integers(1, 4), st.booleans())
def test_windows_match_a_loop_over_drawings_and_points(strokes, k, absolute):
    assume(any(len(s) for s in strokes))
    batch = Ragged.from_list(strokes)
    features, targets, rows = next_step_windows(batch, k, absolute=absolute)
    want_features, want_targets = _naive_windows(strokes, k, absolute)
    np.testing.assert_array_equal(features, want_features)
    np.testing.assert_array_equal(targets, want_targets)
    assert len(rows) == len(features)


def test_windows_skip_the_origin_row_pen_up_jumps_and_drawing_starts():
    d = _drawings(
        [[100, 100, 0], [1, 0, 0], [2, 0, 1], [50, 50, 0], [3, 0, 0], [4, 0, 1]],
        [[7, 7, 0], [5, 5, 0], [6, 6, 1]],
    )
    features, targets, rows = next_step_windows(d, 1)
    # targets: point 2 (after pen-down point 1), point 4 (after the jump point 3), point 5;
    # point 3 follows a pen lift, point 1 would need the origin row; drawing 2's point 2 is ok
    assert rows.tolist() == [2, 4, 5, 8]
    assert features.tolist() == [[1, 0, 0], [50, 50, 0], [3, 0, 0], [5, 5, 0]]
    assert targets.tolist() == [[2, 0], [3, 0], [4, 0], [6, 6]]


def test_a_straight_line_is_predicted_and_rolled_out_exactly():
    line = [[10, 20, 0]] + [[3, -1, 0]] * 15 + [[3, -1, 1]]
    d = _drawings(line, line[:9])
    for cls in (NextDeltaRegressor, NextPointRegressor):
        model = cls(window=2, solver="lstsq").fit(d)
        assert model.rmse(d) == pytest.approx(0.0, abs=1e-6)
    model = NextDeltaRegressor(window=2, solver="lstsq").fit(d)
    np.testing.assert_allclose(model.rollout(line[:6], 3), [[28, 14], [31, 13], [34, 12]])
    np.testing.assert_allclose(model.intercept_, [0.0, 0.0])


def test_predict_keeps_unpredicted_points_and_predict_drawings_round_trips():
    line = [[0, 0, 0]] + [[2, 1, 0]] * 6 + [[2, 1, 1], [30, 0, 0], [2, 1, 1]]
    d = _drawings(line)
    model = NextDeltaRegressor(window=2, solver="lstsq").fit(d)
    truth = d.absolute().values.astype(np.float64)
    pred = model.predict(d)
    assert pred.shape == truth.shape
    np.testing.assert_allclose(pred[:3], truth[:3])  # the first window + 1 points are kept
    np.testing.assert_allclose(pred[8], truth[8])  # the first point after a pen lift is kept
    np.testing.assert_allclose(pred, truth, atol=1e-9)
    out = model.predict_drawings(d)
    assert np.array_equal(out.pen, d.pen)
    np.testing.assert_allclose(out.absolute().values, pred)


def test_rollout_drawings_appends_a_stroke_to_every_drawing():
    line = [[5, 5, 0]] + [[1, 2, 0]] * 6 + [[1, 2, 1]]
    d = _drawings(line, line[:5])
    model = NextDeltaRegressor(window=2, solver="lstsq").fit(d)
    out = model.rollout_drawings(d, 3)
    assert out.lengths.tolist() == [11, 8]
    assert out[0][-3:].tolist() == [[1.0, 2.0, 0.0], [1.0, 2.0, 0.0], [1.0, 2.0, 1.0]]
    np.testing.assert_allclose(out.absolute()[1][-1], [5 + 7, 5 + 14])
    with pytest.raises(
        ValidationError,
        match="drawings must have at least window \\+ 1 = 3 "
        "points to roll out; got 2 points in drawing 1",
    ):
        model.rollout_drawings(_drawings(line, line[:2]), 1)


def test_sketch_model_errors():
    d = _drawings([[0, 0, 0], [1, 1, 1]])
    with pytest.raises(ValidationError, match="drawings must have a pen-down point after 5"):
        NextDeltaRegressor(window=4).fit(d)
    with pytest.raises(ValidationError, match="window must be an integer >= 1; got 0"):
        NextPointRegressor(window=0).fit(d)
    with pytest.raises(NotFittedError, match="NextDeltaRegressor is not fitted"):
        NextDeltaRegressor().rmse(d)
    with pytest.raises(ValidationError, match="drawings must be a Drawings or a Ragged"):
        NextDeltaRegressor().fit(np.zeros((3, 3)))


@pytest.mark.parametrize("cls", [NextDeltaRegressor, NextPointRegressor])
def test_a_diverging_sketch_model_stays_unfitted(cls):
    line = [[10, 20, 0]] + [[3, -1, 0]] * 15 + [[3, -1, 1]]
    d = _translate(_drawings(line, line[:9]), 1000)
    extra = {"scale": None} if cls is NextDeltaRegressor else {}
    model = cls(window=2, solver="lstsq", **extra).fit(d)
    model.set_params(solver="gradient", optimizer="sgd", lr=10.0, epochs=5)
    with pytest.raises(TrainingDivergedError, match="diverged at epoch"):
        model.fit(d)
    assert [k for k in vars(model) if k.endswith("_")] == []
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.rmse(d)


@pytest.fixture(scope="module")
def sheep():
    if not REAL.is_dir():
        pytest.skip(f"real data folder not found: {REAL}")
    path = REAL / "aaron_sheep.npz"
    train = read_drawings(path, split="train")
    test = read_drawings(path, split="test")
    return train[np.random.default_rng(0).choice(len(train), 1500, replace=False)], test


@pytest.mark.parametrize("window", [2, 4])
def test_on_real_sheep_only_the_delta_model_ignores_a_translation(sheep, window):
    train, test = sheep
    moved = _translate(test, 1000)
    delta = NextDeltaRegressor(window=window, solver="lstsq").fit(train)
    point = NextPointRegressor(window=window, solver="lstsq").fit(train)
    delta_ratio = delta.rmse(moved) / delta.rmse(test)
    point_ratio = point.rmse(moved) / point.rmse(test)
    assert delta_ratio <= 1.01
    assert point_ratio > 1.1
    assert delta.rmse(moved) < point.rmse(moved)
    assert 5 < delta.rmse(test) < 20  # pixels: sheep strokes move ~18 px per point


def test_on_real_sheep_gradient_training_matches_the_closed_form(sheep):
    train, test = sheep
    closed = NextDeltaRegressor(window=3, solver="lstsq").fit(train[:500])
    trained = NextDeltaRegressor(window=3).fit(train[:500])
    assert trained.rmse(test) == pytest.approx(closed.rmse(test), rel=0.01)
    assert trained.rmse(_translate(test, 1000)) == pytest.approx(trained.rmse(test), rel=1e-9)


def test_both_models_are_next_step_models():
    assert issubclass(NextDeltaRegressor, NextStepRegressor)
    assert issubclass(NextPointRegressor, NextStepRegressor)
    assert not issubclass(DeltaLinearRegressor, NextStepRegressor)


def test_round_to_pixels_rounds_predictions_of_integer_drawings_only():
    source = _drawings([[0, 0, 0], [3, 1, 0], [3, 1, 0], [3, 1, 1]])
    guess = Drawings.from_absolute(
        Ragged(np.array([[0.0, 0.0], [3.4, 0.6], [5.5, 2.5], [9.2, 2.9]]), [0, 4]),
        source.pen,
    )
    rounded = round_to_pixels(guess, like=source)
    assert rounded.strokes.values.dtype == np.int64
    assert rounded.absolute().values.tolist() == [[0, 0], [3, 1], [6, 2], [9, 3]]  # half to even
    assert rounded.pen.tolist() == [0, 0, 0, 1]
    floats = Drawings(Ragged(source.strokes.values.astype(np.float64), source.strokes.offsets))
    assert round_to_pixels(guess, like=floats) is guess


def test_predictions_of_integer_drawings_round_to_the_input_grid():
    line = np.array([[0, 0, 0]] + [[2, 1, 0]] * 11 + [[2, 1, 1]])
    d = Drawings(Ragged(line, [0, len(line)]))
    model = NextDeltaRegressor(window=2, epochs=3).fit(d)
    rolled = round_to_pixels(model.rollout_drawings(d, 3), like=d)
    assert rolled.strokes.values.dtype.kind == "i"
    np.testing.assert_array_equal(
        rolled.absolute().values, np.rint(model.rollout_drawings(d, 3).absolute().values)
    )
