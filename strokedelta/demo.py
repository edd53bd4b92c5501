"""The demo pipeline behind ``strokedelta demo``: data, conversions, models, experiments, report.

:func:`run_demo` generates synthetic drawings and series (or reads real drawings), converts the
drawings (stroke-3, stroke-5, Quick, Draw! ndjson, Sketch-RNN npz, Parquet) and checks the round
trips, trains the delta and absolute regressors on series and the two sketch models on
drawings, runs the three experiments of :mod:`strokedelta.experiments`, and writes everything
with a ``report.md`` that links the pictures and states what the numbers show.

Examples
--------
>>> SIZES["quick"]["drawings"] < SIZES["full"]["drawings"]
True
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from strokedelta._files import atomic_path
from strokedelta.demo_report import DemoResults, write_report
from strokedelta.exceptions import StrokeDeltaError, TrainingDivergedError
from strokedelta.experiments._common import diverged_epoch, output_dir, rmse, write_csv
from strokedelta.experiments.runner import experiment_settings, load_sketch_data, run_experiment
from strokedelta.experiments.shift import NOTEBOOK_LR
from strokedelta.experiments.sketch_shift import drawing_prefixes, rollout_cuts
from strokedelta.io import read_drawings, write_drawings
from strokedelta.models import AbsoluteLinearRegressor, DeltaLinearRegressor, NextDeltaRegressor
from strokedelta.models._training import resolve_device
from strokedelta.plots import LossCurve, plot_loss_curves
from strokedelta.sketch import Drawings, stroke3_to_stroke5_batch, stroke5_to_stroke3_batch
from strokedelta.synthetic import synthetic_series

__all__ = ["SIZES", "run_demo"]


#: Sizes that differ between the full demo and ``--quick`` (the experiments have their own).
SIZES = {
    "full": {"drawings": 600, "series_rows": 5000},
    "quick": {"drawings": 150, "series_rows": 1000},
}


def _conversions(drawings: Drawings, folder: Path) -> pd.DataFrame:
    """Write the drawings in every format, read them back and compare."""
    rows: list[dict[str, Any]] = []
    for name, suffix in (
        ("Quick, Draw! ndjson", ".ndjson"),
        ("Sketch-RNN npz (stroke-3)", ".npz"),
        ("Parquet", ".parquet"),
    ):
        path = folder / f"drawings{suffix}"
        try:
            write_drawings(drawings, path)
            back = read_drawings(path, split="train") if suffix == ".npz" else read_drawings(path)
            exact = bool(
                np.array_equal(back.strokes.offsets, drawings.strokes.offsets)
                and np.array_equal(back.strokes.values, drawings.strokes.values)
            )
            rows.append(
                {
                    "format": name,
                    "file": path.name,
                    "bytes": path.stat().st_size,
                    "round trip exact": "yes" if exact else "NO",
                }
            )
        except StrokeDeltaError as exc:
            rows.append(
                {"format": name, "file": "-", "bytes": 0, "round trip exact": f"not written: {exc}"}
            )
    stroke5, _, _ = stroke3_to_stroke5_batch(drawings.strokes)
    path = folder / "drawings_stroke5.npy"
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, stroke5, allow_pickle=False)
    back3 = stroke5_to_stroke3_batch(stroke5)
    exact = bool(np.array_equal(back3.values, drawings.strokes.values))
    rows.append(
        {
            "format": f"stroke-5 {stroke5.shape} (padded, start token)",
            "file": path.name,
            "bytes": path.stat().st_size,
            "round trip exact": "yes" if exact else "NO",
        }
    )
    return pd.DataFrame(rows)


def _render(
    drawings: Drawings, folder: Path, name: str, highlight: np.ndarray | None = None
) -> Path | None:
    """SVG grid of up to 16 drawings (skipped quietly when the renderer is unavailable)."""
    try:
        from strokedelta.render import save_svg
    except ImportError:  # pragma: no cover - the renderer lives in another area
        return None
    count = min(16, len(drawings))
    columns = min(4, count)
    rows = -(-count // columns)
    path = folder / name
    shown = drawings[:count]
    flags = None if highlight is None else highlight[: shown.n_points]
    save_svg(shown, path, grid=(rows, columns), highlight=flags)
    return path


def _series_models(frame: pd.DataFrame, device: str, seed: int) -> pd.DataFrame:
    """Both regressors with their defaults on the series and on a copy shifted by +1000."""
    features = [c for c in frame.columns if c.startswith("x")]
    rows = []
    for shift in (0.0, 1000.0):
        shifted = frame.copy()
        shifted[features] += shift
        shifted["y"] += shift * float(np.sum(frame.attrs["weights"]))
        x, y, groups = shifted[features], shifted["y"], shifted["group"]
        best = rmse(AbsoluteLinearRegressor(solver="lstsq").fit(x, y).predict(x), y.to_numpy())
        for name, cls in (("absolute", AbsoluteLinearRegressor), ("delta", DeltaLinearRegressor)):
            start = time.perf_counter()
            try:
                model = cls(device=device, random_state=seed).fit(x, y, groups=groups)
                error, diverged = rmse(model.predict(x), y.to_numpy()), False
            except TrainingDivergedError:
                error, diverged = float("nan"), True
            rows.append(
                {
                    "model": name,
                    "shift": shift,
                    "diverged": diverged,
                    "rmse": error,
                    "rmse_lstsq": best,
                    "rmse_ratio": error / best,
                    "seconds": time.perf_counter() - start,
                }
            )
    return pd.DataFrame(rows)


def _loss_curves(device: str, seed: int, epochs: int, folder: Path) -> Path:
    """The notebook's setting (SGD lr 0.01, batch 10) at shifts 0, 10, 1000, both models."""
    curves = []
    for name, cls in (("absolute", AbsoluteLinearRegressor), ("delta", DeltaLinearRegressor)):
        for shift in (0.0, 10.0, 1000.0):
            frame = synthetic_series(500, n_groups=4, weights=[2.0], shift=shift, seed=seed)
            model = cls(
                optimizer="sgd",
                lr=NOTEBOOK_LR,
                batch_size=10,
                epochs=epochs,
                device=device,
                random_state=seed,
            )
            label = f"x + {shift:g}, SGD lr={NOTEBOOK_LR:g}"
            try:
                model.fit(frame[["x"]], frame["y"], groups=frame["group"])
                curves.append(LossCurve(name, label, list(model.history_)))
            except TrainingDivergedError as exc:
                epoch = diverged_epoch(str(exc))
                curves.append(LossCurve(name, label, None, diverged=f"epoch {epoch}"))
    return plot_loss_curves(curves, folder / "loss_curves.png")


