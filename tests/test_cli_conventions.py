"""Command-line conventions (issue 12, point 5), the same for every command.

- stdout: one ``wrote PATH (WHAT)`` line per file written, after the summary a command prints
  (train's scores); diagnostics (progress, skip counts, ``--verbose`` lines) go to stderr;
- ``--quiet`` empties stdout and ``--verbose`` adds stderr lines only, on every command;
- an output folder that is missing is created before any work, one that cannot be is refused
  with one line before any work (no model trained, nothing written);
- default output folders are in .gitignore; the shell completion script is produced.

``CASES`` lists one run of each command that writes files; a new command adds a row.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from strokedelta.cli import main

ROOT = Path(__file__).resolve().parents[1]
SERIES = ROOT / "data" / "series.csv"
CATS = ROOT / "data" / "quickdraw_cat_sample.ndjson"


def run(*args: object, **kwargs: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="strokedelta", **kwargs)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model and a sketch model, trained once through the CLI."""
    folder = tmp_path_factory.mktemp("models")
    table, sketch = folder / "table.safetensors", folder / "sketch.safetensors"
    args = ("--target", "y", "--features", "x", "--group", "id", "--solver", "lstsq")
    assert run("train", SERIES, table, *args).exit_code == 0
    assert run("train-sketch", CATS, sketch, "--solver", "lstsq").exit_code == 0
    return {"table": table, "sketch": sketch}


