"""DeltaLinearRegressor and AbsoluteLinearRegressor: the notebook, accuracy, invariance, API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokedelta.exceptions import NotFittedError, TrainingDivergedError, ValidationError
from strokedelta.models import AbsoluteLinearRegressor, DeltaLinearRegressor

NOTEBOOK_DELTA = {
    "scale": None,
    "pairing": "random",
    "optimizer": "sgd",
    "lr": 1e-5,
    "batch_size": 10,
    "epochs": 5,
    "schedule": "constant",
}
NOTEBOOK_ABSOLUTE = {"optimizer": "sgd", "lr": 0.01, "batch_size": 10, "schedule": "constant"}


def _rmse(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred) - y) ** 2)))


def _fitted_attributes(model: object) -> list[str]:
    return [k for k in vars(model) if k.endswith("_")]


def grouped_random_walks(seed: int, groups: int = 40, length: int = 250):
    """Three correlated random-walk features per group, noise on the levels of y."""
    rng = np.random.default_rng(seed)
    cov = 0.6 * np.ones((3, 3)) + 0.4 * np.eye(3)
    steps = rng.multivariate_normal(np.zeros(3), cov, size=(groups, length))
    offsets = rng.normal(size=(groups, 1, 3)) * 5
    x = (np.cumsum(steps, axis=1) + offsets).reshape(groups * length, 3) * [1.0, 3.0, 0.5]
    y = x @ np.array([1.5, -0.7, 2.0]) + 4.0 + rng.normal(size=groups * length) * 2.0
    return x, y, np.repeat(np.arange(groups), length)


# ----------------------------------------------------------------------- the notebook
def test_notebook_absolute_fits_the_original_data():
    x = np.arange(10.0)
    model = AbsoluteLinearRegressor(epochs=500, **NOTEBOOK_ABSOLUTE).fit(x, 2 * x + 1)
    assert model.coef_[0] == pytest.approx(2.0, abs=0.05)
    assert model.intercept_ == pytest.approx(1.0, abs=0.3)


def test_notebook_absolute_diverges_on_shifted_data_and_stays_unfitted():
    x = np.arange(10.0) + 1000
    model = AbsoluteLinearRegressor(epochs=500, **NOTEBOOK_ABSOLUTE)
    with pytest.raises(
        TrainingDivergedError,
        match=r"diverged at epoch \d+ of 500: .* lr=0\.01 \(sgd\) and input scale max\|x\|=1009;"
        r".*use the delta model .* or a smaller lr; stable SGD needs lr below about 5e-07",
    ):
        model.fit(x, 2 * (x - 1000) + 1)
    assert _fitted_attributes(model) == []
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(x)


def test_a_failed_refit_leaves_no_stale_fit():
    x = np.arange(10.0)
    model = AbsoluteLinearRegressor(epochs=50, **NOTEBOOK_ABSOLUTE).fit(x, 2 * x + 1)
    assert _fitted_attributes(model)
    with pytest.raises(TrainingDivergedError):
        model.fit(x + 1000, 2 * x + 1)
    assert _fitted_attributes(model) == []


@pytest.mark.parametrize("shift", [0.0, 1000.0])
def test_notebook_delta_settings_recover_the_slope(shift):
    x = np.random.default_rng(0).permutation(500).astype(np.float64)
    y = 10 * x + 2
    model = DeltaLinearRegressor(**NOTEBOOK_DELTA).fit(x + shift, y)
    assert model.coef_[0] == pytest.approx(10.0, abs=0.01)
    assert np.abs(model.predict(x + shift) - y).max() < 1e-2


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
@pytest.mark.parametrize("shift", [0.0, 1000.0])
def test_delta_defaults_work_whatever_the_spacing_and_offset(scale, shift):
    x = np.random.default_rng(1).permutation(500) * scale + shift
    y = 10 * (x - shift) + 2
    model = DeltaLinearRegressor().fit(x, y)
    assert model.coef_[0] == pytest.approx(10.0, abs=0.01)
    # 1e-2 absolute; relative to the spacing when y spans millions (float32 training)
    assert np.abs(model.predict(x) - y).max() < 1e-2 * max(1.0, scale)


def test_the_delta_model_has_no_bias_by_default():
    x = np.arange(50.0)
    model = DeltaLinearRegressor(pairing="consecutive").fit(x, 3 * x + 0.5 * x % 2)
    assert not model.get_params()["delta_bias"]
    assert model.delta_bias_.tolist() == [0.0]


def test_deltas_are_scaled_by_their_rms_and_the_intercept_comes_from_the_anchors():
    x = np.array([0.0, 1.0, 3.0, 6.0, 10.0])  # consecutive dx 1, 2, 3, 4: RMS sqrt(7.5)
    y = 2 * x + 5 + np.array([0.1, -0.2, 0.3, 0.0, -0.1])
    model = DeltaLinearRegressor(pairing="consecutive").fit(x, y)
    assert model.get_params()["scale"] == "rms"
    assert model.scale_x_.tolist() == [pytest.approx(np.sqrt(7.5))]  # not centred: std is 1.1
    dy = np.diff(y)
    assert model.scale_y_.tolist() == [pytest.approx(np.sqrt(np.mean(dy**2)))]
    assert model.intercept_ == pytest.approx(np.mean(y - model.coef_[0] * x), rel=1e-9)


# ----------------------------------------------------------------------- accuracy
@pytest.mark.parametrize("seed", [0, 1])
def test_delta_rmse_is_within_one_percent_of_least_squares(seed):
    x, y, groups = grouped_random_walks(seed)
    best = _rmse(AbsoluteLinearRegressor(solver="lstsq").fit(x, y).predict(x), y)
    delta = DeltaLinearRegressor().fit(x, y, groups)
    assert _rmse(delta.predict(x), y) <= 1.01 * best


def test_consecutive_pairs_cost_accuracy_when_noise_sits_on_the_levels():
    x, y, groups = grouped_random_walks(0)
    best = _rmse(AbsoluteLinearRegressor(solver="lstsq").fit(x, y).predict(x), y)
    consecutive = DeltaLinearRegressor(pairing="consecutive", solver="lstsq").fit(x, y, groups)
    random = DeltaLinearRegressor(pairing="random", solver="lstsq").fit(x, y, groups)
    assert _rmse(consecutive.predict(x), y) > 1.05 * best
    assert _rmse(random.predict(x), y) < 1.01 * best


def test_gradient_training_gets_close_to_the_closed_form_on_the_same_pairs():
    x, y, groups = grouped_random_walks(2)
    closed = DeltaLinearRegressor(solver="lstsq").fit(x, y, groups)
    trained = DeltaLinearRegressor().fit(x, y, groups)
    np.testing.assert_allclose(trained.coef_, closed.coef_, rtol=0.02, atol=0.02)
    assert len(trained.history_) == trained.n_iter_
    assert trained.history_[-1] < trained.history_[0]


def test_absolute_lstsq_matches_numpy():
    x, y, _ = grouped_random_walks(3, groups=5, length=40)
    model = AbsoluteLinearRegressor(solver="lstsq").fit(x, y)
    coef, *_ = np.linalg.lstsq(np.column_stack([x, np.ones(len(x))]), y, rcond=None)
    np.testing.assert_allclose(model.coef_, coef[:3], rtol=1e-9)
    assert model.intercept_ == pytest.approx(coef[3], rel=1e-9)
    assert model.history_.size == 0
    assert model.n_iter_ == 0


# ----------------------------------------------------------------------- invariance
@pytest.mark.parametrize("solver", ["gradient", "lstsq"])
def test_predictions_are_shift_invariant(solver):
    x, y, groups = grouped_random_walks(4, groups=10, length=100)
    base = DeltaLinearRegressor(solver=solver).fit(x, y, groups)
    shift_x, shift_y = np.array([1e4, -250.0, 3e5]), 777.0
    moved = DeltaLinearRegressor(solver=solver).fit(x + shift_x, y + shift_y, groups)
    np.testing.assert_allclose(moved.coef_, base.coef_, rtol=1e-6)
    np.testing.assert_allclose(moved.predict(x + shift_x) - shift_y, base.predict(x), atol=1e-5)


def test_group_intercepts_are_the_groups_anchors():
    rng = np.random.default_rng(5)
    x = rng.normal(size=300)
    groups = np.repeat(["a", "b", "c"], 100)
    offsets = {"a": 0.0, "b": 50.0, "c": -20.0}
    y = 2 * x + np.array([offsets[g] for g in groups]) + rng.normal(size=300) * 0.01
    model = DeltaLinearRegressor().fit(x, y, groups)
    np.testing.assert_allclose(model.group_intercepts_[:, 0], [0.0, 50.0, -20.0], atol=0.01)
    assert _rmse(model.predict(x, groups), y) < 0.02 < _rmse(model.predict(x), y)
    unseen = model.predict(x[:2], ["zz", "a"])
    assert unseen[0] == pytest.approx(model.coef_[0] * x[0] + model.intercept_, rel=1e-12)
    assert unseen[1] == pytest.approx(model.coef_[0] * x[1] + model.group_intercepts_[0, 0])


def test_predict_path_rebuilds_from_an_anchor_per_group():
    x = np.array([0.0, 1.0, 3.0, 10.0, 12.0])
    model = DeltaLinearRegressor(solver="lstsq").fit(np.arange(5.0), 4 * np.arange(5.0))
    path = model.predict_path(x, [100.0, -1.0], groups=["p", "p", "p", "q", "q"])
    np.testing.assert_allclose(path, [100.0, 104.0, 112.0, -1.0, 7.0])
    with pytest.raises(ValidationError, match=r"y0 must be a scalar, \(1,\) or \(2, 1\)"):
        model.predict_path(x, [1.0, 2.0, 3.0], groups=["p", "p", "p", "q", "q"])


def test_predict_path_sums_in_float64_without_drift():
    model = DeltaLinearRegressor(solver="lstsq").fit(np.arange(10.0), np.arange(10.0) * 0.1)
    steps = np.arange(200_000, dtype=np.float64)
    path = model.predict_path(steps, 0.0)
    assert path[-1] == pytest.approx(0.1 * steps[-1], abs=1e-6)


def test_delta_bias_becomes_a_drift_in_the_path():
    t = np.arange(100.0)
    x = np.sin(t / 5)
    y = 2 * x + 0.3 * t  # a trend the features do not explain
    model = DeltaLinearRegressor(pairing="consecutive", delta_bias=True, solver="lstsq")
    model.fit(x, y)
    assert model.delta_bias_[0] == pytest.approx(0.3, abs=0.02)
    path = model.predict_path(x, y[0])
    assert path[-1] - 2 * x[-1] == pytest.approx(0.3 * 99, abs=2.0)


# ----------------------------------------------------------------------- shapes and API
def test_multi_feature_multi_output_pandas_in_numpy_out():
    rng = np.random.default_rng(6)
    frame = pd.DataFrame(rng.normal(size=(400, 2)), columns=["a", "b"])
    targets = pd.DataFrame({"u": frame.a - frame.b + 3, "v": 0.5 * frame.a + frame.b - 1})
    model = DeltaLinearRegressor().fit(frame, targets)
    assert model.coef_.shape == (2, 2)
    assert model.intercept_.shape == (2,)
    assert model.feature_names_in_ == ["a", "b"]
    assert model.target_names_ == ["u", "v"]
    np.testing.assert_allclose(model.coef_, [[1, -1], [0.5, 1]], atol=1e-3)
    reordered = model.predict(frame[["b", "a"]])
    assert isinstance(reordered, np.ndarray)
    assert reordered.shape == (400, 2)
    np.testing.assert_allclose(reordered, targets.to_numpy(), atol=1e-2)
    assert model.score(frame, targets) > 0.999


def test_one_dimensional_target_gives_one_dimensional_predictions():
    x = np.arange(20.0).reshape(10, 2)
    model = AbsoluteLinearRegressor(solver="lstsq").fit(x, x.sum(axis=1))
    assert model.predict(x).shape == (10,)
    assert isinstance(model.intercept_, float)


def test_get_params_set_params_and_sklearn_clone():
    from sklearn.base import clone

    model = DeltaLinearRegressor(lr=0.3, pairing="consecutive")
    assert model.get_params()["lr"] == 0.3
    assert set(model.get_params()) == {
        "pairing",
        "scale",
        "delta_bias",
        "solver",
        "optimizer",
        "lr",
        "epochs",
        "batch_size",
        "schedule",
        "device",
        "random_state",
        "progress",
    }
    copy = clone(model.set_params(epochs=7))
    assert copy is not model
    assert copy.get_params() == model.get_params()
    # scikit-learn's repr: the changed parameters, in alphabetical order
    assert repr(copy) == "DeltaLinearRegressor(epochs=7, lr=0.3, pairing='consecutive')"
    with pytest.raises(ValidationError, match=r"parameter must be one of pairing, .*; got 'lrr'"):
        model.set_params(lrr=1)


def test_sklearn_cross_validation_runs():
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 2))
    y = x @ [1.0, 2.0] + rng.normal(size=300) * 0.1
    scores = cross_val_score(DeltaLinearRegressor(), x, y, cv=3)
    assert scores.min() > 0.99


def test_the_same_seed_gives_the_same_fit_and_another_seed_another():
    x, y, groups = grouped_random_walks(8, groups=4, length=50)
    first = DeltaLinearRegressor(random_state=3).fit(x, y, groups).coef_
    again = DeltaLinearRegressor(random_state=3).fit(x, y, groups).coef_
    other = DeltaLinearRegressor(random_state=4).fit(x, y, groups).coef_
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_inputs_are_not_modified():
    x, y, groups = grouped_random_walks(9, groups=3, length=30)
    before = (x.copy(), y.copy())
    DeltaLinearRegressor().fit(x, y, groups).predict(x, groups)
    assert np.array_equal(x, before[0])
    assert np.array_equal(y, before[1])


def test_progress_bar_runs(capsys):
    DeltaLinearRegressor(progress=True, epochs=3).fit(np.arange(30.0), np.arange(30.0))
    assert "delta fit" in capsys.readouterr().err


# ----------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lr": -1.0}, "lr must be a finite number > 0; got -1.0"),
        ({"epochs": 0}, "epochs must be an integer >= 1; got 0"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1; got 2.5"),
        ({"optimizer": "rmsprop"}, "optimizer must be one of 'sgd', 'adam'; got 'rmsprop'"),
        ({"pairing": "nearest"}, "pairing must be one of 'random', 'consecutive'; got 'nearest'"),
        ({"scale": "std"}, "scale must be one of 'rms', None; got 'std'"),
        ({"solver": "svd"}, "solver must be one of 'gradient', 'lstsq'; got 'svd'"),
        ({"device": "tpu"}, "device must be one of 'auto', 'cpu', 'cuda'; got 'tpu'"),
    ],
)
def test_bad_parameters_are_named_at_fit(params, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        DeltaLinearRegressor(**params).fit(np.arange(5.0), np.arange(5.0))


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize(("where", "bad"), [("X", np.nan), ("y", np.inf), ("y", -np.inf)])
def test_a_nan_or_inf_among_many_rows_is_named(grouped, where, bad):
    """Many rows are checked by the pairs' own column sums, then the value is located."""
    n = 40_000
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(n, 3)), rng.normal(size=n)
    (x[31_234, 2:] if where == "X" else y[31_234:31_235])[...] = bad
    row, column = 31_234, 2 if where == "X" else 0
    groups = np.arange(n) % 5 if grouped else None
    with pytest.raises(ValidationError, match=rf"{where} must be finite; got {bad} at row {row}, "
                                              rf"column {column}"):  # fmt: skip
        DeltaLinearRegressor(epochs=1).fit(x, y, groups=groups)


