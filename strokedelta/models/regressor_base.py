"""The shared base of the regressors on tables (``X``, ``y``): input handling, prediction,
scoring and prediction into a DataFrame.

:class:`TableRegressor` is what :class:`~strokedelta.models.DeltaLinearRegressor` and
:class:`~strokedelta.models.AbsoluteLinearRegressor` have in common; they differ only in how
``fit`` finds the weights and the intercepts. It is a scikit-learn regressor
(``RegressorMixin``): its tags say it takes dense 2-D numeric ``X`` without NaN and one or more
targets. Unlike scikit-learn's own regressors it reads a 1-D ``X`` as one feature, and it selects
the columns seen in ``fit`` by name from a DataFrame (so their order and any extra columns do not
matter).

Examples
--------
>>> json_keys(np.array([3, 1])).tolist(), group_keys(["a", "b"], 2).tolist()
([3, 1], ['a', 'b'])
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin

from strokedelta._validation import (
    check_is_fitted,
    check_n_features,
    check_table,
    fail,
)
from strokedelta.models._base import ModelBase

__all__ = ["TableRegressor", "column_names", "feature_names", "group_keys", "json_keys"]


class TableRegressor(RegressorMixin, ModelBase, abstract=True):
    """Shared prediction, scoring and input handling of the regressors on tables."""

    _array_attrs: ClassVar[tuple[str, ...]] = ("coef_", "intercept_", "history_")
    _json_attrs: ClassVar[tuple[str, ...]] = (
        "n_features_in_",
        "n_iter_",
        "feature_names_in_",
        "target_names_",
        "group_name_",
        "one_d_target_",
        "device_",
    )

    one_d_target_: bool
    feature_names_in_: list[str] | None
    target_names_: list[str] | None
    group_name_: Any

    # ---------------------------------------------------------------------- helpers
    def _weight(self) -> np.ndarray:
        """Weights as ``(p, q)``."""
        coef = np.asarray(self.coef_)
        return coef[:, None] if coef.ndim == 1 else coef.T

    def _features(self, x: Any) -> np.ndarray:
        self._check_fitted()
        names = getattr(self, "feature_names_in_", None)
        if names is not None and isinstance(x, pd.DataFrame):
            missing = [c for c in names if c not in x.columns]
            if missing:
                raise fail("X", f"have the columns seen in fit {names}", f"missing {missing}")
            x = x[names]
        arr = check_table("X", x)
        check_n_features(self, arr.shape[1], one_d=_ndim(x) == 1)
        return arr

    def _shape_output(self, values: np.ndarray) -> np.ndarray:
        return values[:, 0] if self.one_d_target_ else values

    def _start_fit(
        self, x: Any, y: Any, *, finite: bool = True
    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        """Validate, forget any previous fit, and return the data plus the input-derived
        fitted attributes (set by :meth:`_finish_fit` only once training succeeded).
        ``finite=False``: the caller checks for NaN and inf itself (see ``check_table``)."""
        self._validate_params()
        self._clear_fitted()
        arr = check_table("X", x, finite=finite)
        target = check_table("y", y, n_rows=arr.shape[0], finite=finite)
        if arr.shape[0] < 2:
            n = arr.shape[0]
            raise fail("X", "have at least 2 rows", f"{n} sample{'' if n == 1 else 's'}")
        inputs = {
            "n_features_in_": arr.shape[1],
            "feature_names_in_": feature_names(x),
            "target_names_": column_names(y),
            "one_d_target_": _ndim(y) == 1,
        }
        return arr, target, inputs

    def _finish_fit(
        self, inputs: dict[str, Any], weight: np.ndarray, intercept: np.ndarray, **fitted: Any
    ) -> None:
        """Set every fitted attribute at once: ``coef_`` and ``intercept_`` shaped for a 1-D
        or 2-D target from the ``(p, q)`` weights and ``(q,)`` intercept, plus ``fitted``."""
        one_d = inputs["one_d_target_"]
        shaped = {
            "coef_": weight[:, 0].copy() if one_d else weight.T.copy(),
            "intercept_": float(intercept[0]) if one_d else np.asarray(intercept, np.float64),
        }
        for name, value in {**inputs, **shaped, **fitted}.items():
            setattr(self, name, value)

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's regressor tags, with more than one target allowed."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------- public API
    def predict(self, X: Any, groups: Any = None) -> np.ndarray:
        """Absolute predictions ``X W + intercept`` as float64 numpy (1-D for a 1-D target)."""
        arr = self._features(X)
        out = arr @ self._weight() + self._intercepts(arr.shape[0], groups)
        return self._shape_output(out)

    def _intercepts(self, n: int, groups: Any) -> np.ndarray:
        return np.broadcast_to(np.atleast_1d(self.intercept_), (n, self._weight().shape[1]))

    def score(self, X: Any, y: Any, groups: Any = None) -> float:
        """Coefficient of determination R^2 of :meth:`predict` (averaged over outputs)."""
        pred = self.predict(X, groups)
        pred = pred[:, None] if pred.ndim == 1 else pred
        target = check_table("y", y, n_rows=pred.shape[0])
        resid = ((target - pred) ** 2).sum(axis=0)
        total = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(total > 0, 1 - resid / np.where(total > 0, total, 1), 0.0)
        return float(np.mean(r2))

    def rmse(self, X: Any, y: Any, groups: Any = None) -> float:
        """Root mean squared error of :meth:`predict` over every output of every row.

        Examples
        --------
        >>> from strokedelta.models import AbsoluteLinearRegressor
        >>> model = AbsoluteLinearRegressor(solver="lstsq").fit([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])
        >>> round(model.rmse([0.0, 1.0], [1.0, 1.0]), 6)
        0.707107
        """
        pred = self.predict(X, groups)
        pred = pred[:, None] if pred.ndim == 1 else pred
        target = check_table("y", y, n_rows=pred.shape[0])
        return float(np.sqrt(np.mean((pred - target) ** 2)))

    def prediction_columns(self, column: str | None = None) -> list[str]:
        """Names of the prediction columns :meth:`predict_frame` adds: ``TARGET_pred`` per
        target (``y0_pred``, ... for unnamed targets), or ``column`` for a single target.

        Examples
        --------
        >>> from strokedelta.models import AbsoluteLinearRegressor
        >>> frame = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0]})
        >>> model = AbsoluteLinearRegressor(solver="lstsq").fit(frame[["x"]], frame.y)
        >>> model.prediction_columns(), model.prediction_columns("guess")
        (['y_pred'], ['guess'])
        """
        check_is_fitted(self, "coef_")
        n_targets = 1 if np.ndim(self.coef_) == 1 else int(np.shape(self.coef_)[0])
        if column is not None:
            if n_targets != 1:
                raise fail("column", f"be None for a model of {n_targets} targets", repr(column))
            return [column]
        targets = self.target_names_ or [f"y{j}" for j in range(n_targets)]
        return [f"{name}_pred" for name in targets]

    def predict_frame(self, frame: pd.DataFrame, column: str | None = None) -> pd.DataFrame:
        """A copy of ``frame`` with the absolute predictions added as columns.

        The features are the columns named in ``fit``; the group column seen in ``fit`` is used
        for the per-group intercepts when ``frame`` has it. The new columns are named by
        :meth:`prediction_columns`.

        Examples
        --------
        >>> from strokedelta.models import AbsoluteLinearRegressor
        >>> frame = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0]})
        >>> model = AbsoluteLinearRegressor(solver="lstsq").fit(frame[["x"]], frame.y)
        >>> model.predict_frame(frame).round(6)["y_pred"].tolist()
        [1.0, 3.0, 5.0]
        """
        names = self.prediction_columns(column)
        features = self.feature_names_in_
        if not features:
            raise fail(
                "the model",
                "be trained with column names to predict into a table (train it with "
                "`strokedelta train` or from a DataFrame)",
                "no feature_names_in_",
            )
        group = self.group_name_
        groups = frame[group] if group is not None and group in frame.columns else None
        pred = np.asarray(self.predict(frame[features], groups))
        pred = pred[:, None] if pred.ndim == 1 else pred
        out = frame.copy()
        for j, name in enumerate(names):
            out[name] = pred[:, j]
        return out


def _ndim(data: Any) -> int:
    """Dimensions of array-like ``data`` (without numpy's ``__array_function__`` dispatch)."""
    if isinstance(data, (np.ndarray, pd.Series, pd.DataFrame)):
        return data.ndim
    return np.asarray(data).ndim


def column_names(data: Any) -> list[str] | None:
    """The column names of a DataFrame, the name of a named Series, else None.

    Examples
    --------
    >>> column_names(pd.DataFrame({"a": [1], "b": [2]})), column_names(np.zeros(2))
    (['a', 'b'], None)
    """
    if isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns]
    if isinstance(data, pd.Series) and data.name is not None:
        return [str(data.name)]
    return None


def feature_names(data: Any) -> list[str] | None:
    """:func:`column_names` when every name is a string (scikit-learn's rule), else None: the
    columns of a frame with other labels are taken by position.

    Examples
    --------
    >>> feature_names(pd.DataFrame({"a": [1]})), feature_names(pd.DataFrame([[1, 2]]))
    (['a'], None)
    """
    names = column_names(data)
    if isinstance(data, pd.DataFrame):
        return names if all(isinstance(c, str) for c in data.columns) else None
    return names if isinstance(getattr(data, "name", None), str) else None


def group_keys(groups: Any, n: int) -> np.ndarray:
    """Group keys as a ``(n,)`` array, one per row of ``X``."""
    keys = np.asarray(groups.to_numpy() if isinstance(groups, pd.Series) else groups)
    if keys.shape != (n,):
        raise fail("groups", f"have shape ({n},) like the rows of X", tuple(keys.shape))
    return keys


def json_keys(keys: Any) -> np.ndarray:
    """Group keys as plain Python ints, floats or strings (what a model file can hold)."""
    arr = np.asarray(keys)
    if arr.dtype.kind in "biu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        return arr.astype(np.float64)
    return np.asarray([str(k) for k in arr.tolist()], dtype=object)
