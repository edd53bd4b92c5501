"""Every benchmark in one run, quiet and under load, written as docs/benchmarks.md.

Each figure is a ratio against a baseline measured in the same run, on the same data, timed in
alternation (ours, baseline, ours, ...) so that a machine whose load drifts slows both alike; the
table gives the median ratio and its interquartile range. Each ratio is measured twice: "quiet"
(whatever else the machine runs) and "loaded", with one busy-loop process per CPU that this script
starts and stops itself. Then: how time grows with size, start-up in fresh processes, and a GPU
section when torch sees one. Nothing in the output is typed by hand.

The anchors (``rdp``, ``rdp2``, ``fastrdp``, ``pysimdjson``, ``orjson``, scikit-learn) come with
``pip install strokedelta[bench]``; a missing one is reported and skipped.

Usage::

    python scripts/bench.py                 # full sizes, writes docs/benchmarks.md, and the
                                            # README's table between <!-- bench:start/end -->
    python scripts/bench.py --readme only   # README from the existing docs/benchmarks.md
    python scripts/bench.py --quick         # small sizes, a smoke run (writes ./benchmarks.md)
    python scripts/bench.py --out FILE.md   # elsewhere
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib
import json
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent
SAMPLE = ROOT / "data" / "quickdraw_cat_sample.ndjson"

from bench_delta import make_batch  # noqa: E402 - the scripts folder, put on the path above
from bench_sketch import data_source, make_ndjson, sketch_files  # noqa: E402
from bench_train import make_data, rmse, sgd_epoch  # noqa: E402

import strokedelta as sd  # noqa: E402
from strokedelta._files import atomic_path  # noqa: E402
from strokedelta._kernels import thread_budget  # noqa: E402
from strokedelta.models import DeltaLinearRegressor  # noqa: E402
from strokedelta.sketch.polyline import rdp, rdp_batch, resample_batch  # noqa: E402

Row = dict[str, Any]


# ------------------------------------------------------------------------- measuring
def _spin(stop: Any) -> None:
    while not stop.is_set():
        sum(range(10_000))


@contextlib.contextmanager
def cpu_load(processes: int) -> Iterator[None]:
    """``processes`` busy loops (separate processes, so they compete for the CPUs)."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [context.Process(target=_spin, args=(stop,), daemon=True) for _ in range(processes)]
    for worker in workers:
        worker.start()
    time.sleep(1.0)  # let them start spinning
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.terminate()


def paired(ours: Callable[[], Any], base: Callable[[], Any], rounds: int) -> Row:
    """Alternate the two (after one warm-up each); median times and ratio with its quartiles."""
    ours(), base()
    mine, theirs, ratios = [], [], []
    for i in range(rounds):
        pair = []
        for func in (ours, base) if i % 2 else (base, ours):
            start = time.perf_counter()
            func()
            pair.append((func is ours, time.perf_counter() - start))
        t_ours = next(t for is_ours, t in pair if is_ours)
        t_base = next(t for is_ours, t in pair if not is_ours)
        mine.append(t_ours)
        theirs.append(t_base)
        ratios.append(t_base / t_ours)
    q1, med, q3 = np.percentile(ratios, [25, 50, 75])
    return {
        "ours_s": float(np.median(mine)),
        "base_s": float(np.median(theirs)),
        "ratio": med,
        "low": q1,
        "high": q3,
    }


def optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        print(f"  ({name} is not installed: pip install strokedelta[bench]; skipped)")
        return None