def test_bad_data_is_named():
    with pytest.raises(ValidationError, match=r"X must be finite; got nan at row 2, column 0"):
        DeltaLinearRegressor().fit([1.0, 2.0, np.nan], [1.0, 2.0, 3.0])
    with pytest.raises(ValidationError, match="y must have 3 rows like X; got 2"):
        DeltaLinearRegressor().fit([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValidationError, match=r"groups must have shape \(3,\)"):
        DeltaLinearRegressor().fit([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], groups=[1, 2])
    with pytest.raises(ValidationError, match="X must hold at least one group with 2 rows"):
        DeltaLinearRegressor().fit([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], groups=[1, 2, 3])
    model = DeltaLinearRegressor(solver="lstsq").fit(np.ones((4, 2)).cumsum(0), np.arange(4.0))
    with pytest.raises(ValidationError, match="X must have 2 features like in fit; got 3"):
        model.predict(np.ones((2, 3)))


def test_cuda_without_a_gpu_is_refused(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValidationError, match="device must be 'cpu' or 'auto' on a machine"):
        DeltaLinearRegressor(device="cuda").fit(np.arange(5.0), np.arange(5.0))


def test_a_diverging_delta_model_points_to_the_scaling():
    x = np.arange(200.0) * 100
    model = DeltaLinearRegressor(scale=None, optimizer="sgd", lr=1.0, epochs=20)
    model.set_params(solver="lstsq").fit(x, 3 * x)  # a good fit first: it must not survive
    with pytest.raises(TrainingDivergedError, match=r"before RMS scaling|use scale='rms'"):
        model.set_params(solver="gradient").fit(x, 3 * x)
    assert _fitted_attributes(model) == []
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(x)


def test_not_fitted_message_is_the_one_of_check_is_fitted():
    for cls in (DeltaLinearRegressor, AbsoluteLinearRegressor):
        name = cls.__name__
        with pytest.raises(NotFittedError, match=f"^this {name} is not fitted yet; call fit"):
            cls().predict([1.0])


def test_non_numeric_and_badly_shaped_data_is_named():
    with pytest.raises(ValidationError, match="X must hold numbers; got non-numeric values"):
        DeltaLinearRegressor().fit(np.array(["a", 1, 2], dtype=object), [1.0, 2.0, 3.0])
    with pytest.raises(ValidationError, match=r"X must have shape \(n,\) or \(n, p\); got"):
        DeltaLinearRegressor().fit(np.zeros((3, 1, 1)), [1.0, 2.0, 3.0])
    with pytest.raises(ValidationError, match="y must have a numeric dtype; got <U1"):
        DeltaLinearRegressor().fit([1.0, 2.0, 3.0], ["a", "b", "c"])


def test_resolve_device_is_public_and_checks_once():
    from strokedelta.models import resolve_device  # the public face the CLI and demo use

    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ValidationError, match="device must be one of 'auto', 'cpu', 'cuda'"):
        resolve_device("tpu")


