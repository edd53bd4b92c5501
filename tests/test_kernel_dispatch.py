"""How kernels run: fixed signatures loaded from numba's cache, numpy for small first calls,
threads that share chunks, and the same bits on every path."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdp import rdp as rdp_reference

from strokedelta import Ragged, ValidationError, from_deltas, to_deltas
from strokedelta import _kernels as K
from strokedelta.models import pairs
from strokedelta.sketch import polyline

ROOT = Path(__file__).resolve().parents[1]


def batch(rng: np.random.Generator, n_seq: int, columns: int, as_int: bool) -> tuple:
    lengths = rng.integers(0, 60, n_seq)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = rng.normal(size=(int(offsets[-1]), columns)) * 10.0 ** rng.integers(-3, 7)
    return (np.round(values).astype(np.int64) if as_int else values), offsets


@pytest.fixture
def threaded(monkeypatch):
    """Tiny thresholds: every call runs in three threads over chunks of a few sequences."""
    monkeypatch.setattr(K, "PARALLEL_MIN", 8)
    monkeypatch.setattr(K, "CHUNK", 16)
    monkeypatch.setenv("STROKEDELTA_THREADS", "3")


@pytest.mark.parametrize("columns", [1, 2, 3])
@pytest.mark.parametrize("lag", [1, 2, 3])
@pytest.mark.parametrize("as_int", [False, True])
def test_threaded_chunks_give_the_numpy_bits(threaded, columns, lag, as_int):
    rng = np.random.default_rng(columns * 10 + lag)
    values, offsets = batch(rng, 300, columns, as_int)
    assert K.threads_for(values.size) == 3
    assert len(K.chunk_bounds(offsets, columns, 3)) > 4
    d = K.segmented_diff(values, offsets, lag, backend="numba")
    np.testing.assert_array_equal(d, K.segmented_diff(values, offsets, lag, backend="numpy"))
    back = K.segmented_cumsum(d, offsets, lag, backend="numba")
    np.testing.assert_array_equal(back, K.segmented_cumsum(d, offsets, lag, backend="numpy"))


@pytest.mark.parametrize("lag", [1, 2, 5])
def test_float_difference_blocks_keep_every_head(lag):
    """Sequences longer than a block, shorter than the lag, empty, at block edges."""
    block = K.DIFF_BLOCK
    lengths = [0, 1, block + 3, 2, 0, block // 2 - 1, block // 2 + 1, 4, 3 * block, 1, 0]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = np.random.default_rng(lag).normal(size=(int(offsets[-1]), 2)) * 1e6
    d = K.segmented_diff(values, offsets, lag, backend="numba")
    np.testing.assert_array_equal(d, K.segmented_diff(values, offsets, lag, backend="numpy"))
    for s in range(len(lengths)):  # each head is the value itself, the rest a difference
        a, b = offsets[s], offsets[s + 1]
        head = min(a + lag, b)
        np.testing.assert_array_equal(d[a:head], values[a:head])
        np.testing.assert_array_equal(d[head:b], values[head:b] - values[head - lag : b - lag])


def test_float32_and_read_only_inputs_share_the_fixed_signatures():
    rng = np.random.default_rng(1)
    values, offsets = batch(rng, 50, 2, False)
    values = values.astype(np.float32)
    values.flags.writeable = False
    offsets.flags.writeable = False
    d = K.segmented_diff(values, offsets, 1, backend="numba")
    assert d.dtype == np.float32
    np.testing.assert_array_equal(d, K.segmented_diff(values, offsets, 1, backend="numpy"))
    c = K.segmented_cumsum(d, offsets, 1, backend="numba")
    np.testing.assert_array_equal(c, K.segmented_cumsum(d, offsets, 1, backend="numpy"))
    for kernel in (K._diff_float, K._cumsum_float):
        for compiled in kernel._compiled.values():
            assert len(compiled.signatures) == 1  # never a second specialisation


def test_chunk_bounds_cover_every_sequence_once():
    offsets = np.array([0, 0, 5, 100, 101, 101, 300, 301], dtype=np.int64)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(K, "CHUNK", 20)
        bounds = K.chunk_bounds(offsets, 1, 2)
    assert bounds[0] == 0
    assert bounds[-1] == len(offsets) - 1
    assert (np.diff(bounds) > 0).all()
    assert K.chunk_bounds(offsets, 1, 1).tolist() == [0, len(offsets) - 1]


def test_run_chunks_runs_each_chunk_once_and_raises_a_helpers_error():
    seen: list[tuple[int, int]] = []
    K.run_chunks(lambda a, b: seen.append((a, b)), list(range(0, 101, 5)), threads=4)
    assert sorted(seen) == [(a, a + 5) for a in range(0, 100, 5)]

    def boom(a: int, b: int) -> None:
        if a == 50:
            raise RuntimeError("chunk 50")

    with pytest.raises(RuntimeError, match="chunk 50"):
        K.run_chunks(boom, list(range(0, 101, 5)), threads=3)


def test_thread_budget_follows_the_environment(monkeypatch):
    monkeypatch.setenv("STROKEDELTA_THREADS", "5")
    assert K.thread_budget() == 5
    monkeypatch.setenv("STROKEDELTA_THREADS", "zero")
    assert K.thread_budget() == len(os.sched_getaffinity(0))
    assert K.threads_for(10) == 1


def test_thread_policy_follows_size_cpus_and_load(monkeypatch):
    monkeypatch.delenv("STROKEDELTA_THREADS", raising=False)
    small, big = K.PARALLEL_MIN, 100 * K.PARALLEL_MIN
    assert K.threads_for(small - 1, cpus=8, running=1) == 1  # too small to share out
    assert K.threads_for(small, cpus=8, running=1) == 2  # at least PARALLEL_MIN / 2 a thread
    assert K.threads_for(3 * small // 2, cpus=8, running=1) == 3
    # a quiet machine: one thread per CPU (also when the run queue reads 0)
    assert [K.threads_for(big, cpus=c, running=1) for c in (1, 2, 4)] == [1, 2, 4]
    assert K.threads_for(big, cpus=2, running=0) == 2
    # other runnable tasks: one more thread per CPU they keep busy, at most twice the CPUs
    assert [K.threads_for(big, cpus=2, running=r) for r in (2, 3, 4, 50)] == [3, 4, 4, 4]
    assert K.threads_for(big, cpus=1, running=9) == 2
    # ... but a thread that must wait for a CPU needs BUSY_SHARE elements of work
    share = K.BUSY_SHARE
    assert [K.threads_for(n, cpus=2, running=5) for n in (share - 1, 2 * share, 3 * share)] == [
        1,
        2,
        3,
    ]
    assert K.threads_for(small, cpus=2, running=50) == 1
    assert K.threads_for(small, cpus=8, running=3) == 2  # 6 idle CPUs, the size limit 2
    # $STROKEDELTA_THREADS fixes the count whatever the load, within the size limit
    monkeypatch.setenv("STROKEDELTA_THREADS", "3")
    assert K.threads_for(big, running=50) == 3
    assert K.threads_for(big) == 3
    assert K.threads_for(small) == 2


def test_running_tasks_reads_the_run_queue_at_most_once_per_ttl(monkeypatch):
    monkeypatch.setattr(K, "_RUN_QUEUE", [time.monotonic(), 77.0])
    assert K.running_tasks() == 77  # a reading younger than LOAD_TTL is reused
    monkeypatch.setattr(K, "_RUN_QUEUE", [time.monotonic() - K.LOAD_TTL, 77.0])
    fresh = K.running_tasks()
    total = int(Path("/proc/loadavg").read_text().split()[3].split("/")[1])
    assert 1 <= fresh <= total + 64  # this machine's own count, not the old value
    assert fresh != 77 or total >= 77
    assert K._LOADAVG  # kept open for the next reading
    monkeypatch.setattr(K, "_LOADAVG", [])
    monkeypatch.setattr(K, "_LOADAVG_PATH", "/proc/no-such-file")
    monkeypatch.setattr(K, "_RUN_QUEUE", [float("-inf"), 77.0])
    assert K.running_tasks() == 1  # unreadable: as if this thread ran alone


def test_many_small_calls_end_up_on_the_kernel(monkeypatch):
    monkeypatch.setattr(K, "SMALL_WORK", 10_000)
    kernel = K.Kernel(lambda: None, {"x": None})
    wanted = [kernel.wanted("x", 100) for _ in range(6)]
    assert wanted == [False, False, False, False, True, True]  # 5 x (100 + 2000) > 10_000
    assert K.Kernel(lambda: None, {"x": None}).wanted("x", K.SMALL)


def test_gather_rows_is_numpys_take():
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        source = rng.normal(size=(70_000, 3)).astype(dtype)
        index = rng.permutation(len(source))
        out = K.gather_rows(source, index, np.empty_like(source))
        np.testing.assert_array_equal(out, source[index])
        small = K.gather_rows(source[:10], index[:5] % 10, np.empty((5, 3), dtype=dtype))
        np.testing.assert_array_equal(small, source[:10][index[:5] % 10])


# ------------------------------------------------------------------------ numba's cache
def test_cache_folder_keeps_numbas_default_where_it_can_write(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert K.cache_folder() is None  # the package folder is writable here
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/somewhere")
    assert K.cache_folder() is None  # the user's choice


def test_a_read_only_install_caches_in_a_private_user_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(K.os, "access", lambda path, mode: str(path).startswith(str(tmp_path)))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = K.cache_folder()
    assert folder == str(tmp_path / "cache" / "strokedelta" / "numba")
    assert stat.S_IMODE(os.stat(folder).st_mode) & 0o077 == 0
    # A folder others may write to is refused (numba's cache files are pickles).
    os.chmod(folder, 0o777)
    monkeypatch.setattr(K.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    fallback = K.cache_folder()
    assert str(fallback).startswith(str(tmp_path / "tmp"))


def _run(code: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "error", **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


SMALL_WORK = """
import json, numpy as np
from strokedelta import Ragged, from_deltas, to_deltas, _kernels
r = Ragged(np.arange(400.0).reshape(200, 2), [0, 50, 200])
from_deltas(to_deltas(r))
to_deltas(np.arange(100), order=2)
print(json.dumps({"loaded": _kernels._loaded_kernels()}))
"""


def test_a_small_first_call_compiles_and_loads_nothing():
    """The codec on a few hundred points leaves numba's compiler untouched."""
    assert _run(SMALL_WORK, {})["loaded"] == []