# --------------------------------------------------------------------------- the work
def codec_cases(points: int) -> list[tuple[str, str, Callable, Callable, float, float]]:
    x, offsets = make_batch(max(1, points // 100), 100, seed=0)
    d = sd.to_deltas(x, offsets)
    cases = [
        (
            "ragged to_deltas",
            "flat np.diff",
            lambda: sd.to_deltas(x, offsets),
            lambda: np.diff(x, axis=0),
            1.0,
            1.0,
        ),
        (
            "ragged from_deltas",
            "flat np.cumsum",
            lambda: sd.from_deltas(d, offsets),
            lambda: np.cumsum(d, axis=0),
            2.0,
            2.0,
        ),
    ]
    return cases


def pandas_cases(points: int) -> list[tuple[str, str, Callable, Callable, float, float]]:
    import pandas as pd

    x, offsets = make_batch(max(1, points // 100), 100, seed=0)
    d = sd.to_deltas(x, offsets)
    frame = pd.DataFrame(
        {"id": np.repeat(np.arange(len(offsets) - 1), np.diff(offsets)), "x": x[:, 0], "y": x[:, 1]}
    )
    return [
        (
            "ragged to_deltas",
            "pandas groupby diff",
            lambda: sd.to_deltas(x, offsets),
            lambda: frame.groupby("id").diff(),
            20.0,
            0.0,
        ),
        (
            "ragged from_deltas",
            "pandas groupby cumsum",
            lambda: sd.from_deltas(d, offsets),
            lambda: frame.groupby("id").cumsum(),
            5.0,
            0.0,
        ),
    ]


def pandas_floor(points: int, rows: list[Row], rounds: int) -> str:
    """Why 20x pandas groupby diff is out of reach here, measured: a fresh output like
    ``to_deltas``'s (np.empty, one write per 4 KiB page) and one subtraction pass of the same
    points into a warm output, each timed on one thread, against 1/20 of pandas' median time
    from the quiet rows. Any ``to_deltas`` reads the points and writes a fresh output once; the
    two costs split evenly over every CPU estimate the least that takes on this machine (one
    pass that does both can overlap them a little)."""
    x, _ = make_batch(max(1, points // 100), 100, seed=0)
    warm = np.empty_like(x)

    def touch() -> None:
        np.empty_like(x).reshape(-1)[:: 4096 // x.itemsize] = 0

    def subtract() -> None:
        np.subtract(x[1:], x[:-1], out=warm[1:])

    subtract()  # fault ``warm`` in: the pass is timed into memory already touched
    touch_s = float(np.median([_timed(touch) for _ in range(rounds)]))
    subtract_s = float(np.median([_timed(subtract) for _ in range(rounds)]))
    pandas_s = next(
        r["base_s"] for r in rows if r["base"] == "pandas groupby diff" and r["load"] == "quiet"
    )
    cpus = thread_budget()
    floor = (touch_s + subtract_s) / cpus
    return (
        f"pandas groupby diff at 20x: pandas takes {pandas_s * 1e3:.0f} ms, so 20x means "
        f"{pandas_s / 20 * 1e3:.1f} ms; on one thread a fresh {x.nbytes / 1e6:.1f} MB output's "
        f"first touch takes {touch_s * 1e3:.1f} ms and one subtraction pass into a warm output "
        f"{subtract_s * 1e3:.1f} ms; split evenly over {cpus} CPUs they take {floor * 1e3:.1f} "
        f"ms, about {pandas_s / floor:.1f}x pandas, the most this machine's memory allows"
    )


def rdp_workload() -> sd.Ragged:
    """Every stroke of the raw samples, aligned and scaled to 0..255 per drawing (Google's
    recipe), resampled at 1 px: the input of RDP in :func:`strokedelta.simplify_drawings`."""
    strokes: list[np.ndarray] = []
    for path in sketch_files("raw"):  # the real raw samples, or data/'s (bench_sketch.py)
        for line in path.read_text().splitlines():
            drawing = [np.array(s[:2], dtype=float).T for s in json.loads(line)["drawing"]]
            low = np.concatenate(drawing).min(axis=0)
            top = max(float((s - low).max()) for s in drawing) or 1.0
            strokes.extend((s - low) * 255 / top for s in drawing)
    return resample_batch(sd.Ragged.from_list(strokes), 1.0)


def rdp_cases(quick: bool) -> tuple[list, str]:
    batch = rdp_workload()
    strokes = [np.ascontiguousarray(s) for s in batch]
    note = f"{len(strokes)} strokes, {len(batch.values):,} points, epsilon 2"
    cases = []
    fastrdp, rdp2, rdp_package = optional("fastrdp"), optional("rdp2"), optional("rdp")
    passes = range(1 if quick else 5)  # each timing covers the strokes 5 times: ~10 ms, not ~2

    def per_stroke(simplify: Callable[[np.ndarray, float], Any]) -> Callable[[], None]:
        def run() -> None:
            for _ in passes:
                for s in strokes:
                    simplify(s, 2.0)

        return run

    def batched() -> None:
        for _ in passes:
            rdp_batch(batch, 2.0)

    ours = per_stroke(rdp)
    if fastrdp is not None:
        per_fast = per_stroke(fastrdp.rdpN)
        cases.append(("rdp per stroke", "fastrdp per stroke", ours, per_fast, 2.0, 2.0))
        cases.append(("rdp_batch", "fastrdp per stroke", batched, per_fast, 2.0, 2.0))
    if rdp2 is not None:
        per_rdp2 = per_stroke(rdp2.rdp)
        cases.append(("rdp per stroke", "rdp2 per stroke", ours, per_rdp2, 1.0, 1.0))
        cases.append(("rdp_batch", "rdp2 per stroke", batched, per_rdp2, 1.0, 1.0))
    if rdp_package is not None:
        some = strokes[:: 40 if quick else 4]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            reference = [rdp_package.rdp(s, 2.0) for s in some]
        same = sum(np.array_equal(rdp(s, 2.0), r) for s, r in zip(some, reference))
        note += f"; identical to the rdp package on {same}/{len(some)} strokes checked"
        if fastrdp is not None:
            agree = sum(np.array_equal(fastrdp.rdpN(s, 2.0), r) for s, r in zip(some, reference))
            note += f" (fastrdp {agree}/{len(some)}"
            if rdp2 is not None:
                agree2 = sum(
                    np.array_equal(np.asarray(rdp2.rdp(s, 2.0)), r) for s, r in zip(some, reference)
                )
                note += f", rdp2 {agree2}/{len(some)}"
            note += ")"
    return cases, note


def read_cases(folder: Path, drawings: int) -> list:
    path = folder / f"simplified_{drawings}.ndjson"
    if not path.exists():
        lines = make_ndjson(path, drawings * 0.00055)  # about 550 bytes a drawing
        with path.open() as handle:
            kept = [next(handle) for _ in range(min(drawings, lines))]
        path.write_text("".join(kept))

    def anchor(loads: Callable[[bytes], Any], buffers: bool = False) -> Callable[[], Any]:
        def run() -> list[np.ndarray]:
            out = []
            with path.open("rb") as handle:
                for line in handle:
                    strokes = loads(line)["drawing"]
                    if buffers:
                        parts = [
                            np.frombuffer(s.as_buffer(of_type="i"), dtype=np.int64).reshape(2, -1).T
                            for s in strokes
                        ]
                    else:
                        parts = [np.array(s[:2], dtype=np.int64).T for s in strokes]
                    del strokes  # pysimdjson: no view of the document may outlive it
                    points = np.concatenate(parts)
                    pen = np.zeros(len(points), dtype=np.int64)
                    pen[np.cumsum([len(p) for p in parts]) - 1] = 1
                    deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
                    out.append(np.column_stack([deltas, pen]))
            return out

        return run

    ours = lambda: sd.read_drawings(path)  # noqa: E731
    cases = [("read_drawings", "json.loads + numpy", ours, anchor(json.loads), 5.0, 0.0)]
    orjson, simdjson = optional("orjson"), optional("simdjson")
    if orjson is not None:
        cases.append(("read_drawings", "orjson + numpy", ours, anchor(orjson.loads), 1.5, 0.0))
    if simdjson is not None:
        parser = simdjson.Parser()
        cases.append(
            (
                "read_drawings",
                "pysimdjson as_buffer + numpy",
                ours,
                anchor(lambda b: parser.parse(b), buffers=True),
                1.5,
                0.0,
            )
        )
    return cases


def train_cases(rows: int, quick: bool) -> tuple[list, str]:
    x, y = make_data(rows, 5, seed=0)
    design = np.column_stack([x, np.ones(rows)])
    best = rmse(design @ np.linalg.lstsq(design, y, rcond=None)[0], y)
    target = 1.01 * best
    cases, note = [], f"{rows:,} rows x 5 features, RMSE within 1% of least squares"
    sklearn = optional("sklearn")
    if sklearn is not None:
        from sklearn.linear_model import SGDRegressor
        from sklearn.preprocessing import StandardScaler

        def sgd(epochs: int) -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                xs = StandardScaler().fit_transform(x)
                return SGDRegressor(max_iter=epochs, tol=None, random_state=0).fit(xs, y), xs

        def error(epochs: int) -> float:
            model, xs = sgd(epochs)
            return rmse(model.predict(xs), y)

        epochs = next((e for e in range(1, 21) if error(e) <= target), 20)
        ours_error = rmse(DeltaLinearRegressor().fit(x, y).predict(x), y)
        note += (
            f"; ours {ours_error / best:.5f} x least squares, SGDRegressor needs {epochs} epoch(s)"
        )
        cases.append(
            (
                "DeltaLinearRegressor().fit",
                f"StandardScaler + SGDRegressor ({epochs} ep.)",
                lambda: DeltaLinearRegressor().fit(x, y),
                lambda: sgd(epochs),
                10.0,
                3.0,
            )
        )
    epoch, pairs = sgd_epoch(x, y)
    per_10m = lambda: time.sleep(len(pairs) / 10e6)  # noqa: E731 - 10M rows/s, the target
    cases.append(("one SGD epoch (shuffle incl.)", "10M rows/s", epoch, per_10m, 1.0, 1.0))
    return cases, note


# ------------------------------------------------------------------------ sections
LOADS: dict[str, list[float]] = {"quiet": [], "loaded": []}


def measure(cases: list, rounds: int, loaded: bool, group: str, size: str) -> list[Row]:
    rows = []
    for ours_name, base_name, ours, base, quiet_target, loaded_target in cases:
        if loaded and not loaded_target:
            continue
        result = paired(ours, base, rounds)
        result.update(
            group=group,
            size=size,
            ours=ours_name,
            base=base_name,
            load="loaded" if loaded else "quiet",
            target=loaded_target if loaded else quiet_target,
        )
        rows.append(result)
        LOADS[result["load"]].append(os.getloadavg()[0])  # after the rounds: it lags a minute
        print(
            f"  [{result['load']}] {ours_name} vs {base_name} ({size}): {result['ratio']:.2f}x "
            f"[{result['low']:.2f}-{result['high']:.2f}]",
            flush=True,
        )
    return rows


def growth(
    label: str,
    sizes: list[int],
    make: Callable[[int], Callable[[], Any]],
    rounds: int,
    fit_from: int = 0,
) -> Row:
    """Median time at each size and the exponent of time against size, fitted on the sizes
    from ``fit_from`` on (below it a cost may be fixed by design)."""
    times = []
    for n in sizes:
        func = make(n)
        func()
        times.append(float(np.median([_timed(func) for _ in range(rounds)])))
    fitted = [(n, t) for n, t in zip(sizes, times) if n >= fit_from]
    slope = (
        float(np.polyfit(*np.log10(np.array(fitted, dtype=float)).T, 1)[0])
        if len(fitted) > 1
        else 1.0
    )
    print(
        f"  growth {label}: "
        + ", ".join(f"{n:,}: {t * 1e3:.1f} ms" for n, t in zip(sizes, times))
        + f" (exponent {slope:.2f})"
    )
    return {"label": label, "sizes": sizes, "times": times, "exponent": slope}


def _timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def startup(quick: bool) -> list[Row]:
    """Fresh processes: import, then the first read / codec / fit, and the CLI's second run.

    ``import`` is ``import strokedelta`` and the modules of the names the call uses (each public
    name loads its modules on first use); ``first`` is the call itself (numba's cache, if a
    kernel is used, loads in it).
    """
    code = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np, strokedelta as sd
what = sys.argv[1]
if what == "fit":
    from strokedelta.models import DeltaLinearRegressor
elif what == "read":
    read_drawings = sd.read_drawings
else:
    to_deltas, Ragged = sd.to_deltas, sd.Ragged
t1 = time.perf_counter()
if what == "fit":
    x = np.random.default_rng(0).normal(size=(1000, 3))
    DeltaLinearRegressor().fit(x, x @ [1.0, 2.0, 3.0])
elif what == "read":
    read_drawings(sys.argv[2])
else:
    to_deltas(Ragged(np.arange(400.0).reshape(200, 2), [0, 80, 200]))
print(json.dumps({"import": t1 - t0, "first": time.perf_counter() - t1}))
"""
    rows = []
    for what in ("read", "to_deltas", "fit"):
        for run in ("second",) if quick else ("first", "second"):
            done = subprocess.run(
                [sys.executable, "-c", code, what, str(SAMPLE)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if run == "second":
                rows.append({"what": f"first {what} in a fresh process", **result})
    commands = [
        ["stats", str(SAMPLE)],
        ["convert", str(SAMPLE), "{tmp}/x.parquet"],
        ["render", str(SAMPLE), "{tmp}/x.svg"],
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for command in commands[:1] if quick else commands:
            # "first run after install": an empty numba cache (as a fresh install has); then the
            # second run, what users meet every day, loads what the first one cached
            env = {**os.environ, "NUMBA_CACHE_DIR": f"{tmp}/numba-{command[0]}"}
            args = [a.replace("{tmp}", tmp) for a in command]
            for run in ("first run after install", "second run"):
                for leftover in Path(tmp).glob("x.*"):
                    leftover.unlink()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "strokedelta", *args],
                    capture_output=True,
                    check=True,
                    env=env,
                )
                wall = time.perf_counter() - start
                user = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before.ru_utime
                rows.append(
                    {"what": f"`strokedelta {command[0]}` ({run})", "wall": wall, "user": user}
                )
    for row in rows:
        print(
            "  "
            + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else str(v) for k, v in row.items())
        )
    return rows


def gpu_section(quick: bool) -> list[str]:
    import torch

    if not torch.cuda.is_available():
        return ["No CUDA GPU was visible to torch on this machine: no GPU figures."]
    n = 1_000_000 if quick else 20_000_000
    x = torch.randn(n, 2, device="cuda", dtype=torch.float64)
    offsets = np.arange(0, n + 1, 100)
    lines = []
    for name, func in (
        ("to_deltas", lambda: sd.to_deltas(x, offsets)),
        ("from_deltas", lambda: sd.from_deltas(x, offsets)),
    ):
        func()
        torch.cuda.synchronize()
        start = time.perf_counter()
        func()
        torch.cuda.synchronize()
        lines.append(
            f"- {name} on a CUDA tensor of {n:,} points: "
            f"{n / (time.perf_counter() - start) / 1e6:.0f} M points/s"
        )
    return lines


# ---------------------------------------------------------------------------- report
def machine() -> str:
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(
        f"{m} {importlib.import_module(m).__version__}"
        for m in ("numpy", "numba", "torch", "pandas")
    )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{model}, {cpus} CPUs available, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {versions}; load averages at the start "
        f"(1, 5, 15 min): {load}"
    )


def write_report(path: Path, args: Any, sections: dict[str, Any]) -> None:
    out = [
        "# Benchmarks",
        "",
        f"Generated by `scripts/bench.py{' --quick' if args.quick else ''}` in a run started "
        f"{sections['started']:%Y-%m-%d %H:%M} UTC; do not edit by hand, run the script again.",
        "",
        f"Machine: {sections['machine']}.",
        "",
        "Ratios are baseline time / our time (higher is better), the median of alternating "
        'runs with its interquartile range. "quiet" adds no load; "loaded" runs with one '
        "busy-loop process per CPU, started and stopped by the script. Mean 1-minute load "
        f"average while measuring: quiet {_mean(LOADS['quiet'])}, loaded "
        f"{_mean(LOADS['loaded'])} (other jobs on the machine count too).",
        "",
        "| what | size | baseline | quiet | loaded | target (quiet / loaded) |",
        "|---|---|---|---|---|---|",
    ]
    table: dict[tuple, dict[str, Row]] = {}
    for row in sections["rows"]:
        table.setdefault((row["group"], row["ours"], row["size"], row["base"]), {})[row["load"]] = (
            row
        )
    for (_, ours, size, base), cell in table.items():

        def fmt(r: Row | None) -> str:
            return "-" if r is None else f"{r['ratio']:.2f}x ({r['low']:.2f}-{r['high']:.2f})"

        targets = " / ".join(
            f">= {cell[k]['target']:g}x" if k in cell and cell[k]["target"] else "-"
            for k in ("quiet", "loaded")
        )
        out.append(
            f"| {ours} | {size} | {base} | {fmt(cell.get('quiet'))} | "
            f"{fmt(cell.get('loaded'))} | {targets} |"
        )
    out += [
        "",
        *[f"- {note}" for note in sections["notes"]],
        "",
        "## Time against size",
        "",
        "| what | sizes | median time | exponent |",
        "|---|---|---|---|",
    ]
    for g in sections["growth"]:
        cells = ", ".join(f"{n:,}: {t * 1e3:.1f} ms" for n, t in zip(g["sizes"], g["times"]))
        out.append(
            f"| {g['label']} | {g['sizes'][0]:,}..{g['sizes'][-1]:,} | {cells} | "
            f"{g['exponent']:.2f} |"
        )
    out += [
        "",
        "An exponent near 1 is linear growth (fixed costs show below 1 at small sizes). A default "
        "fit runs at least 1000 optimiser steps (on 10,000 rows: 1000 epochs), so its work is the "
        "same up to 1M rows by design and grows with the rows from there: its exponent is fitted "
        "on 1,000,000 rows and more.",
        "",
        "## Start-up",
        "",
        "| what | import (s) | first call (s) | wall (s) | user (s) |",
        "|---|---|---|---|---|",
    ]
    for row in sections["startup"]:
        cells = [f"{row[k]:.3f}" if k in row else "-" for k in ("import", "first", "wall", "user")]
        out.append(f"| {row['what']} | " + " | ".join(cells) + " |")
    out += [
        "",
        "Targets: `strokedelta stats` second run < 1.5 s wall; each first call < 0.3 s "
        "beyond import (warm numba cache).",
        "",
        "## GPU",
        "",
        *sections["gpu"],
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(out), encoding="utf-8")
    print(f"\nwrote {path}")


README = ROOT / "README.md"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def readme_block(report: str, source: str) -> list[str]:
    """What the README shows of a report: its generation line, machine line, the ratio table
    with its notes, and the start-up table, each copied from the report unchanged."""
    lines = report.splitlines()
    keep = [line for line in lines if line.startswith(("Generated by", "Machine:"))]
    keep += ["", f"Copied from [{source}]({source}), the full report (time against size, GPU)."]
    start = next(i for i, line in enumerate(lines) if line.startswith("| what | size |"))
    stop = next(i for i in range(start, len(lines)) if lines[i].startswith("## "))
    keep += ["", *lines[start:stop]]
    at = lines.index("## Start-up")
    end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    keep += ["Start-up (fresh processes):", *lines[at + 1 : end]]
    return [line for i, line in enumerate(keep) if line or (i and keep[i - 1])]


def update_readme(readme: Path, report_path: Path, *, required: bool = True) -> None:
    """Replace what lies between the README's bench markers by :func:`readme_block`."""
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        message = f"{readme}: no {README_START} ... {README_END} markers to write between"
        if required:
            raise SystemExit(message)
        print(f"{message}; README left alone")
        return
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    source = os.path.relpath(report_path, readme.parent)
    block = readme_block(report_path.read_text(encoding="utf-8"), source)
    text = "\n".join([head + README_START, *block, README_END + tail])
    with atomic_path(readme) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(f"rewrote the Benchmarks section of {readme} from {report_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--out", type=Path, help="the Markdown file to write")
    parser.add_argument("--rounds", type=int, help="alternating rounds per ratio")
    parser.add_argument(
        "--readme",
        choices=("auto", "yes", "no", "only"),
        default="auto",
        help="rewrite README.md between its bench markers from the report: auto (after a full "
        "run into docs/benchmarks.md), yes, no, or only (from the existing report, no run)",
    )
    args = parser.parse_args()
    report = args.out or (Path("benchmarks.md") if args.quick else ROOT / "docs" / "benchmarks.md")
    if args.readme == "only":
        update_readme(README, report)
        return
    quick = args.quick
    out = report
    rounds = args.rounds or (3 if quick else 11)
    points = 200_000 if quick else 10_000_000
    rows: list[Row] = []
    notes: list[str] = []
    started_at = datetime.datetime.now(datetime.timezone.utc)
    started_on = machine()
    print(f"machine: {started_on}")
    print(data_source())
    with tempfile.TemporaryDirectory() as tmp:
        drawings = 2_000 if quick else 100_000
        rdp_list, rdp_note = rdp_cases(quick)
        train_rows = 20_000 if quick else 1_000_000
        train_list, train_note = train_cases(train_rows, quick)
        notes += [
            f"RDP: {rdp_note}.",
            f"Training: {train_note}.",
            "The SGD epoch's baseline is the target rate itself (10M rows/s).",
        ]
        groups = [
            ("codec", f"{points:,} points", codec_cases(points)),
            ("codec", f"{points:,} points", pandas_cases(points)),
            ("rdp", "48 drawings", rdp_list),
            ("read", f"{drawings:,} drawings", read_cases(Path(tmp), drawings)),
            ("train", f"{train_rows:,} rows", train_list),
        ]
        print("quiet:")
        for group, size, cases in groups:
            rows += measure(cases, rounds, False, group, size)
        print(f"loaded ({os.cpu_count()} busy-loop processes):")
        with cpu_load(os.cpu_count() or 1):
            for group, size, cases in groups:
                rows += measure(cases, rounds, True, group, size)
        del groups
        notes.append(pandas_floor(points, rows, rounds) + ".")
        print("growth:")
        sizes = [10**5, 10**6] if quick else codec_sizes()
        grown = [
            growth("to_deltas (points)", sizes, lambda n: _codec(n, "to"), 3),
            growth("from_deltas (points)", sizes, lambda n: _codec(n, "from"), 3),
            growth(
                "read_drawings (drawings)",
                [500, 2_000] if quick else [1_000, 10_000, 100_000, 1_000_000],
                lambda n: _reader(Path(tmp), n),
                3,
            ),
            growth(
                "DeltaLinearRegressor().fit (rows)",
                [10**5, 2 * 10**5] if quick else [10**4, 10**5, 10**6, 3 * 10**6, 10**7],
                _fitter,
                3,
                fit_from=10**6,
            ),
        ]
    print("start-up:")
    started = startup(quick)
    try:
        gpu = gpu_section(quick)
    except Exception as error:  # a broken CUDA setup is reported, not fatal
        gpu = [f"The GPU section failed: {error!r}"]
    write_report(
        out,
        args,
        {
            "started": started_at,
            "machine": started_on,
            "rows": rows,
            "notes": notes,
            "growth": grown,
            "startup": started,
            "gpu": gpu,
        },
    )
    if args.readme == "yes" or (args.readme == "auto" and not quick and args.out is None):
        update_readme(README, out, required=args.readme == "yes")


def _mean(values: list[float]) -> str:
    return f"{np.mean(values):.1f}" if values else "-"


def codec_sizes() -> list[int]:
    """The codec's sizes for the growth fit: 1e6..1e8 points, 1e8 only with 10 GiB available.

    From 1e6 points (16 MB an array) on, input and output no longer fit in the caches and the
    output is fresh memory that the OS zeroes on first touch, so every size pays the same costs
    per point. At 1e5 points (1.6 MB) both stay in cache and the output reuses heap memory that
    is already mapped, which made a fit from 1e5 show an exponent above 1 for a linear cost.
    1e8 points is 1.6 GB an array and about 8 GB while the batch is made.
    """
    try:
        meminfo = Path("/proc/meminfo").read_text().split()
        available = int(meminfo[meminfo.index("MemAvailable:") + 1]) * 1024
    except (OSError, ValueError, IndexError):
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    if available >= 10 * 2**30:
        return [10**6, 10**7, 10**8]
    print(f"  ({available / 2**30:.1f} GiB available: the codec's growth stops at 1e7 points)")
    return [10**6, 10**7]


def _codec(n: int, way: str) -> Callable[[], Any]:
    x, offsets = make_batch(max(1, n // 100), 100, seed=1)
    if way == "to":
        return lambda: sd.to_deltas(x, offsets)
    d = sd.to_deltas(x, offsets)
    return lambda: sd.from_deltas(d, offsets)


def _reader(folder: Path, n: int) -> Callable[[], Any]:
    case = read_cases(folder, n)[0]
    return case[2]


def _fitter(n: int) -> Callable[[], Any]:
    x, y = make_data(n, 5, seed=2)
    return lambda: DeltaLinearRegressor().fit(x, y)


if __name__ == "__main__":
    main()
