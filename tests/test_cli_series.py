"""`strokedelta delta` / `strokedelta integrate`: exact round trips per format, one-line errors."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.io.tables import read_table, write_table

SERIES = Path(__file__).resolve().parents[1] / "data" / "series.csv"


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def round_trip(source: Path, tmp_path: Path, out_suffix: str, back_suffix: str, *options: str):
    deltas = tmp_path / f"deltas{out_suffix}"
    back = tmp_path / f"back{back_suffix}"
    first = invoke("delta", source, deltas, *options)
    assert first.exit_code == 0, first.output
    second = invoke("integrate", deltas, back, *options)
    assert second.exit_code == 0, second.output
    return read_table(deltas), read_table(back)


@pytest.fixture
def series() -> Path:
    if not SERIES.is_file():
        pytest.skip(f"sample not found: {SERIES} (run scripts/make_sample_series.py)")
    return SERIES


# ------------------------------------------------------------------------ round trips
@pytest.mark.parametrize(
    ("out_suffix", "back_suffix"), [(".csv", ".csv"), (".csv.gz", ".parquet"), (".parquet", ".csv")]
)
@pytest.mark.parametrize(
    "options", [(), ("--order", "2"), ("--lag", "3"), ("--order", "2", "--lag", "2")]
)
def test_integrate_of_delta_gives_back_every_value(
    series, tmp_path, out_suffix, back_suffix, options
):
    options = ("--columns", "t,x,y", "--group", "id", *options)
    deltas, back = round_trip(series, tmp_path, out_suffix, back_suffix, *options)
    original = read_table(series)
    pd.testing.assert_frame_equal(back, original, check_exact=True)
    assert deltas["id"].tolist() == original["id"].tolist()  # row order kept
    assert deltas["x"].dtype == np.int64
    if back_suffix == ".csv":  # the very same text
        assert (tmp_path / "back.csv").read_text() == series.read_text()


def test_delta_values_by_hand(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,x,y,note\na,1,0.1,p\nb,10,0.2,q\na,4,0.3,r\nb,13,0.5,s\na,9,0.6,t\n")
    result = invoke("delta", source, tmp_path / "out.csv", "--columns", "x,y", "--group", "id")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv").read_text() == (
        "id,x,y,note\na,1,0.1,p\nb,10,0.2,q\na,3,0.2,r\nb,3,0.3,s\na,5,0.3,t\n"
    )  # 0.3 - 0.1 is 0.19999999999999998 in binary; the decimals of the input are kept


@pytest.mark.parametrize("order", ["1", "2"])
def test_decimal_floats_round_trip_as_text(tmp_path, order):
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {"g": rng.integers(0, 5, 400), "v": (rng.integers(-(10**6), 10**6, 400) + 100) / 1000}
    )
    source = tmp_path / "in.csv"
    write_table(frame, source)
    options = ("--columns", "v", "--group", "g", "--order", order)
    _, back = round_trip(source, tmp_path, ".csv", ".csv", *options)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)


def test_floats_without_short_decimals_stay_within_rounding(tmp_path):
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"v": rng.normal(size=300) * 1e4})
    source = tmp_path / "in.parquet"
    write_table(frame, source)
    _, back = round_trip(source, tmp_path, ".parquet", ".parquet", "--columns", "v")
    np.testing.assert_allclose(back["v"], frame["v"], rtol=0, atol=1e-9 * 1e4 * 10)


def test_stdin_to_stdout(series):
    text = series.read_text()
    deltas = invoke("delta", "-", "-", "--columns", "x,y", "--group", "id", input=text)
    assert deltas.exit_code == 0, deltas.output
    assert deltas.output != text
    back = invoke("integrate", "-", "-", "--columns", "x,y", "--group", "id", input=deltas.output)
    assert back.exit_code == 0, back.output
    assert back.output == text


def test_na_keep_round_trips_gaps(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,x\na,1.5\na,\nb,2\na,4.25\nb,\nb,3\n")
    options = ("--columns", "x", "--group", "id", "--na", "keep")
    deltas, back = round_trip(source, tmp_path, ".csv", ".csv", *options)
    assert deltas["x"].isna().tolist() == [False, True, False, False, True, False]
    assert deltas["x"].tolist()[3] == 4.25  # the sequence restarts after the gap
    assert (tmp_path / "back.csv").read_text() == "id,x\na,1.5\na,\nb,2.0\na,4.25\nb,\nb,3.0\n"
    pd.testing.assert_frame_equal(back, read_table(source))


def test_gzip_output_is_gzip(series, tmp_path):
    result = invoke("delta", series, tmp_path / "d.csv.gz", "--columns", "x")
    assert result.exit_code == 0, result.output
    assert gzip.decompress((tmp_path / "d.csv.gz").read_bytes()).startswith(b"id,t,x,y\n")


# ------------------------------------------------------------------------------ errors
BAD_CASES = {
    "missing column": (
        "id,x\na,1\n",
        "in.csv",
        "out.csv",
        ["--columns", "x,q"],
        r"^Error: .*in\.csv: X must have the column\(s\) 'q'; got columns \['id', 'x'\]$",
    ),
    "non-numeric": (
        "id,x\na,1\na,oops\n",
        "in.csv",
        "out.csv",
        ["--columns", "x"],
        r"^Error: .*in\.csv: column 'x' must hold numbers; got 'oops' at row 2$",
    ),
    "missing value": (
        "id,x\na,1\na,\n",
        "in.csv",
        "out.csv",
        ["--columns", "x"],
        r"^Error: .*in\.csv: column 'x' must hold no missing values .*got NaN at row 2$",
    ),
    "unknown input extension": (
        "id,x\na,1\n",
        "in.txt",
        "out.csv",
        ["--columns", "x"],
        r"^Error: .*in\.txt: unknown table extension '\.txt'; expected \.csv, \.csv\.gz",
    ),
    "unknown output extension": (
        "id,x\na,1\n",
        "in.csv",
        "out.xlsx",
        ["--columns", "x"],
        r"^Error: .*out\.xlsx: unknown table extension '\.xlsx'",
    ),
    "malformed csv": (
        "id,x\na,1\na,2,3\n",
        "in.csv",
        "out.csv",
        ["--columns", "x"],
        r"^Error: .*in\.csv, line 3: malformed CSV: expected 2 fields, saw 3$",
    ),
    "not parquet": (
        "id,x\na,1\n",
        "in.parquet",
        "out.csv",
        ["--columns", "x"],
        r"^Error: .*in\.parquet: is not a readable Parquet file: ",
    ),
    "group is a column": (
        "id,x\na,1\n",
        "in.csv",
        "out.csv",
        ["--columns", "x,id", "--group", "id"],
        r"^Error: .*in\.csv: columns must not include the group column 'id'",
    ),
}


@pytest.mark.parametrize("command", ["delta", "integrate"])
@pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
def test_bad_input_is_one_line_naming_the_file_and_leaves_no_output(tmp_path, command, case):
    content, name, out, options, message = BAD_CASES[case]
    (tmp_path / name).write_text(content)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = invoke(command, tmp_path / name, tmp_path / out, *options)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert re.search(message, lines[0]), lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output, no temporary


def test_unreadable_file_is_named(tmp_path):
    result = invoke("delta", tmp_path / "absent.csv", tmp_path / "out.csv", "--columns", "x")
    assert result.exit_code == 1
    assert result.output.strip().endswith("absent.csv: cannot open file: No such file or directory")
    assert list(tmp_path.iterdir()) == []


def test_overflow_names_the_file(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(f"x\n{-(2**63)}\n{2**63 - 1}\n")
    result = invoke("delta", source, tmp_path / "out.csv", "--columns", "x")
    assert result.exit_code == 1
    assert "in.csv: integer difference overflows int64" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_columns_is_required_and_help_has_an_example():
    result = invoke("delta", "a.csv", "b.csv")
    assert result.exit_code == 2
    assert "Missing option '--columns'" in result.output
    for command in ("delta", "integrate"):
        help_text = invoke(command, "--help").output
        assert "Example:" in help_text
        assert f"strokedelta {command} " in help_text


# ------------------------------------------------------------------------------ --initial
def test_integrate_initial_continues_forecast_deltas_from_given_values(tmp_path):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("x,y\n0.2,1\n0.1,-1\n")
    out = tmp_path / "future.csv"
    result = invoke("integrate", forecast, out, "--columns", "x,y", "--initial", "x=0.1,y=3")
    assert result.exit_code == 0, result.output
    back = read_table(out)
    assert back["x"].tolist() == [0.3, 0.4]  # the source's decimals, no binary rounding noise
    assert back["y"].tolist() == [4, 3]
    second = tmp_path / "second.csv"
    options = ("--columns", "y", "--order", "2", "--initial", "y=1:3")  # oldest first
    assert invoke("integrate", forecast, second, *options).exit_code == 0
    assert read_table(second)["y"].tolist() == [6, 8]  # 2*3 - 1 + 1, 2*6 - 3 - 1


def test_integrate_initial_from_a_file_of_the_last_rows_per_group(tmp_path):
    full = pd.DataFrame({"id": list("abab" * 3), "x": np.arange(12) ** 2 % 11})
    past, future = tmp_path / "past.parquet", tmp_path / "future.csv"
    write_table(full.iloc[:8], past)
    deltas = tmp_path / "deltas.csv"
    write_table(full, tmp_path / "full.csv")
    assert (
        invoke("delta", tmp_path / "full.csv", deltas, "--columns", "x", "--group", "id").exit_code
        == 0
    )
    write_table(read_table(deltas).iloc[8:], future)
    out = tmp_path / "out.csv"
    options = ("--columns", "x", "--group", "id", "--initial", past)
    result = invoke("integrate", future, out, *options)
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(read_table(out), full.iloc[8:].reset_index(drop=True))


@pytest.mark.parametrize(
    ("initial", "message"),
    [
        ("y=2", r"give 1 value\(s\) .* for each of the columns x; got 'y=2'"),
        ("x=a", r"'x=a': values must be numbers, e.g. x=5,y=3"),
    ],
)
def test_bad_initial_is_refused_before_any_output(tmp_path, initial, message):
    source = tmp_path / "in.csv"
    source.write_text("x\n1\n2\n")
    result = invoke(
        "integrate", source, tmp_path / "out.csv", "--columns", "x", "--initial", initial
    )
    assert result.exit_code == 2
    assert re.search(message, result.output), result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_integrate_help_shows_initial_with_an_example():
    help_text = invoke("integrate", "--help").output
    assert "--initial X=V,...|FILE" in help_text
    assert "--initial x=5,y=3" in help_text
