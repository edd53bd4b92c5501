"""The demo's ``report.md``: what was run, the findings checked against the numbers, the
tables; and the key tables the CLI prints, all from a :class:`~strokedelta.demo.DemoResult`.

Examples
--------
>>> import pandas as pd
>>> print(markdown_table(pd.DataFrame({"model": ["delta"], "rmse": [0.5012345]})))
| model | rmse |
|---|---|
| delta | 0.5012 |
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._files import atomic_path
from strokedelta.demo.result import DemoResult
from strokedelta.experiments import (
    NOTEBOOK_LR,
    SKETCH_SHIFT_COLUMNS,
    shift_findings,
    shift_summary,
)

__all__ = ["findings", "key_tables", "markdown_table", "write_report"]


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return "-"
        return f"{value:.{digits}g}"
    return str(value)


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub markdown table of ``frame`` (floats to ``digits`` significant digits, NaN as -)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = [
        "| " + " | ".join(_cell(v, digits) for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def _mark(ok: bool) -> str:
    return "**yes**" if ok else "**NO**"


def _shift_lines(shift: pd.DataFrame) -> list[str]:
    facts = shift_findings(shift)
    start = facts["absolute_diverges_from"]
    first = (
        f"Absolute `nn.Linear` (SGD, lr={NOTEBOOK_LR:g}, batch 10, the notebook's settings) "
        f"diverged on every seed for every shift >= {start:g}"
        if start is not None
        else "Absolute `nn.Linear` at the notebook's lr did not diverge on every seed at the "
        "largest shift"
    )
    first += f"; diverges for every shift >= 1e3: {_mark(start is not None and start <= 1e3)}."
    ratio = facts["delta_rmse_ratio"]
    return [
        first,
        "Delta regression never diverged at the learning rates that are stable on unshifted "
        f"data ({', '.join(f'{lr:g}' for lr in facts['delta_stable_lrs'])}): "
        f"{facts['delta_diverged_where_stable']} diverged runs over all shifts: "
        f"{_mark(facts['delta_diverged_where_stable'] == 0)}.",
        f"Delta's RMSE in absolute units at its best learning rate in the grid "
        f"(lr={facts['delta_best_lr']:g}), worst over shifts and seeds, is {ratio - 1:+.3%} "
        "from the closed-form least squares; within 1%: "
        f"{_mark(bool(ratio <= 1.01))}. Identical at every shift: "
        f"{_mark(facts['delta_shift_invariant'])}.",
    ]


def _series_line(series_models: pd.DataFrame) -> str:
    ratios = series_models.set_index(["model", "shift"])["rmse_ratio"]
    shifted = float(ratios.index.get_level_values("shift").max())
    delta_worst = float(ratios["delta"].max())
    return (
        "With their default settings (Adam) on grouped multi-feature random-walk series, "
        f"delta's RMSE is {ratios[('delta', 0.0)] - 1:+.2%} from least squares on the original "
        f"data and {ratios[('delta', shifted)] - 1:+.2%} on the copy shifted by {shifted:g}; "
        f"absolute's {ratios[('absolute', 0.0)] - 1:+.2%} and "
        f"{ratios[('absolute', shifted)]:.3g} times the optimum. Delta within 1%: "
        f"{_mark(delta_worst <= 1.01)}."
    )


def _sketch_lines(sketch: pd.DataFrame) -> list[str]:
    far = sketch["translation"].max()
    lines = []
    for solver, part in sketch.groupby("solver", sort=False):
        delta = part[part["model"] == "delta"]
        point = part[part["model"] == "absolute"]
        d_ratio = float(delta["rmse_one_step_ratio"].max())
        p_ratio = float(point.loc[point["translation"] == far, "rmse_one_step_ratio"].iloc[0])
        lines.append(
            f"Sketches ({solver}): the next-delta model's one-step RMSE changes by a factor "
            f"{d_ratio:.6f} under translations up to {far:g} px (unchanged: "
            f"{_mark(abs(d_ratio - 1) < 1e-6)}), the next-point model's by {p_ratio:.2f}."
        )
    return lines


def _drift_line(drift: pd.DataFrame) -> str:
    longest = drift["length"].max()
    at = drift[drift["length"] == longest].set_index(["variant", "anchor_every"])["rmse"]
    finest = min(k for k in drift["anchor_every"].unique() if k > 0)
    parts = [
        f"{variant} {at[(variant, 0)]:.3g} (every {finest}: {at[(variant, finest)]:.3g})"
        for variant in dict.fromkeys(drift["variant"])
    ]
    return (
        f"Rebuilding {longest:,} steps from one anchor, the RMSE is: "
        + "; ".join(parts)
        + f". Re-anchoring every {finest} steps keeps every variant at or below "
        f"{max(at[(v, finest)] for v in dict.fromkeys(drift['variant'])):.3g}."
    )


def findings(result: DemoResult) -> list[str]:
    """The headline statements, each with the numbers that back it and whether it holds."""
    lines: list[str] = []
    if result.shift is not None:
        lines += _shift_lines(result.shift)
    if result.series_models is not None:
        lines.append(_series_line(result.series_models))
    if result.sketch_shift is not None:
        lines += _sketch_lines(result.sketch_shift)
    if result.drift is not None:
        lines.append(_drift_line(result.drift))
    return lines


def key_tables(result: DemoResult) -> str:
    """The tables the CLI prints after a run: the shift summary and the sketch models' RMSE.

    Taken from ``result`` itself, never read back from files.
    """
    text = []
    if result.shift is not None:
        text += [
            "Shift experiment (absolute vs delta, SGD batch 10):",
            shift_summary(result.shift).to_string(index=False),
        ]
    if result.sketch_shift is not None:
        columns = ["model", "solver", "translation", "rmse_one_step", "rmse_rollout"]
        text += [
            "",
            "Sketch models under translation (px):",
            result.sketch_shift[columns].to_string(index=False),
        ]
    return "\n".join(text)


def _drift_pivot(table: pd.DataFrame) -> pd.DataFrame:
    pivot = table.pivot_table(
        index=["variant", "anchor_every"], columns="length", values="rmse", sort=False
    )
    pivot.columns = [f"rmse @ {c:,}" for c in pivot.columns]
    return pivot.reset_index()


def _head(result: DemoResult) -> list[str]:
    mode = "quick" if result.quick else "full"
    return [
        "# strokedelta demo report",
        "",
        f"Run: `strokedelta demo{' --quick' if result.quick else ''} --seed {result.seed}"
        f"{f' --data {result.data}' if result.data else ''}` ({mode} mode, device "
        f"`{result.device}`, {sum(result.timings.values()):.1f} s). Every number below comes "
        "from this run and every random choice from the seed.",
        "",
        "## Findings",
        "",
        *[f"- {line}" for line in findings(result)],
        "",
    ]


def _data_section(result: DemoResult, written: set[str]) -> list[str]:
    lines = [
        "## 1. Data and conversions",
        "",
        f"Drawings: {result.drawings_source}: {result.n_drawings} drawings, "
        f"{result.n_points:,} points. Series: {result.series_rows:,} rows, 3 random-walk "
        "features in 10 groups, `y = X w + 1 + noise` (`series.csv`).",
        "",
    ]
    if result.conversions is not None:
        lines += [markdown_table(result.conversions), ""]
    if "drawings.svg" in written:
        lines += ["The first drawings (`drawings.svg`):", "", "![drawings](drawings.svg)", ""]
    return lines


def _series_section(series_models: pd.DataFrame) -> list[str]:
    return [
        "## 2. Regressors on the series",
        "",
        "`AbsoluteLinearRegressor` and `DeltaLinearRegressor` with their defaults, on the "
        "series and on a copy with every feature shifted by +1000 (`series_models.csv`). "
        "`rmse_lstsq` is the closed-form least-squares optimum on the same rows.",
        "",
        markdown_table(series_models),
        "",
        "Loss curves in the notebook's setting (one feature in 0..10, SGD lr 0.01, batch 10),"
        " original and shifted inputs:",
        "",
        "![loss curves](loss_curves.png)",
        "",
    ]


def _shift_section(shift: pd.DataFrame) -> list[str]:
    return [
        "## 3. Shift experiment",
        "",
        "`y = 2 x + 1 + noise`, x uniform in [0, 10) then shifted; both models trained by "
        "plain SGD (batch 10) at each learning rate; one row per model x shift x lr x seed "
        "in `shift.csv`. Summary per model and learning rate:",
        "",
        markdown_table(shift_summary(shift)),
        "",
        "![shift heatmap](shift.png)",
        "",
    ]


def _sketch_section(sketch: pd.DataFrame, written: set[str]) -> list[str]:
    columns = list(SKETCH_SHIFT_COLUMNS[:6])  # model .. rmse_one_step_ratio
    first = sketch.iloc[0]
    lines = [
        "## 4. Sketch models under translation",
        "",
        f"`NextPointRegressor` (absolute) and `NextDeltaRegressor` (delta), window 4, trained"
        f" on {first['train_drawings']} drawings, scored on {first['test_drawings']} held-out"
        " drawings translated by the given number of pixels (RMSE in pixels; rollouts of 10"
        f" points on {first['rollout_drawings']} drawings). `gradient` = minibatch Adam, "
        "`lstsq` = the closed-form optimum of the same model (`sketch_shift.csv`).",
        "",
        markdown_table(sketch[columns]),
        "",
        "![sketch shift](sketch_shift.png)",
        "",
        "![rollouts](rollouts.png)",
        "",
    ]
    if "rollouts.svg" in written:
        lines += [
            "Drawings cut inside a stroke and continued for 12 points (in blue) by the "
            "next-delta model trained on all of them (`rollouts.svg`):",
            "",
            "![rollout drawings](rollouts.svg)",
            "",
        ]
    return lines


def _drift_section(drift: pd.DataFrame) -> list[str]:
    return [
        "## 5. Drift of cumulative-sum rebuilds",
        "",
        "A long series rebuilt from the delta model's predicted steps, from one anchor or "
        "re-anchored to the true value every k steps (`anchor_every`, 0 = the first value "
        "only); RMSE over the first n steps (`drift.csv`). Variants: `delta` is the default "
        "model summed in float64; `delta, float32 cumsum` sums the same steps in float32 "
        "(rounding accumulates); `delta + bias` learns a constant step c, which becomes a "
        "drift of c t; `delta, wandering target` adds an unobserved random walk to the "
        "target, which no model of dx predicts (its rebuild drifts like sqrt(t)).",
        "",
        markdown_table(_drift_pivot(drift)),
        "",
        "![drift](drift.png)",
        "",
    ]


def _closing(result: DemoResult, path: Path) -> list[str]:
    lines = []
    if result.timings:
        lines += [
            "## Timings",
            "",
            ", ".join(f"{name} {sec:.1f} s" for name, sec in result.timings.items()) + ".",
            "",
        ]
    files = sorted({p.name for p in result.files} - {path.name})
    return [*lines, "## Files", "", ", ".join(f"[`{name}`]({name})" for name in files), ""]


def write_report(result: DemoResult, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the report of ``result`` to ``path`` (default ``result.report``).

    Pictures and tables are linked by their file names (from ``result.files``), so the report
    belongs in ``result.out_dir``.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> result = DemoResult(out_dir=out, report=out / "report.md", quick=True, device="cpu",
    ...                     seed=0, files=(out / "series.csv", out / "report.md"))
    >>> print(write_report(result).read_text().splitlines()[-1])
    [`series.csv`](series.csv)
    """
    path = Path(result.report if path is None else path)
    written = {p.name for p in result.files}
    lines = _head(result) + _data_section(result, written)
    if result.series_models is not None:
        lines += _series_section(result.series_models)
    if result.shift is not None:
        lines += _shift_section(result.shift)
    if result.sketch_shift is not None:
        lines += _sketch_section(result.sketch_shift, written)
    if result.drift is not None:
        lines += _drift_section(result.drift)
    lines += _closing(result, path)
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return path