@pytest.mark.slow
def test_a_small_first_fit_loads_no_kernel():
    code = """
import json, numpy as np
from strokedelta import _kernels
from strokedelta.models import DeltaLinearRegressor, pairs
x = np.random.default_rng(0).normal(size=(1000, 3))
DeltaLinearRegressor().fit(x, x @ [1.0, 2.0, 3.0])
print(json.dumps({"loaded": _kernels._loaded_kernels() + sorted(pairs._pair_kernel._compiled)}))
"""
    assert _run(code, {})["loaded"] == []


CACHE_WORK = """
import json, numpy as np
from strokedelta import Ragged, from_deltas, to_deltas, read_drawings
from strokedelta.models.pairs import packed_pairs
from strokedelta.ragged import group_order
from strokedelta.sketch import rdp
rng = np.random.default_rng(0)
x = rng.normal(size=(100_000, 2))
offsets = np.arange(0, 100_001, 100)
for values in (x, x.astype(np.float32), np.round(x * 100).astype(np.int64)):
    from_deltas(to_deltas(values, offsets), offsets)
group_order(rng.integers(0, 50, 100_000))
packed_pairs(x, x[:, :1], groups=np.repeat(np.arange(1000), 100), random_state=0)
rdp(Ragged(np.cumsum(x, axis=0), offsets), 2.0)
rdp(np.cumsum(x[:50], axis=0), 1.0)
import os, tempfile
from strokedelta.io import _bin_scan, quickdraw_ndjson, write_drawings
quickdraw_ndjson.FAST_MIN_BYTES = _bin_scan.SMALL_SCAN_BYTES = 0  # small files: compiled too
sample = read_drawings("data/quickdraw_cat_sample.ndjson")
binary = os.path.join(tempfile.mkdtemp(), "sample.bin")
write_drawings(sample, binary)
read_drawings(binary)
print(json.dumps({"ok": True}))
"""


