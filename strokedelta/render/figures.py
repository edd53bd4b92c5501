"""Figures of the experiments (matplotlib, Agg, no pyplot state), each written atomically.

The shift heatmap, loss curves of both regressors, sketch rollouts, the sketch-shift errors
and the drift of cumulative-sum rebuilds. Strokes of drawings are drawn by the same routine
as in :func:`strokedelta.render.save_png`.
matplotlib is imported on the first figure, so ``import strokedelta`` stays light.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> frame = pd.DataFrame({"model": ["delta"], "translation": [0], "rmse_one_step": [1.0],
...                       "rmse_rollout": [2.0]})
>>> out = plot_sketch_shift(frame, pathlib.Path(tempfile.mkdtemp()) / "s.png")
>>> out.read_bytes()[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from strokedelta.render._canvas import draw_strokes, new_figure, save_figure
from strokedelta.sketch.formats import stroke_offsets

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "LossCurve",
    "Rollout",
    "plot_drift",
    "plot_loss_curves",
    "plot_rollouts",
    "plot_shift_heatmap",
    "plot_sketch_shift",
]

_COLORS = {"absolute": "#d62728", "delta": "#1f77b4"}


def _save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    return save_figure(fig, path, dpi=110, bbox_inches="tight")


def _shift_label(value: float) -> str:
    return "0" if value == 0 else f"{value:.0e}".replace("e+0", "e").replace("e+", "e")


def _percent(value: float) -> str:
    """A signed percentage with enough digits to tell small values apart from zero."""
    return f"{value:+.1%}" if abs(value) >= 0.001 else f"{value:+.3%}"


def plot_shift_heatmap(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Heatmaps of the shift experiment: divergence rate and RMSE excess over least squares.

    Rows are ``model, lr``; columns are the input shift. The left panel is the fraction of
    seeds that diverged; the right one the median ``rmse / rmse_lstsq - 1`` of the runs that
    did not (grey where every seed diverged).

    Parameters
    ----------
    frame : DataFrame
        The table of :func:`strokedelta.experiments.shift_experiment`.
    path : path-like
        PNG to write.

    Returns
    -------
    Path
    """
    from matplotlib import colormaps  # matplotlib is heavy: on use
    from matplotlib.colors import LogNorm  # matplotlib is heavy: on use

    with_excess = frame.assign(excess=frame["rmse"] / frame["rmse_lstsq"] - 1.0)
    grouped = with_excess.groupby(["model", "lr", "shift"], sort=True)
    diverged = grouped["diverged"].mean().unstack("shift")
    excess = grouped["excess"].median().unstack("shift")
    rows = [f"{m}  lr={lr:g}" for m, lr in diverged.index]
    shifts = [_shift_label(float(s)) for s in diverged.columns]
    fig = new_figure(figsize=(13, 0.5 * len(rows) + 2.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.imshow(diverged.to_numpy(dtype=float), cmap="Reds", vmin=0, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(diverged.to_numpy(dtype=float)):
        text = "diverged" if value == 1 else ("ok" if value == 0 else f"{value:.0%} div.")
        left.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value > 0.5 else "black",
        )
    left.set_title("Diverged (fraction of seeds)")
    values = excess.to_numpy(dtype=float)
    shown = np.where(np.isfinite(values), np.clip(values, 1e-4, None), np.nan)
    cmap = colormaps["viridis"].with_extremes(bad="#bbbbbb")
    image = right.imshow(
        shown, cmap=cmap, norm=LogNorm(1e-4, max(1.0, np.nanmax(shown, initial=1))), aspect="auto"
    )
    for (i, j), value in np.ndenumerate(values):
        text = "diverged" if not np.isfinite(value) else _percent(value)
        right.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="black" if not np.isfinite(value) or value > 0.05 else "white",
        )
    right.set_title("RMSE above the closed-form optimum (median over seeds)")
    fig.colorbar(image, ax=right, label="rmse / rmse_lstsq - 1 (log)")
    for ax in (left, right):
        ax.set_xticks(range(len(shifts)), shifts)
        ax.set_yticks(range(len(rows)), rows if ax is left else [])
        ax.set_xlabel("shift added to x")
    fig.suptitle("Shift robustness: absolute nn.Linear vs delta regression (SGD)")
    return _save(fig, path)


@dataclass
class LossCurve:
    """One training run for :func:`plot_loss_curves`: its label, losses, or why it stopped."""

    model: str
    label: str
    history: Sequence[float] | None
    diverged: str | None = None


def plot_loss_curves(
    curves: Sequence[LossCurve],
    path: str | os.PathLike[str],
    title: str = "Loss curves of both models on original and shifted data",
) -> Path:
    """Loss per epoch of each model (one panel per model), diverged runs named in the legend.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> runs = [LossCurve("delta", "shift 0", [4.0, 2.0, 1.0]),
    ...         LossCurve("absolute", "shift 1000", None, diverged="epoch 1")]
    >>> plot_loss_curves(runs, pathlib.Path(tempfile.mkdtemp()) / "l.png").suffix
    '.png'
    """
    from matplotlib.ticker import MaxNLocator  # matplotlib is heavy: on use

    models = list(dict.fromkeys(c.model for c in curves))
    fig = new_figure(figsize=(5.8 * len(models), 4.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    styles = [("-", None), ("--", "o"), (":", "x"), ("-.", "s")]
    for ax, model in zip(axes, models):
        runs = [c for c in curves if c.model == model]
        for k, run in enumerate(runs):
            line, marker = styles[k % len(styles)]
            if run.history is None or len(run.history) == 0:
                ax.plot([], [], "x", color="black", label=f"{run.label}: diverged ({run.diverged})")
                continue
            epochs = np.arange(1, len(run.history) + 1)
            ax.plot(
                epochs,
                run.history,
                line,
                marker=marker,
                ms=5,
                mfc="none",
                lw=2 if k == 0 else 1.2,
                color=_COLORS.get(model),
                label=run.label,
            )
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (MSE in the model's own units)")
        ax.set_title(f"{model} model")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    return _save(fig, path)


@dataclass
class Rollout:
    """One rollout for :func:`plot_rollouts`.

    ``truth`` is the whole drawing as absolute points ``(n, 2)`` with its ``pen`` column, the
    model saw ``truth[:prefix_len]`` and continued it with ``predicted`` ``(steps, 2)``.
    """

    model: str
    translation: float
    truth: np.ndarray
    pen: np.ndarray
    prefix_len: int
    predicted: np.ndarray


def _draw_drawing(
    ax: Axes, points: np.ndarray, pen: np.ndarray, color: str, linewidth: float, label: str
) -> None:
    """Absolute points of one drawing (strokes ending where ``pen`` is 1) on ``ax``."""
    bounds = stroke_offsets(np.asarray(pen), np.array([0, len(points)]))
    draw_strokes(ax, points, bounds, color=color, linewidth=linewidth, label=label)


def plot_rollouts(rollouts: Sequence[Rollout], path: str | os.PathLike[str]) -> Path:
    """Grid of rollouts: one row per drawing, one column per (model, translation).

    The true drawing is grey, the prefix given to the model black, the model's continuation
    coloured. Points are drawn relative to the translation, so every column has the same axes
    (up to 150 px around the drawing: a rollout that leaves it runs off the panel).
    """
    columns = list(dict.fromkeys((r.model, r.translation) for r in rollouts))
    n_rows = max(1, len(rollouts) // max(1, len(columns)))
    fig = new_figure(figsize=(2.8 * len(columns), 2.6 * n_rows + 0.9), layout="constrained")
    axes = np.asarray(fig.subplots(n_rows, len(columns), squeeze=False))
    counters = dict.fromkeys(columns, 0)
    for run in rollouts:
        j = columns.index((run.model, run.translation))
        i = counters[(run.model, run.translation)]
        counters[(run.model, run.translation)] += 1
        if i >= n_rows:
            continue
        ax = axes[i, j]
        truth = np.asarray(run.truth, dtype=float) - run.translation
        guess = np.asarray(run.predicted, dtype=float) - run.translation
        _draw_drawing(ax, truth, run.pen, "#bbbbbb", 1.0, "true drawing")
        prefix = truth[: run.prefix_len]
        pen = np.asarray(run.pen)[: run.prefix_len]
        _draw_drawing(ax, prefix, pen, "black", 1.5, "prefix given")
        joined = np.vstack([prefix[-1:], guess])
        ax.plot(
            joined[:, 0],
            joined[:, 1],
            ".-",
            color=_COLORS.get(run.model, "C2"),
            lw=1.5,
            ms=4,
            label=f"{run.model} rollout",
        )
        low = np.maximum(np.minimum(truth.min(axis=0), guess.min(axis=0)), truth.min(axis=0) - 150)
        high = np.minimum(np.maximum(truth.max(axis=0), guess.max(axis=0)), truth.max(axis=0) + 150)
        ax.set_xlim(low[0] - 10, high[0] + 10)
        ax.set_ylim(high[1] + 10, low[1] - 10)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        if i == 0:
            ax.set_title(f"{run.model} model, test +{run.translation:g} px", fontsize=9)
    labels: dict[str, Artist] = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            labels.setdefault(label, handle)
    fig.legend(list(labels.values()), list(labels), loc="outside lower center", ncol=4, fontsize=8)
    fig.suptitle(
        "Rollouts of the next-point (absolute) and next-delta models on translated drawings"
    )
    return _save(fig, path)


def plot_sketch_shift(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """One-step and rollout RMSE against the translation of the test drawings.

    One line per model (colour) and solver (solid: gradient training, dashed: closed form).
    """
    fig = new_figure(figsize=(11, 4.2), layout="constrained")
    axes = fig.subplots(1, 2)
    translations = sorted(frame["translation"].unique())
    position = {t: i for i, t in enumerate(translations)}
    keys = ["model", "solver"] if "solver" in frame.columns else ["model"]
    for ax, column, title in zip(
        axes, ("rmse_one_step", "rmse_rollout"), ("one-step RMSE", "rollout RMSE")
    ):
        for key, part in frame.groupby(keys, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            model, solver = str(key[0]), str(key[1]) if len(key) > 1 else ""
            part = part.sort_values("translation")
            ax.plot(
                [position[t] for t in part["translation"]],
                part[column],
                "o-" if solver != "lstsq" else "s--",
                color=_COLORS.get(model),
                label=f"{model} ({solver})" if solver else model,
            )
        ax.set_xticks(range(len(translations)), [f"+{t:g}" for t in translations])
        ax.set_yscale("log")
        ax.set_xlabel("translation of the test drawings (px)")
        ax.set_ylabel("RMSE (px)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Sketch models under translation: next-point (absolute) vs next-delta")
    return _save(fig, path)


def plot_drift(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """RMSE of cumulative-sum rebuilds against sequence length: one panel per variant, one
    line per re-anchoring interval."""
    variants = list(dict.fromkeys(frame["variant"]))
    fig = new_figure(figsize=(4.6 * len(variants), 4.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(variants), sharey=True))
    everies = sorted(frame["anchor_every"].unique(), key=lambda k: (k != 0, -k))
    for ax, variant in zip(axes, variants):
        part = frame[frame["variant"] == variant]
        for k, every in enumerate(everies):
            line = part[part["anchor_every"] == every].sort_values("length")
            label = "one anchor (start only)" if every == 0 else f"re-anchored every {every}"
            ax.plot(line["length"], line["rmse"], "o-", color=f"C{k}", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sequence length (steps)")
        ax.set_title(variant)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("RMSE of the rebuilt absolute values")
    fig.suptitle("Drift of cumulative-sum rebuilds of predicted deltas, and re-anchoring every k")
    return _save(fig, path)