# ----------------------------------------------------------------------- tables in and out
def _frame() -> pd.DataFrame:
    frame = pd.DataFrame({"g": ["a", "a", "b", "b"], "x": [0.0, 1.0, 0.0, 1.0]})
    frame["y"] = 2 * frame.x + np.where(frame.g == "a", 1.0, 5.0)
    return frame


def test_rmse_is_the_root_mean_squared_error_of_predict():
    frame = _frame()
    model = DeltaLinearRegressor(solver="lstsq").fit(frame[["x"]], frame.y)
    pred = model.predict(frame[["x"]])
    assert model.rmse(frame[["x"]], frame.y) == float(np.sqrt(np.mean((pred - frame.y) ** 2)))
    grouped = DeltaLinearRegressor(solver="lstsq").fit(frame[["x"]], frame.y, frame.g)
    assert grouped.rmse(frame[["x"]], frame.y, frame.g) == pytest.approx(0.0, abs=1e-12)
    two = AbsoluteLinearRegressor(solver="lstsq").fit(frame[["x"]], frame[["y", "x"]])
    # y misses its group offset by 2 on every row, x is exact: sqrt((4 + 0) / 2)
    assert two.rmse(frame[["x"]], frame[["y", "x"]]) == pytest.approx(np.sqrt(2), abs=1e-12)


