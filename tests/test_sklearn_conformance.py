"""scikit-learn's own conformance suite over the six estimators, and what it cannot generate.

``parametrize_with_checks`` runs every check scikit-learn's ``check_estimator`` runs. The few
checks where strokedelta differs on purpose are listed in :data:`EXPECTED_FAILED_CHECKS`, each
with its reason; they run in strict xfail mode, so one that starts to pass fails the suite until
it leaves the list. The estimators of drawings (``ScaleNormalizer``, ``NextDeltaRegressor``,
``NextPointRegressor``) take :class:`~strokedelta.sketch.Drawings`, not 2-D arrays, and say so in
their tags (``input_tags.two_d_array=False``), which is how scikit-learn's suite is told to
generate no array data for them (as for its own text and dict estimators); the data-free API
checks run on them here directly, and the tests below check the same contracts on drawings.
"""

from __future__ import annotations

import inspect
import pickle
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sklearn.exceptions
from sklearn.base import clone
from sklearn.exceptions import SkipTestWarning
from sklearn.pipeline import Pipeline
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from strokedelta import DeltaTransformer, NotFittedError, ValidationError
from strokedelta.models import (
    AbsoluteLinearRegressor,
    DeltaLinearRegressor,
    NextDeltaRegressor,
    NextPointRegressor,
)
from strokedelta.sketch import ScaleNormalizer
from strokedelta.synthetic import synthetic_drawings

#: One instance of each estimator (two of the transformer: with ``first="drop"`` and
#: ``na="keep"`` it stores anchors and takes NaN); few epochs keep the suite fast (a fit is one
#: minibatch per epoch on the checks' data) and still fit well enough for
#: ``check_regressors_train``.
ESTIMATORS = [
    DeltaTransformer(),
    DeltaTransformer(first="drop", na="keep"),
    DeltaLinearRegressor(epochs=20),
    AbsoluteLinearRegressor(epochs=20),
    ScaleNormalizer(),
    NextDeltaRegressor(epochs=5),
    NextPointRegressor(epochs=5),
]

_TABLE_REGRESSOR = {
    "check_fit1d": "a 1-D X is one feature: fit(x, y) is the documented one-input form",
    "check_dtype_object": (
        "a non-number in X is strokedelta's ValidationError (a ValueError naming X), as a "
        "string is, not numpy's TypeError"
    ),
}

#: The checks strokedelta fails on purpose, by class name, each with its reason.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "DeltaTransformer": {
        "check_methods_sample_order_invariance": (
            "rows are a time order: shuffling them changes every delta"
        ),
        "check_methods_subset_invariance": (
            "a slice of rows is a sequence of its own, whose first row is kept as its anchor"
        ),
    },
    "DeltaLinearRegressor": _TABLE_REGRESSOR,
    "AbsoluteLinearRegressor": _TABLE_REGRESSOR,
}


#: ``DeltaTransformer`` (both ``first`` modes).
_STORES_ANCHORS = {
    "check_dict_unchanged": (
        "transform remembers the rows of the groups it saw (memory_), so that inverse_transform "
        "places another frame's rows by index label: exact or refused, never guessed"
    ),
}


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    expected = EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})
    if isinstance(estimator, DeltaTransformer):
        expected = {**expected, **_STORES_ANCHORS}
    return expected


#: An expected failure that passes fails the suite (scikit-learn >= 1.8 has the option).
_STRICT = (
    {"xfail_strict": True}
    if "xfail_strict" in inspect.signature(parametrize_with_checks).parameters
    else {}
)

with warnings.catch_warnings():
    # scikit-learn warns, while collecting, that it generates no arrays for the estimators of
    # drawings (two_d_array=False); the API checks below cover them
    warnings.simplefilter("ignore", SkipTestWarning)
    _ALL_CHECKS = parametrize_with_checks(
        ESTIMATORS, expected_failed_checks=expected_failed_checks, **_STRICT
    )


@_ALL_CHECKS
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


