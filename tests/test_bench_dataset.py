"""scripts/bench_dataset.py: its synthetic set is real Quick, Draw! ndjson, and its baseline does
the job ``dataset build`` does (the same counts per split), so the comparison is fair."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np

from strokedelta.datasets import build_dataset
from strokedelta.io import read_drawings

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_dataset.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_dataset", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_set_and_baseline(tmp_path):
    bench = _bench()
    total = bench.make_set(tmp_path / "set", 3, 0.3, seed=4)
    files = sorted((tmp_path / "set").glob("*.ndjson"))
    assert [f.stem for f in files] == ["cat", "dog", "sheep"]
    drawings = [read_drawings(f) for f in files]
    assert sum(len(d) for d in drawings) == total
    assert all(d.meta["key_id"].is_unique for d in drawings)
    assert all(set(d.meta["word"]) == {f.stem} for d, f in zip(drawings, files))
    assert 400 < sum(f.stat().st_size for f in files) / total < 800  # bytes a line, like Google's
    code = bench.BASELINE.replace("70000, 2500, 2500", "60, 20, 20")
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "set"), str(tmp_path / "base")], check=True
    )
    manifest = build_dataset(files, tmp_path / "ours", splits="60,20,20")
    for f in files:
        base = np.load(tmp_path / "base" / f"{f.stem}.npz", allow_pickle=True)
        ours = np.load(tmp_path / "ours" / f"{f.stem}.npz", allow_pickle=True)
        assert [len(base[k]) for k in ("train", "valid", "test")] == [60, 20, 20]
        assert [len(ours[k]) for k in ("train", "valid", "test")] == [60, 20, 20]
        originals = {d.astype(np.int16).tobytes() for d in read_drawings(f)}
        assert {a.tobytes() for a in base["train"]} <= originals  # both write stroke-3 int16
        assert {a.tobytes() for a in ours["train"]} <= originals
    assert manifest["totals"]["read"] == total
