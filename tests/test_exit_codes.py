"""The exit-code contract of every command (README, "Exit codes"): 0 success; 1 bad data or a
refused file, in one line naming the file, the position and the problem; 2 usage errors; 3 a
resource limit, naming the limit and the option that raises it; 130 interrupted. Also: every
command that reads drawings takes ``--limit NAME=N``, and every ``--errors skip`` says how many
drawings it skipped and why."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from strokedelta._files import TEMP_MARK
from strokedelta.cli import _common, main
from strokedelta.cli import convert as convert_cli
from strokedelta.exceptions import (
    FileAccessError,
    FormatError,
    ResourceLimitError,
    StrokeDeltaError,
)
from strokedelta.io import write_drawings
from strokedelta.limits import ReadLimits
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings

REPO = Path(__file__).resolve().parents[1]
CAT = REPO / "data" / "quickdraw_cat_sample.ndjson"
SERIES = REPO / "data" / "series.csv"
LIMIT = r"over the limit max_points=5 \(raise it with --limit max_points=N or ReadLimits"


def run(*args: object, **kwargs: object):
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="strokedelta", **kwargs)


def one_error_line(result) -> str:
    """The whole of stderr: one line starting with ``Error: ``, no traceback."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A next-delta sketch model trained on the sample cats (closed form: fast)."""
    path = tmp_path_factory.mktemp("model") / "cat.safetensors"
    result = run("train-sketch", CAT, path, "--solver", "lstsq", "--device", "cpu")
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def messy(tmp_path) -> Path:
    """The sample cats after one empty drawing (line 1, so that render reaches it)."""
    path = tmp_path / "messy.ndjson"
    path.write_bytes(b'{"word": "cat", "drawing": []}\n' + CAT.read_bytes())
    return path


def test_the_exit_codes_are_defined_in_one_place():
    codes = dict(_common.EXIT_CODES)
    assert codes[ResourceLimitError] == 3
    assert codes[StrokeDeltaError] == 1
    assert codes[OSError] == 1
    assert codes[KeyboardInterrupt] == 130
    assert _common._exit_code(_common.Terminated(15)) == 143
    directory = FileAccessError("is a directory", path="d")
    directory.errno = 21
    assert _common._exit_code(directory) == 2


# --- 0 -----------------------------------------------------------------------------------------