#: scikit-learn's checks that need no generated data, run on every estimator directly.
DATA_FREE_CHECKS = [
    checks.check_estimator_cloneable,
    checks.check_estimator_repr,
    checks.check_estimator_tags_renamed,
    checks.check_valid_tag_types,
    checks.check_mixin_order,
    checks.check_no_attributes_set_in_init,
    checks.check_parameters_default_constructible,
    checks.check_get_params_invariance,
    checks.check_set_params,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_estimators_unfitted,
]


@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_data_free_checks_on_every_estimator(estimator, check):
    check(type(estimator).__name__, estimator)


#: Checks of ``set_output`` and feature names that scikit-learn runs only in its own test suite.
TRANSFORMER_CHECKS = [
    checks.check_transformer_get_feature_names_out,
    checks.check_transformer_get_feature_names_out_pandas,
    checks.check_get_feature_names_out_error,
    checks.check_set_output_transform,
    pytest.param(
        checks.check_set_output_transform_pandas,
        marks=pytest.mark.xfail(
            strict=True,
            reason="a DataFrame in gives a DataFrame out (its own columns) under the default "
            "output too, where the check expects an array after a fit on an array",
        ),
    ),
]


@pytest.mark.parametrize("check", TRANSFORMER_CHECKS, ids=lambda c: c.__name__)
def test_delta_transformer_feature_names_and_set_output(check):
    check("DeltaTransformer", DeltaTransformer())


# ------------------------------------------------------------------------- what users do
def test_a_pipeline_with_delta_transformer_inverts_exactly():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"id": rng.choice(["a", "b"], 40), "x": rng.integers(-50, 50, 40), "y": rng.normal(size=40)}
    )
    frame["z"] = rng.integers(0, 2**40, 40)
    for first in ("keep", "drop"):
        pipe = Pipeline([("delta", DeltaTransformer(group="id", first=first))])
        deltas = pipe.fit_transform(frame)
        assert not deltas.equals(frame)
        back = pipe.inverse_transform(deltas)
        pd.testing.assert_frame_equal(back[["id", "x", "z"]], frame[["id", "x", "z"]])
        assert back[["x", "z"]].dtypes.tolist() == [np.int64, np.int64]  # integers: exact
        np.testing.assert_allclose(back["y"], frame["y"], rtol=1e-12)  # floats: to rounding
    ints = frame[["id", "x", "z"]]
    pipe.set_output(transform="pandas")
    assert pipe.inverse_transform(pipe.fit_transform(ints)).equals(ints)
    array = ints[["x", "z"]].to_numpy()
    pipe = Pipeline([("delta", DeltaTransformer(order=2))])
    np.testing.assert_array_equal(pipe.inverse_transform(pipe.fit_transform(array)), array)


def test_numpy_in_numpy_out_by_position():
    x = np.array([[0, 5], [0, 7], [1, 4], [1, 4], [0, 9]])
    coder = DeltaTransformer(columns=[1], group=0)
    deltas = coder.fit_transform(x)
    assert isinstance(deltas, np.ndarray)
    assert deltas.tolist() == [[0, 5], [0, 2], [1, 4], [1, 0], [0, 2]]
    np.testing.assert_array_equal(coder.inverse_transform(deltas), x)
    assert coder.n_features_in_ == 2
    assert not hasattr(coder, "feature_names_in_")
    assert coder.get_feature_names_out().tolist() == ["x0", "x1"]
    drop = DeltaTransformer(first="drop")
    dropped = drop.fit_transform(x[:, 1:])
    assert dropped.dtype == np.float64
    assert np.isnan(dropped[0, 0])
    np.testing.assert_array_equal(drop.inverse_transform(dropped), x[:, 1:])
    framed = coder.set_output(transform="pandas").transform(x)
    assert list(framed.columns) == ["x0", "x1"]
    assert framed["x1"].tolist() == [5, 2, 4, 0, 2]
    with pytest.raises(ValueError, match="X has 1 features, but DeltaTransformer is expecting 2"):
        coder.transform(x[:, :1])


