"""Where an epoch should stop reading rows in place: the threshold ``CACHE_BYTES``.

An SGD epoch reads its rows in a random order. Rows up to
:data:`strokedelta.models._buckets.CACHE_BYTES` are read where they are, in the order of one
compiled Fisher-Yates. Larger rows are first copied bucket by bucket (the bucket shuffle), and
then read in random order inside one bucket at a time. For each size this script times one epoch
both ways on the same packed pairs: ``optimizer="sgd"``, batch 1000, 5 float32 features plus
the target, so 24 bytes a row. The two ways run in alternation (``bench.paired``), and it
prints the median times and their ratio (in place / buckets; below 1: in place is faster).

Usage::

    python scripts/bench_shuffle.py                      # 100k .. 1M rows, 21 rounds
    python scripts/bench_shuffle.py --rows 400000 --rounds 5
    python scripts/bench_shuffle.py --quick              # 100k rows, 3 rounds: a smoke run
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bench import paired
from bench_train import make_data, sgd_epoch

from strokedelta.models import _buckets


def compare(rows: int, rounds: int) -> str:
    epoch, pairs = sgd_epoch(*make_data(rows, 5, seed=0))
    nbytes = pairs.nbytes
    saved = _buckets.CACHE_BYTES

    def way(limit: int) -> Callable[[], Any]:  # a CACHE_BYTES that forces one way
        def run() -> Any:
            _buckets.CACHE_BYTES = limit
            return epoch()

        return run

    try:
        row = paired(way(1 << 62), way(0), rounds)  # in place, buckets
    finally:
        _buckets.CACHE_BYTES = saved
    placed, bucketed = 1e3 * row["ours_s"], 1e3 * row["base_s"]
    chosen = "in place" if nbytes <= saved else "buckets"
    return (
        f"{rows:,} rows ({nbytes / 1e6:.1f} MB): in place {placed:.2f} ms, buckets "
        f"{bucketed:.2f} ms, in place / buckets {placed / bucketed:.2f}; CACHE_BYTES "
        f"({saved:,}) picks {chosen}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", help="row counts (default 100k .. 1M)")
    parser.add_argument("--rounds", type=int, help="alternating rounds per size (default 21)")
    parser.add_argument("--quick", action="store_true", help="100k rows, 3 rounds")
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [100_000, 200_000, 400_000, 700_000, 1_000_000]
    for rows in args.rows or sizes:
        print(compare(rows, args.rounds or (3 if args.quick else 21)), flush=True)


if __name__ == "__main__":
    main()
