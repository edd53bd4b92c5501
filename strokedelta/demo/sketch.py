"""Sketches end to end on Quick, Draw! files, told step by step (``scripts/demo_sketch.py``).

1. Read raw drawings and simplify them with Google's recipe; compare with Google's own
   simplified drawings of the same key_ids.
2. Convert the simplified drawings: stroke-3, stroke-5 (padded), Parquet, Sketch-RNN npz and
   ndjson, each read back and compared (:func:`~strokedelta.demo.conversion_table`).
3. Train ``NextDeltaRegressor`` and ``NextPointRegressor`` (window 4) on most of the
   simplified drawings; one-step and rollout RMSE on the held-out ones, as they are and
   translated.
4. Roll out both models from the middle of held-out strokes: ``rollouts.png`` (both models,
   original and translated) and ``rollouts.svg`` (the delta model's continuations).

Examples
--------
>>> import pandas as pd
>>> from strokedelta.sketch import Drawings
>>> keys = pd.DataFrame({"key_id": ["a", "b"]})
>>> google = Drawings.from_polylines([[[[0, 5], [0, 5]]], [[[1, 2], [1, 1]]]], keys)
>>> ours = Drawings.from_polylines([[[[0, 5], [0, 5]]], [[[1, 3], [1, 1]]]], keys)
>>> simplification_agreement(ours, google)
(1, 2)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from strokedelta.demo.stages import continue_drawings, conversion_table, save_drawing_grid
from strokedelta.experiments import (
    output_dir,
    run_sketch_shift,
    split_drawings,
    translate_drawings,
)
from strokedelta.io import read_drawings
from strokedelta.models import NextDeltaRegressor, NextPointRegressor
from strokedelta.render import plot_rollouts
from strokedelta.sketch import Drawings, simplify_drawings

__all__ = ["simplification_agreement", "sketch_demo"]


def simplification_agreement(ours: Drawings, google: Drawings) -> tuple[int, int]:
    """How many of ``ours`` equal Google's drawing of the same ``key_id``, of how many match."""
    by_key = {key: i for i, key in enumerate(google.meta["key_id"].tolist())}
    theirs, mine = google.to_polylines(), ours.to_polylines()
    same = total = 0
    for i, key in enumerate(ours.meta["key_id"].tolist()):
        if key in by_key:
            total += 1
            same += mine[i] == theirs[by_key[key]]
    return same, total


def _simplification_lines(raw_path: Path, simplified: Drawings) -> Iterator[str]:
    raw = read_drawings(raw_path)
    ours = simplify_drawings(raw)
    same, total = simplification_agreement(ours, simplified)
    yield f"1. simplified {len(raw)} raw drawings ({raw.n_points} points -> {ours.n_points});"
    yield f"   identical to Google's simplified drawing for {same} of {total} matching key_ids"


def _model_lines(
    drawings: Drawings, folder: Path, *, quick: bool, seed: int, device: str
) -> Iterator[str]:
    epochs = 50 if quick else None
    translations = (0.0, 1000.0) if quick else (0.0, 100.0, 1000.0, 10000.0)
    table, rollouts = run_sketch_shift(
        drawings,
        translations=translations,
        solvers=("gradient",),
        epochs=epochs,
        seed=seed,
        device=device,
    )
    yield "3. one-step and rollout RMSE (px) on held-out drawings, translated:"
    yield table[["model", "translation", "rmse_one_step", "rmse_rollout"]].to_string(index=False)
    written = [plot_rollouts(rollouts, folder / "rollouts.png")]
    train, test = split_drawings(drawings, seed=seed)
    model = NextDeltaRegressor(epochs=epochs, device=device, random_state=seed).fit(train)
    continued = continue_drawings(model, test, 10)
    if continued is not None:
        written.append(
            save_drawing_grid(continued[0], folder / "rollouts.svg", highlight=continued[1])
        )
    point = NextPointRegressor(epochs=epochs, device=device, random_state=seed).fit(train)
    moved = translate_drawings(test, 1000)
    yield (
        f"4. rollouts written to {' and '.join(str(p) for p in written)}; "
        f"one-step RMSE at +1000 px: delta {model.rmse(moved):.2f}, "
        f"point {point.rmse(moved):.2f}"
    )


def sketch_demo(
    raw_path: str | os.PathLike[str],
    simplified_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    quick: bool = False,
    seed: int = 0,
    device: str = "cpu",
) -> Iterator[str]:
    """The four steps of the module docstring, line by line; files go into ``out_dir``.

    Parameters
    ----------
    raw_path, simplified_path : path-like
        Raw Quick, Draw! drawings and Google's simplified drawings (the same ``key_id`` s, at
        least in part).
    out_dir : path-like
        Folder for the converted drawings, ``rollouts.png`` and ``rollouts.svg``.
    quick : bool
        50 epochs and two translations instead of the models' epochs and four.
    seed, device
        Seed of the split and the models; where torch trains.
    """
    folder = output_dir(out_dir)
    drawings = read_drawings(simplified_path)
    yield from _simplification_lines(Path(raw_path), drawings)
    yield f"2. conversions of {len(drawings)} drawings:"
    yield conversion_table(drawings, folder).to_string(index=False)
    yield from _model_lines(drawings, folder, quick=quick, seed=seed, device=device)
