"""Optional extras: without Dask the package works and the Dask engine names the missing extra."""

from __future__ import annotations

import subprocess
import sys

import pytest

#: Run first in each child interpreter: makes ``import dask`` (and its scheduler) fail as it does
#: where the extra ``strokedelta[dask]`` is not installed.
WITHOUT_DASK = (
    "import sys\n"
    "for name in ('dask', 'dask.bag', 'dask.dataframe', 'distributed'):\n"
    "    sys.modules[name] = None\n"
)


def run_without_dask(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_DASK + code], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "access",
    ["import strokedelta.distributed", "import strokedelta as sd; sd.delta_dask_frame"],
)
def test_the_dask_engine_without_dask_names_the_extra(access):
    code = (
        "from strokedelta.exceptions import MissingDependencyError\n"
        "try:\n"
        f"    {access}\n"
        "except MissingDependencyError as exc:\n"
        "    print(type(exc.__cause__).__name__, exc.package, exc.extra, isinstance(exc, "
        "ImportError))\n"
        "    print(exc)\n"
    )
    result = run_without_dask(code)
    assert result.returncode == 0, result.stderr
    first, message = result.stdout.strip().splitlines()
    assert first == "ModuleNotFoundError dask dask True"
    assert message == (
        "this needs dask, which is not installed; install it with: pip install 'strokedelta[dask]'"
    )


def test_everything_else_works_without_dask():
    code = (
        "import numpy as np, pandas as pd\n"
        "import strokedelta as sd\n"
        "from strokedelta.cli import main\n"
        "frame = pd.DataFrame({'x': [1, 3, 6]})\n"
        "print(sd.DeltaTransformer(columns=['x']).fit_transform(frame)['x'].tolist())\n"
        "print(sd.from_deltas(sd.to_deltas(np.array([2, 5]))).tolist())\n"
        "print({'delta', 'integrate', 'convert'} <= set(main.commands))\n"
        "print(any(name.split('.')[0] in ('dask', 'distributed') and module is not None\n"
        "          for name, module in sys.modules.items()))\n"
    )
    result = run_without_dask(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[1, 2, 3]", "[2, 5]", "True", "False"]