def _cache_files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*.nb*")}


@pytest.mark.slow
def test_the_second_run_loads_every_kernel_from_the_cache(tmp_path):
    """One cache entry per signature: a second identical process compiles and writes nothing."""
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    _run(CACHE_WORK, env)
    first = _cache_files(tmp_path)
    assert any("scan_chunk" in name for name in first)
    assert any("_bin_scan._walk" in name for name in first)
    assert any("_diff_float" in name for name in first)
    _run(CACHE_WORK, env)
    assert _cache_files(tmp_path) == first


# --------------------------------------------------------------------------- RDP paths
coordinates = st.floats(-1000, 1000, allow_nan=False, width=32)
polylines = st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=60).map(
    lambda pts: np.array(pts, dtype=np.float64)
)


@settings(max_examples=60)
@given(st.lists(polylines, min_size=1, max_size=6), st.sampled_from([0.0, 0.5, 2.0, 10.0]))
def test_compiled_rdp_equals_the_numpy_reference(strokes, epsilon):
    ragged = Ragged.from_list(strokes)
    compiled = polyline._rdp_compiled(ragged.values, ragged.offsets, epsilon)
    assert compiled is not None
    reference = polyline._rdp_mask_numpy(ragged.values, ragged.offsets, epsilon)
    np.testing.assert_array_equal(compiled, reference)
    for i, stroke in enumerate(strokes):
        part = reference[ragged.offsets[i] : ragged.offsets[i + 1]]
        np.testing.assert_array_equal(polyline.rdp(stroke, epsilon), stroke[part])
        np.testing.assert_array_equal(polyline.rdp_mask(stroke, epsilon), part)


