"""The ``sketch-shift`` experiment: next-step sketch models on translated test drawings.

:class:`~strokedelta.NextPointRegressor` (absolute points, the baseline) and
:class:`~strokedelta.NextDeltaRegressor` (stroke-3 deltas) are trained on drawings as they
are, then scored on held-out drawings translated by 0, 100, 1000 and 10000 px: the one-step
RMSE (every pen-down continuation predicted from the true previous ``k`` rows) and the
rollout RMSE (each test drawing cut inside a stroke, continued by the model for ``steps``
points, compared with the true continuation). Both are in absolute pixels.

Examples
--------
>>> from strokedelta.synthetic import synthetic_drawings
>>> table = sketch_shift_experiment(synthetic_drawings(60, seed=0), translations=(0, 1000),
...                                 solvers=("lstsq",))
>>> delta = table[table["model"] == "delta"]["rmse_one_step"].to_numpy()
>>> bool(abs(delta[1] / delta[0] - 1) < 1e-9)
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from strokedelta._validation import check_int, fail
from strokedelta.experiments.outputs import output_dir, write_csv
from strokedelta.models import NextDeltaRegressor, NextPointRegressor
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.render import Rollout, plot_rollouts, plot_sketch_shift
from strokedelta.sketch import Drawings

__all__ = [
    "SKETCH_SHIFT_COLUMNS",
    "TRANSLATIONS",
    "drawing_prefixes",
    "rollout_cuts",
    "run_sketch_shift",
    "sketch_shift_experiment",
    "split_drawings",
    "translate_drawings",
    "write_sketch_shift_outputs",
]

#: Translations of the test drawings, in pixels (added to x and y).
TRANSLATIONS = (0.0, 100.0, 1000.0, 10000.0)
#: Columns of ``sketch_shift.csv``.
SKETCH_SHIFT_COLUMNS = (
    "model",
    "solver",
    "translation",
    "rmse_one_step",
    "rmse_rollout",
    "rmse_one_step_ratio",
    "train_drawings",
    "test_drawings",
    "rollout_drawings",
)
_MODELS = {"absolute": NextPointRegressor, "delta": NextDeltaRegressor}


def translate_drawings(drawings: Drawings, offset: float) -> Drawings:
    """Move every drawing by ``offset`` in x and y (only each drawing's first stroke-3 row).

    Integer drawings stay integer when ``offset`` is a whole number.

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]]])
    >>> translate_drawings(d, 1000).to_polylines()
    [[[[1000, 1003], [1000, 1004]]]]
    """
    strokes = drawings.strokes
    values = strokes.values
    if values.dtype.kind in "iu" and float(offset).is_integer():
        values = values.astype(np.int64, copy=True)
        shift: Any = int(offset)
    else:
        values = values.astype(np.float64, copy=True)
        shift = float(offset)
    starts = strokes.offsets[:-1][strokes.lengths > 0]
    values[starts, :2] += shift
    return Drawings._trusted(
        Ragged(values, strokes.offsets), drawings.meta, drawings.time, drawings.attrs
    )


def split_drawings(
    drawings: Drawings, test_fraction: float = 0.2, *, seed: int = 0
) -> tuple[Drawings, Drawings]:
    """A seeded random train / test split (at least one drawing on each side).

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[i, i + 1], [0, 1]]] for i in range(5)])
    >>> train, test = split_drawings(d, 0.2, seed=0)
    >>> len(train), len(test)
    (4, 1)
    """
    n = len(drawings)
    if n < 2:
        raise fail("drawings", "hold at least 2 drawings to split into train and test", n)
    n_test = min(n - 1, max(1, round(n * test_fraction)))
    order = np.random.default_rng(seed).permutation(n)
    return drawings[np.sort(order[n_test:])], drawings[np.sort(order[:n_test])]


def rollout_cuts(drawings: Drawings, window: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Where to cut each drawing so that the next ``steps`` points continue one stroke.

    A cut ``c`` keeps points ``0 .. c-1`` as the prefix; it needs ``c >= window + 1`` (the
    window never holds the drawing's first row, an absolute offset) and points ``c-1 ..
    c+steps-1`` inside one stroke. Each drawing uses its stroke with the most room, cut in the
    middle of that room; drawings without such a stroke are left out.

    Returns
    -------
    drawings : ndarray of int64
        Indices of the usable drawings.
    cuts : ndarray of int64
        The cut (prefix length) of each.

    Examples
    --------
    >>> d = Drawings.from_polylines([[[list(range(12)), [0] * 12]], [[[0, 1], [0, 1]]]])
    >>> rollout_cuts(d, window=2, steps=4)
    (array([0]), array([5]))
    """
    bounds = drawings.stroke_offsets()
    starts, stops = bounds[:-1], bounds[1:]
    owner = np.searchsorted(drawings.strokes.offsets, starts, side="right") - 1
    first = drawings.strokes.offsets[owner]
    low = np.maximum(starts + 1 - first, window + 1)
    high = stops - steps - first
    room = high - low
    valid = room >= 0
    if not valid.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame({"owner": owner[valid], "room": room[valid], "low": low[valid]})
    best = frame.sort_values(["owner", "room"], ascending=[True, False], kind="stable")
    best = best.drop_duplicates("owner")
    cuts = best["low"].to_numpy() + best["room"].to_numpy() // 2
    return best["owner"].to_numpy(dtype=np.int64), cuts.astype(np.int64)


