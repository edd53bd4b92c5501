"""Helpers shared by the experiments: output folders, CSV writing, errors and fit outcomes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from strokedelta.io.tables import write_table

__all__ = ["diverged_epoch", "epochs_to_converge", "output_dir", "rmse", "write_csv"]


def output_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Create ``out_dir`` (and parents) if needed and return it as a Path."""
    path = Path(out_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as CSV atomically (columns only, exact floats) and return the path."""
    write_table(frame, path)
    return Path(path)


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


def diverged_epoch(message: str) -> int | None:
    """The epoch named in a :class:`~strokedelta.TrainingDivergedError` message, if any.

    Examples
    --------
    >>> diverged_epoch("training diverged at epoch 2 of 20: loss inf")
    2
    """
    found = re.search(r"epoch (\d+)", message)
    return int(found.group(1)) if found else None
