"""The demo's steps that are not experiments: format round trips, both regressors on series,
the notebook's loss curves, drawings continued by a model, and a timer over the stages.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.synthetic import synthetic_drawings
>>> table = conversion_table(synthetic_drawings(3, seed=0), pathlib.Path(tempfile.mkdtemp()))
>>> table["round trip exact"].tolist()
['yes', 'yes', 'yes', 'yes']
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from strokedelta._files import atomic_path
from strokedelta.exceptions import StrokeDeltaError, TrainingDivergedError
from strokedelta.experiments import NOTEBOOK_LR, drawing_prefixes, rmse, rollout_cuts
from strokedelta.io import read_drawings, write_drawings
from strokedelta.models import AbsoluteLinearRegressor, DeltaLinearRegressor, NextDeltaRegressor
from strokedelta.render import LossCurve, save_svg
from strokedelta.sketch import Drawings, stroke3_to_stroke5_batch, stroke5_to_stroke3_batch
from strokedelta.synthetic import synthetic_series

__all__ = [
    "CONVERSIONS",
    "StageTimer",
    "continue_drawings",
    "conversion_table",
    "loss_curve_runs",
    "rollout_svg",
    "save_drawing_grid",
    "series_model_table",
]

#: The file formats the demo writes the drawings in and reads back: (name, suffix).
CONVERSIONS = (
    ("Quick, Draw! ndjson", ".ndjson"),
    ("Sketch-RNN npz (stroke-3)", ".npz"),
    ("Parquet", ".parquet"),
)


def _same(a: Drawings, b: Drawings) -> bool:
    return bool(
        np.array_equal(a.strokes.offsets, b.strokes.offsets)
        and np.array_equal(a.strokes.values, b.strokes.values)
    )


def _stroke5_row(drawings: Drawings, folder: Path) -> dict[str, Any]:
    """Write the padded stroke-5 batch as ``drawings_stroke5.npy`` and convert it back."""
    stroke5, _, _ = stroke3_to_stroke5_batch(drawings.strokes)
    path = folder / "drawings_stroke5.npy"
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, stroke5, allow_pickle=False)
    back3 = stroke5_to_stroke3_batch(stroke5)
    exact = bool(np.array_equal(back3.values, drawings.strokes.values))
    return {
        "format": f"stroke-5 {stroke5.shape} (padded, start token)",
        "file": path.name,
        "bytes": path.stat().st_size,
        "round trip exact": "yes" if exact else "NO",
    }


def conversion_table(drawings: Drawings, folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Write ``drawings`` in every format of :data:`CONVERSIONS` and as stroke-5 into
    ``folder``, read each back and compare.

    Returns
    -------
    DataFrame
        ``format``, ``file`` (``-`` when the format could not hold the drawings), ``bytes``
        and ``round trip exact`` (``yes``, ``NO`` or why it was not written).
    """
    folder = Path(folder)
    rows: list[dict[str, Any]] = []
    for name, suffix in CONVERSIONS:
        path = folder / f"drawings{suffix}"
        try:
            write_drawings(drawings, path)
            back = read_drawings(path, split="train") if suffix == ".npz" else read_drawings(path)
            rows.append(
                {
                    "format": name,
                    "file": path.name,
                    "bytes": path.stat().st_size,
                    "round trip exact": "yes" if _same(back, drawings) else "NO",
                }
            )
        except StrokeDeltaError as exc:
            rows.append(
                {"format": name, "file": "-", "bytes": 0, "round trip exact": f"not written: {exc}"}
            )
    rows.append(_stroke5_row(drawings, folder))
    return pd.DataFrame(rows)


def series_model_table(frame: pd.DataFrame, device: str, seed: int) -> pd.DataFrame:
    """Both regressors with their defaults on the series and on a copy shifted by +1000.

    ``frame`` is a :func:`~strokedelta.synthetic_series` table (features ``x...``, ``y``,
    ``group`` and its ``weights`` in ``attrs``). One row per model and shift: whether training
    diverged, the RMSE, the closed-form least-squares RMSE, their ratio and the seconds taken.
    """
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


def loss_curve_runs(
    device: str, seed: int, epochs: int, shifts: Sequence[float] = (0.0, 10.0, 1000.0)
) -> list[LossCurve]:
    """The notebook's setting (SGD lr 0.01, batch 10) at each shift, both models.

    A run that diverged has no history and names its epoch (from the
    :class:`~strokedelta.TrainingDivergedError`).
    """
    curves = []
    for name, cls in (("absolute", AbsoluteLinearRegressor), ("delta", DeltaLinearRegressor)):
        for shift in shifts:
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
                curves.append(LossCurve(name, label, None, diverged=f"epoch {exc.epoch}"))
    return curves


def save_drawing_grid(
    drawings: Drawings,
    path: str | os.PathLike[str],
    *,
    highlight: np.ndarray | None = None,
    limit: int = 16,
    columns: int = 4,
) -> Path:
    """SVG grid of the first ``limit`` drawings, ``columns`` to a row.

    ``highlight`` flags points of ``drawings`` to draw in the accent colour.
    """
    count = min(limit, len(drawings))
    columns = min(columns, count)
    rows = -(-count // columns)
    shown = drawings[:count]
    flags = None if highlight is None else highlight[: shown.n_points]
    return save_svg(shown, path, grid=(rows, columns), highlight=flags)


def continue_drawings(
    model: NextDeltaRegressor, drawings: Drawings, steps: int, limit: int = 16
) -> tuple[Drawings, np.ndarray] | None:
    """Up to ``limit`` drawings cut inside a stroke and continued by ``model`` for ``steps``
    points, and a flag per point that is True on the continuation.

    None when no drawing has a stroke with room for ``steps`` points after the model's window.
    """
    usable, cuts = rollout_cuts(drawings, model.window, steps)
    if len(usable) == 0:
        return None
    chosen = slice(0, min(limit, len(usable)))
    prefixes = drawing_prefixes(drawings[usable[chosen]], cuts[chosen])
    rolled = model.rollout_drawings(prefixes, steps)
    continued = rolled.strokes.positions() >= np.repeat(prefixes.lengths, rolled.lengths)
    return rolled, continued


def rollout_svg(
    drawings: Drawings, path: str | os.PathLike[str], *, device: str, seed: int, steps: int = 12
) -> Path | None:
    """Fit the next-delta model on ``drawings`` and write their continuations as an SVG grid
    (the continuations in the accent colour); None when no drawing has room for them."""
    model = NextDeltaRegressor(device=device, random_state=seed).fit(drawings)
    continued = continue_drawings(model, drawings, steps)
    if continued is None:
        return None
    rolled, flags = continued
    return save_drawing_grid(rolled, path, highlight=flags)


class StageTimer:
    """A tqdm bar over named stages (on stderr when ``show``) that also times each stage.

    Examples
    --------
    >>> clock = StageTimer(("one",), show=False)
    >>> with clock("one"):
    ...     pass
    >>> clock.close()
    >>> list(clock.seconds)
    ['one']
    """

    def __init__(self, names: Sequence[str], show: bool) -> None:
        self.bar = tqdm(total=len(names), desc="demo", disable=not show, file=sys.stderr)
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
