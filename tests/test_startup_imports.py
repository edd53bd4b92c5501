"""Start-up: what a fresh process imports, and numba's cache on a read-only install.

``import strokedelta`` imports only a table of names (each loads on first use), and the light
commands on a small file (``stats``, ``convert`` to Parquet, ``render`` to SVG) and the first
``read_drawings`` / ``to_deltas`` on small inputs never import numba: the small work is left to
numpy and the line parser, so nothing waits for numba's import or its cache. Large inputs still
compile (``to_deltas`` above ``_kernels.SMALL`` elements loads its kernel). Every check runs in
a fresh interpreter, as a user's command does.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import strokedelta

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "quickdraw_cat_sample.ndjson"
#: Libraries that take a second or more to import, none needed by the light paths.
HEAVY = ("numba", "torch", "sklearn", "dask", "matplotlib", "scipy")


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a fresh interpreter; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


BARE = """
import json, sys
names = ("numpy", "pandas", "pyarrow", "click", *sys.argv[1:])
import strokedelta
seen = {"import": sorted(n for n in names if n in sys.modules)}
from strokedelta.cli import main
try:
    main(["--help"])
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
seen["--help"] = sorted(n for n in names if n in sys.modules)
print(json.dumps(seen))
"""


def test_import_strokedelta_and_help_import_no_library_but_click():
    assert _child(BARE, *HEAVY) == {"import": [], "--help": ["click"]}


LIGHT_COMMANDS = """
import json, sys
from strokedelta.cli import main
sample, out = sys.argv[1], sys.argv[2]
seen = {}
for args in (["stats", sample, "--json"], ["convert", sample, out + "/cats.parquet"],
             ["render", sample, out + "/cats.svg"]):
    try:
        main(args)
    except SystemExit as exit:
        assert exit.code in (0, None), (args, exit.code)
    seen[args[0]] = sorted(n for n in sys.argv[3:] if n in sys.modules)
print(json.dumps(seen))
"""


def test_light_commands_on_a_small_file_import_neither_numba_nor_torch(tmp_path):
    seen = _child(LIGHT_COMMANDS, str(SAMPLE), str(tmp_path), *HEAVY)
    assert seen == {"stats": [], "convert": [], "render": []}
    import pyarrow.parquet as pq

    assert pq.read_metadata(tmp_path / "cats.parquet").num_rows == 25  # the sample's drawings
    assert (tmp_path / "cats.svg").read_text(encoding="utf-8").count("<svg") == 1


FIRST_CALLS = """
import json, sys
import numpy as np
import strokedelta as sd
from strokedelta import _kernels
drawings = sd.read_drawings(sys.argv[1])
ragged = sd.Ragged(np.arange(400.0).reshape(200, 2), [0, 80, 200])
small = sd.to_deltas(ragged).values
before = {"numba": "numba" in sys.modules, "loaded": _kernels._loaded_kernels()}
x = np.cumsum(np.random.default_rng(0).normal(size=_kernels.SMALL + 10))
big = sd.to_deltas(x)
print(json.dumps({
    "drawings": len(drawings), "before": before,
    "small_ok": bool(np.array_equal(small[81:], np.diff(ragged.values[80:], axis=0))
                     and np.array_equal(small[[0, 80]], ragged.values[[0, 80]])),
    "big_ok": bool(big[0] == x[0] and np.array_equal(big[1:], np.diff(x))),
    "after": {"numba": "numba" in sys.modules, "loaded": _kernels._loaded_kernels()},
}))
"""


def test_first_calls_on_small_inputs_leave_numba_unloaded_and_large_ones_compile():
    found = _child(FIRST_CALLS, str(SAMPLE))
    assert found["drawings"] == 25
    assert found["before"] == {"numba": False, "loaded": []}
    assert found["small_ok"]
    assert found["big_ok"]
    assert found["after"] == {"numba": True, "loaded": ["_diff_float[f8]"]}


READ_ONLY = """
import importlib.util, json, os, sys
package = os.path.dirname(importlib.util.find_spec("strokedelta").origin)
real_access = os.access


def access(path, mode, *args, **kwargs):  # the package folder as a read-only install has it
    inside = os.path.abspath(path).startswith(package)
    return False if inside and mode & os.W_OK else real_access(path, mode, *args, **kwargs)


os.access = access
import numpy as np
import strokedelta as sd
import strokedelta.io._ndjson_kernel  # numba's cache=True scanners: decorated at import
import numba
x = np.cumsum(np.random.default_rng(0).normal(size=1 << 17))
assert np.array_equal(sd.from_deltas(sd.to_deltas(x)), x)
print(json.dumps({"env": os.environ.get("NUMBA_CACHE_DIR"), "numba": numba.config.CACHE_DIR}))
"""


def _cache_files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*.nb*")}


def test_a_read_only_install_caches_kernels_in_the_user_folder_and_loads_them(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    user = tmp_path / "strokedelta" / "numba"
    found = _child(READ_ONLY, env=env)
    assert found == {"env": str(user), "numba": str(user)}
    first = _cache_files(user)
    assert any("_kernels._diff_float" in name for name in first), first
    assert any("_kernels._cumsum_float" in name for name in first), first
    assert _child(READ_ONLY, env=env) == found
    assert _cache_files(user) == first  # the second run loaded them: nothing compiled again


def _type_checking_names(path: Path) -> dict[str, str]:
    """``name -> module`` of the imports under ``if TYPE_CHECKING:`` in ``path``."""
    names = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                if isinstance(child, ast.ImportFrom):
                    names.update({a.name: str(child.module) for a in child.names})
    return names


def test_what_editors_see_is_what_loads_and_every_name_is_listed():
    lazy = strokedelta._LAZY  # type: ignore[attr-defined]
    assert _type_checking_names(Path(strokedelta.__file__)) == lazy
    assert set(strokedelta.__all__) - {"__version__"} == set(lazy)
    assert set(strokedelta.__all__) <= set(dir(strokedelta))
    light = {"strokedelta.delta", "strokedelta.exceptions", "strokedelta.io", "strokedelta.ragged"}
    for name, module in lazy.items():
        if module in light:
            assert getattr(strokedelta, name) is getattr(importlib.import_module(module), name)
    for package in ("strokedelta.sketch", "strokedelta.render"):
        found = importlib.import_module(package)
        assert _type_checking_names(Path(str(found.__file__))) == found._LAZY, package
        assert set(found._LAZY) <= set(found.__all__) <= set(dir(found)), package
    assert strokedelta.io.read_drawings is strokedelta.read_drawings
    with pytest.raises(AttributeError, match=r"^module 'strokedelta' has no attribute 'nope'$"):
        strokedelta.nope  # noqa: B018