def test_frames_keep_their_columns_under_every_output():
    frame = pd.DataFrame({"t": [0, 1, 2], "x": [5.0, 7.0, 4.0]}, index=list("abc"))
    coder = DeltaTransformer(columns=["x"])
    for output in ("default", "pandas"):
        deltas = coder.set_output(transform=output).fit_transform(frame)
        assert list(deltas.columns) == ["t", "x"]
        assert list(deltas.index) == ["a", "b", "c"]
        assert deltas["x"].tolist() == [5.0, 2.0, -3.0]
    assert coder.feature_names_in_.tolist() == ["t", "x"]
    assert coder.get_feature_names_out().tolist() == ["t", "x"]
    coder.set_output(transform="default")
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        array = coder.transform(frame.to_numpy())  # by position, as scikit-learn reads it
    assert array.tolist() == [[0.0, 5.0], [1.0, 2.0], [2.0, -3.0]]
    by_position = DeltaTransformer(columns=[1]).fit(frame.to_numpy())
    assert by_position.transform(frame).equals(deltas)  # a frame read by position keeps its labels


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_clone_works_for_every_estimator(estimator):
    copy = clone(estimator)
    assert type(copy) is type(estimator)
    assert copy is not estimator
    assert copy.get_params() == estimator.get_params()
    assert "<div" in estimator._repr_html_()  # scikit-learn's HTML repr


def test_set_params_names_a_wrong_parameter_in_strokedelta_s_words():
    for estimator in ESTIMATORS:
        with pytest.raises(ValidationError, match=r"^parameter must be one of .*; got 'nope'$"):
            estimator.set_params(nope=1)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_not_fitted_is_scikit_learn_s_not_fitted_error(estimator):
    method = estimator.transform if hasattr(estimator, "transform") else estimator.predict
    with pytest.raises(sklearn.exceptions.NotFittedError) as caught:
        method(np.zeros((3, 2)))
    assert isinstance(caught.value, NotFittedError)
    name = type(estimator).__name__
    assert str(caught.value) == f"this {name} is not fitted yet; call fit before using it"


# ------------------------------------------------------------------ estimators of drawings
@pytest.fixture(scope="module")
def drawings():
    return synthetic_drawings(12, seed=3)


def _results(estimator: Any, drawings: Any) -> np.ndarray:
    if isinstance(estimator, ScaleNormalizer):
        return estimator.transform(drawings).strokes.values
    return estimator.predict(drawings)


@pytest.mark.parametrize("estimator", ESTIMATORS[4:], ids=repr)
def test_estimators_of_drawings_keep_scikit_learn_s_contracts(estimator, drawings):
    """What scikit-learn's data checks ask, on drawings: fit returns self, leaves the
    parameters alone and sets only ``_``-suffixed attributes; refitting and pickling change
    no result; a clone is unfitted."""
    params = estimator.get_params()
    fitted = clone(estimator)
    assert fitted.fit(drawings) is fitted
    assert fitted.get_params() == params
    new = set(vars(fitted)) - set(vars(clone(estimator)))
    assert new
    assert all(name.endswith("_") for name in new)
    first = _results(fitted, drawings)
    np.testing.assert_array_equal(_results(clone(estimator).fit(drawings), drawings), first)
    np.testing.assert_array_equal(_results(pickle.loads(pickle.dumps(fitted)), drawings), first)
    again = clone(fitted)
    assert not any(name.endswith("_") for name in vars(again))
    with pytest.raises(sklearn.exceptions.NotFittedError):
        _results(again, drawings)


def test_a_pipeline_of_drawings_normalises_then_fits(drawings):
    pipe = Pipeline([("scale", ScaleNormalizer()), ("model", NextDeltaRegressor(solver="lstsq"))])
    pipe.fit(drawings)
    factor = pipe.named_steps["scale"].scale_factor_
    predicted = pipe.predict(drawings)
    direct = NextDeltaRegressor(solver="lstsq").fit(ScaleNormalizer().fit_transform(drawings))
    np.testing.assert_array_equal(
        predicted, direct.predict(ScaleNormalizer(scale_factor=factor).fit_transform(drawings))
    )
