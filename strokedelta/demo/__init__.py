"""The demo: one pipeline that exercises the whole library, its report, and the result object.

=============================  ====================================================
module                         what it holds
=============================  ====================================================
:mod:`~.demo.pipeline`         :func:`run_demo` (``strokedelta demo``)
:mod:`~.demo.stages`           its steps that are not experiments (format round
                               trips, regressors on series, loss curves, rollouts)
:mod:`~.demo.result`           :class:`DemoResult`: tables and files of a run
:mod:`~.demo.report`           ``report.md`` and the key tables the CLI prints
:mod:`~.demo.notebook`         the original notebook's two experiments, as text
:mod:`~.demo.sketch`           sketches end to end on Quick, Draw! files, as text
=============================  ====================================================

Examples
--------
>>> SIZES["quick"]["drawings"]
150
"""

from strokedelta.demo.notebook import notebook_demo
from strokedelta.demo.pipeline import SIZES, STAGES, run_demo
from strokedelta.demo.report import findings, key_tables, markdown_table, write_report
from strokedelta.demo.result import DemoResult
from strokedelta.demo.sketch import sketch_demo
from strokedelta.demo.stages import (
    CONVERSIONS,
    StageTimer,
    continue_drawings,
    conversion_table,
    loss_curve_runs,
    rollout_svg,
    save_drawing_grid,
    series_model_table,
)

__all__ = [
    "CONVERSIONS",
    "SIZES",
    "STAGES",
    "DemoResult",
    "StageTimer",
    "continue_drawings",
    "conversion_table",
    "findings",
    "key_tables",
    "loss_curve_runs",
    "markdown_table",
    "notebook_demo",
    "rollout_svg",
    "run_demo",
    "save_drawing_grid",
    "series_model_table",
    "sketch_demo",
    "write_report",
]
