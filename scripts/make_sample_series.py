"""Write data/series.csv: a small seeded sample of three interleaved series for the README.

Columns: ``id`` (the series: a, b or c; rows of the three series are interleaved), ``t`` (time
step within its series, an integer), ``x`` (an integer random walk) and ``y`` (a random walk with
two decimals). The file is the same on every run with the same seed.

Usage::

    python scripts/make_sample_series.py            # writes data/series.csv
    python scripts/make_sample_series.py --quick    # the same table, into a temporary folder
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from strokedelta.io.tables import write_table

ROOT = Path(__file__).resolve().parents[1]


def make_series(seed: int = 0, length: int = 20) -> pd.DataFrame:
    """Three random walks of ``length`` rows each, interleaved at random, in time order per id."""
    rng = np.random.default_rng(seed)
    ids = np.array(["a", "b", "c"])
    label = rng.permutation(np.repeat(ids, length))  # interleaving; within an id, time order
    t = np.zeros(label.size, dtype=np.int64)
    for name in ids:
        t[label == name] = np.arange(length)
    start_x = {"a": 100, "b": -40, "c": 1000}
    start_y = {"a": 0.5, "b": 12.25, "c": -3.0}
    x = np.empty(label.size, dtype=np.int64)
    y = np.empty(label.size, dtype=np.float64)
    for name in ids:
        rows = label == name
        x[rows] = start_x[name] + np.cumsum(rng.integers(-5, 6, length))
        cents = round(start_y[name] * 100) + np.cumsum(rng.integers(-50, 51, length))
        y[rows] = cents / 100
    return pd.DataFrame({"id": label, "t": t, "x": x, "y": y})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="default: data/series.csv")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="write to a temporary folder (a smoke run)"
    )
    args = parser.parse_args(argv)
    if args.out is None:
        folder = Path(tempfile.mkdtemp()) if args.quick else ROOT / "data"
        args.out = folder / "series.csv"
    frame = make_series(args.seed)
    write_table(frame, args.out)
    print(f"wrote {args.out} ({len(frame)} rows, ids {sorted(set(frame['id']))})")


if __name__ == "__main__":
    main()
