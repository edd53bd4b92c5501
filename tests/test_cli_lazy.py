"""The CLI loads command modules on demand, and light commands never import the heavy libraries.

``strokedelta --help`` lists every command from :data:`strokedelta.cli.COMMAND_TABLE` without
importing the command modules, so the table must say what the modules say; ``stats``,
``convert`` and ``render`` to SVG must not import scikit-learn, torch, matplotlib or Dask (each
costs a second or more of start-up), while ``NotFittedError`` stays scikit-learn's.
"""

from __future__ import annotations

import importlib
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from strokedelta.cli import COMMAND_TABLE, main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "quickdraw_cat_sample.ndjson"
HEAVY = ("sklearn", "torch", "matplotlib", "dask", "scipy.stats")


def _first_line(command) -> str:
    return (command.short_help or command.help or "").strip().splitlines()[0].strip()


@pytest.mark.parametrize("module", sorted({module for module, _ in COMMAND_TABLE.values()}))
def test_the_table_names_every_command_of_each_module_with_its_own_first_line(module):
    commands = {command.name: command for command in importlib.import_module(module).COMMANDS}
    listed = {name for name, (where, _) in COMMAND_TABLE.items() if where == module}
    assert set(commands) == listed
    for name, command in commands.items():
        assert COMMAND_TABLE[name][1] == _first_line(command), name


def test_help_lists_every_whole_summary():
    result = CliRunner().invoke(main, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for name, (_, summary) in COMMAND_TABLE.items():
        assert f"  {name} " in result.output
        assert summary in result.output, name
    assert "..." not in result.output.split("Commands:")[1]


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["nope"])
    assert result.exit_code == 2
    assert "No such command 'nope'" in result.output


def _modules_after(args: list[str]) -> dict[str, bool]:
    code = (
        "import json, sys\n"
        "from strokedelta.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        f"names = {(*HEAVY, 'strokedelta.cli.models', 'strokedelta.cli.demo')!r}\n"
        "print(json.dumps({n: n in sys.modules for n in names}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_help_and_light_commands_import_nothing_heavy(tmp_path):
    found = _modules_after(["--help"])
    assert not any(found.values()), found
    for args in (
        ["stats", str(SAMPLE)],
        ["convert", str(SAMPLE), str(tmp_path / "cats.parquet")],
        ["render", str(SAMPLE), str(tmp_path / "cats.svg")],
    ):
        found = _modules_after(args)
        assert not any(found.values()), (args, found)


def test_not_fitted_error_is_scikit_learn_s_and_pickles():
    import sklearn.exceptions

    from strokedelta import NotFittedError
    from strokedelta.exceptions import NotFittedError as same

    assert same is NotFittedError
    assert issubclass(NotFittedError, sklearn.exceptions.NotFittedError)
    assert NotFittedError.__module__ == "strokedelta.exceptions"
    error = pickle.loads(pickle.dumps(NotFittedError("this X is not fitted yet")))
    assert type(error) is NotFittedError
    assert str(error) == "this X is not fitted yet"