def test_predict_frame_adds_named_prediction_columns_with_group_intercepts():
    frame = _frame()
    model = DeltaLinearRegressor(solver="lstsq").fit(frame[["x"]], frame.y, frame.g)
    out = model.predict_frame(frame)
    assert list(out.columns) == ["g", "x", "y", "y_pred"]
    np.testing.assert_allclose(out.y_pred, frame.y, atol=1e-9)  # per-group anchors
    assert list(frame.columns) == ["g", "x", "y"]  # the input is not modified
    assert list(model.predict_frame(frame.drop(columns="g"), "guess").columns) == [
        "x",
        "y",
        "guess",
    ]
    assert model.prediction_columns() == ["y_pred"]


def test_prediction_columns_of_several_or_unnamed_targets():
    frame = _frame()
    two = AbsoluteLinearRegressor(solver="lstsq").fit(frame[["x"]], frame[["y", "x"]])
    assert two.prediction_columns() == ["y_pred", "x_pred"]
    with pytest.raises(ValidationError, match="column must be None for a model of 2 targets"):
        two.prediction_columns("guess")
    unnamed = AbsoluteLinearRegressor(solver="lstsq").fit(frame[["x"]], frame[["y", "x"]].values)
    assert unnamed.prediction_columns() == ["y0_pred", "y1_pred"]
    bare = AbsoluteLinearRegressor(solver="lstsq").fit(frame.x.values, frame.y.values)
    with pytest.raises(ValidationError, match="the model must be trained with column names"):
        bare.predict_frame(frame)
    with pytest.raises(NotFittedError):
        AbsoluteLinearRegressor().prediction_columns()


def test_lstsq_on_many_rows_solves_on_float64_pairs():
    # 20,000 rows take the bucket shuffle; the gradient solver's compact float32 pairs would
    # leave errors near 1e-7 here, the float64 pairs of lstsq none beyond rounding
    rng = np.random.default_rng(5)
    x = rng.normal(size=(20_000, 3)) * 100 + 1e4
    weight = np.array([[1.5], [-0.25], [3.0]])
    model = DeltaLinearRegressor(solver="lstsq", random_state=0).fit(x, x @ weight + 7.0)
    np.testing.assert_allclose(model.coef_.reshape(3, 1), weight, rtol=0, atol=1e-10)
