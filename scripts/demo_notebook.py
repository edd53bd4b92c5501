"""The original notebook's two experiments, printed like the notebook, run through strokedelta.

1. ``nn.Linear(1, 1)`` on absolute values (``AbsoluteLinearRegressor``), SGD lr=0.01, batch 10,
   on x = 0..9, y = 2x + 1: it learns w ~ 2. Retrained on x = 1000..1009 the loss blows up
   (the notebook saw inf and NaN weights; strokedelta stops with TrainingDivergedError).
2. The delta model (``DeltaLinearRegressor`` with the notebook's settings: raw deltas, rows
   shuffled before differencing, SGD lr=1e-5, batch 10, 5 epochs) on x = 0..499, y = 10x + 2:
   w = 10.00 on the original and on the +1000 shifted data; then the same with its defaults.

Usage::

    python scripts/demo_notebook.py            # 1000 epochs for the absolute model
    python scripts/demo_notebook.py --quick    # 200 epochs (a few seconds)
"""

from __future__ import annotations

import argparse

import numpy as np

from strokedelta import TrainingDivergedError
from strokedelta.models import AbsoluteLinearRegressor, DeltaLinearRegressor


def absolute_experiment(shift: float, epochs: int, seed: int) -> None:
    """Experiment 1 on x = shift + 0..9, printed every tenth of the epochs."""
    x = np.arange(10.0) + shift
    y = 2 * x + 1
    print(f"\n== Absolute nn.Linear(1, 1) on x = {x[0]:g}..{x[-1]:g}, y = 2x + 1 ==")
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
        print(f"Training stopped: {exc}")
        return
    every = max(1, epochs // 10)
    for epoch in range(every, epochs + 1, every):
        print(f"Epoch [{epoch}/{epochs}], Loss: {model.history_[epoch - 1]:.4f}")
    print(f"w = {float(model.coef_[0]):.4f}, b = {model.intercept_:.4f}")
    print(f"prediction for x = {x[-1] + 1:g}: {float(model.predict([x[-1] + 1])[0]):.4f}")


def delta_experiment(shift: float, seed: int, **params: object) -> None:
    """Experiment 2 on x = shift + 0..499 shuffled, y = 10x + 2."""
    rng = np.random.default_rng(seed)
    x = rng.permutation(500).astype(np.float64) + shift
    y = 10 * x + 2
    model = DeltaLinearRegressor(device="cpu", random_state=seed, **params).fit(x, y)  # type: ignore[arg-type]
    test = np.array([shift + 0.0, shift + 250.0, shift + 499.0])
    error = np.abs(model.predict(test) - (10 * test + 2)).max()
    print(
        f"x = {shift:g}..{shift + 499:g}: w = {float(model.coef_[0]):.4f}, "
        f"intercept = {model.intercept_:.4f}, max |prediction - truth| = {error:.2e}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 epochs instead of 1000")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    epochs = 200 if args.quick else 1000
    print("Experiment 1: the absolute model, then the same data shifted by +1000")
    absolute_experiment(0.0, epochs, args.seed)
    absolute_experiment(1000.0, epochs, args.seed)
    notebook = {
        "scale": None,
        "pairing": "random",
        "optimizer": "sgd",
        "lr": 1e-5,
        "batch_size": 10,
        "epochs": 5,
        "schedule": "constant",
    }
    print("\nExperiment 2: the delta model with the notebook's settings (SGD lr=1e-5, 5 epochs)")
    for shift in (0.0, 1000.0):
        delta_experiment(shift, args.seed, **notebook)
    print("\nThe delta model with its defaults (RMS-scaled deltas, Adam), original and shifted")
    for shift in (0.0, 1000.0):
        delta_experiment(shift, args.seed)


if __name__ == "__main__":
    main()