def test_0_on_success(tmp_path):
    result = run("convert", CAT, tmp_path / "c.parquet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


# --- 1 -----------------------------------------------------------------------------------------


def test_1_for_bad_data_in_one_line_naming_file_position_and_problem(tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"drawing": [[[1, 2], [3, 4]]]}\n{"drawing": [[[1, 2], [3]]]}\n')
    for args in (["stats", bad], ["convert", bad, tmp_path / "o.parquet"]):
        result = run(*args)
        assert result.exit_code == 1
        assert re.fullmatch(rf"Error: {re.escape(str(bad))}, line 2: .+", one_error_line(result))
    assert not (tmp_path / "o.parquet").exists()
    assert list(tmp_path.glob(f"*{TEMP_MARK}*")) == []


def test_1_for_a_bad_table_naming_the_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,x\na,1\na,oops\n")
    result = run("delta", bad, tmp_path / "o.csv", "--columns", "x")
    assert result.exit_code == 1
    assert str(bad) in one_error_line(result)


def test_1_for_a_missing_or_refused_file(tmp_path):
    result = run("stats", tmp_path / "missing.ndjson")
    assert result.exit_code == 1
    assert one_error_line(result).endswith("cannot open file: No such file or directory")
    (tmp_path / "zero.ndjson").symlink_to("/dev/zero")
    result = run("stats", tmp_path / "zero.ndjson")
    assert result.exit_code == 1
    assert "not a regular file; refusing to read it" in one_error_line(result)
    result = run("convert", CAT, tmp_path / "x.parquet")
    result = run("convert", tmp_path / "x.parquet", tmp_path / "x.parquet")
    assert result.exit_code == 1
    assert "is the same file as the input" in one_error_line(result)


def test_1_with_a_multi_line_library_message_is_still_one_line(monkeypatch):
    def fail(*args, **kwargs):
        raise FormatError("first part\n    second part", path="cat.ndjson", line=3)

    monkeypatch.setattr(convert_cli, "describe_files", fail)
    result = run("stats", CAT)
    assert result.exit_code == 1
    assert one_error_line(result) == "Error: cat.ndjson, line 3: first part second part"


# --- 2 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--nope", CAT],
        ["convert", CAT],
        ["stats", CAT, "--limit", "max_lines=3"],
        ["stats", CAT, "--limit", "max_points=many"],
        ["convert", CAT, "x.parquet", "--errors", "ignore"],
        ["convert", REPO / "data", "x.parquet"],  # stats reads folders: a dataset
        ["delta", SERIES, REPO / "data", "--columns", "x"],
    ],
    ids=["option", "argument", "limit-name", "limit-value", "choice", "dir-in", "dir-out"],
)
def test_2_for_usage_errors(args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Usage: strokedelta" in result.stderr
    assert "Traceback" not in result.output


# --- 3: a limit, and --limit on every command that reads drawings -----------------------------


def _reading_commands(tmp: Path, model: Path) -> dict[str, list[object]]:
    return {
        "stats": ["stats", CAT],
        "convert": ["convert", CAT, tmp / "o.parquet"],
        "render": ["render", CAT, tmp / "o.svg"],
        "train-sketch": ["train-sketch", CAT, tmp / "m.safetensors", "--solver", "lstsq"],
        "predict": ["predict", model, CAT, tmp / "o.ndjson"],
    }


READING = ["stats", "convert", "render", "train-sketch", "predict"]


@pytest.mark.parametrize("command", READING)
def test_3_for_a_limit_naming_it_and_the_option_that_raises_it(tmp_path, model, command):
    args = _reading_commands(tmp_path, model)[command]
    result = run(*args, "--limit", "max_points=5")
    assert result.exit_code == 3, result.output
    line = one_error_line(result)
    assert re.fullmatch(rf"Error: {re.escape(str(CAT))}, line 1: .*{LIMIT}.*", line), line
    assert [p.name for p in tmp_path.iterdir()] == []  # no output, no temporary


@pytest.mark.parametrize("command", READING)
def test_raising_a_limit_lets_the_command_run(tmp_path, model, command):
    args = _reading_commands(tmp_path, model)[command]
    result = run(*args, "--limit", "max_points=100000", "--limit", "max_strokes=1000")
    assert result.exit_code == 0, result.output


def test_limit_reaches_the_library(monkeypatch):
    seen = {}

    def spy(*args, **kwargs):
        seen.update(kwargs)
        raise FormatError("stop here", path="x")

    monkeypatch.setattr(convert_cli, "describe_files", spy)
    run("stats", CAT, "--limit", "max_points=7", "--limit", "max-depth=9")
    assert seen["limits"] == ReadLimits(max_points=7, max_depth=9)
    run("stats", CAT)
    assert seen["limits"] is None  # the library's defaults


def test_every_command_reading_drawings_documents_limit():
    for command in READING:
        result = run(command, "--help")
        assert "--limit NAME=N" in result.output, command


# --- 130 ---------------------------------------------------------------------------------------


def test_130_when_interrupted_in_one_line_and_no_temporary_left(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(convert_cli, "preparation", lambda **steps: interrupt)
    target = tmp_path / "o.parquet"
    result = run("convert", CAT, target, "--simplify")
    assert result.exit_code == 130, result.output
    assert one_error_line(result) == "Error: interrupted; no output was written"
    assert list(tmp_path.iterdir()) == []


# --- --errors skip says how many and why, in every command that has it -----------------------


def _skipping_commands(tmp: Path, data: Path, model: Path) -> dict[str, list[object]]:
    return {
        "stats": ["stats", data],
        "convert": ["convert", data, tmp / "o.parquet"],
        "render": ["render", data, tmp / "o.svg", "--grid", "2x2"],
        "train-sketch": ["train-sketch", data, tmp / "m.safetensors", "--solver", "lstsq"],
        "predict": ["predict", model, data, tmp / "o.ndjson"],
    }


@pytest.mark.parametrize("command", READING)
def test_errors_skip_reports_how_many_and_why(tmp_path, messy, model, command):
    args = _skipping_commands(tmp_path, messy, model)[command]
    result = run(*args, "--errors", "skip")
    assert result.exit_code == 0, result.output
    pattern = rf"skipped 1 drawing: 1 x .+ \(first: {re.escape(str(messy))}, line 1\)"
    assert re.search(pattern, result.stderr), result.stderr
    result = run(*args)
    assert result.exit_code == 1
    assert "skipped" not in result.stderr


@pytest.mark.parametrize("command", READING)
def test_errors_skip_says_so_when_nothing_was_skipped(tmp_path, model, command):
    args = _skipping_commands(tmp_path, CAT, model)[command]
    result = run(*args, "--errors", "skip")
    assert result.exit_code == 0, result.output
    assert "skipped 0 drawings" in result.stderr


def test_errors_skip_in_a_binary_format_too(tmp_path):
    values = np.array([[1, 1, 0], [2, 2, 1], [3, 3, 0], [1, 1, 1]])
    path = tmp_path / "d.npz"
    write_drawings(Drawings(Ragged(values, np.array([0, 2, 4]))), path)
    result = run("stats", path, "--errors", "skip")
    assert result.exit_code == 0, result.output
    assert "skipped 0 drawings" in result.stderr
