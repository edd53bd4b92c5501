"""The ``shift`` experiment: the original notebook generalised over shifts, learning rates, seeds.

Data: ``y = 2 x + 1 + noise`` with ``x`` uniform in ``[0, 10)`` (the notebook's range), in a
few groups, then every ``x`` shifted by 0, 10, ..., 1e5 (the same draws for every shift). Each
cell trains :class:`~strokedelta.AbsoluteLinearRegressor` (``nn.Linear``) and
:class:`~strokedelta.DeltaLinearRegressor` with the same plain minibatch SGD (batch 10, the
notebook's), and records whether training diverged, the slope error, the RMSE of the absolute
predictions and the closed-form least-squares RMSE on the same rows.

Examples
--------
>>> table = shift_experiment(shifts=(0, 1000), lrs=(0.01,), seeds=(0,), n_rows=100, epochs=5)
>>> print(table[["model", "shift", "diverged"]].to_string(index=False))
   model  shift  diverged
absolute    0.0     False
absolute 1000.0      True
   delta    0.0     False
   delta 1000.0     False
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from strokedelta._validation import check_int
from strokedelta.exceptions import TrainingDivergedError
from strokedelta.experiments.metrics import epochs_to_converge, rmse
from strokedelta.experiments.outputs import output_dir, write_csv
from strokedelta.models import AbsoluteLinearRegressor, DeltaLinearRegressor
from strokedelta.render import plot_shift_heatmap
from strokedelta.synthetic import synthetic_series

__all__ = [
    "NOTEBOOK_LR",
    "SHIFTS",
    "SHIFT_COLUMNS",
    "SHIFT_LRS",
    "shift_experiment",
    "shift_findings",
    "shift_summary",
    "write_shift_outputs",
]

#: Input shifts of the grid.
SHIFTS = (0.0, 10.0, 100.0, 1e3, 1e4, 1e5)
#: Learning rates of the grid (the same for both models; 0.01 is the notebook's).
SHIFT_LRS = (1e-4, 1e-3, 1e-2, 1e-1)
#: The learning rate of the original notebook's absolute model.
NOTEBOOK_LR = 0.01
#: Columns of ``shift.csv``.
SHIFT_COLUMNS = (
    "model",
    "shift",
    "lr",
    "seed",
    "diverged",
    "slope",
    "slope_error",
    "rmse",
    "rmse_lstsq",
    "rmse_ratio",
    "epochs",
    "epochs_to_converge",
    "seconds",
)
_TRUE_SLOPE, _TRUE_BIAS = 2.0, 1.0


def _run_cell(
    model: str,
    frame: pd.DataFrame,
    lr: float,
    seed: int,
    epochs: int,
    batch_size: int,
    device: str,
) -> dict[str, Any]:
    cls = AbsoluteLinearRegressor if model == "absolute" else DeltaLinearRegressor
    estimator = cls(
        optimizer="sgd",
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        device=device,
        random_state=seed,
    )
    start = time.perf_counter()
    row: dict[str, Any] = {"model": model, "lr": lr, "seed": seed, "epochs": epochs}
    try:
        estimator.fit(frame[["x"]], frame["y"], groups=frame["group"])
    except TrainingDivergedError:
        row.update(
            diverged=True, slope=np.nan, slope_error=np.nan, rmse=np.nan, epochs_to_converge=np.nan
        )
    else:
        slope = float(np.ravel(estimator.coef_)[0])
        row.update(
            diverged=False,
            slope=slope,
            slope_error=abs(slope - _TRUE_SLOPE),
            rmse=rmse(estimator.predict(frame[["x"]]), frame["y"].to_numpy()),
            epochs_to_converge=epochs_to_converge(estimator.history_),
        )
    row["seconds"] = time.perf_counter() - start
    return row


def shift_experiment(
    *,
    shifts: Sequence[float] = SHIFTS,
    lrs: Sequence[float] = SHIFT_LRS,
    seeds: Sequence[int] = (0, 1, 2),
    n_rows: int = 500,
    n_groups: int = 4,
    noise: float = 0.5,
    epochs: int = 20,
    batch_size: int = 10,
    device: str = "cpu",
    progress: bool = False,
    out_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Absolute vs delta regression over a grid of input shifts, learning rates and seeds.

    Parameters
    ----------
    shifts, lrs, seeds : sequences
        The grid; every seed draws its own data (shared by all shifts) and initial weights.
    n_rows, n_groups, noise : int, int, float
        Size of each data set, number of groups, standard deviation of the noise on ``y``.
    epochs, batch_size : int
        Plain minibatch SGD settings shared by both models (the learning rate decays linearly).
    device : {"cpu", "cuda", "auto"}
        Where torch trains.
    progress : bool
        A tqdm bar over the grid on stderr.
    out_dir : path-like, optional
        Folder to write ``shift.csv`` and ``shift.png`` (the heatmap) into.

    Returns
    -------
    DataFrame
        One row per model x shift x lr x seed with :data:`SHIFT_COLUMNS`: ``diverged`` (a
        :class:`~strokedelta.TrainingDivergedError` stopped training), ``slope`` and
        ``slope_error`` (``|slope - 2|``), ``rmse`` (absolute predictions against ``y``),
        ``rmse_lstsq`` (closed-form least squares on the same rows), their ratio,
        ``epochs_to_converge`` (first epoch within 1% of the run's best loss) and wall time.
        NaN where training diverged.
    """
    check_int("n_rows", n_rows, minimum=4)
    cells = [(s, seed) for seed in seeds for s in shifts]
    total = len(cells) * len(lrs) * 2
    bar = tqdm(total=total, desc="shift experiment", disable=not progress, leave=False)
    rows: list[dict[str, Any]] = []
    for shift, seed in cells:
        frame = synthetic_series(
            n_rows,
            n_groups=n_groups,
            weights=[_TRUE_SLOPE],
            bias=_TRUE_BIAS,
            noise=noise,
            shift=shift,
            seed=seed,
        )
        reference = AbsoluteLinearRegressor(solver="lstsq").fit(frame[["x"]], frame["y"])
        best = rmse(reference.predict(frame[["x"]]), frame["y"].to_numpy())
        for model in ("absolute", "delta"):
            for lr in lrs:
                row = _run_cell(model, frame, float(lr), seed, epochs, batch_size, device)
                row.update(shift=float(shift), rmse_lstsq=best)
                rows.append(row)
                bar.update()
    bar.close()
    table = pd.DataFrame(rows)
    table["rmse_ratio"] = table["rmse"] / table["rmse_lstsq"]
    table = table[list(SHIFT_COLUMNS)].sort_values(["model", "lr", "shift", "seed"])
    table = table.reset_index(drop=True)
    if out_dir is not None:
        write_shift_outputs(table, out_dir)
    return table


