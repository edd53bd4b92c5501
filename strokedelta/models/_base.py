"""What every strokedelta model shares: sklearn-style parameters, fitted checks, validation.

The models do not subclass scikit-learn's ``BaseEstimator`` (scikit-learn is only a test
dependency), so :class:`ModelBase` implements ``get_params`` / ``set_params`` itself from the
``__init__`` signature, which is what ``sklearn.base.clone`` and grid searches rely on.

Examples
--------
>>> from strokedelta.models import DeltaLinearRegressor
>>> model = DeltaLinearRegressor(lr=0.1)
>>> model.get_params()["lr"], model.set_params(epochs=3).epochs
(0.1, 3)
"""

from __future__ import annotations

import inspect
import os
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from strokedelta._validation import check_choice, check_int, check_number, fail
from strokedelta.exceptions import NotFittedError

__all__ = ["ModelBase", "as_features", "as_targets"]


class ModelBase:
    """Parameters from ``__init__``, fitted-state bookkeeping and save/load hooks."""

    # constructor parameters every trainable model has
    solver: str
    optimizer: str
    lr: float
    epochs: int | None
    batch_size: int
    schedule: str
    device: str
    random_state: int | None
    progress: bool
    # fitted attributes every model sets
    coef_: np.ndarray
    intercept_: Any
    history_: np.ndarray
    n_iter_: int
    n_features_in_: int
    device_: str

    #: Names of the float arrays a fitted model stores (saved as tensors).
    _array_attrs: ClassVar[tuple[str, ...]] = ()
    #: Names of the other fitted attributes (saved as JSON).
    _json_attrs: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            name
            for name, param in signature.parameters.items()
            if name != "self" and param.kind == param.KEYWORD_ONLY
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters as a dict (``deep`` is accepted for sklearn)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> ModelBase:
        """Set constructor parameters by name; unknown names are an error. Returns self."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise fail("parameter", "be one of " + ", ".join(valid), repr(name))
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: param.default
            for name, param in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not (isinstance(value, type(defaults.get(name))) and value == defaults.get(name))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    # ----------------------------------------------------------------- fitted state
    def _fitted_names(self) -> list[str]:
        return [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]

    def _clear_fitted(self) -> None:
        for name in self._fitted_names():
            delattr(self, name)

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit before using it"
            )

    def _validate_params(self) -> None:
        """Validate the parameters every model has (at the start of fit and when loading);
        subclasses extend it for their own."""
        check_number("lr", self.lr, positive=True)
        epochs = self.epochs
        if epochs is not None:
            check_int("epochs", epochs, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_choice("optimizer", self.optimizer, ("sgd", "adam"))
        check_choice("schedule", self.schedule, ("constant", "linear"))
        check_choice("solver", self.solver, ("gradient", "lstsq"))
        check_choice("device", self.device, ("auto", "cpu", "cuda"))
        state = self.random_state
        if state is not None:
            check_int("random_state", state, minimum=0)

    def _training_kwargs(self) -> dict[str, Any]:
        """The constructor parameters :func:`~strokedelta.models._training.train_linear` takes."""
        return {
            "lr": float(self.lr),
            "epochs": self.epochs,
            "batch_size": int(self.batch_size),
            "optimizer": self.optimizer,
            "schedule": self.schedule,
            "device": self.device,
            "random_state": self.random_state,
            "progress": bool(self.progress),
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to ``path`` (safetensors + JSON, written atomically).

        See :func:`strokedelta.models.persistence.save_model`.
        """
        from strokedelta.models.persistence import save_model

        save_model(self, path)


def _frame_names(data: Any) -> list[str] | None:
    if isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns]
    if isinstance(data, pd.Series) and data.name is not None:
        return [str(data.name)]
    return None


def as_features(x: Any, *, name: str = "X") -> tuple[np.ndarray, list[str] | None]:
    """Features as a float64 ``(n, p)`` array (1-D is one feature) plus DataFrame column names.

    Examples
    --------
    >>> arr, names = as_features(pd.DataFrame({"a": [1, 2], "b": [3, 4]}))
    >>> arr.tolist(), names
    ([[1.0, 3.0], [2.0, 4.0]], ['a', 'b'])
    """
    names = _frame_names(x)
    arr = np.asarray(x.to_numpy() if isinstance(x, (pd.DataFrame, pd.Series)) else x)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise fail(name, "hold numbers", "non-numeric values") from None
    if arr.dtype.kind not in "biuf":
        raise fail(name, "have a numeric dtype", arr.dtype)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise fail(name, "have shape (n,) or (n, p)", tuple(arr.shape))
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise fail(name, "be finite", f"{arr[where]} at row {where[0]}, column {where[1]}")
    return arr, names


def as_targets(y: Any, n_rows: int) -> tuple[np.ndarray, bool, list[str] | None]:
    """Targets as float64 ``(n, q)``, whether they were 1-D, and their names.

    Examples
    --------
    >>> arr, one_d, names = as_targets(pd.Series([1, 2], name="y"), 2)
    >>> arr.shape, one_d, names
    ((2, 1), True, ['y'])
    """
    one_d = np.ndim(y) == 1
    arr, names = as_features(y, name="y")
    if arr.shape[0] != n_rows:
        raise fail("y", f"have {n_rows} rows like X", arr.shape[0])
    return arr, one_d, names
