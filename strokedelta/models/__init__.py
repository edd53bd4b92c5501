"""Linear regressors on deltas and on absolute values, for tables and for drawings.

Every model is sklearn-shaped (``fit`` returns self, ``predict`` answers in absolute units as
numpy) and is saved with ``model.save(path)`` / :func:`load_model` (safetensors + JSON, never
unpickled).

Examples
--------
>>> import numpy as np
>>> from strokedelta.models import DeltaLinearRegressor
>>> x = np.arange(8.0)
>>> np.round(DeltaLinearRegressor().fit(x, 5 * x - 2).predict([100.0]), 3).tolist()
[498.0]
"""

from strokedelta.models.linear import AbsoluteLinearRegressor, DeltaLinearRegressor
from strokedelta.models.pairs import delta_pairs
from strokedelta.models.persistence import load_model, save_model
from strokedelta.models.sketch import NextDeltaRegressor, NextPointRegressor, next_step_windows

__all__ = [
    "AbsoluteLinearRegressor",
    "DeltaLinearRegressor",
    "NextDeltaRegressor",
    "NextPointRegressor",
    "delta_pairs",
    "load_model",
    "next_step_windows",
    "save_model",
]
