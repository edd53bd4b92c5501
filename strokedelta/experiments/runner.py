"""Run an experiment by name with full or quick settings (what the CLI and the demo call).

Examples
--------
>>> experiment_settings("shift", quick=True, seed=5)["seeds"]
(5,)
>>> experiment_settings("spin", quick=True, seed=0)
Traceback (most recent call last):
...
strokedelta.exceptions.ValidationError: experiment must be one of 'shift', 'sketch-shift', \
'drift'; got 'spin'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from strokedelta._validation import check_choice, fail
from strokedelta.experiments.drift import drift_experiment, write_drift_outputs
from strokedelta.experiments.shift import shift_experiment, shift_summary, write_shift_outputs
from strokedelta.experiments.sketch_shift import run_sketch_shift, write_sketch_shift_outputs
from strokedelta.io import read_drawings
from strokedelta.models import device_type
from strokedelta.sketch import Drawings, simplify_drawings
from strokedelta.synthetic import synthetic_drawings

__all__ = [
    "EXPERIMENTS",
    "OUTPUTS",
    "ExperimentRun",
    "experiment_settings",
    "load_sketch_data",
    "run_experiment",
    "run_experiment_files",
]

#: Experiment names, as the CLI spells them.
EXPERIMENTS = ("shift", "sketch-shift", "drift")
#: The files each experiment writes into its output folder.
OUTPUTS = {
    "shift": ("shift.csv", "shift.png"),
    "sketch-shift": ("sketch_shift.csv", "sketch_shift.png", "rollouts.png"),
    "drift": ("drift.csv", "drift.png"),
}

_FULL: dict[str, dict[str, Any]] = {
    "shift": {"n_rows": 500, "epochs": 20},
    "sketch-shift": {"n_drawings": 600},
    "drift": {"max_length": 1_000_000, "anchors": (0, 10_000, 1_000, 100), "train_rows": 20_000},
}
_QUICK: dict[str, dict[str, Any]] = {
    "shift": {"n_rows": 200, "epochs": 10},
    "sketch-shift": {"n_drawings": 150},
    "drift": {"max_length": 10_000, "anchors": (0, 1_000, 100), "train_rows": 2_000},
}


def experiment_settings(name: str, *, quick: bool, seed: int) -> dict[str, Any]:
    """Keyword arguments of the experiment ``name`` in full or quick mode, seeded by ``seed``."""
    check_choice("experiment", name, EXPERIMENTS)
    settings: dict[str, Any] = dict((_QUICK if quick else _FULL)[name])
    if name == "shift":
        settings["seeds"] = (seed,) if quick else (seed, seed + 1, seed + 2)
    else:
        settings["seed"] = seed
    return settings


def load_sketch_data(data: Any, *, n_drawings: int, seed: int) -> tuple[Drawings, str]:
    """Drawings for the sketch experiments and a sentence saying where they came from.

    ``data`` is a Drawings, a path of any drawings format (raw Quick, Draw! drawings, with
    float or timed points, are simplified with Google's recipe first), or None for
    ``n_drawings`` synthetic drawings.
    """
    if data is None:
        return synthetic_drawings(n_drawings, seed=seed), f"{n_drawings} synthetic drawings"
    if isinstance(data, Drawings):
        return data, f"{len(data)} given drawings"
    drawings = read_drawings(data)
    source = f"{len(drawings)} drawings read from `{data}`"
    if drawings.strokes.values.dtype.kind == "f" or drawings.time is not None:
        drawings = simplify_drawings(drawings)
        source += ", simplified with Google's recipe (epsilon 2.0)"
    return drawings, source


@dataclass(frozen=True)
class ExperimentRun:
    """One experiment's table and the files it wrote (what ``strokedelta experiment`` prints).

    Examples
    --------
    >>> run = run_experiment_files("drift", None, quick=True)
    >>> run.files, run.key_table() is run.table
    ((), True)
    """

    name: str
    table: pd.DataFrame
    files: tuple[Path, ...] = ()

    def key_table(self) -> pd.DataFrame:
        """The table to show: the per-model summary for ``shift``, the whole table otherwise."""
        return shift_summary(self.table) if self.name == "shift" else self.table

    def key_table_text(self) -> str:
        """:meth:`key_table` as plain text, up to 160 characters wide."""
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            return self.key_table().to_string(index=False)


def run_experiment_files(
    name: str,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    quick: bool = False,
    device: str = "cpu",
    seed: int = 0,
    data: Any = None,
    progress: bool = False,
) -> ExperimentRun:
    """:func:`run_experiment`, returning the table with the paths of the files written.

    Parameters are those of :func:`run_experiment`; ``files`` is empty when ``out_dir`` is
    None.
    """
    settings = experiment_settings(name, quick=quick, seed=seed)
    common: dict[str, Any] = {"device": device_type(device), "progress": progress}
    if name != "sketch-shift" and data is not None:
        raise fail("data", "be given only for the sketch-shift experiment", f"{data} for {name}")
    written: list[Path] = []
    if name == "shift":
        table = shift_experiment(**settings, **common)
        if out_dir is not None:
            written = write_shift_outputs(table, out_dir)
    elif name == "drift":
        table = drift_experiment(**settings, **common)
        if out_dir is not None:
            written = write_drift_outputs(table, out_dir)
    else:
        drawings, _ = load_sketch_data(data, n_drawings=settings.pop("n_drawings"), seed=seed)
        table, rollouts = run_sketch_shift(drawings, **settings, **common)
        if out_dir is not None:
            written = write_sketch_shift_outputs(table, rollouts, out_dir)
    return ExperimentRun(name, table, tuple(written))


def run_experiment(
    name: str,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    quick: bool = False,
    device: str = "cpu",
    seed: int = 0,
    data: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run ``shift``, ``sketch-shift`` or ``drift`` and write its CSV and PNG into ``out_dir``.

    Parameters
    ----------
    name : {"shift", "sketch-shift", "drift"}
    out_dir : path-like, optional
        Where the files go (nothing is written when None).
    quick : bool
        Small settings (seconds) instead of the full grid.
    device, seed, progress
        Torch device (``"auto"``, ``"cpu"`` or ``"cuda"``), seed of everything random, tqdm
        bars on stderr.
    data : Drawings or path-like, optional
        Drawings for ``sketch-shift`` (synthetic when None); other experiments take none.

    Returns
    -------
    DataFrame
        The experiment's table (:func:`run_experiment_files` also gives the files written).
    """
    return run_experiment_files(
        name, out_dir, quick=quick, device=device, seed=seed, data=data, progress=progress
    ).table
