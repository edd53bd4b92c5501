"""Benchmarks of the sketch data path (issue 3 targets), printed as ratios from one run.

1. Simplified Quick, Draw! ndjson -> stroke-3, in memory and to Parquet, against a baseline of
   ``json.loads`` per line plus per-drawing numpy conversion (target >= 5x), on a generated
   file shaped like Google's (the real simplified samples repeated with fresh key_ids).
2. Vectorised RDP (:func:`strokedelta.sketch.rdp`) against the ``rdp`` package on the
   raw samples' resampled strokes: identical output yes / no and the speed ratio (>= 100x).

The real samples are ``../shared/data/real`` (or ``$STROKEDELTA_REAL_DATA``); without them (a
user's clone) the script measures on the repository's excerpts in ``data/`` and says so.
3. Streaming: converting a 10x larger ndjson file to Parquet raises peak memory (RSS of a
   fresh process) by less than 2x.

Usage::

    python scripts/bench_sketch.py            # >= 50 MB file, full sizes
    python scripts/bench_sketch.py --quick    # small sizes, a few seconds
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# The real samples beside the repository (CI), or $STROKEDELTA_REAL_DATA; a user's clone has
# neither and falls back to the repository's own Quick, Draw! excerpts in data/ (CC BY 4.0).
REAL = Path(os.environ.get("STROKEDELTA_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")
SIMPLIFIED = ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_simplified.ndjson")
RAW = ("quickdraw_cat_raw.ndjson", "quickdraw_sheep_raw.ndjson")
SAMPLE_SIMPLIFIED = ("quickdraw_cat_sample.ndjson", "quickdraw_sheep_sample.ndjson")
SAMPLE_RAW = ("quickdraw_cat_raw_sample.ndjson",)


def sketch_files(kind: str) -> list[Path]:
    """The ``"simplified"`` or ``"raw"`` ndjson files to measure on: the real ones when the
    real data folder is there, else the repository's samples in data/."""
    if REAL.is_dir():
        return [REAL / name for name in (SIMPLIFIED if kind == "simplified" else RAW)]
    names = SAMPLE_SIMPLIFIED if kind == "simplified" else SAMPLE_RAW
    return [ROOT / "data" / name for name in names]


def data_source() -> str:
    """One line saying which files the figures come from."""
    if REAL.is_dir():
        return f"data: the real samples in {REAL}"
    return (
        f"data: the repository's samples in data/ ({REAL} not found; figures differ "
        "from docs/benchmarks.md)"
    )


def make_ndjson(path: Path, megabytes: float, seed: int = 0) -> int:
    """Write a Quick, Draw!-shaped simplified ndjson of about ``megabytes`` MB; return lines."""
    rng = np.random.default_rng(seed)
    lines = [line for file in sketch_files("simplified") for line in file.read_text().splitlines()]
    records = [json.loads(line) for line in lines]
    target = int(megabytes * 1e6)
    written = count = 0
    with path.open("w") as handle:
        while written < target:
            keys = rng.integers(4 * 10**15, 6.7 * 10**15, size=len(records))
            block = []
            for record, key in zip(records, keys.tolist()):
                record["key_id"] = str(key)
                block.append(json.dumps(record, separators=(",", ":")))
            text = "\n".join(block) + "\n"
            handle.write(text)
            written += len(text)
            count += len(block)
    return count


def baseline_stroke3(path: Path) -> list[np.ndarray]:
    """The baseline: json.loads per line, then numpy per drawing."""
    out = []
    with path.open() as handle:
        for line in handle:
            record = json.loads(line)
            strokes = record["drawing"]
            points = np.concatenate([np.array(s[:2], dtype=np.int64).T for s in strokes])
            pen = np.zeros(len(points), dtype=np.int64)
            pen[np.cumsum([len(s[0]) for s in strokes]) - 1] = 1
            deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
            out.append(np.column_stack([deltas, pen]))
    return out


