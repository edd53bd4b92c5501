"""The demo's ``report.md``: what was run, the findings checked against the numbers, the tables.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._files import atomic_path
from strokedelta.experiments.shift import NOTEBOOK_LR, shift_findings, shift_summary
from strokedelta.experiments.sketch_shift import SKETCH_SHIFT_COLUMNS

__all__ = ["DemoResults", "findings", "key_tables", "markdown_table", "write_report"]


@dataclass
class DemoResults:
    """Everything a demo run produced that the report shows."""

    quick: bool
    device: str
    seed: int
    data: str | os.PathLike[str] | None = None
    drawings_source: str = ""
    n_drawings: int = 0
    n_points: int = 0
    svg_files: list[Path] = field(default_factory=list)
    conversions: pd.DataFrame | None = None
    series_rows: int = 0
    series_models: pd.DataFrame | None = None
    shift: pd.DataFrame | None = None
    sketch_shift: pd.DataFrame | None = None
    drift: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)


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


def findings(results: DemoResults) -> list[str]:
    """The headline statements, each with the numbers that back it and whether it holds."""
    lines: list[str] = []
    if results.shift is not None:
        facts = shift_findings(results.shift)
        start = facts["absolute_diverges_from"]
        lines.append(
            f"Absolute `nn.Linear` (SGD, lr={NOTEBOOK_LR:g}, batch 10, the notebook's settings) "
            f"diverged on every seed for every shift >= {start:g}"
            if start is not None
            else "Absolute `nn.Linear` at the notebook's lr did not diverge on every seed at the "
            "largest shift"
        )
        lines[-1] += (
            f"; diverges for every shift >= 1e3: {_mark(start is not None and start <= 1e3)}."
        )
        lines.append(
            "Delta regression never diverged at the learning rates that are stable on unshifted "
            f"data ({', '.join(f'{lr:g}' for lr in facts['delta_stable_lrs'])}): "
            f"{facts['delta_diverged_where_stable']} diverged runs over all shifts: "
            f"{_mark(facts['delta_diverged_where_stable'] == 0)}."
        )
        ratio = facts["delta_rmse_ratio"]
        lines.append(
            f"Delta's RMSE in absolute units at its best learning rate in the grid "
            f"(lr={facts['delta_best_lr']:g}), worst over shifts and seeds, is {ratio - 1:+.3%} "
            "from the closed-form least squares; within 1%: "
            f"{_mark(bool(ratio <= 1.01))}. Identical at every shift: "
            f"{_mark(facts['delta_shift_invariant'])}."
        )
    if results.series_models is not None:
        ratios = results.series_models.set_index(["model", "shift"])["rmse_ratio"]
        shifted = float(ratios.index.get_level_values("shift").max())
        delta_worst = float(ratios["delta"].max())
        lines.append(
            "With their default settings (Adam) on grouped multi-feature random-walk series, "
            f"delta's RMSE is {ratios[('delta', 0.0)] - 1:+.2%} from least squares on the original "
            f"data and {ratios[('delta', shifted)] - 1:+.2%} on the copy shifted by {shifted:g}; "
            f"absolute's {ratios[('absolute', 0.0)] - 1:+.2%} and "
            f"{ratios[('absolute', shifted)]:.3g} times the optimum. Delta within 1%: "
            f"{_mark(delta_worst <= 1.01)}."
        )
    if results.sketch_shift is not None:
        sketch = results.sketch_shift
        far = sketch["translation"].max()
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
    if results.drift is not None:
        drift = results.drift
        longest = drift["length"].max()
        at = drift[drift["length"] == longest].set_index(["variant", "anchor_every"])["rmse"]
        finest = min(k for k in drift["anchor_every"].unique() if k > 0)
        parts = [
            f"{variant} {at[(variant, 0)]:.3g} (every {finest}: {at[(variant, finest)]:.3g})"
            for variant in dict.fromkeys(drift["variant"])
        ]
        lines.append(
            f"Rebuilding {longest:,} steps from one anchor, the RMSE is: "
            + "; ".join(parts)
            + f". Re-anchoring every {finest} steps keeps every variant at or below "
            f"{max(at[(v, finest)] for v in dict.fromkeys(drift['variant'])):.3g}."
        )
    return lines


def key_tables(folder: str | os.PathLike[str]) -> str:
    """The tables the CLI prints after a run, read back from the CSV files in ``folder``."""
    folder = Path(folder)
    text = []
    shift_csv = folder / "shift.csv"
    if shift_csv.exists():
        summary = shift_summary(pd.read_csv(shift_csv))
        text += [
            "Shift experiment (absolute vs delta, SGD batch 10):",
            summary.to_string(index=False),
        ]
    sketch_csv = folder / "sketch_shift.csv"
    if sketch_csv.exists():
        sketch = pd.read_csv(sketch_csv)
        columns = ["model", "solver", "translation", "rmse_one_step", "rmse_rollout"]
        text += [
            "",
            "Sketch models under translation (px):",
            sketch[columns].to_string(index=False),
        ]
    return "\n".join(text)


def _drift_pivot(table: pd.DataFrame) -> pd.DataFrame:
    pivot = table.pivot_table(
        index=["variant", "anchor_every"], columns="length", values="rmse", sort=False
    )
    pivot.columns = [f"rmse @ {c:,}" for c in pivot.columns]
    return pivot.reset_index()


def write_report(results: DemoResults, path: str | os.PathLike[str]) -> Path:
    """Write ``report.md`` for ``results`` (pictures are linked by their file names)."""
    path = Path(path)
    mode = "quick" if results.quick else "full"
    lines = [
        "# strokedelta demo report",
        "",
        f"Run: `strokedelta demo{' --quick' if results.quick else ''} --seed {results.seed}"
        f"{f' --data {results.data}' if results.data else ''}` ({mode} mode, device "
        f"`{results.device}`, {sum(results.timings.values()):.1f} s). Every number below comes "
        "from this run and every random choice from the seed.",
        "",
        "## Findings",
        "",
        *[f"- {line}" for line in findings(results)],
        "",
        "## 1. Data and conversions",
        "",
        f"Drawings: {results.drawings_source}: {results.n_drawings} drawings, "
        f"{results.n_points:,} points. Series: {results.series_rows:,} rows, 3 random-walk "
        "features in 10 groups, `y = X w + 1 + noise` (`series.csv`).",
        "",
    ]
    if results.conversions is not None:
        lines += [markdown_table(results.conversions), ""]
    if "drawings.svg" in {p.name for p in results.svg_files}:
        lines += ["The first drawings (`drawings.svg`):", "", "![drawings](drawings.svg)", ""]
    if results.series_models is not None:
        lines += [
            "## 2. Regressors on the series",
            "",
            "`AbsoluteLinearRegressor` and `DeltaLinearRegressor` with their defaults, on the "
            "series and on a copy with every feature shifted by +1000 (`series_models.csv`). "
            "`rmse_lstsq` is the closed-form least-squares optimum on the same rows.",
            "",
            markdown_table(results.series_models),
            "",
            "Loss curves in the notebook's setting (one feature in 0..10, SGD lr 0.01, batch 10),"
            " original and shifted inputs:",
            "",
            "![loss curves](loss_curves.png)",
            "",
        ]
    if results.shift is not None:
        lines += [
            "## 3. Shift experiment",
            "",
            "`y = 2 x + 1 + noise`, x uniform in [0, 10) then shifted; both models trained by "
            "plain SGD (batch 10) at each learning rate; one row per model x shift x lr x seed "
            "in `shift.csv`. Summary per model and learning rate:",
            "",
            markdown_table(shift_summary(results.shift)),
            "",
            "![shift heatmap](shift.png)",
            "",
        ]
    if results.sketch_shift is not None:
        columns = list(SKETCH_SHIFT_COLUMNS[:6])  # model .. rmse_one_step_ratio
        first = results.sketch_shift.iloc[0]
        lines += [
            "## 4. Sketch models under translation",
            "",
            f"`NextPointRegressor` (absolute) and `NextDeltaRegressor` (delta), window 4, trained"
            f" on {first['train_drawings']} drawings, scored on {first['test_drawings']} held-out"
            " drawings translated by the given number of pixels (RMSE in pixels; rollouts of 10"
            f" points on {first['rollout_drawings']} drawings). `gradient` = minibatch Adam, "
            "`lstsq` = the closed-form optimum of the same model (`sketch_shift.csv`).",
            "",
            markdown_table(results.sketch_shift[columns]),
            "",
            "![sketch shift](sketch_shift.png)",
            "",
            "![rollouts](rollouts.png)",
            "",
        ]
        if "rollouts.svg" in {p.name for p in results.svg_files}:
            lines += [
                "Drawings cut inside a stroke and continued for 12 points (in blue) by the "
                "next-delta model trained on all of them (`rollouts.svg`):",
                "",
                "![rollout drawings](rollouts.svg)",
                "",
            ]
    if results.drift is not None:
        lines += [
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
            markdown_table(_drift_pivot(results.drift)),
            "",
            "![drift](drift.png)",
            "",
        ]
    if results.timings:
        lines += [
            "## Timings",
            "",
            ", ".join(f"{name} {sec:.1f} s" for name, sec in results.timings.items()) + ".",
            "",
        ]
    files = sorted(p.name for p in path.parent.iterdir() if p.is_file() and p.name != path.name)
    lines += ["## Files", "", ", ".join(f"[`{name}`]({name})" for name in files), ""]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return path
