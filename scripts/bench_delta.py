"""Benchmark the ragged delta codec against flat numpy and pandas groupby, in one run.

Prints throughput (million points per second) and the ratios the issue sets as targets:

* ragged ``to_deltas``   >= 1x flat ``np.diff`` and >= 20x pandas ``groupby().diff()``;
* ragged ``from_deltas`` >= 2x flat float64 ``np.cumsum`` and >= 5x pandas ``groupby().cumsum()``,
  while every sequence round-trips within 1e-9 x its own max |x| on a batch that mixes scales
  from 1e-3 to 1e6 (a global prefix sum minus per-sequence bases is shown failing that bound).

Usage::

    python scripts/bench_delta.py            # 10M points in 100k sequences
    python scripts/bench_delta.py --quick    # 200k points, a smoke run
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from strokedelta import from_deltas, to_deltas
from strokedelta._kernels import BACKENDS, segmented_cumsum, segmented_diff


def best_of(repeats: int, func: Callable[[], object]) -> float:
    """The fastest of ``repeats`` wall-clock timings of ``func()``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def make_batch(n_sequences: int, mean_length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) float64 random walks, each sequence at its own scale between 1e-3 and 1e6."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 2 * mean_length, n_sequences)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    scales = np.repeat(10.0 ** rng.integers(-3, 7, n_sequences), lengths)[:, None]
    steps = rng.normal(size=(int(offsets[-1]), 2)) * scales
    steps[offsets[:-1]] += 100 * scales[offsets[:-1]]
    return from_deltas(steps, offsets), offsets


def worst_relative_error(x: np.ndarray, back: np.ndarray, offsets: np.ndarray) -> float:
    """max over sequences of max|back - x| / max|x| (vectorised with reduceat)."""
    starts = offsets[:-1][np.diff(offsets) > 0]
    err = np.maximum.reduceat(np.abs(back - x).max(axis=1), starts)
    size = np.maximum.reduceat(np.abs(x).max(axis=1), starts)
    return float((err / size).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--sequences", type=int, default=100_000)
    parser.add_argument("--mean-length", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.sequences, args.repeats = 2_000, 2

    x, offsets = make_batch(args.sequences, args.mean_length, args.seed)
    n = x.shape[0]
    ids = np.repeat(np.arange(args.sequences), np.diff(offsets))
    frame = pd.DataFrame({"id": ids, "x": x[:, 0], "y": x[:, 1]})
    deltas = to_deltas(x, offsets)
    from_deltas(deltas, offsets)  # compile the kernels before timing
    print(f"{n:,} points (2 columns, float64) in {args.sequences:,} sequences; backends {BACKENDS}")

    t = {
        "to_deltas": best_of(args.repeats, lambda: to_deltas(x, offsets)),
        "np.diff": best_of(args.repeats, lambda: np.diff(x, axis=0)),
        "pandas diff": best_of(max(1, args.repeats // 2), lambda: frame.groupby("id").diff()),
        "from_deltas": best_of(args.repeats, lambda: from_deltas(deltas, offsets)),
        "np.cumsum": best_of(args.repeats, lambda: np.cumsum(deltas, axis=0)),
        "pandas cumsum": best_of(max(1, args.repeats // 2), lambda: frame.groupby("id").cumsum()),
        "numpy-backend diff": best_of(
            args.repeats, lambda: segmented_diff(x, offsets, 1, backend="numpy")
        ),
        "numpy-backend cumsum": best_of(
            max(1, args.repeats // 2), lambda: segmented_cumsum(deltas, offsets, 1, backend="numpy")
        ),
    }
    for name, seconds in t.items():
        print(f"  {name:22s} {seconds * 1e3:9.1f} ms  {n / seconds / 1e6:8.1f} M points/s")

    back = from_deltas(deltas, offsets)
    flat = np.cumsum(deltas, axis=0)
    bases = np.where(offsets[:-1, None] > 0, flat[np.maximum(offsets[:-1] - 1, 0)], 0.0)
    global_prefix = flat - np.repeat(bases, np.diff(offsets), axis=0)
    ours, naive = (
        worst_relative_error(x, back, offsets),
        worst_relative_error(x, global_prefix, offsets),
    )
    print("\nprecision (worst per-sequence max|error| / max|x|, bound 1e-9):")
    print(f"  from_deltas           {ours:.2e}  {'OK' if ours <= 1e-9 else 'FAILS'}")
    print(f"  global prefix - bases {naive:.2e}  {'OK' if naive <= 1e-9 else 'FAILS'}")

    print("\nratios (target in brackets):")
    rows = [
        ("to_deltas vs np.diff", t["np.diff"] / t["to_deltas"], 1.0),
        ("to_deltas vs pandas groupby diff", t["pandas diff"] / t["to_deltas"], 20.0),
        ("from_deltas vs np.cumsum", t["np.cumsum"] / t["from_deltas"], 2.0),
        ("from_deltas vs pandas groupby cumsum", t["pandas cumsum"] / t["from_deltas"], 5.0),
    ]
    for label, ratio, target in rows:
        verdict = "met" if ratio >= target else "MISSED"
        print(f"  {label:38s} {ratio:6.2f}x  (>= {target:g}x: {verdict})")


if __name__ == "__main__":
    main()
