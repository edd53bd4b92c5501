"""The public surface: __all__, CLI help on every command, README coverage, module entry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import strokedelta
from strokedelta.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_all_is_sorted_and_importable():
    assert strokedelta.__all__ == sorted(strokedelta.__all__)
    for name in strokedelta.__all__:
        assert hasattr(strokedelta, name), name


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


COMMANDS = _commands(main)


def test_the_cli_has_the_documented_commands():
    names = {name for name, _ in COMMANDS}
    expected = {"delta", "integrate", "convert", "stats", "render", "train", "train-sketch"}
    expected |= {"predict", "demo", "experiment"}
    assert expected <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name, command):
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert f"strokedelta {name}" in README.read_text(encoding="utf-8")


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "strokedelta", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"strokedelta, version {strokedelta.__version__}"


def test_import_is_light_and_lazy_names_resolve():
    code = (
        "import sys, strokedelta as sd; assert 'torch' not in sys.modules; "
        "assert sd.DeltaLinearRegressor.__name__ == 'DeltaLinearRegressor'; "
        "assert 'torch' not in sys.modules; "  # the CPU models never need torch
        "assert sd.StrokeDataset.__name__ == 'StrokeDataset'; "
        "assert 'torch' in sys.modules; print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr
    with pytest.raises(AttributeError, match="module 'strokedelta' has no attribute 'nope'"):
        strokedelta.nope  # noqa: B018
