"""Numbers the experiments (and the demo) measure: RMSE and epochs to convergence.

Examples
--------
>>> import numpy as np
>>> rmse(np.array([1.0, 2.0]), np.array([1.0, 4.0]))  # doctest: +ELLIPSIS
1.414...
"""

from __future__ import annotations

import numpy as np

__all__ = ["epochs_to_converge", "rmse"]


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    """Root mean squared difference of two arrays (float64).

    Examples
    --------
    >>> rmse(np.array([0.0, 0.0]), np.array([3.0, 4.0]))  # doctest: +ELLIPSIS
    3.535...
    """
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return float(np.sqrt(np.mean(np.square(diff))))


def epochs_to_converge(history: np.ndarray, tolerance: float = 0.01) -> int:
    """First epoch (1-based) whose loss is within ``tolerance`` of the best loss of the run.

    Examples
    --------
    >>> epochs_to_converge(np.array([9.0, 3.0, 1.005, 1.0]))
    3
    """
    history = np.asarray(history, dtype=np.float64)
    best = float(history.min())
    return int(np.argmax(history <= best * (1 + tolerance) + 1e-300)) + 1
