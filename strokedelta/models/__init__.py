"""Linear regressors on deltas and on absolute values, for tables and for drawings.

Every model is a scikit-learn estimator (``BaseEstimator``: ``fit`` returns self, ``clone`` and
``get_params`` work, ``predict`` answers in absolute units as numpy) and is saved with
``model.save(path)`` / :func:`load_model` (safetensors + JSON, never unpickled).
:class:`TableRegressor` and :class:`NextStepRegressor` are the shared bases of the models of
tables and of drawings; :func:`resolve_device` turns a ``device`` parameter into the torch device
the models train on.

Examples
--------
>>> import numpy as np
>>> from strokedelta.models import DeltaLinearRegressor
>>> x = np.arange(8.0)
>>> np.round(DeltaLinearRegressor().fit(x, 5 * x - 2).predict([100.0]), 3).tolist()
[498.0]
"""

from strokedelta.models.device import device_type, resolve_device
from strokedelta.models.linear import AbsoluteLinearRegressor, DeltaLinearRegressor
from strokedelta.models.next_step import (
    NextDeltaRegressor,
    NextPointRegressor,
    NextStepRegressor,
    next_step_windows,
    round_to_pixels,
)
from strokedelta.models.pairs import delta_pairs
from strokedelta.models.persistence import load_model, save_model
from strokedelta.models.regressor_base import TableRegressor

__all__ = [
    "AbsoluteLinearRegressor",
    "DeltaLinearRegressor",
    "NextDeltaRegressor",
    "NextPointRegressor",
    "NextStepRegressor",
    "TableRegressor",
    "delta_pairs",
    "device_type",
    "load_model",
    "next_step_windows",
    "resolve_device",
    "round_to_pixels",
    "save_model",
]
