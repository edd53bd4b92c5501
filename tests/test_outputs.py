"""Outputs never destroy inputs: every command refuses an output that is one of its inputs (the
same path, a symbolic link, a hard link) before any work; special files (FIFOs, devices, links
to them) are refused before anything opens them; a directory given as a file is a usage error."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta._files import check_input_file, check_output_is_not_input
from strokedelta.cli import convert as convert_cli
from strokedelta.cli import main
from strokedelta.exceptions import FileAccessError
from strokedelta.io import convert_drawings, read_drawings, write_drawings
from strokedelta.render import render_file
from strokedelta.sketch import Drawings

REPO = Path(__file__).resolve().parents[1]
CAT = REPO / "data" / "quickdraw_cat_sample.ndjson"
SERIES = REPO / "data" / "series.csv"
SAME = r"is the same file as the input .*; refusing to overwrite an input"


def run(*args: object, input: bytes | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail (instead of hanging forever) when something opens a FIFO or reads /dev/zero."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("the command hung: it opened or read a special file")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _link(kind: str, real: Path, name: str) -> Path:
    """A second name for ``real``: itself, a symbolic link or a hard link in the same folder."""
    if kind == "same":
        return real
    alias = real.parent / name
    if kind == "symlink":
        alias.symlink_to(real.name)
    else:
        os.link(real, alias)
    return alias


def _copy(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    return target


# Each case: (tmp_path, kind) -> (argv, the input that must survive). The output of the
# command is the input itself (kind "same"), or a link to it ("symlink", "hardlink").
Case = Callable[[Path, str], tuple[list[object], Path]]


def _convert(tmp: Path, kind: str) -> tuple[list[object], Path]:
    cat = _copy(CAT, tmp / "cat.ndjson")
    return ["convert", cat, _link(kind, cat, "out.ndjson"), "--simplify"], cat


def _convert_input_link(tmp: Path, kind: str) -> tuple[list[object], Path]:
    cat = _copy(CAT, tmp / "cat.ndjson")
    return ["convert", _link(kind, cat, "in.ndjson"), cat], cat


def _table(command: str) -> Case:
    def case(tmp: Path, kind: str) -> tuple[list[object], Path]:
        series = _copy(SERIES, tmp / "s.csv")
        return [command, series, _link(kind, series, "o.csv"), "--columns", "x"], series

    return case


def _train(tmp: Path, kind: str) -> tuple[list[object], Path]:
    series = _copy(SERIES, tmp / "s.csv")
    out = _link(kind, series, "m.safetensors")
    return ["train", series, out, "--target", "y", "--features", "x"], series


def _train_plot(tmp: Path, kind: str) -> tuple[list[object], Path]:
    series = _copy(SERIES, tmp / "s.csv")
    plot = _link(kind, series, "loss.png")
    args = ["train", series, tmp / "m.safetensors", "--target", "y", "--features", "x"]
    return [*args, "--plot", plot], series


def _train_sketch(tmp: Path, kind: str) -> tuple[list[object], Path]:
    cat = _copy(CAT, tmp / "cat.ndjson")
    return ["train-sketch", cat, _link(kind, cat, "m.safetensors"), "--solver", "lstsq"], cat


def _predict_data(tmp: Path, kind: str) -> tuple[list[object], Path]:
    series = _copy(SERIES, tmp / "s.csv")
    model = tmp / "m.safetensors"
    model.write_bytes(b"not read: the check comes first")
    return ["predict", model, series, _link(kind, series, "p.csv")], series


def _predict_model(tmp: Path, kind: str) -> tuple[list[object], Path]:
    series = _copy(SERIES, tmp / "s.csv")
    model = tmp / "m.csv"  # a model may have any name
    model.write_bytes(b"a model")
    return ["predict", model, series, _link(kind, model, "p.csv")], model


def _render(tmp: Path, kind: str) -> tuple[list[object], Path]:
    # SOURCE and TARGET differ in extension, so only a link can make them one file
    picture = tmp / "pic.svg"
    picture.write_text("<svg/>")
    alias = _link("symlink" if kind == "same" else kind, picture, "pic.ndjson")
    return ["render", alias, picture], picture


def _demo(tmp: Path, kind: str) -> tuple[list[object], Path]:
    out = tmp / "out"
    out.mkdir()
    data = _copy(CAT, out / "drawings.ndjson")  # a file the demo writes
    return ["demo", "--quick", "--out", out, "--data", _link(kind, data, "cat.ndjson")], data


def _experiment(tmp: Path, kind: str) -> tuple[list[object], Path]:
    out = tmp / "out"
    out.mkdir()
    written = out / "sketch_shift.csv"  # a file the experiment writes
    if kind == "same":
        data = _copy(CAT, written)
    else:
        data = _copy(CAT, tmp / "cat.ndjson")
        if kind == "symlink":
            written.symlink_to(data)
        else:
            os.link(data, written)
    args = ["experiment", "sketch-shift", "--quick", "--out", out, "--data", data]
    return args, data


CASES: dict[str, Case] = {
    "convert": _convert,
    "convert-input-link": _convert_input_link,
    "delta": _table("delta"),
    "integrate": _table("integrate"),
    "train": _train,
    "train-plot": _train_plot,
    "train-sketch": _train_sketch,
    "predict-data": _predict_data,
    "predict-model": _predict_model,
    "render": _render,
    "demo": _demo,
    "experiment": _experiment,
}


@pytest.mark.parametrize("kind", ["same", "symlink", "hardlink"])
@pytest.mark.parametrize("name", list(CASES))
def test_every_command_refuses_an_output_that_is_its_input(tmp_path, name, kind):
    args, kept = CASES[name](tmp_path, kind)
    before = digest(kept)
    files = sorted(p.name for p in tmp_path.rglob("*"))
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    line = result.output.strip()
    assert "\n" not in line
    assert re.fullmatch(f"Error: .+: {SAME} \\(write to another file\\)", line), line
    assert digest(kept) == before
    assert sorted(p.name for p in tmp_path.rglob("*")) == files  # nothing written, no temp


def test_the_refusal_names_both_paths(tmp_path):
    series = _copy(SERIES, tmp_path / "s.csv")
    link = tmp_path / "link.csv"
    link.symlink_to(series)
    result = run("delta", link, series, "--columns", "x")
    assert result.output.strip() == (
        f"Error: {series}: is the same file as the input {link}; "
        "refusing to overwrite an input (write to another file)"
    )


def test_stdin_redirected_from_the_output_is_refused(tmp_path, monkeypatch):
    series = _copy(SERIES, tmp_path / "s.csv")
    before = digest(series)
    with series.open("r") as handle:  # as `strokedelta delta - s.csv < s.csv` would have it
        monkeypatch.setattr("sys.stdin", handle)
        with pytest.raises(FileAccessError, match=r"s\.csv: is the same file as the input stdin"):
            check_output_is_not_input([series], ["-"])
        check_output_is_not_input([tmp_path / "other.csv"], ["-"])
    assert digest(series) == before


def test_library_entry_points_refuse_too(tmp_path):
    cat = _copy(CAT, tmp_path / "cat.ndjson")
    before = digest(cat)
    link = tmp_path / "link.ndjson"
    link.symlink_to(cat)
    with pytest.raises(FileAccessError, match=SAME):
        convert_drawings(cat, link)
    with pytest.raises(FileAccessError, match=SAME):
        convert_drawings(link, cat)
    picture = tmp_path / "p.svg"
    picture.write_text("<svg/>")
    (tmp_path / "p.ndjson").symlink_to(picture)
    with pytest.raises(FileAccessError, match=SAME):
        render_file(tmp_path / "p.ndjson", picture)
    assert digest(cat) == before
    assert picture.read_text() == "<svg/>"


def test_different_files_pass_and_missing_outputs_compare_by_path(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1\n")
    check_output_is_not_input([b, None, "-"], [a, None])
    b.write_text("x\n1\n")  # same content, another file
    check_output_is_not_input([b], [a])
    with pytest.raises(FileAccessError, match=SAME):
        check_output_is_not_input([tmp_path / "sub" / ".." / "a.csv"], [a])
    with pytest.raises(FileAccessError, match=SAME):  # neither exists: resolved paths
        check_output_is_not_input([tmp_path / "n.csv"], [tmp_path / "." / "n.csv"])


# --- special files -----------------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "fifo.ndjson"
    os.mkfifo(path)
    return path


@pytest.fixture
def zero(tmp_path) -> Path:
    path = tmp_path / "zero.ndjson"
    path.symlink_to("/dev/zero")
    return path


def _special_cases(tmp: Path, special: Path) -> dict[str, list[object]]:
    csv = tmp / f"{special.stem}.csv"
    csv.symlink_to(special)
    model = tmp / "m.safetensors"
    model.write_bytes(b"never read")
    return {
        "stats": ["stats", special],
        "convert": ["convert", special, tmp / "o.parquet"],
        "render": ["render", special, tmp / "o.svg"],
        "train-sketch": ["train-sketch", special, tmp / "m2.safetensors"],
        "predict": ["predict", model, special, tmp / "o.ndjson"],
        "predict-model": ["predict", csv, tmp / "x.csv", tmp / "o.csv"],
        "delta": ["delta", csv, tmp / "o.csv", "--columns", "x"],
        "integrate": ["integrate", csv, tmp / "o.csv", "--columns", "x"],
        "train": ["train", csv, tmp / "m2.safetensors", "--target", "y", "--features", "x"],
        "demo": ["demo", "--quick", "--out", tmp / "out", "--data", special],
        "experiment": ["experiment", "sketch-shift", "--out", tmp / "out", "--data", special],
    }


SPECIAL_COMMANDS = ["stats", "convert", "render", "train-sketch", "predict", "predict-model"]
SPECIAL_COMMANDS += ["delta", "integrate", "train", "demo", "experiment"]


@pytest.mark.parametrize("command", SPECIAL_COMMANDS)
def test_a_fifo_is_refused_by_every_command_without_blocking(tmp_path, fifo, command):
    cases = _special_cases(tmp_path, fifo)
    assert sorted(cases) == sorted(SPECIAL_COMMANDS)
    args = cases[command]
    result = run(*args)
    assert result.exit_code == 1, result.output
    pattern = r"is a FIFO \(named pipe\)( \(.*, through a link\))?, not a regular file; refusing"
    assert re.search(pattern, result.output), result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("command", SPECIAL_COMMANDS)
def test_a_link_to_dev_zero_is_refused_by_every_command(tmp_path, zero, command):
    args = _special_cases(tmp_path, zero)[command]
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "is a character device (/dev/zero, through a link), not a regular file" in (
        result.output
    )
    assert len(result.output.strip().splitlines()) == 1


def test_the_library_refuses_special_files_before_opening_them(fifo, zero):
    for path in (fifo, zero):
        with pytest.raises(FileAccessError, match="not a regular file; refusing to read it"):
            read_drawings(path)
    with pytest.raises(FileAccessError, match=r"/dev/null: is a character device"):
        check_input_file("/dev/null")
    check_input_file("-")
    check_input_file("/no/such/file")  # opening it names the reason


def test_a_directory_is_refused_by_the_library_with_eisdir(tmp_path):
    folder = tmp_path / "d.ndjson"
    folder.mkdir()
    with pytest.raises(FileAccessError, match="is a directory") as info:
        read_drawings(folder)
    assert info.value.errno == 21


def test_stdin_stays_allowed(tmp_path):
    result = run("stats", "-", input=CAT.read_bytes())
    assert result.exit_code == 0, result.output
    assert "drawings       25" in result.output
    result = run("delta", "-", "-", "--columns", "x", "--group", "id", input=SERIES.read_bytes())
    assert result.exit_code == 0, result.output


def _directory_cases(tmp: Path) -> dict[str, list[object]]:
    folder = tmp / "d.ndjson"
    folder.mkdir()
    table = tmp / "d.csv"
    table.mkdir()
    cat = _copy(CAT, tmp / "cat.ndjson")
    series = _copy(SERIES, tmp / "s.csv")
    return {
        "convert-source": ["convert", folder, tmp / "o.ndjson"],
        "convert-target": ["convert", cat, folder],
        "render": ["render", folder, tmp / "o.svg"],
        "delta-in": ["delta", table, tmp / "o.csv", "--columns", "x"],
        "integrate-out": ["integrate", series, table, "--columns", "x"],
        "train": ["train", table, tmp / "m", "--target", "y", "--features", "x"],
        "train-model": ["train", series, table, "--target", "y", "--features", "x"],
        "train-sketch": ["train-sketch", folder, tmp / "m"],
        "predict-model": ["predict", folder, series, tmp / "o.csv"],
        "predict-out": ["predict", tmp / "m", series, table],
        "demo-data": ["demo", "--quick", "--out", tmp / "out", "--data", folder],
    }


DIRECTORY_CASES = ["convert-source", "convert-target", "render", "delta-in"]
DIRECTORY_CASES += ["integrate-out", "train", "train-model", "train-sketch", "predict-model"]
DIRECTORY_CASES += ["predict-out", "demo-data"]


@pytest.mark.parametrize("case", DIRECTORY_CASES)
def test_a_directory_given_as_a_file_is_a_usage_error(tmp_path, case):
    cases = _directory_cases(tmp_path)
    assert sorted(cases) == sorted(DIRECTORY_CASES)
    result = run(*cases[case])
    assert result.exit_code == 2, result.output
    assert "is a directory" in result.output


def test_stats_of_a_folder_without_drawings_files_is_bad_input(tmp_path):
    folder = tmp_path / "d.ndjson"
    folder.mkdir()
    result = run("stats", folder)  # stats reads folders (datasets): an empty one is bad input
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {folder}: no drawings file in this folder\n"


def test_a_directory_reaching_the_library_maps_to_exit_2(tmp_path, monkeypatch):
    folder = tmp_path / "d.ndjson"
    folder.mkdir()
    monkeypatch.setattr(convert_cli, "check_paths", lambda *a, **k: None)
    monkeypatch.setattr(convert_cli, "describe_files", lambda *a, **k: read_drawings(folder))
    result = run("stats", "-")
    assert result.exit_code == 2, result.output
    assert f"Error: {folder}: is a directory, not a regular file" in result.output


def test_writes_still_work_after_the_checks(tmp_path):
    drawings = Drawings.from_polylines([[[[0, 3], [0, 4]]]])
    write_drawings(drawings, tmp_path / "a.ndjson")
    assert convert_drawings(tmp_path / "a.ndjson", tmp_path / "b.parquet") == (1, 2)


def test_bitmap_metadata_has_the_same_bytes_whole_or_in_parts(tmp_path):
    from strokedelta.datasets.outputs import META_ROWS, _MetaWriter

    n = 2 * META_ROWS + 123  # three row groups, the last one short
    meta = pd.DataFrame(
        {
            "key_id": pd.array([str(i) for i in range(n)], dtype="string"),
            "recognized": np.arange(n) % 3 == 0,
        }
    )
    with _MetaWriter(tmp_path / "whole.parquet") as whole:
        whole.add(meta)
    cuts = [0, 7, META_ROWS - 1, META_ROWS + 5, n - 2, n]
    with _MetaWriter(tmp_path / "parts.parquet") as parts:
        for a, b in itertools.pairwise(cuts):
            parts.add(meta.iloc[a:b])
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "parts.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "parts.parquet"), meta)