def baseline_parquet(path: Path, target: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from strokedelta.ragged import Ragged

    batch = Ragged.from_list(baseline_stroke3(path))
    offsets = pa.array(batch.offsets)
    pq.write_table(
        pa.table(
            {
                name: pa.LargeListArray.from_arrays(offsets, pa.array(batch.values[:, k]))
                for k, name in enumerate(("dx", "dy", "pen"))
            }
        ),
        target,
    )


def best_of(repeat: int, func: Any, *args: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_parse(folder: Path, megabytes: float) -> None:
    from strokedelta.io import convert_drawings, read_drawings

    path = folder / "simplified.ndjson"
    lines = make_ndjson(path, megabytes)
    size = path.stat().st_size / 1e6
    print(f"[1] simplified ndjson: {size:.1f} MB, {lines} drawings")
    read_drawings(path)  # warm up imports and compiled kernels
    t_base, base = best_of(1, baseline_stroke3, path)
    t_ours, ours = best_of(3, read_drawings, path)
    same = len(base) == len(ours) and all(
        np.array_equal(b, ours[i]) for i, b in enumerate(base[:1000])
    )
    print(
        f"    in memory: baseline {t_base:.2f} s, strokedelta {t_ours:.2f} s, "
        f"ratio {t_base / t_ours:.1f}x (target >= 5x), same values: {'yes' if same else 'NO'}"
    )
    t_base_pq, _ = best_of(1, baseline_parquet, path, folder / "base.parquet")

    t_ours_pq, _ = best_of(3, convert_drawings, path, folder / "ours.parquet")
    print(
        f"    to Parquet: baseline {t_base_pq:.2f} s, strokedelta {t_ours_pq:.2f} s, "
        f"ratio {t_base_pq / t_ours_pq:.1f}x (target >= 5x)"
    )


def bench_rdp(quick: bool) -> None:
    try:
        from strokedelta.sketch import rdp, resample
    except ImportError as exc:
        print(f"[2] vectorised RDP: skipped ({exc})")
        return
    from rdp import rdp as rdp_reference

    from strokedelta.io import read_drawings
    from strokedelta.ragged import Ragged

    strokes: list[np.ndarray] = []
    for file in sketch_files("raw"):
        drawings = read_drawings(file)
        points = drawings.absolute().values.astype(np.float64)
        bounds = drawings.stroke_offsets()
        strokes.extend(np.split(points, bounds[1:-1]))
    batch = resample(Ragged.from_list(strokes), 1.0)
    pieces = batch.to_list()
    if quick:
        pieces = pieces[:60]
        batch = Ragged.from_list(pieces)
    repeat = 3

    def reference() -> list[np.ndarray]:
        with warnings.catch_warnings():  # the rdp package uses np.cross on 2-D vectors
            warnings.simplefilter("ignore", DeprecationWarning)
            return [rdp_reference(p, epsilon=2.0) for p in pieces]

    t_ref, ref = best_of(1, reference)
    t_ours, ours = best_of(repeat, rdp, batch, 2.0)
    ours_list = ours.to_list() if isinstance(ours, Ragged) else list(ours)
    identical = len(ref) == len(ours_list) and all(
        np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(ref, ours_list)
    )
    print(
        f"[2] vectorised RDP on {len(pieces)} resampled raw strokes "
        f"({sum(len(p) for p in pieces)} points): identical: {'yes' if identical else 'NO'}; "
        f"rdp package {t_ref:.3f} s, strokedelta {t_ours:.4f} s, "
        f"ratio {t_ref / t_ours:.0f}x (target >= 100x)"
    )


_PEAK = """
import sys
from strokedelta.io import convert_drawings
convert_drawings(sys.argv[1], sys.argv[2])
# VmHWM is this process image's own peak; ru_maxrss would include the parent's at fork time
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]))
"""


def peak_rss_mb(source: Path, target: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(source), str(target)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def bench_memory(folder: Path, megabytes: float) -> None:
    small, large = folder / "small.ndjson", folder / "large.ndjson"
    make_ndjson(small, megabytes, seed=1)
    make_ndjson(large, 10 * megabytes, seed=2)
    peak_small = peak_rss_mb(small, folder / "small.parquet")
    peak_large = peak_rss_mb(large, folder / "large.parquet")
    print(
        f"[3] ndjson -> Parquet peak RSS: {small.stat().st_size / 1e6:.0f} MB file "
        f"{peak_small:.0f} MB, {large.stat().st_size / 1e6:.0f} MB file {peak_large:.0f} MB, "
        f"ratio {peak_large / peak_small:.2f}x (target < 2x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--megabytes", type=float, default=55, help="size of the [1] file")
    args = parser.parse_args()
    print(data_source())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_parse(folder, 3 if args.quick else args.megabytes)
        bench_rdp(args.quick)
        bench_memory(folder, 2 if args.quick else 8)


if __name__ == "__main__":
    main()