@pytest.mark.parametrize("scale", [1e-200, 1e-160, 1e150, 1e200])
def test_rdp_outside_the_normal_range_still_matches_the_rdp_package(scale):
    rng = np.random.default_rng(3)
    points = np.cumsum(rng.normal(size=(40, 2)), axis=0) * scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epsilon in (0.0, 2.0 * scale):
            np.testing.assert_array_equal(
                polyline.rdp(points, epsilon), rdp_reference(points, epsilon)
            )


def test_single_polyline_paths_agree_and_check_their_input():
    rng = np.random.default_rng(4)
    points = np.cumsum(rng.normal(size=(80, 2)), axis=0)
    mask = polyline.rdp_mask(points, 1.0)
    np.testing.assert_array_equal(polyline.rdp(points, 1.0), points[mask])
    np.testing.assert_array_equal(polyline.rdp(points.T.copy().T, 1.0), points[mask])  # strided
    assert polyline.rdp(np.round(points).astype(np.int32), 1.0).dtype == np.int32
    points[7, 1] = np.inf
    with pytest.raises(ValidationError, match=r"points must be finite; got inf at index \(7, 1\)"):
        polyline.rdp(points, 1.0)
    with pytest.raises(ValidationError, match="points must be finite"):
        polyline.rdp(points, -1.0)  # the points' error comes first


# ------------------------------------------------------------------------- pair paths
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pairs_numpy_path_equals_the_kernel_bit_for_bit(dtype, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 3000))
    x = rng.normal(size=(n, 3)) * 1e3
    y = np.ascontiguousarray(x[:, :1] * 2 + rng.normal(size=(n, 1)))
    x[rng.integers(0, n, 5)] = -0.0
    groups = rng.integers(0, 7, n) if seed else None
    order, offsets = pairs.pair_order(n, groups, pairing="random", random_state=seed)
    n_groups = int(np.count_nonzero(np.diff(offsets)))
    results = []
    for path in ("numpy", "kernel"):
        out = np.empty((n - n_groups, 4), dtype=dtype)
        stats = np.zeros((1, 2, 4))
        if path == "numpy":
            pairs._pairs_numpy(x, y, order, offsets, out, stats)
        else:
            pairs._pair_kernel[np.dtype(dtype).str[1:]](x, y, order, offsets, out, stats, 0, 1)
        results.append((out, stats))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1].tobytes() == results[1][1].tobytes()  # signed zeros too


def test_threaded_pairs_equal_one_thread(threaded):
    rng = np.random.default_rng(9)
    x = rng.normal(size=(50_000, 2))
    y = x[:, :1] * 3
    groups = rng.integers(0, 40, len(x))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STROKEDELTA_THREADS", "1")
        one = pairs.packed_pairs(x, y, groups, random_state=1)
    many = pairs.packed_pairs(x, y, groups, random_state=1)
    np.testing.assert_array_equal(one.rows, many.rows)
    assert one.sum_squares.tobytes() == many.sum_squares.tobytes()
    assert one.means.tobytes() == many.means.tobytes()


def test_the_codec_on_a_ragged_batch_is_the_same_threaded_or_not(threaded, monkeypatch):
    rng = np.random.default_rng(11)
    values, offsets = batch(rng, 200, 2, True)
    ragged = Ragged(values, offsets)
    threaded_d = to_deltas(ragged)
    assert from_deltas(threaded_d).equals(ragged)  # integers round-trip exactly
    monkeypatch.setenv("STROKEDELTA_BACKEND", "numpy")
    assert to_deltas(ragged).equals(threaded_d)
