"""Every script in scripts/ runs with --quick (a new script is covered automatically; bench.py by
tests/test_bench.py, which checks its report too)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Scripts whose own test runs them with --quick, in the same way and with more checks.
OWN_TEST = {"bench.py": "tests/test_bench.py"}
SCRIPTS = sorted(
    s
    for s in (Path(__file__).resolve().parents[1] / "scripts").glob("*.py")
    if s.name not in OWN_TEST
)


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_script_runs_quick(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "error", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(script), "--quick"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (
        f"{script.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    assert done.stdout.strip(), f"{script.name} printed nothing"


def test_scripts_are_found() -> None:
    names = {s.name for s in SCRIPTS}
    assert {"demo_notebook.py", "demo_sketch.py"} <= names
    root = Path(__file__).resolve().parents[1]
    for script, test in OWN_TEST.items():
        assert (root / "scripts" / script).is_file()
        text = (root / test).read_text()
        assert f'"{script}"' in text
        assert '"--quick"' in text
