"""Benchmark of ``strokedelta dataset build --format npz`` (issue 11 point 7), printed from one run.

1. Generates a synthetic Quick, Draw!-shaped set: one simplified ndjson file per category
   (>= 20 categories, 1 GB in all by default; seeded random-walk drawings in 0..255 with fresh
   key_ids, Google's line layout, about 570 bytes a line like the real simplified files).
2. Builds the Sketch-RNN set (70000/2500/2500 per category) with the single engine, with Dask on
   a ``LocalCluster`` of 2 worker processes (forked; ``--start-methods`` adds spawned ones),
   and with a straightforward script (``json.loads`` per line, numpy per drawing, a seeded
   shuffle per category, ``np.savez``), each in a fresh process; the engines' builds run in
   ``--repeats`` alternating rounds (3) and each engine's median run is shown. Prints wall
   time, drawings per second per core, the process's peak RSS (VmHWM), and the time 50M
   drawings would take on 16 cores at the measured per-core rate.
3. Peak RSS of the single engine on an input 10x larger with the same splits, counts and
   fractions (target < 1.3x).
4. ``--stages``: CPU microseconds per drawing of the steps a build replaced by compiled passes,
   each against the general code it replaces, on one category of the synthetic set (medians of
   5 alternating runs in this process): the ``.npy`` object array by Python's C pickler and by
   :mod:`strokedelta.datasets._npz_stream`; reordering drawings by ``Drawings.__getitem__``
   and by :func:`strokedelta.datasets._gather.take_drawings`; a 20,000-line ndjson chunk by the
   compiled scanner, and the scan and collect steps of a whole build.

Usage::

    python scripts/bench_dataset.py            # 20 categories, 1 GB of ndjson (minutes)
    python scripts/bench_dataset.py --quick    # a few MB, seconds
    python scripts/bench_dataset.py --stages --megabytes 100 --categories 2   # part 4 only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

WORDS = [
    *("cat", "dog", "sheep", "house", "tree", "car", "bicycle", "fish", "bird", "flower"),
    *("sun", "moon", "star", "cloud", "apple", "banana", "guitar", "chair", "clock", "eye"),
    *("face", "hand", "key", "ladder"),
]


def _bodies(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` random drawings as Google's ``drawing`` JSON (strokes of x and y lists)."""
    out = []
    for _ in range(count):
        strokes = []
        for _ in range(int(rng.integers(2, 9))):  # ~5 strokes, ~55 points: Google's averages
            n = int(rng.integers(3, 20))
            xy = np.clip(
                np.cumsum(rng.integers(-25, 26, (2, n)), axis=1) + rng.integers(40, 215, (2, 1)),
                0,
                255,
            )
            strokes.append([xy[0].tolist(), xy[1].tolist()])
        out.append(json.dumps(strokes, separators=(",", ":")))
    return out


def make_set(folder: Path, categories: int, megabytes: float, seed: int = 0) -> int:
    """Write ``categories`` files ``WORD.ndjson`` of about ``megabytes`` in all; drawings."""
    rng = np.random.default_rng(seed)
    bodies = _bodies(rng, 4096)
    countries = ["US", "GB", "DE", "FR", "BR", "JP", "IN", "CA"]
    folder.mkdir(parents=True, exist_ok=True)
    per_file = megabytes * 1e6 / categories
    total = 0
    for c in range(categories):
        word = WORDS[c % len(WORDS)] + ("" if c < len(WORDS) else str(c))
        written, lines = 0, []
        with open(folder / f"{word}.ndjson", "w") as handle:
            while written < per_file:
                batch = int(min(5000, max(1, (per_file - written) / 570)))
                picks = rng.integers(0, len(bodies), batch)
                keys = rng.integers(10**15, 10**16 - 1, batch)
                flags = rng.random(batch) < 0.9
                cc = rng.integers(0, len(countries), batch)
                lines = [
                    f'{{"word":"{word}","countrycode":"{countries[k]}","timestamp":'
                    f'"2017-03-02 23:25:10.07453 UTC","recognized":{"true" if r else "false"},'
                    f'"key_id":"{key}","drawing":{bodies[p]}}}\n'
                    for p, key, r, k in zip(
                        picks.tolist(), keys.tolist(), flags.tolist(), cc.tolist()
                    )
                ]
                text = "".join(lines)
                handle.write(text)
                written += len(text)
                total += len(lines)
    return total


