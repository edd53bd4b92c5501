"""Shift-robustness experiments: each returns a DataFrame and can write its CSV and PNG.

=================  ===============================  =====================================
name               function                         writes
=================  ===============================  =====================================
``shift``          :func:`shift_experiment`         ``shift.csv``, ``shift.png``
``sketch-shift``   :func:`sketch_shift_experiment`  ``sketch_shift.csv``,
                                                    ``sketch_shift.png``, ``rollouts.png``
``drift``          :func:`drift_experiment`         ``drift.csv``, ``drift.png``
=================  ===============================  =====================================

:func:`run_experiment` runs one by name with the full or ``quick`` settings of the CLI;
:func:`run_experiment_files` does the same and returns an :class:`ExperimentRun` (the table,
its key table and the files written). :mod:`~.experiments.metrics` holds what they measure,
:mod:`~.experiments.outputs` where their files go; the figures are drawn by
:mod:`strokedelta.render`.

Examples
--------
>>> table = run_experiment("drift", quick=True)
>>> sorted(table["anchor_every"].unique().tolist())
[0, 100, 1000]
"""

from strokedelta.experiments.drift import DRIFT_COLUMNS, drift_experiment
from strokedelta.experiments.metrics import epochs_to_converge, rmse
from strokedelta.experiments.outputs import output_dir, write_csv
from strokedelta.experiments.runner import (
    EXPERIMENTS,
    OUTPUTS,
    ExperimentRun,
    experiment_settings,
    load_sketch_data,
    run_experiment,
    run_experiment_files,
)
from strokedelta.experiments.shift import (
    NOTEBOOK_LR,
    SHIFT_COLUMNS,
    SHIFT_LRS,
    SHIFTS,
    shift_experiment,
    shift_findings,
    shift_summary,
)
from strokedelta.experiments.sketch_shift import (
    SKETCH_SHIFT_COLUMNS,
    TRANSLATIONS,
    drawing_prefixes,
    rollout_cuts,
    run_sketch_shift,
    sketch_shift_experiment,
    split_drawings,
    translate_drawings,
)

__all__ = [
    "DRIFT_COLUMNS",
    "EXPERIMENTS",
    "NOTEBOOK_LR",
    "OUTPUTS",
    "SHIFTS",
    "SHIFT_COLUMNS",
    "SHIFT_LRS",
    "SKETCH_SHIFT_COLUMNS",
    "TRANSLATIONS",
    "ExperimentRun",
    "drawing_prefixes",
    "drift_experiment",
    "epochs_to_converge",
    "experiment_settings",
    "load_sketch_data",
    "output_dir",
    "rmse",
    "rollout_cuts",
    "run_experiment",
    "run_experiment_files",
    "run_sketch_shift",
    "shift_experiment",
    "shift_findings",
    "shift_summary",
    "sketch_shift_experiment",
    "split_drawings",
    "translate_drawings",
    "write_csv",
]
