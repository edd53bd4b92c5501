"""What every strokedelta model shares: sklearn-style parameters, fitted checks, saving.

The models do not subclass scikit-learn's ``BaseEstimator`` (scikit-learn is only a test
dependency), so :class:`ModelBase` implements ``get_params`` / ``set_params`` itself from the
``__init__`` signature, which is what ``sklearn.base.clone`` and grid searches rely on. Every
concrete subclass registers itself in :mod:`~strokedelta.models.registry` when it is defined,
which is what lets :func:`~strokedelta.models.load_model` build it from a file.

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

from strokedelta._validation import (
    check_choice,
    check_device,
    check_int,
    check_is_fitted,
    check_number,
    fail,
)
from strokedelta.models._optimizers import OPTIMIZERS
from strokedelta.models._solvers import SOLVERS
from strokedelta.models._training import SCHEDULES
from strokedelta.models.persistence import save_model
from strokedelta.models.registry import register_model

__all__ = ["ModelBase"]


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

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        """Register every concrete model class for saving and loading (shared bases pass
        ``abstract=True``)."""
        super().__init_subclass__(**kwargs)
        if not abstract:
            register_model(cls)

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
        check_is_fitted(self, "coef_")

    def _validate_params(self) -> None:
        """Validate the parameters every model has (at the start of fit and when loading);
        subclasses extend it for their own."""
        check_number("lr", self.lr, positive=True)
        epochs = self.epochs
        if epochs is not None:
            check_int("epochs", epochs, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("solver", self.solver, SOLVERS)
        check_device(self.device)
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
        save_model(self, path)
