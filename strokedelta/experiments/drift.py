"""The ``drift`` experiment: how a cumulative-sum rebuild of predicted deltas drifts.

A :class:`~strokedelta.DeltaLinearRegressor` predicts every step ``dy`` of a long series from
``dx``; summing those steps from one known anchor rebuilds the absolute ``y``. Errors that do
not cancel add up along the sequence: the unobserved wandering of the target (the series has a
random-walk drift), the slope error times how far ``x`` has moved, a learnt constant delta
``c`` (a drift of ``c * t``), and rounding when the sum runs in float32. Re-anchoring every
``k`` steps (restarting the sum from the known value) bounds all of them. The table gives
the RMSE of the rebuild over the first ``length`` steps for every variant and ``k``.

Variants (the series are random walks ``y = 2 x + 1 + noise``, features far from zero):

- ``delta``: the default model (no bias), rebuilt by ``predict_path`` (float64 sums);
- ``delta + bias``: ``delta_bias=True`` with consecutive pairs: its small learnt constant
  step ``c`` becomes a drift of ``c * t``;
- ``delta, float32 cumsum``: the deltas of ``delta`` summed with ``numpy.cumsum`` in float32;
- ``delta, wandering target``: the default model on a series whose target also follows an
  unobserved random walk, which no model of ``dx`` can predict (its rebuild drifts like
  ``sqrt(t)``).

Examples
--------
>>> table = drift_experiment(max_length=1000, anchors=(0, 100), train_rows=500)
>>> table["variant"].unique().tolist()
['delta', 'delta, float32 cumsum', 'delta + bias', 'delta, wandering target']
>>> wander = table[table["variant"] == "delta, wandering target"]
>>> rmse = wander[wander["length"] == 1000].set_index("anchor_every")["rmse"]
>>> bool(rmse[100] < rmse[0])
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from strokedelta._validation import check_int, fail
from strokedelta.experiments.outputs import output_dir, write_csv
from strokedelta.models import DeltaLinearRegressor
from strokedelta.render import plot_drift
from strokedelta.synthetic import synthetic_series

__all__ = ["DRIFT_COLUMNS", "drift_experiment", "write_drift_outputs"]

#: Columns of ``drift.csv``.
DRIFT_COLUMNS = (
    "variant",
    "anchor_every",
    "length",
    "rmse",
    "max_error",
    "final_error",
    "slope",
    "delta_bias",
)


def _blocks(n: int, every: int) -> np.ndarray:
    """Block id of every row when re-anchoring every ``every`` rows (0: one block)."""
    return np.zeros(n, dtype=np.int64) if every == 0 else np.arange(n, dtype=np.int64) // every


def _float32_path(steps: np.ndarray, y: np.ndarray, every: int) -> np.ndarray:
    """Cumulative sums in float32 per block of ``every`` rows, each block from its true anchor."""
    n = len(steps)
    size = n if every == 0 else every
    padded = np.zeros(-(-n // size) * size, dtype=np.float32)
    padded[:n] = steps
    padded[np.arange(0, n, size)] = y[np.arange(0, n, size)]
    return np.cumsum(padded.reshape(-1, size), axis=1, dtype=np.float32).ravel()[:n]


def _rows(
    variant: str, every: int, error: np.ndarray, lengths: Sequence[int], model: Any
) -> list[dict[str, Any]]:
    squared = np.cumsum(np.square(error))
    worst = np.maximum.accumulate(np.abs(error))
    return [
        {
            "variant": variant,
            "anchor_every": every,
            "length": length,
            "rmse": float(np.sqrt(squared[length - 1] / length)),
            "max_error": float(worst[length - 1]),
            "final_error": float(abs(error[length - 1])),
            "slope": float(np.ravel(model.coef_)[0]),
            "delta_bias": float(np.ravel(model.delta_bias_)[0]),
        }
        for length in lengths
    ]


def _report_lengths(max_length: int, anchors: Sequence[int]) -> list[int]:
    """Check ``max_length`` and ``anchors``; the lengths 100, 1000, ..., ``max_length``."""
    check_int("max_length", max_length, minimum=100)
    for every in anchors:
        check_int("anchors", every, minimum=0)
        if every >= max_length:
            raise fail("anchors", f"be below max_length ({max_length})", every)
    return sorted({*(10**p for p in range(2, 1 + int(np.log10(max_length)))), max_length})


def _variants(
    steady: dict[str, Any], wandering: dict[str, Any], device: str, seed: int
) -> dict[str, tuple[DeltaLinearRegressor, dict[str, Any]]]:
    """The model and the series settings of each variant fitted by :func:`drift_experiment`
    (the float32 variant reuses the ``delta`` model)."""
    return {
        "delta": (DeltaLinearRegressor(device=device, random_state=seed), steady),
        "delta + bias": (
            DeltaLinearRegressor(
                delta_bias=True, pairing="consecutive", device=device, random_state=seed
            ),
            steady,
        ),
        "delta, wandering target": (
            DeltaLinearRegressor(device=device, random_state=seed),
            wandering,
        ),
    }


def drift_experiment(
    *,
    max_length: int = 1_000_000,
    anchors: Sequence[int] = (0, 10_000, 1_000, 100),
    train_rows: int = 20_000,
    drift: float = 0.05,
    noise: float = 0.5,
    shift: float = 1e5,
    seed: int = 0,
    device: str = "cpu",
    progress: bool = False,
    out_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Rebuild a long series from predicted deltas, with and without re-anchoring.

    Parameters
    ----------
    max_length : int
        Length of the test series; RMSEs are reported over its first 100, 1000, ... steps.
    anchors : sequence of int
        Re-anchor every ``k`` steps (0 means only the first value is known).
    train_rows : int
        Rows of the (separately drawn) training series.
    drift : float
        Standard deviation of the steps of the wandering target's random walk (the
        ``wandering target`` variant; the other variants use a steady series).
    noise, shift : float
        Standard deviation of the noise on the levels, and the offset of the features (values
        far from 0 are where float32 sums lose precision).
    seed, device, progress
        Seed of the data and the models; torch device; a tqdm bar.
    out_dir : path-like, optional
        Folder for ``drift.csv`` and ``drift.png``.

    Returns
    -------
    DataFrame
        :data:`DRIFT_COLUMNS`: for each variant, ``anchor_every`` and ``length``, the RMSE,
        largest and last absolute error of the rebuilt ``y`` over the first ``length`` steps,
        plus the model's slope and constant delta.
    """
    lengths = _report_lengths(max_length, anchors)
    check_int("train_rows", train_rows, minimum=10)
    steady: dict[str, Any] = {"walk": True, "noise": noise, "shift": shift}
    runs = _variants(steady, {**steady, "drift": drift}, device, seed)
    bar = tqdm(total=len(anchors) * 4, desc="drift experiment", disable=not progress, leave=False)
    rows: list[dict[str, Any]] = []
    for name, (model, settings) in runs.items():
        train = synthetic_series(train_rows, seed=seed, **settings)
        test = synthetic_series(max_length, seed=seed + 1, **settings)
        x, y = test[["x"]], test["y"].to_numpy()
        model.fit(train[["x"]], train["y"])
        for every in anchors:
            groups = _blocks(max_length, every)
            starts = np.flatnonzero(np.diff(groups, prepend=-1))
            path = model.predict_path(x, y[starts], groups=groups)
            rows += _rows(name, every, path - y, lengths, model)
            bar.update()
        if name == "delta":
            steps = np.diff(x.to_numpy()[:, 0], prepend=0.0) * float(np.ravel(model.coef_)[0])
            for every in anchors:
                path32 = _float32_path(steps.astype(np.float32), y, every)
                rows += _rows("delta, float32 cumsum", every, path32 - y, lengths, model)
                bar.update()
    bar.close()
    table = pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))
    if out_dir is not None:
        write_drift_outputs(table, out_dir)
    return table


def write_drift_outputs(table: pd.DataFrame, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``drift.csv`` and ``drift.png`` into ``out_dir``."""
    folder = output_dir(out_dir)
    return [write_csv(table, folder / "drift.csv"), plot_drift(table, folder / "drift.png")]
