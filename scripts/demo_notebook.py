"""The original notebook's two experiments, printed like the notebook, run through strokedelta.

1. ``nn.Linear(1, 1)`` on absolute values (``AbsoluteLinearRegressor``), SGD lr=0.01, batch 10,
   on x = 0..9, y = 2x + 1: it learns w ~ 2. Retrained on x = 1000..1009 the loss blows up
   (the notebook saw inf and NaN weights; strokedelta stops with TrainingDivergedError).
2. The delta model (``DeltaLinearRegressor`` with the notebook's settings: raw deltas, rows
   shuffled before differencing, SGD lr=1e-5, batch 10, 5 epochs) on x = 0..499, y = 10x + 2:
   w = 10.00 on the original and on the +1000 shifted data; then the same with its defaults.

The experiments live in :mod:`strokedelta.demo.notebook`; this script parses and prints.

Usage::

    python scripts/demo_notebook.py            # 1000 epochs for the absolute model
    python scripts/demo_notebook.py --quick    # 200 epochs (a few seconds)
"""

from __future__ import annotations

import argparse

from strokedelta.demo import notebook_demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 epochs instead of 1000")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for line in notebook_demo(quick=args.quick, seed=args.seed):
        print(line)


if __name__ == "__main__":
    main()
