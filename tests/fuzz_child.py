"""Run a fuzz test in a child pytest, so a native crash (a signal) fails the parent with the input
the child read last, instead of killing the whole suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_fuzz_child(test_id: str, tmp_path: Path, last: Path, examples: int) -> dict[str, Any]:
    """Run ``test_id`` (``file::test``) in a child process and return the summary it wrote.

    The child writes each input to ``last`` before reading it, and its counts to
    ``summary.json``; a child killed by a signal names ``last`` in the failure.
    """
    summary = tmp_path / "summary.json"
    env = {
        **os.environ,
        "STROKEDELTA_FUZZ_CHILD": "1",
        "STROKEDELTA_FUZZ_SUMMARY": str(summary),
        "STROKEDELTA_FUZZ_LAST": str(last),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", test_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=300 + examples * 0.5,
        check=False,
        cwd=tmp_path,
    )
    tail = f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    assert done.returncode >= 0, (
        f"the child died of signal {-done.returncode} reading {last}:\n{tail}"
    )
    assert done.returncode == 0, tail
    result = json.loads(summary.read_text())
    print(json.dumps(result))
    assert result["examples"] >= min(examples, 50), result
    return result