BASELINE = r"""
import json, sys, glob, os
import numpy as np
out = sys.argv[2]
os.makedirs(out)
train, valid, test = 70000, 2500, 2500
for path in sorted(glob.glob(sys.argv[1] + "/*.ndjson")):
    sketches = []
    for line in open(path):
        record = json.loads(line)
        rows = []
        for x, y in record["drawing"]:
            pen = np.zeros(len(x), dtype=np.int16)
            pen[-1] = 1
            rows.append(np.column_stack([x, y, pen]))
        points = np.concatenate(rows).astype(np.int16)
        points[1:, :2] = np.diff(points[:, :2], axis=0)
        sketches.append(points)
    order = np.random.default_rng(0).permutation(len(sketches))
    pick = [sketches[i] for i in order[: train + valid + test]]
    parts = {"test": pick[:test], "valid": pick[test:test + valid], "train": pick[test + valid:]}
    arrays = {k: np.array(v + [None], dtype=object)[:-1] for k, v in parts.items()}
    np.savez(os.path.join(out, os.path.basename(path)[:-7] + ".npz"), **arrays)
"""

BUILD = r"""
import sys, glob
from strokedelta.datasets import build_dataset
source, out, engine, splits = sys.argv[1:5]
files = sorted(glob.glob(source + "/*.ndjson"))
if engine.startswith("dask"):
    from strokedelta.distributed import local_client
    method = engine.partition("-")[2] or None  # dask-spawn: spawned workers; default fork
    with local_client(n_workers=2, processes=True, start_method=method) as client:
        build_dataset(files, out, splits=splits, engine="dask", client=client)
else:
    build_dataset(files, out, splits=splits)
"""

