"""A real ``strokedelta convert`` killed mid-conversion: the target is absent or still the previous
output byte for byte, the input is unchanged, the temporary file left by SIGKILL is removed by the
next run; SIGTERM and Ctrl-C exit cleanly (status 143 and 130, one line, no temporary left)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from strokedelta._files import TEMP_MARK
from strokedelta.cli import main

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "data" / "quickdraw_cat_sample.ndjson"
N_BIG = 200_000

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 synthetic drawings in ndjson (about 40 MB): a conversion takes seconds."""
    path = tmp_path_factory.mktemp("kill") / "big.ndjson"
    rng = random.Random(0)
    with path.open("w") as handle:
        for i in range(N_BIG):
            n = rng.randint(3, 20)
            xs = [rng.randint(0, 255) for _ in range(n)]
            ys = [rng.randint(0, 255) for _ in range(n)]
            line = {"word": "cat", "key_id": str(i), "drawing": [[xs, ys], [xs[:3], ys[:3]]]}
            handle.write(json.dumps(line) + "\n")
    return path


def temps(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}{TEMP_MARK}*"))


def start(*args: object) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "strokedelta", *(str(a) for a in args)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_temp(process: subprocess.Popen[bytes], target: Path, timeout: float = 120) -> Path:
    """Wait until the conversion's temporary file exists and reading is under way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in temps(target) if p.name.split("-")[-2] == str(process.pid)]
        if found:
            time.sleep(1.0)  # well into the conversion
            assert process.poll() is None, "the conversion ended before it could be killed"
            return found[0]
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    process.kill()
    pytest.fail("no temporary file appeared")


def test_sigkill_mid_conversion_loses_nothing_and_the_next_run_cleans_up(big, tmp_path):
    target = tmp_path / "out.parquet"
    command = ("convert", big, target)
    before = sha256(big)

    # killed with no previous output: no target, the temporary stays (nobody could remove it)
    process = start(*command)
    left = wait_for_temp(process, target)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert not target.exists()
    assert temps(target) == [left]
    assert sha256(big) == before

    # another run writing the same target removes the stale temporary and leaves an output
    result = CliRunner().invoke(main, ["convert", str(SMALL), str(target)])
    assert result.exit_code == 0, result.output
    assert temps(target) == []
    previous = sha256(target)

    # killed again: the previous output is intact byte for byte
    process = start(*command)
    left = wait_for_temp(process, target)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert sha256(target) == previous
    assert temps(target) == [left]
    assert sha256(big) == before

    # the next run of the same command: a complete output and nothing stale
    done = subprocess.run(
        [sys.executable, "-m", "strokedelta", *(str(a) for a in command)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert f" ({N_BIG} drawings, " in done.stdout  # wrote TARGET (N drawings, M points)
    assert temps(target) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]
    assert pq.ParquetFile(target).metadata.num_rows == N_BIG
    assert sha256(big) == before


@pytest.mark.parametrize(
    ("signum", "status", "message"),
    [
        (signal.SIGTERM, 143, "Error: terminated by SIGTERM; no output was written"),
        (signal.SIGINT, 130, "Error: interrupted; no output was written"),
    ],
)
def test_sigterm_and_ctrl_c_exit_cleanly_and_remove_the_temporary(
    big, tmp_path, signum, status, message
):
    target = tmp_path / "out.ndjson"
    target.write_text("previous\n")
    process = start("convert", big, target)
    left = wait_for_temp(process, target)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == status, stderr
    lines = [line for line in stderr.decode().splitlines() if line.strip()]
    assert lines[-1] == message
    assert "Traceback" not in stderr.decode()
    assert not left.exists()
    assert temps(target) == []
    assert target.read_text() == "previous\n"


def test_a_nohup_run_keeps_ignoring_sighup(tmp_path):
    code = (
        "import signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
        "from strokedelta.cli import main; "
        "sys.argv = ['strokedelta', 'stats', sys.argv[1]]; "
        "import strokedelta.cli.convert as c; "
        "c.describe_files = lambda *a, **k: "
        "(signal.raise_signal(signal.SIGHUP), signal.raise_signal(signal.SIGHUP), "
        "{'files': 0, 'split': {}, 'word': {}})[-1]; "
        "main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(SMALL)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert os.path.exists(SMALL)
