"""The original notebook's two experiments, run through strokedelta and told as the notebook did.

1. ``nn.Linear(1, 1)`` on absolute values (``AbsoluteLinearRegressor``), SGD lr=0.01, batch 10,
   on x = 0..9, y = 2x + 1: it learns w ~ 2. Retrained on x = 1000..1009 the loss blows up
   (the notebook saw inf and NaN weights; strokedelta stops with TrainingDivergedError).
2. The delta model (``DeltaLinearRegressor`` with the notebook's settings: raw deltas, rows
   shuffled before differencing, SGD lr=1e-5, batch 10, 5 epochs) on x = 0..499, y = 10x + 2:
   w = 10.00 on the original and on the +1000 shifted data; then the same with its defaults.

Examples
--------
>>> lines = list(absolute_notebook_run(1000.0, epochs=20, seed=0))
>>> lines[1].startswith("Training stopped: training diverged at epoch")
True
>>> print(delta_notebook_run(1000.0, seed=0, **NOTEBOOK_DELTA_SETTINGS))
x = 1000..1499: w = 10.0000, intercept = 2.0000, max |prediction - truth| = 0.00e+00
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from strokedelta.exceptions import TrainingDivergedError
from strokedelta.models import AbsoluteLinearRegressor, DeltaLinearRegressor

__all__ = [
    "NOTEBOOK_DELTA_SETTINGS",
    "NOTEBOOK_EPOCHS",
    "absolute_notebook_run",
    "delta_notebook_run",
    "notebook_demo",
]

#: Epochs of the absolute model, full and ``quick``.
NOTEBOOK_EPOCHS = {"full": 1000, "quick": 200}
#: The notebook's delta model: raw deltas of shuffled rows, plain SGD lr=1e-5 for 5 epochs.
NOTEBOOK_DELTA_SETTINGS: dict[str, Any] = {
    "scale": None,
    "pairing": "random",
    "optimizer": "sgd",
    "lr": 1e-5,
    "batch_size": 10,
    "epochs": 5,
    "schedule": "constant",
}


def absolute_notebook_run(shift: float, *, epochs: int, seed: int) -> Iterator[str]:
    """Experiment 1 on x = shift + 0..9, the loss told every tenth of the epochs."""
    x = np.arange(10.0) + shift
    y = 2 * x + 1
    yield f"\n== Absolute nn.Linear(1, 1) on x = {x[0]:g}..{x[-1]:g}, y = 2x + 1 =="
    model = AbsoluteLinearRegressor(
        optimizer="sgd",
        lr=0.01,
        batch_size=10,
        epochs=epochs,
        schedule="constant",
        device="cpu",
        random_state=seed,
    )
    try:
        model.fit(x, y)
    except TrainingDivergedError as exc:
        yield f"Training stopped: {exc}"
        return
    every = max(1, epochs // 10)
    for epoch in range(every, epochs + 1, every):
        yield f"Epoch [{epoch}/{epochs}], Loss: {model.history_[epoch - 1]:.4f}"
    yield f"w = {float(model.coef_[0]):.4f}, b = {model.intercept_:.4f}"
    yield f"prediction for x = {x[-1] + 1:g}: {float(model.predict([x[-1] + 1])[0]):.4f}"


def delta_notebook_run(shift: float, *, seed: int, **params: Any) -> str:
    """Experiment 2 on x = shift + 0..499 shuffled, y = 10x + 2 (``params`` for the model)."""
    rng = np.random.default_rng(seed)
    x = rng.permutation(500).astype(np.float64) + shift
    y = 10 * x + 2
    model = DeltaLinearRegressor(device="cpu", random_state=seed, **params).fit(x, y)
    test = np.array([shift + 0.0, shift + 250.0, shift + 499.0])
    error = np.abs(model.predict(test) - (10 * test + 2)).max()
    return (
        f"x = {shift:g}..{shift + 499:g}: w = {float(model.coef_[0]):.4f}, "
        f"intercept = {model.intercept_:.4f}, max |prediction - truth| = {error:.2e}"
    )


def notebook_demo(*, quick: bool = False, seed: int = 0) -> Iterator[str]:
    """Both experiments, line by line (``quick``: 200 epochs for the absolute model)."""
    epochs = NOTEBOOK_EPOCHS["quick" if quick else "full"]
    yield "Experiment 1: the absolute model, then the same data shifted by +1000"
    yield from absolute_notebook_run(0.0, epochs=epochs, seed=seed)
    yield from absolute_notebook_run(1000.0, epochs=epochs, seed=seed)
    yield "\nExperiment 2: the delta model with the notebook's settings (SGD lr=1e-5, 5 epochs)"
    for shift in (0.0, 1000.0):
        yield delta_notebook_run(shift, seed=seed, **NOTEBOOK_DELTA_SETTINGS)
    yield "\nThe delta model with its defaults (RMS-scaled deltas, Adam), original and shifted"
    for shift in (0.0, 1000.0):
        yield delta_notebook_run(shift, seed=seed)