#: A calibration: two threads of GIL-free numpy work. Its "cores busy" is what this machine
#: gives one process at the moment (about 2 on a quiet 2-core machine; less when other
#: processes share it: Linux shares the CPU by session, not by thread).
CONTROL = r"""
import threading
import numpy as np
data = np.random.default_rng(0).random(4_000_000)
def work():
    for _ in range(6):
        np.sort(data)
threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""

_MEASURED = r"""
import resource, runpy, sys, time
start = time.perf_counter()
code = sys.argv.pop(1)
exec(compile(code, "<bench>", "exec"), {"__name__": "__main__"})
wall = time.perf_counter() - start
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print("MEASURED", wall, cpu, peak / 1024, kids.ru_maxrss / 1024)
"""


def measured(code: str, *args: Any) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter: wall s, CPU s (with children), peak RSS MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, code, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(t for t in done.stdout.splitlines() if t.startswith("MEASURED"))
    wall, cpu, peak, child_peak = map(float, line.split()[1:])
    return {"wall": wall, "cpu": cpu, "rss": peak, "child_rss": child_peak}


def _digests(folder: Path) -> dict[str, str]:
    return json.loads((folder / "manifest.json").read_text())["files"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few MB, seconds")
    parser.add_argument("--megabytes", type=float, default=1000, help="size of the set")
    parser.add_argument("--categories", type=int, default=None, help="default 20 (4 --quick)")
    parser.add_argument("--memory-only", action="store_true", help="only part 3")
    parser.add_argument("--speed-only", action="store_true", help="only parts 1 and 2")
    parser.add_argument("--stages", action="store_true", help="only part 4")
    parser.add_argument(
        "--repeats", type=int, default=None, help="rounds of the engines' builds (default 3)"
    )
    parser.add_argument(
        "--start-methods",
        action="store_true",
        help="in part 2, also Dask with spawned worker processes (the default forks them)",
    )
    args = parser.parse_args()
    megabytes = 1.0 if args.quick else args.megabytes
    args.categories = args.categories or (4 if args.quick else 20)
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.stages:
            stages(root, args.categories, megabytes)
            return
        if not args.memory_only:
            repeats = args.repeats or (1 if args.quick else 3)
            speed(root, args.categories, megabytes, cores, args.start_methods, repeats)
        if not args.speed_only:
            memory(root, args.quick)


def speed(
    root: Path, categories: int, megabytes: float, cores: int, spawn: bool, repeats: int
) -> None:
    """Parts 1 and 2: the builds of one synthetic set, each engine ``repeats`` times in
    alternating rounds (its median run is shown), the straightforward script once."""
    drawings = make_set(root / "set", categories, megabytes)
    size = sum(p.stat().st_size for p in (root / "set").glob("*.ndjson")) / 1e6
    print(
        f"[1] synthetic set: {categories} categories, {drawings} drawings, "
        f"{size:.0f} MB of ndjson; {cores} cores (a shared, loaded machine)"
    )
    before = measured(CONTROL)
    engines = {"single": "single", "dask-2": "dask"}
    if spawn:
        engines["dask-spawn"] = "dask-spawn"
    every: dict[str, list[dict[str, float]]] = {name: [] for name in engines}
    for round_ in range(repeats):  # alternating, so that a busy moment does not pick a winner
        for name, engine in engines.items():
            out = root / f"{name}-{round_}"
            every[name].append(measured(BUILD, root / "set", out, engine, "70000,2500,2500"))
            if round_:
                shutil.rmtree(out)  # the first round's outputs are compared below
    # each engine's run of median wall time (of an odd number of rounds)
    runs = {name: sorted(v, key=lambda r: r["wall"])[len(v) // 2] for name, v in every.items()}
    runs["json.loads"] = measured(BASELINE, root / "set", root / "baseline")
    after = measured(CONTROL)
    busy = [run["cpu"] / run["wall"] for run in (before, after)]
    print(
        f"[2] control, 2 threads of GIL-free np.sort: cores busy {busy[0]:.2f} before the "
        f"builds, {busy[1]:.2f} after (what this machine gives one process; ~2 when quiet)"
    )
    same = _digests(root / "single-0") == _digests(root / "dask-2-0")
    base, base_cpu = runs["json.loads"]["wall"], runs["json.loads"]["cpu"]
    for name, run in runs.items():
        rate = drawings / run["wall"]
        per_cpu = drawings / run["cpu"]  # per CPU-second: fair on a shared, loaded machine
        full = 50e6 / (per_cpu * 16)
        workers = f" (workers {run['child_rss']:.0f} MB)" if name.startswith("dask") else ""
        print(
            f"[2] {name:10s} wall {run['wall']:6.1f} s ({rate:7.0f} drawings/s, "
            f"{rate / cores:7.0f} per core)  CPU {run['cpu']:6.1f} s ({per_cpu:7.0f} "
            f"drawings per CPU-s, cores busy {run['cpu'] / run['wall']:.2f})  "
            f"peak RSS {run['rss']:5.0f} MB{workers}  x{base / run['wall']:5.1f} wall, "
            f"x{base_cpu / run['cpu']:5.1f} CPU vs json.loads  "
            f"50M drawings on 16 cores: {full:5.0f} s"
        )
    for name, v in every.items():
        print(f"[2] {name:10s} wall of each round: " + ", ".join(f"{r['wall']:.1f} s" for r in v))
    verdict = "yes" if same else "NO"
    print(f"[2] single and dask outputs byte-identical (SHA-256 of every file): {verdict}")


def memory(root: Path, quick: bool) -> None:
    """Part 3: the same build of a set and of one 10x larger, with count splits (a category
    keeps its best-ranked drawings) and with fraction splits (every drawing is used, read and
    written one run of :data:`~strokedelta.datasets.spills.GROUP_AT` drawings at a time). Two
    categories; at 1x each file is already several reader chunks long (count splits) and
    several runs long (fraction splits), so the 1x build has its full working set."""
    if quick:
        cases = [("90,5,5", 1.0), ("0.9,0.05,0.05", 1.0)]
    else:
        cases = [("1800,100,100", 60.0), ("0.9,0.05,0.05", 300.0)]
    for splits, small_mb in cases:
        make_set(root / "small", 2, small_mb, seed=1)
        make_set(root / "large", 2, 10 * small_mb, seed=2)
        small = measured(BUILD, root / "small", root / "small_out", "single", splits)
        large = measured(BUILD, root / "large", root / "large_out", "single", splits)
        for folder in ("small", "large", "small_out", "large_out"):
            shutil.rmtree(root / folder)
        ratio = large["rss"] / small["rss"]
        print(
            f"[3] peak RSS, 2 categories, --splits {splits}: {small_mb:g} MB input "
            f"{small['rss']:.0f} MB, {10 * small_mb:g} MB input {large['rss']:.0f} MB, "
            f"ratio {ratio:.2f}x (target < 1.3x)"
        )


def _cpu_us(func: Any, count: int, runs: int = 5) -> float:
    """Median CPU microseconds per item of ``func()`` over ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return float(np.median(times)) / count * 1e6


