"""Sketches end to end: load Quick, Draw! files, simplify, convert, train both sketch models,
render rollouts.

1. Read raw drawings and simplify them with Google's recipe; compare with Google's own
   simplified drawings of the same key_ids.
2. Convert the simplified drawings: stroke-3, stroke-5 (padded), Parquet, Sketch-RNN npz and
   ndjson, each read back and compared.
3. Train ``NextDeltaRegressor`` and ``NextPointRegressor`` (window 4) on most of the
   simplified drawings; one-step RMSE on the held-out ones, as they are and translated.
4. Roll out both models from the middle of held-out strokes: ``rollouts.png`` (both models,
   original and translated) and ``rollouts.svg`` (the delta model's continuations).

The steps live in :mod:`strokedelta.demo.sketch`; this script parses and prints.

Usage::

    python scripts/demo_sketch.py                      # the samples shipped in data/
    python scripts/demo_sketch.py --quick --out /tmp/sketch-demo
    python scripts/demo_sketch.py --raw raw.ndjson --simplified simplified.ndjson
"""

from __future__ import annotations

import argparse
from pathlib import Path

from strokedelta.demo import sketch_demo

DATA = Path(__file__).resolve().parents[1] / "data"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DATA / "quickdraw_cat_raw_sample.ndjson")
    parser.add_argument("--simplified", type=Path, default=DATA / "quickdraw_cat_sample.ndjson")
    parser.add_argument("--out", type=Path, default=Path("strokedelta-sketch-demo"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="fewer epochs and translations")
    args = parser.parse_args(argv)
    for line in sketch_demo(args.raw, args.simplified, args.out, quick=args.quick, seed=args.seed):
        print(line)


if __name__ == "__main__":
    main()