def run_demo(
    out_dir: str | os.PathLike[str] = "strokedelta-demo",
    *,
    quick: bool = False,
    device: str = "auto",
    seed: int = 0,
    data: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> Path:
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
    Path
        The written ``report.md``.
    """
    sizes = SIZES["quick" if quick else "full"]
    device = resolve_device(device).type
    show = sys.stderr.isatty() if progress is None else bool(progress)
    results = DemoResults(quick=quick, device=device, seed=seed, data=data)
    clock = _Stages(show)

    with clock("drawings"):
        drawings, source = load_sketch_data(data, n_drawings=sizes["drawings"], seed=seed)
        folder = output_dir(out_dir)  # only once the input has been read without error
        results.drawings_source = source if data else f"{source} (seed {seed})"
        results.n_drawings, results.n_points = len(drawings), drawings.n_points
        results.svg_files = [p for p in [_render(drawings, folder, "drawings.svg")] if p]
    with clock("conversions"):
        results.conversions = _conversions(drawings, folder)
    with clock("series models"):
        series = synthetic_series(
            sizes["series_rows"], n_features=3, n_groups=10, walk=True, seed=seed
        )
        write_csv(series, folder / "series.csv")
        results.series_rows = len(series)
        results.series_models = _series_models(series, device, seed)
        write_csv(results.series_models, folder / "series_models.csv")
        epochs = experiment_settings("shift", quick=quick, seed=seed)["epochs"]
        _loss_curves(device, seed, epochs, folder)
    with clock("shift experiment"):
        results.shift = run_experiment(
            "shift", folder, quick=quick, device=device, seed=seed, progress=show
        )
    with clock("sketch-shift experiment"):
        results.sketch_shift = run_experiment(
            "sketch-shift",
            folder,
            quick=quick,
            device=device,
            seed=seed,
            progress=show,
            data=drawings,
        )
    with clock("rollout drawings"):
        rolled = _rollout_svg(drawings, folder, seed, device)
        results.svg_files += [rolled] if rolled else []
    with clock("drift experiment"):
        results.drift = run_experiment(
            "drift", folder, quick=quick, device=device, seed=seed, progress=show
        )
    clock.close()
    results.timings = clock.seconds
    return write_report(results, folder / "report.md")


class _Stages:
    """A tqdm bar over the demo's stages that also times each stage."""

    names = (
        "drawings",
        "conversions",
        "series models",
        "shift experiment",
        "sketch-shift experiment",
        "rollout drawings",
        "drift experiment",
    )

    def __init__(self, show: bool) -> None:
        self.bar = tqdm(total=len(self.names), desc="demo", disable=not show, file=sys.stderr)
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.bar.set_postfix_str(name)
        start = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - start
        self.bar.update()

    def close(self) -> None:
        self.bar.close()


def _rollout_svg(drawings: Drawings, folder: Path, seed: int, device: str) -> Path | None:
    """Drawings cut inside a stroke and continued by the next-delta model for 12 points."""
    model = NextDeltaRegressor(device=device, random_state=seed).fit(drawings)
    usable, cuts = rollout_cuts(drawings, model.window, 12)
    if len(usable) == 0:
        return None
    chosen = slice(0, min(16, len(usable)))
    prefixes = drawing_prefixes(drawings[usable[chosen]], cuts[chosen])
    rolled = model.rollout_drawings(prefixes, 12)
    continued = rolled.strokes.positions() >= np.repeat(prefixes.lengths, rolled.lengths)
    return _render(rolled, folder, "rollouts.svg", highlight=continued)