def stages(root: Path, categories: int, megabytes: float) -> None:
    """Part 4: the compiled passes against the general code, per drawing."""
    from strokedelta.datasets import _npz_stream
    from strokedelta.datasets._gather import take_drawings
    from strokedelta.datasets.build import _merge_scans
    from strokedelta.datasets.collect import CategoryJob, collect_category
    from strokedelta.datasets.scan import ScanJob, scan_file
    from strokedelta.datasets.spec import BuildSpec, Filters, parse_splits
    from strokedelta.io import read_drawings
    from strokedelta.io._ndjson_build import ChunkState
    from strokedelta.io._ndjson_scan import parse_compiled
    from strokedelta.limits import DEFAULT_LIMITS

    make_set(root / "set", categories, megabytes)
    files = sorted((root / "set").glob("*.ndjson"))
    drawings = read_drawings(files[0])
    n = len(drawings)
    flat = drawings.strokes.values.astype(np.int16)
    offsets = drawings.strokes.offsets
    pieces = [flat[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    order = np.random.default_rng(0).permutation(n)
    print(f"[4] {n} drawings of {files[0].name}; CPU us per drawing, median of 5 runs")
    pairs = {
        "npy object array: C pickler": lambda: _npz_stream.c_pickler_member(pieces),
        "npy object array: compiled": lambda: _npz_stream.object_member(
            flat, offsets[:-1], offsets[1:]
        ),
        "reorder: Drawings[order]": lambda: drawings[order],
        "reorder: take_drawings": lambda: take_drawings(drawings, order),
    }
    for name, func in pairs.items():
        func()
        print(f"[4] {name:30s} {_cpu_us(func, n):6.2f} us")
    lines = files[0].read_bytes().splitlines(keepends=True)[:20000]
    data = b"".join(lines)
    chunk = lambda: parse_compiled(data, len(lines), ChunkState(), DEFAULT_LIMITS)  # noqa: E731
    chunk()
    print(f"[4] {'ndjson chunk: compiled scan':30s} {_cpu_us(chunk, len(lines)):6.2f} us")
    filters = Filters(None, None, False, False, 2.0, None, None, None)
    spec = BuildSpec(parse_splits("70000,2500,2500"), "npz", 0, filters, 10_000, 28)
    for run in range(2):  # the first run loads the compiled kernels
        work, out = root / f"work{run}", root / f"out{run}"
        work.mkdir()
        out.mkdir()
        start = time.process_time()
        scans = [scan_file(ScanJob(str(f), r, spec, str(work))) for r, f in enumerate(files)]
        middle = time.process_time()
        spills, available, _ = _merge_scans(scans)
        for word in sorted(spills):
            job = CategoryJob(word, tuple(sorted(spills[word])), available[word], spec, str(out))
            collect_category(job)
        end = time.process_time()
    total = sum(s.read for s in scans)
    scan_us, collect_us = (middle - start) / total * 1e6, (end - middle) / total * 1e6
    print(
        f"[4] build of {total} drawings in {len(files)} files (one thread, kernels loaded): "
        f"scan {scan_us:.2f} us, collect {collect_us:.2f} us"
    )


if __name__ == "__main__":
    main()