def drawing_prefixes(drawings: Drawings, cuts: np.ndarray) -> Drawings:
    """The first ``cuts[i]`` points of every drawing (metadata kept, no time channel).

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[0, 1, 2], [0, 1, 2]]], [[[5, 6], [5, 6]]]])
    >>> drawing_prefixes(d, np.array([2, 1])).to_polylines()
    [[[[0, 1], [0, 1]]], [[[5], [5]]]]
    """
    strokes = drawings.strokes
    keep = strokes.positions() < cuts[strokes.segment_ids()]
    return Drawings._trusted(
        Ragged(strokes.values[keep], offsets_from_lengths(cuts)), drawings.meta, None, {}
    )


def _rollout_points(
    model: Any, drawings: Drawings, cuts: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted and true continuations, both ``(S, steps, 2)`` absolute points."""
    rolled = model.rollout_drawings(drawing_prefixes(drawings, cuts), steps).absolute()
    ends = rolled.offsets[1:]
    predicted = rolled.values[ends[:, None] - steps + np.arange(steps)]
    points = drawings.absolute()
    truth = points.values[(points.offsets[:-1] + cuts)[:, None] + np.arange(steps)]
    return np.asarray(predicted, dtype=np.float64), np.asarray(truth, dtype=np.float64)


def sketch_shift_experiment(
    drawings: Drawings,
    *,
    translations: Sequence[float] = TRANSLATIONS,
    solvers: Sequence[str] = ("gradient", "lstsq"),
    window: int = 4,
    steps: int = 10,
    test_fraction: float = 0.2,
    epochs: int | None = None,
    seed: int = 0,
    device: str = "cpu",
    progress: bool = False,
    examples: int = 3,
    out_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Train both sketch models, then score them on translated test drawings.

    Parameters
    ----------
    drawings : Drawings
        Drawings to split into train and test (seeded).
    translations : sequence of float
        Offsets added to x and y of the test drawings.
    solvers : sequence of {"gradient", "lstsq"}
        Train each model by minibatch Adam (the models' defaults) and / or solve it in closed
        form (the best any linear model of that kind can do on the training windows).
    window, steps : int
        Previous rows per prediction; points per rollout.
    test_fraction : float
        Share of the drawings held out.
    epochs, seed, device, progress
        Training settings (``epochs=None`` lets the models pick); the seed drives the split
        and the training; a tqdm bar over the runs.
    examples : int
        Rollouts per column of ``rollouts.png``.
    out_dir : path-like, optional
        Folder for ``sketch_shift.csv``, ``sketch_shift.png`` and ``rollouts.png``.

    Returns
    -------
    DataFrame
        One row per model x solver x translation with :data:`SKETCH_SHIFT_COLUMNS`;
        ``rmse_one_step_ratio`` is the one-step RMSE over the same model's at translation 0.
    """
    table, rollouts = run_sketch_shift(
        drawings,
        translations=translations,
        solvers=solvers,
        window=window,
        steps=steps,
        test_fraction=test_fraction,
        epochs=epochs,
        seed=seed,
        device=device,
        progress=progress,
        examples=examples,
    )
    if out_dir is not None:
        write_sketch_shift_outputs(table, rollouts, out_dir)
    return table


def run_sketch_shift(
    drawings: Drawings,
    *,
    translations: Sequence[float] = TRANSLATIONS,
    solvers: Sequence[str] = ("gradient", "lstsq"),
    window: int = 4,
    steps: int = 10,
    test_fraction: float = 0.2,
    epochs: int | None = None,
    seed: int = 0,
    device: str = "cpu",
    progress: bool = False,
    examples: int = 3,
) -> tuple[pd.DataFrame, list[Rollout]]:
    """:func:`sketch_shift_experiment` without writing: the table and the example rollouts.

    The rollouts (``examples`` per model, at the first and last translation, from the first
    solver) are what ``rollouts.png`` shows.
    """
    check_int("window", window, minimum=1)
    check_int("steps", steps, minimum=1)
    train, test = split_drawings(drawings, test_fraction, seed=seed)
    usable, cuts = rollout_cuts(test, window, steps)
    if len(usable) == 0:
        raise fail(
            "drawings",
            f"have a test stroke with room for a rollout of {steps} points after {window + 1}",
            "none",
        )
    rollout_set = test[usable]
    rows: list[dict[str, Any]] = []
    rollouts: list[Rollout] = []
    runs = [(m, s) for s in solvers for m in _MODELS]
    bar = tqdm(
        total=len(runs) * len(translations), desc="sketch-shift", disable=not progress, leave=False
    )
    for model_name, solver in runs:
        model = _MODELS[model_name](
            window=window, solver=solver, epochs=epochs, device=device, random_state=seed
        ).fit(train)
        base = None
        for offset in translations:
            moved = translate_drawings(rollout_set, offset)
            predicted, truth = _rollout_points(model, moved, cuts, steps)
            one_step = model.rmse(translate_drawings(test, offset))
            base = one_step if base is None else base
            rows.append(
                {
                    "model": model_name,
                    "solver": solver,
                    "translation": float(offset),
                    "rmse_one_step": one_step,
                    "rmse_rollout": float(np.sqrt(np.mean((predicted - truth) ** 2))),
                    "rmse_one_step_ratio": one_step / base if base else np.nan,
                    "train_drawings": len(train),
                    "test_drawings": len(test),
                    "rollout_drawings": len(rollout_set),
                }
            )
            if solver == solvers[0] and offset in (translations[0], translations[-1]):
                points = moved.absolute().values
                for i in range(min(examples, len(rollout_set))):
                    a, b = moved.strokes.offsets[i], moved.strokes.offsets[i + 1]
                    rollouts.append(
                        Rollout(
                            model=model_name,
                            translation=float(offset),
                            truth=np.asarray(points[a:b], dtype=np.float64),
                            pen=np.asarray(moved.strokes.values[a:b, 2]),
                            prefix_len=int(cuts[i]),
                            predicted=predicted[i],
                        )
                    )
            bar.update()
    bar.close()
    return pd.DataFrame(rows, columns=list(SKETCH_SHIFT_COLUMNS)), rollouts


def write_sketch_shift_outputs(
    table: pd.DataFrame, rollouts: Sequence[Rollout], out_dir: str | os.PathLike[str]
) -> list[Path]:
    """Write ``sketch_shift.csv``, ``sketch_shift.png`` and (if any) ``rollouts.png``."""
    folder = output_dir(out_dir)
    written = [
        write_csv(table, folder / "sketch_shift.csv"),
        plot_sketch_shift(table, folder / "sketch_shift.png"),
    ]
    if rollouts:
        written.append(plot_rollouts(rollouts, folder / "rollouts.png"))
    return written
