"""The demo pipeline behind ``strokedelta demo``: data, conversions, models, experiments, report.

:func:`run_demo` generates synthetic drawings and series (or reads real drawings), converts the
drawings (stroke-3, stroke-5, Quick, Draw! ndjson, Sketch-RNN npz, Parquet) and checks the round
trips, trains the delta and absolute regressors on series and the two sketch models on
drawings, runs the three experiments of :mod:`strokedelta.experiments`, writes everything
with a ``report.md`` that links the pictures and states what the numbers show, and returns a
:class:`~strokedelta.demo.DemoResult` with the tables and the files.

Examples
--------
>>> SIZES["quick"]["drawings"] < SIZES["full"]["drawings"]
True
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from strokedelta.demo.report import write_report
from strokedelta.demo.result import DemoResult
from strokedelta.demo.stages import (
    StageTimer,
    conversion_table,
    loss_curve_runs,
    rollout_svg,
    save_drawing_grid,
    series_model_table,
)
from strokedelta.experiments import (
    experiment_settings,
    load_sketch_data,
    output_dir,
    run_experiment_files,
    write_csv,
)
from strokedelta.models import device_type
from strokedelta.render import plot_loss_curves
from strokedelta.synthetic import synthetic_series

__all__ = ["SIZES", "STAGES", "run_demo"]

#: Sizes that differ between the full demo and ``--quick`` (the experiments have their own).
SIZES = {
    "full": {"drawings": 600, "series_rows": 5000},
    "quick": {"drawings": 150, "series_rows": 1000},
}
#: The demo's stages, in the order they run (the keys of ``DemoResult.timings``).
STAGES = (
    "drawings",
    "conversions",
    "series models",
    "shift experiment",
    "sketch-shift experiment",
    "rollout drawings",
    "drift experiment",
)


def _series_stage(
    folder: Path, quick: bool, device: str, seed: int
) -> tuple[int, pd.DataFrame, list[Path]]:
    """Series, both regressors on them and the notebook's loss curves, written into folder:
    the number of rows, the regressors' table and the files."""
    rows = SIZES["quick" if quick else "full"]["series_rows"]
    epochs = experiment_settings("shift", quick=quick, seed=seed)["epochs"]
    series = synthetic_series(rows, n_features=3, n_groups=10, walk=True, seed=seed)
    files = [write_csv(series, folder / "series.csv")]
    models = series_model_table(series, device, seed)
    files.append(write_csv(models, folder / "series_models.csv"))
    curves = loss_curve_runs(device, seed, epochs)
    files.append(plot_loss_curves(curves, folder / "loss_curves.png"))
    return len(series), models, files


def run_demo(
    out_dir: str | os.PathLike[str] = "strokedelta-demo",
    *,
    quick: bool = False,
    device: str = "auto",
    seed: int = 0,
    data: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> DemoResult:
    """Run the whole demo and write its report, tables and pictures into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Output folder (created if needed; files in it are replaced).
    quick : bool
        Small sizes everywhere (seconds instead of minutes), for tests and a first look.
    device : {"auto", "cpu", "cuda"}
        Where torch trains.
    seed : int
        Seed of every random choice.
    data : path-like, optional
        A drawings file (any format :func:`~strokedelta.read_drawings` reads) used for the
        sketch steps instead of synthetic drawings; raw (float or timed) drawings are
        simplified first.
    progress : bool, optional
        Progress bars on stderr; None shows them when stderr is a terminal.

    Returns
    -------
    DemoResult
        The tables, the files written (``report.md`` last) and how the demo ran.
    """
    device = device_type(device)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    common: dict[str, Any] = {"quick": quick, "device": device, "seed": seed, "progress": show}
    clock = StageTimer(STAGES, show)
    with clock("drawings"):
        drawings, source = load_sketch_data(
            data, n_drawings=SIZES["quick" if quick else "full"]["drawings"], seed=seed
        )
        folder = output_dir(out_dir)  # only once the input has been read without error
        files = [save_drawing_grid(drawings, folder / "drawings.svg")]
    with clock("conversions"):
        conversions = conversion_table(drawings, folder)
        files += [folder / name for name in conversions["file"] if name != "-"]
    with clock("series models"):
        series_rows, series_models, written = _series_stage(folder, quick, device, seed)
        files += written
    with clock("shift experiment"):
        shift = run_experiment_files("shift", folder, **common)
    with clock("sketch-shift experiment"):
        sketch_shift = run_experiment_files("sketch-shift", folder, data=drawings, **common)
    with clock("rollout drawings"):
        rolled = rollout_svg(drawings, folder / "rollouts.svg", device=device, seed=seed)
    with clock("drift experiment"):
        drift = run_experiment_files("drift", folder, **common)
    clock.close()
    files += [*shift.files, *sketch_shift.files, *([rolled] if rolled else []), *drift.files]
    result = DemoResult(
        out_dir=folder,
        report=folder / "report.md",
        quick=quick,
        device=device,
        seed=seed,
        data=data,
        drawings_source=source if data else f"{source} (seed {seed})",
        n_drawings=len(drawings),
        n_points=drawings.n_points,
        series_rows=series_rows,
        conversions=conversions,
        series_models=series_models,
        shift=shift.table,
        sketch_shift=sketch_shift.table,
        drift=drift.table,
        timings=dict(clock.seconds),
        files=(*files, folder / "report.md"),
    )
    write_report(result)
    return result
