"""Shift-robustness experiments: each returns a DataFrame and can write its CSV and PNG.

=================  ===============================  =====================================
name               function                         writes
=================  ===============================  =====================================
``shift``          :func:`shift_experiment`         ``shift.csv``, ``shift.png``
``sketch-shift``   :func:`sketch_shift_experiment`  ``sketch_shift.csv``,
                                                    ``sketch_shift.png``, ``rollouts.png``
``drift``          :func:`drift_experiment`         ``drift.csv``, ``drift.png``
=================  ===============================  =====================================

:func:`run_experiment` runs one by name with the full or ``quick`` settings of the CLI.

Examples
--------
>>> table = run_experiment("drift", quick=True)
>>> sorted(table["anchor_every"].unique().tolist())
[0, 100, 1000]
"""

from strokedelta.experiments.drift import DRIFT_COLUMNS, drift_experiment
from strokedelta.experiments.runner import EXPERIMENTS, run_experiment
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
    sketch_shift_experiment,
    translate_drawings,
)

__all__ = [
    "DRIFT_COLUMNS",
    "EXPERIMENTS",
    "NOTEBOOK_LR",
    "SHIFTS",
    "SHIFT_COLUMNS",
    "SHIFT_LRS",
    "SKETCH_SHIFT_COLUMNS",
    "TRANSLATIONS",
    "drift_experiment",
    "run_experiment",
    "shift_experiment",
    "shift_findings",
    "shift_summary",
    "sketch_shift_experiment",
    "translate_drawings",
]