def write_shift_outputs(table: pd.DataFrame, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``shift.csv`` and the heatmap ``shift.png`` into ``out_dir``."""
    folder = output_dir(out_dir)
    return [write_csv(table, folder / "shift.csv"), plot_shift_heatmap(table, folder / "shift.png")]


def shift_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The key table: per model and lr, which shifts diverged and the median RMSE ratio.

    Examples
    --------
    >>> t = shift_experiment(shifts=(0, 1000), lrs=(0.01,), seeds=(0,), n_rows=100, epochs=5)
    >>> print(shift_summary(t)[["model", "lr", "diverged at shifts"]].to_string(index=False))
       model   lr diverged at shifts
    absolute 0.01               1000
       delta 0.01               none
    """
    rows = []
    for (model, lr), part in table.groupby(["model", "lr"], sort=True):
        by_shift = part.groupby("shift")["diverged"].mean()
        bad = [f"{s:g}" for s, rate in by_shift.items() if rate > 0]
        ok = part[~part["diverged"]]
        rows.append(
            {
                "model": model,
                "lr": lr,
                "diverged at shifts": ", ".join(bad) if bad else "none",
                "runs diverged": f"{int(part['diverged'].sum())}/{len(part)}",
                "median rmse / lstsq": float(ok["rmse_ratio"].median()) if len(ok) else np.nan,
                "worst rmse / lstsq": float(ok["rmse_ratio"].max()) if len(ok) else np.nan,
                "median |slope - 2|": float(ok["slope_error"].median()) if len(ok) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def shift_findings(table: pd.DataFrame, notebook_lr: float = NOTEBOOK_LR) -> dict[str, Any]:
    """The acceptance facts of the shift experiment, computed from its table.

    Returns a dict with ``absolute_diverges_from`` (smallest shift from which the absolute
    model diverged on every seed at ``notebook_lr``, all larger shifts included),
    ``delta_stable_lrs`` (delta learning rates that never diverged at shift 0),
    ``delta_diverged_where_stable`` (runs of those lrs that diverged at any shift),
    ``delta_best_lr`` (the delta learning rate with the lowest median RMSE ratio),
    ``delta_rmse_ratio`` (worst ratio to least squares over shifts and seeds at that lr) and
    ``delta_shift_invariant`` (every delta run's RMSE equal across shifts to 1e-6 relative).

    Examples
    --------
    >>> t = shift_experiment(shifts=(0, 1000), lrs=(0.01,), seeds=(0,), n_rows=100, epochs=5)
    >>> f = shift_findings(t)
    >>> f["absolute_diverges_from"], f["delta_diverged_where_stable"], f["delta_shift_invariant"]
    (1000.0, 0, True)
    """
    absolute = table[(table["model"] == "absolute") & np.isclose(table["lr"], notebook_lr)]
    all_diverged = absolute.groupby("shift")["diverged"].all().sort_index()
    start = None
    for shift in all_diverged.index[::-1]:
        if not all_diverged[shift]:
            break
        start = float(shift)
    delta = table[table["model"] == "delta"]
    at_zero = delta[delta["shift"] == delta["shift"].min()]
    stable = sorted(float(lr) for lr, d in at_zero.groupby("lr")["diverged"].any().items() if not d)
    where_stable = delta[delta["lr"].isin(stable)]
    fitted = delta[~delta["diverged"]]
    medians = fitted.groupby("lr")["rmse_ratio"].median()
    best = float(medians.index[int(np.argmin(medians.to_numpy()))]) if len(medians) else np.nan
    at_best = fitted[np.isclose(fitted["lr"], best)]
    spread = fitted.groupby(["lr", "seed"])["rmse"].agg(
        lambda r: float(r.max() - r.min()) / float(r.min())
    )
    return {
        "absolute_diverges_from": start,
        "delta_stable_lrs": stable,
        "delta_diverged_where_stable": int(where_stable["diverged"].sum()),
        "delta_best_lr": best,
        "delta_rmse_ratio": float(at_best["rmse_ratio"].max()) if len(at_best) else np.nan,
        "delta_shift_invariant": bool(len(spread) and (spread < 1e-6).all()),
    }