#: Each case: (tmp folder, the models) -> (argv, [(output, what it is), ...], summary lines).
Case = Callable[[Path, dict[str, Path]], tuple[list[object], list[tuple[Path, str]], int]]
CASES: dict[str, Case] = {
    "delta": lambda t, m: (
        ["delta", SERIES, t / "d.csv", "--columns", "x,y", "--group", "id"],
        [(t / "d.csv", "60 rows; x,y as deltas")],
        0,
    ),
    "integrate": lambda t, m: (
        ["integrate", SERIES, t / "i.parquet", "--columns", "x", "--group", "id"],
        [(t / "i.parquet", "60 rows; x integrated")],
        0,
    ),
    "convert": lambda t, m: (
        ["convert", CATS, t / "c.parquet", "--simplify"],
        [(t / "c.parquet", "25 drawings, ")],
        0,
    ),
    "render": lambda t, m: (
        ["render", CATS, t / "r.svg", "--grid", "2x2"],
        [(t / "r.svg", "4 drawings")],
        0,
    ),
    "rasterize": lambda t, m: (
        ["rasterize", CATS, t / "r.npy", "--size", "8"],
        [(t / "r.npy", "25 drawings, 8x8 px")],
        0,
    ),
    "train": lambda t, m: (
        [
            *("train", SERIES, t / "m.safetensors", "--target", "y", "--features", "x"),
            *("--group", "id", "--epochs", "2", "--plot", t / "loss.png"),
        ],
        [(t / "m.safetensors", "DeltaLinearRegressor model"), (t / "loss.png", "loss curve")],
        1,
    ),
    "train-sketch": lambda t, m: (
        ["train-sketch", CATS, t / "s.safetensors", "--solver", "lstsq", "--mode", "absolute"],
        [(t / "s.safetensors", "NextPointRegressor model")],
        1,
    ),
    "dataset build": lambda t, m: (
        ["dataset", "build", CATS, t / "ds", "--splits", "20,3,2"],
        [(t / "ds" / "cat.npz", "train 20, valid 3, test 2"), (t / "ds/manifest.json", "25 of 25")],
        0,
    ),
    "predict-table": lambda t, m: (
        ["predict", m["table"], SERIES, t / "p.csv"],
        [(t / "p.csv", "60 rows, predictions in y_pred")],
        0,
    ),
    "predict-sketch": lambda t, m: (
        ["predict", m["sketch"], CATS, t / "p.ndjson", "--rollout", "2"],
        [(t / "p.ndjson", "25 drawings, rolled out")],
        0,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_stdout_says_what_was_written_and_nothing_else(name, tmp_path, models):
    argv, outputs, summaries = CASES[name](tmp_path, models)
    result = run(*argv)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no terminal: no progress bar, and nothing else to say
    lines = result.stdout.splitlines()
    assert len(lines) == summaries + len(outputs), result.stdout
    for line, (path, what) in zip(lines[summaries:], outputs):
        assert line.startswith(f"wrote {path} ({what}"), line
        assert line.endswith(")"), line
        assert path.stat().st_size > 0


@pytest.mark.parametrize("name", CASES)
def test_quiet_empties_stdout_and_still_writes(name, tmp_path, models):
    argv, outputs, _ = CASES[name](tmp_path, models)
    result = run(*argv, "--quiet")
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("", "")
    assert all(path.is_file() for path, _ in outputs)


def test_verbose_adds_stderr_lines_only(tmp_path):
    argv, outputs, _ = CASES["delta"](tmp_path, {})
    result = run(*argv, "-v")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {outputs[0][0]} (60 rows; x,y as deltas)\n"
    first, timing = result.stderr.splitlines()
    assert first == f"read 60 rows from {SERIES}"
    assert re.fullmatch(r"strokedelta delta: \d+\.\d\d s", timing), timing


def test_data_on_stdout_is_alone_there(tmp_path):
    """OUT = - : stdout is exactly the table; the wrote line goes to stderr under -v."""
    result = run("delta", SERIES, "-", "--columns", "x", "--group", "id", "--verbose")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "id,t,x,y"
    assert len(result.stdout.splitlines()) == 61
    assert "wrote stdout (60 rows; x as deltas)" in result.stderr.splitlines()


def test_stats_prints_on_stdout_and_quiet_leaves_only_the_exit_status(tmp_path):
    result = run("stats", CATS)
    assert result.exit_code == 0, result.output
    assert "drawings       25" in result.stdout
    assert result.stderr == ""
    quiet = run("stats", CATS, "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"drawing": [[[1, 2], [3]]]}\n')
    failed = run("stats", bad, "--quiet")
    assert failed.exit_code == 1
    assert failed.stdout == ""
    assert failed.stderr.startswith(f"Error: {bad}, line 1: ")


def test_quiet_and_verbose_exclude_each_other(tmp_path):
    argv, _, _ = CASES["delta"](tmp_path, {})
    result = run(*argv, "--quiet", "--verbose")
    assert result.exit_code == 2
    assert "--quiet and --verbose exclude each other" in result.stderr
    assert not (tmp_path / "d.csv").exists()


def test_skip_counts_go_to_stderr_also_when_quiet(tmp_path):
    source = tmp_path / "bad.ndjson"
    source.write_text('{"drawing":[[[1],[2]]]}\n{"drawing":[]}\n')
    result = run("convert", source, tmp_path / "out.ndjson", "--errors", "skip", "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("skipped 1 drawing: 1 x empty drawing")


@pytest.mark.parametrize("name", ["delta", "convert", "train", "predict-table"])
def test_missing_output_folders_are_created(name, tmp_path, models):
    nested = tmp_path / "new" / "deeper"
    argv, outputs, _ = CASES[name](nested, models)
    result = run(*argv)
    assert result.exit_code == 0, result.output
    assert all(path.is_file() for path, _ in outputs)


@pytest.mark.parametrize("name", CASES)
def test_an_output_folder_that_cannot_be_made_is_refused_before_any_work(name, tmp_path, models):
    """The last output path on the command line is moved under a regular file: one line, and no
    output at all (train with --plot under a file trains nothing and writes no model)."""
    argv, outputs, _ = CASES[name](tmp_path, models)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder\n")
    last = outputs[-1][0]
    target = next(a for a in reversed(argv) if a == last or a in last.parents)
    bad = blocker / "sub" / target.name
    argv = [bad if a == target else a for a in argv]
    result = run(*argv)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {bad.parent}: cannot create this output folder: a part of it is a file, "
        "not a folder; nothing was done\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]  # nothing else written


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found.update(_commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


COMMANDS = _commands(main)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_takes_quiet_and_verbose(name):
    options = {opt for param in COMMANDS[name].params for opt in param.opts}
    assert {"-q", "--quiet", "-v", "--verbose"} <= options, name


def test_every_command_that_writes_is_in_cases():
    """demo and experiment are covered by tests/test_demo.py and tests/test_experiments.py."""
    covered = set()
    for case in CASES.values():
        argv = [str(a) for a in case(Path("x"), {"table": Path("t"), "sketch": Path("s")})[0]]
        covered.add(next(" ".join(argv[:k]) for k in (2, 1) if " ".join(argv[:k]) in COMMANDS))
    writers = set(COMMANDS) - {"stats", "demo", "experiment"}
    assert writers <= covered, f"add these to CASES: {sorted(writers - covered)}"


def test_default_output_folders_are_ignored_by_git():
    ignored = {line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()}
    defaults = {
        str(param.default)
        for command in COMMANDS.values()
        for param in command.params
        if isinstance(param.type, click.Path) and param.default and not param.type.file_okay
    }
    scripts = "\n".join(p.read_text() for p in (ROOT / "scripts").glob("*.py"))
    defaults |= set(re.findall(r'Path\("([\w.-]+)"\)', scripts))  # relative script defaults
    assert {"strokedelta-demo", "strokedelta-experiments", "benchmarks.md"} <= defaults
    for name in defaults:
        assert f"/{name}/" in ignored or f"/{name}" in ignored, name


def test_bash_completion_script_is_produced():
    script = Path(sys.executable).with_name("strokedelta")
    done = subprocess.run(
        [str(script)],
        env={**os.environ, "_STROKEDELTA_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "_strokedelta_completion()" in done.stdout
    assert "complete -o nosort -F _strokedelta_completion strokedelta" in done.stdout


def test_completion_completes_commands_and_options():
    def complete(words: str) -> list[str]:
        env = {
            "_STROKEDELTA_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        }
        result = CliRunner().invoke(main, [], prog_name="strokedelta", env=env)
        assert result.exit_code == 0, result.output
        return result.stdout.split()

    assert {"plain,delta", "plain,demo"} <= set(complete("strokedelta de"))
    assert "plain,--quiet" in complete("strokedelta delta --qu")
