"""What every strokedelta model shares: scikit-learn's estimator base, fitted checks, saving.

:class:`ModelBase` is a ``sklearn.base.BaseEstimator``: ``get_params`` / ``set_params``, ``clone``,
the tags, ``repr`` and the HTML repr come from scikit-learn, from the ``__init__`` signature
(every parameter is keyword-only and stored as it is). ``set_params`` also names a wrong
parameter in strokedelta's message shape. Every concrete subclass registers itself in
:mod:`~strokedelta.models.registry` when it is defined, which is what lets
:func:`~strokedelta.models.load_model` build it from a file.

Examples
--------
>>> from sklearn.base import clone
>>> from strokedelta.models import DeltaLinearRegressor
>>> model = DeltaLinearRegressor(lr=0.1)
>>> model.get_params()["lr"], model.set_params(epochs=3).epochs
(0.1, 3)
>>> clone(model)
DeltaLinearRegressor(epochs=3)
"""

from __future__ import annotations

import inspect
import os
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from strokedelta._validation import (
    check_choice,
    check_device,
    check_int,
    check_is_fitted,
    check_number,
    check_param_names,
)
from strokedelta.models._optimizers import OPTIMIZERS
from strokedelta.models._solvers import SOLVERS
from strokedelta.models._training import SCHEDULES
from strokedelta.models.persistence import save_model
from strokedelta.models.registry import register_model

__all__ = ["ModelBase"]


class ModelBase(BaseEstimator):
    """scikit-learn's estimator base plus fitted-state bookkeeping and save/load hooks."""

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
        """The constructor parameters in signature order (what a model file stores)."""
        signature = inspect.signature(cls.__init__)
        return [
            name
            for name, param in signature.parameters.items()
            if name != "self" and param.kind == param.KEYWORD_ONLY
        ]

    def set_params(self, **params: Any) -> Any:
        """Set constructor parameters by name (scikit-learn's); an unknown name is a
        ValidationError naming the valid ones. Returns self."""
        check_param_names(self, params)
        return super().set_params(**params)

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
