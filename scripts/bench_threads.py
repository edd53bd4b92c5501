"""The codec's thread policy against the previous one, quiet and under load, in one run.

Each round times, in a rotating order, flat numpy (``np.diff`` / ``np.cumsum``) and the ragged
codec under each thread policy: ``new`` (:func:`strokedelta._kernels.threads_for`, which adds a
thread per CPU that other runnable tasks keep busy), ``old`` (one thread per CPU whatever the
load, the policy before issue 10) and ``one when busy`` (one thread once the machine has more
runnable tasks than CPUs). It prints, per condition, the median ratio of each policy against
numpy with its interquartile range, and the paired ratio old time / new time of the same round.
"loaded" adds one busy-loop process per CPU (``bench.cpu_load``).

Usage::

    python scripts/bench_threads.py             # 10M points, 11 rounds, quiet then loaded
    python scripts/bench_threads.py --quick     # 1M points, 3 rounds
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import cpu_load
from bench_delta import make_batch

import strokedelta as sd
from strokedelta import _kernels


def old_policy(n_elements: int) -> int:
    """Before issue 10: one thread per CPU (one per PARALLEL_MIN / 2 elements), load ignored."""
    if n_elements < _kernels.PARALLEL_MIN:
        return 1
    return max(1, min(_kernels.thread_budget(), 2 * n_elements // _kernels.PARALLEL_MIN))


def one_when_busy(n_elements: int) -> int:
    """One thread while more tasks are runnable than there are CPUs, else the old policy."""
    if _kernels.running_tasks() > _kernels.thread_budget():
        return 1
    return old_policy(n_elements)


POLICIES: dict[str, Callable[[int], int]] = {
    "new": _kernels.threads_for,
    "old": old_policy,
    "one when busy": one_when_busy,
}


def with_policy(policy: Callable[[int], int], call: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        saved = _kernels.threads_for
        _kernels.threads_for = policy  # type: ignore[assignment]
        try:
            return call()
        finally:
            _kernels.threads_for = saved  # type: ignore[assignment]

    return run


def compare(base: Callable[[], Any], ours: Callable[[], Any], rounds: int) -> dict[str, Any]:
    """Rotate the baseline and every policy through ``rounds`` rounds (after one warm-up)."""
    arms = {"numpy": base, **{name: with_policy(p, ours) for name, p in POLICIES.items()}}
    for func in arms.values():
        func()
    times: dict[str, list[float]] = {name: [] for name in arms}
    names = list(arms)
    for i in range(rounds):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            start = time.perf_counter()
            arms[name]()
            times[name].append(time.perf_counter() - start)
    t = {name: np.array(v) for name, v in times.items()}
    out: dict[str, Any] = {"numpy_ms": 1e3 * float(np.median(t["numpy"]))}
    for name in POLICIES:
        out[name] = np.percentile(t["numpy"] / t[name], [25, 50, 75])
    out["old/new"] = np.percentile(t["old"] / t["new"], [25, 50, 75])
    return out


def first_touch(x: np.ndarray, rounds: int) -> str:
    """What a fresh output like ``x`` costs before any arithmetic: np.empty and one write per
    4 KiB page, with numpy's transparent huge pages (its default where the OS offers them) and
    without, next to a whole ``np.diff``; medians of alternating rounds."""
    from numpy._core.multiarray import _get_madvise_hugepage, _set_madvise_hugepage

    def touch(huge: bool) -> Callable[[], Any]:
        def run() -> None:
            before = _set_madvise_hugepage(huge)
            try:
                np.empty_like(x).reshape(-1)[:: 4096 // x.itemsize] = 0
            finally:
                _set_madvise_hugepage(before)

        return run

    arms = {"diff": lambda: np.diff(x, axis=0), "huge": touch(True), "4k": touch(False)}
    times: dict[str, list[float]] = {name: [] for name in arms}
    for i in range(rounds):
        for name, func in list(arms.items())[:: 1 if i % 2 else -1]:
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    ms = {name: 1e3 * float(np.median(v)) for name, v in times.items()}
    return (
        f"first touch of a {x.nbytes / 1e6:.0f} MB output: {ms['huge']:.1f} ms with huge pages "
        f"(numpy's madvise {'on' if _get_madvise_hugepage() else 'off'}), {ms['4k']:.1f} ms "
        f"with 4 KiB pages; a whole np.diff {ms['diff']:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M points, 3 rounds")
    parser.add_argument("--rounds", type=int, help="rounds per condition")
    parser.add_argument("--points", type=int, help="points in the batch (default 10M)")
    args = parser.parse_args()
    points = args.points or (1_000_000 if args.quick else 10_000_000)
    rounds = args.rounds or (3 if args.quick else 11)
    x, offsets = make_batch(max(1, points // 100), 100, seed=0)
    d = sd.to_deltas(x, offsets)
    cases = [
        ("to_deltas vs np.diff", lambda: np.diff(x, axis=0), lambda: sd.to_deltas(x, offsets)),
        (
            "from_deltas vs np.cumsum",
            lambda: np.cumsum(d, axis=0),
            lambda: sd.from_deltas(d, offsets),
        ),
    ]
    cpus = os.cpu_count() or 1
    print(f"{points:,} points, {rounds} rounds, {_kernels.thread_budget()} CPUs for kernels")
    print(first_touch(x, rounds), flush=True)
    for condition in ("quiet", "loaded"):
        load = cpu_load(cpus) if condition == "loaded" else contextlib.nullcontext()
        with load:
            for label, base, ours in cases:
                r = compare(base, ours, rounds)
                cells = "  ".join(
                    f"{name} {q[1]:.2f}x ({q[0]:.2f}-{q[2]:.2f})"
                    for name, q in r.items()
                    if name != "numpy_ms"
                )
                print(
                    f"[{condition}] {label} (numpy {r['numpy_ms']:.1f} ms, "
                    f"run queue {_kernels.running_tasks()}): {cells}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
