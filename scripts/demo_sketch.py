"""Sketches end to end: load Quick, Draw! files, simplify, convert, train both sketch models,
render rollouts.

1. Read raw drawings and simplify them with Google's recipe; compare with Google's own
   simplified drawings of the same key_ids.
2. Convert the simplified drawings: stroke-3, stroke-5 (padded, with lengths), Parquet and
   Sketch-RNN npz, each read back and compared.
3. Train ``NextDeltaRegressor`` and ``NextPointRegressor`` (window 4) on most of the
   simplified drawings; one-step RMSE on the held-out ones, as they are and translated.
4. Roll out both models from the middle of held-out strokes: ``rollouts.png`` (both models,
   original and translated) and ``rollouts.svg`` (the delta model's continuations).

Usage::

    python scripts/demo_sketch.py                      # the samples shipped in data/
    python scripts/demo_sketch.py --quick --out /tmp/sketch-demo
    python scripts/demo_sketch.py --raw raw.ndjson --simplified simplified.ndjson
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from strokedelta.experiments.sketch_shift import (
    drawing_prefixes,
    rollout_cuts,
    run_sketch_shift,
    split_drawings,
    translate_drawings,
)
from strokedelta.io import read_drawings, write_drawings
from strokedelta.models import NextDeltaRegressor, NextPointRegressor
from strokedelta.plots import plot_rollouts
from strokedelta.sketch import Drawings, stroke3_to_stroke5_batch, stroke5_to_stroke3_batch
from strokedelta.sketch.simplify import simplify_drawings

DATA = Path(__file__).resolve().parents[1] / "data"


def compare_simplification(raw_path: Path, simplified_path: Path) -> None:
    raw = read_drawings(raw_path)
    ours = simplify_drawings(raw)
    google = read_drawings(simplified_path)
    by_key = {key: i for i, key in enumerate(google.meta["key_id"].tolist())}
    same = total = 0
    for i, key in enumerate(ours.meta["key_id"].tolist()):
        if key in by_key:
            total += 1
            same += ours.to_polylines()[i] == google.to_polylines()[by_key[key]]
    print(f"1. simplified {len(raw)} raw drawings ({raw.n_points} points -> {ours.n_points});")
    print(f"   identical to Google's simplified drawing for {same} of {total} matching key_ids")


def convert(drawings: Drawings, out: Path) -> None:
    print(f"2. conversions of {len(drawings)} drawings:")
    for suffix in (".parquet", ".npz", ".ndjson"):
        path = out / f"drawings{suffix}"
        write_drawings(drawings, path)
        back = read_drawings(path, split="train") if suffix == ".npz" else read_drawings(path)
        exact = np.array_equal(back.strokes.values, drawings.strokes.values)
        print(f"   {path.name:18s} {path.stat().st_size:8d} bytes, round trip exact: {exact}")
    stroke5, lengths, _ = stroke3_to_stroke5_batch(drawings.strokes)
    back5 = stroke5_to_stroke3_batch(stroke5)
    exact = np.array_equal(back5.values, drawings.strokes.values)
    print(
        f"   stroke-5 batch {stroke5.shape}, lengths {lengths.min()}..{lengths.max()}, "
        f"back to stroke-3 exact: {exact}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DATA / "quickdraw_cat_raw_sample.ndjson")
    parser.add_argument("--simplified", type=Path, default=DATA / "quickdraw_cat_sample.ndjson")
    parser.add_argument("--out", type=Path, default=Path("strokedelta-sketch-demo"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="fewer epochs and translations")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    compare_simplification(args.raw, args.simplified)
    drawings = read_drawings(args.simplified)
    convert(drawings, args.out)

    epochs = 50 if args.quick else None
    translations = (0.0, 1000.0) if args.quick else (0.0, 100.0, 1000.0, 10000.0)
    table, rollouts = run_sketch_shift(
        drawings,
        translations=translations,
        solvers=("gradient",),
        epochs=epochs,
        seed=args.seed,
        device="cpu",
    )
    print("3. one-step and rollout RMSE (px) on held-out drawings, translated:")
    print(table[["model", "translation", "rmse_one_step", "rmse_rollout"]].to_string(index=False))
    plot_rollouts(rollouts, args.out / "rollouts.png")

    train, test = split_drawings(drawings, seed=args.seed)
    model = NextDeltaRegressor(epochs=epochs, device="cpu", random_state=args.seed).fit(train)
    usable, cuts = rollout_cuts(test, model.window, 10)
    continued = model.rollout_drawings(drawing_prefixes(test[usable], cuts), 10)
    from strokedelta.render import save_svg

    save_svg(continued, args.out / "rollouts.svg", grid=(1, len(continued)))
    point = NextPointRegressor(epochs=epochs, device="cpu", random_state=args.seed).fit(train)
    moved = translate_drawings(test, 1000)
    print(
        f"4. rollouts written to {args.out / 'rollouts.png'} and {args.out / 'rollouts.svg'}; "
        f"one-step RMSE at +1000 px: delta {model.rmse(moved):.2f}, "
        f"point {point.rmse(moved):.2f}"
    )


if __name__ == "__main__":
    main()
