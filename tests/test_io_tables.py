"""read_table / write_table: exact round trips per format, stdin/stdout, errors naming the file."""

from __future__ import annotations

import gzip
import io
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.exceptions import FileAccessError, FormatError, ResourceLimitError
from strokedelta.io.tables import (
    decimal_places,
    read_table,
    round_to_source_decimals,
    table_format,
    write_table,
)
from strokedelta.limits import ReadLimits

SUFFIXES = [".csv", ".csv.gz", ".parquet"]


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "a"],
            "t": np.array([0, 0, 1], dtype=np.int64),
            "big": np.array([-(2**63), 2**63 - 1, 7], dtype=np.int64),
            "x": [0.1, -0.0, 5e-324],
            "y": [1.7976931348623157e308, np.nan, -np.inf],
        }
    )


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_is_exact(tmp_path, suffix):
    frame = sample()
    path = tmp_path / f"table{suffix}"
    write_table(frame, path)
    back = read_table(path)
    pd.testing.assert_frame_equal(back, frame)
    assert np.signbit(back["x"][1])  # -0.0 survives
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@given(values=st.lists(st.floats(allow_nan=False), min_size=1, max_size=50))
def test_csv_floats_round_trip_bit_exactly(values):
    frame = pd.DataFrame({"v": np.array(values, dtype=np.float64)})
    text = io.StringIO()
    frame.to_csv(text, index=False)  # what write_table does; shortest repr is exact
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as handle:
        handle.write(text.getvalue().encode())
    back = pd.read_csv(io.StringIO(text.getvalue()))
    np.testing.assert_array_equal(
        back["v"].to_numpy().view(np.int64), frame["v"].to_numpy().view(np.int64)
    )


def test_csv_text_is_plain_and_gzip_is_reproducible(tmp_path):
    frame = pd.DataFrame({"x": [1, 2], "y": [0.5, 0.1]})
    write_table(frame, tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_text() == "x,y\n1,0.5\n2,0.1\n"
    write_table(frame, tmp_path / "a.csv.gz")
    first = (tmp_path / "a.csv.gz").read_bytes()
    write_table(frame, tmp_path / "a.csv.gz")
    assert (tmp_path / "a.csv.gz").read_bytes() == first
    assert gzip.decompress(first).decode() == "x,y\n1,0.5\n2,0.1\n"


def test_parquet_keeps_dtypes_and_a_named_index(tmp_path):
    frame = pd.DataFrame(
        {"x": np.array([1, 2], dtype=np.int16), "y": np.array([0.5, 1.5], dtype=np.float32)},
        index=pd.Index([10, 20], name="row"),
    )
    write_table(frame, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.parquet"), frame)


def test_dash_reads_stdin_and_writes_stdout(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("id,x\na,1\nb,2.5\n"))
    frame = read_table("-")
    assert frame["x"].tolist() == [1.0, 2.5]
    write_table(frame, "-")
    assert capsys.readouterr().out == "id,x\na,1.0\nb,2.5\n"


def test_table_format_by_extension():
    assert table_format("A.CSV") == "csv"
    assert table_format("a.csv.gz") == "csv"
    assert table_format("dir.v2/a.parquet") == "parquet"
    assert table_format("-") == "csv"


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.xlsx", b"x\n1\n", r"t\.xlsx: unknown table extension '\.xlsx'; expected \.csv, "),
        ("t", b"x\n1\n", r"t: unknown table extension \(none\); expected"),
        ("t.csv", b"", r"t\.csv: is empty \(a CSV table needs a header row\)$"),
        (
            "t.csv",
            b"x,y\n1,2\n3,4,5\n",
            r"t\.csv, line 3: malformed CSV: expected 2 fields, saw 3$",
        ),
        (
            "t.csv",
            b"x\n\xff\xfe\n",
            r"t\.csv, line 2: is not UTF-8 text \(byte 0xff: invalid start byte\)$",
        ),
        ("t.csv.gz", b"not gzip", r"t\.csv\.gz: not a gzip file: it starts with b'no'"),
        (
            "t.csv.gz",
            gzip.compress(b"x\n1\n2\n", mtime=0)[:-12],
            r"t\.csv\.gz: truncated gzip stream: the file ends at byte 14, inside a gzip member",
        ),
        ("t.parquet", b"PAR1 nope", r"t\.parquet: is not a readable Parquet file: "),
    ],
    ids=["xlsx", "no-suffix", "empty", "fields", "utf8", "not-gzip", "cut-gzip", "parquet"],
)
def test_bad_files_are_named(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        read_table(path)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_missing_file_is_named(tmp_path, suffix):
    path = tmp_path / f"absent{suffix}"
    with pytest.raises(FileAccessError, match=r"absent\.[a-z.]+: cannot open file: No such file"):
        read_table(path)


def test_unknown_output_extension_writes_nothing(tmp_path):
    with pytest.raises(FormatError, match=r"out\.json: unknown table extension '\.json'"):
        write_table(sample(), tmp_path / "out.json")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.parquet"
    target.write_bytes(b"old")
    frame = pd.DataFrame({"x": [1, "a"]})  # Parquet needs one type per column
    with pytest.raises(FormatError, match=r"out\.parquet: cannot store this table as Parquet: "):
        write_table(frame, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_unwritable_target_names_the_target(tmp_path):
    target = tmp_path / "no" / "such" / "dir.csv"
    with pytest.raises(OSError, match="No such file or directory") as info:
        write_table(sample(), target)
    assert info.value.filename == str(target)


# ---------------------------------------------------------------------------- decimals
@pytest.mark.parametrize(
    ("values", "places"),
    [
        ([1.0, -2.0, 3.0], 0),
        ([0.5, 2.25, np.nan], 2),
        ([0.1, 0.7, 12.34567], 5),
        ([0.1 + 0.2], None),
        ([np.nan, np.inf], None),
        ([1e20], None),
        ([], None),
    ],
)
def test_decimal_places(values, places):
    assert decimal_places(values) == places


def test_round_to_source_decimals_keeps_the_decimals_of_text():
    source = pd.DataFrame({"x": [0.1, 0.3, 0.6], "n": [1, 2, 3], "note": list("abc")})
    deltas = source.copy()
    deltas["x"] = np.diff(source["x"].to_numpy(), prepend=0.0)
    assert deltas["x"].tolist() != [0.1, 0.2, 0.3]  # binary rounding noise

    def undo(frame):
        return frame.assign(x=frame["x"].cumsum())

    rounded = round_to_source_decimals(deltas, source, undo, ["x", "n"])
    assert rounded["x"].tolist() == [0.1, 0.2, 0.3]
    assert rounded["n"].tolist() == [1, 2, 3]
    assert rounded is not deltas
    assert deltas["x"].tolist() != [0.1, 0.2, 0.3]  # the input is not modified


def test_round_to_source_decimals_leaves_columns_it_cannot_round_exactly():
    source = pd.DataFrame({"x": [0.1, 0.3], "y": [0.1 + 0.2, 1.0]})
    result = pd.DataFrame({"x": [0.1049, 0.2], "y": [0.5, 0.25]})

    def wrong(frame):
        return frame.assign(x=frame["x"] * 2.0)

    same = round_to_source_decimals(result, source, wrong, ["x", "y"])
    pd.testing.assert_frame_equal(same, result, check_exact=True)
    assert round_to_source_decimals(result, source, wrong, ["y"]) is result  # no decimals


# ------------------------------------------------------------------ the checked CSV reader
@pytest.mark.parametrize(
    ("content", "columns"),
    [
        (b"x,y\r\n1,2\r\n", ["x", "y"]),  # CRLF
        (b"x,y\r1,2\r", ["x", "y"]),  # old Mac line ends
        (b"\xef\xbb\xbfx,y\n1,2\n", ["x", "y"]),  # a UTF-8 byte order mark
        (b"\n  \n\t\nx,y\n1,2\n", ["x", "y"]),  # blank lines before the header
        (b'"a\nb",y\n1,2\n', ["a\nb", "y"]),  # a line break inside a quoted name
        (b'"x,1",y\n1,2\n', ["x,1", "y"]),  # a comma inside a quoted name
        (b"x,y", ["x", "y"]),  # no line end at all
        (b",x\n0,1\n", ["Unnamed: 0", "x"]),  # pandas' own index column, written by to_csv()
        (b",,x\n0,1,2\n", ["Unnamed: 0", "Unnamed: 1", "x"]),  # empty names are not twice
    ],
    ids=[
        "crlf",
        "cr",
        "bom",
        "blank-lines",
        "quoted-newline",
        "quoted-comma",
        "no-eol",
        "unnamed",
        "two-unnamed",
    ],
)
def test_well_formed_csv_variants_read_like_pandas(tmp_path, content, columns):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    frame = read_table(path)
    assert list(frame.columns) == columns
    pd.testing.assert_frame_equal(frame, pd.read_csv(path))


def test_short_rows_get_empty_cells(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"x,y,z\n1,2,3\n4,5\n")
    frame = read_table(path)
    assert frame["z"].isna().tolist() == [False, True]


def test_a_first_row_longer_than_the_header_is_not_turned_into_an_index(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"x\n7,1\n")  # pandas alone reads x = 1 with 7 as the index
    with pytest.raises(FormatError, match=r"t\.csv, line 2: malformed CSV: expected 1 fields"):
        read_table(path)
    path.write_bytes(b"x,y\n\n\n7,1,9\n")
    with pytest.raises(FormatError, match=r"t\.csv, line 4: malformed CSV: expected 2 fields"):
        read_table(path)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_limits_are_passed_through(tmp_path, suffix):
    frame = pd.DataFrame({f"c{i}": [i] for i in range(5)})
    path = tmp_path / f"t{suffix}"
    write_table(frame, path)
    with pytest.raises(ResourceLimitError, match="the header has 5 columns, over the limit"):
        read_table(path, limits=ReadLimits(max_columns=4))
    with pytest.raises(ResourceLimitError, match="line 1: line has over 10 bytes"):
        read_table(path, limits=ReadLimits(max_line_bytes=10))
    pd.testing.assert_frame_equal(read_table(path, limits=ReadLimits(max_columns=5)), frame)


def test_limits_on_a_gzip_stream(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"x\n" + b"1\n" * 10_000))
    with pytest.raises(ResourceLimitError, match="over the limit max_decompressed_bytes=1000"):
        read_table(path, limits=ReadLimits(max_decompressed_bytes=1000))


def test_a_line_end_only_blocks_later_is_found(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"x\n" + b"1" * (3 << 20) + b"\n2\n")  # one line across four blocks
    with pytest.raises(ResourceLimitError, match=r"t\.csv, line 2: line has over 2097152"):
        read_table(path, limits=ReadLimits(max_line_bytes=2 << 20))
    assert len(read_table(path, limits=ReadLimits(max_line_bytes=4 << 20))) == 2


def test_errors_deep_in_a_file_name_their_line(tmp_path):
    path = tmp_path / "t.csv"
    rows = b"".join(b"%d,%d\n" % (i, i) for i in range(300_000))  # several blocks
    path.write_bytes(b"x,y\n" + rows + b"1,\x00\n")
    with pytest.raises(FormatError, match=r"t\.csv, line 300002: holds a NUL byte"):
        read_table(path)
    path.write_bytes(b"x,y\n" + rows + b"1,\xc3\n")
    with pytest.raises(FormatError, match=r"t\.csv, line 300002: is not UTF-8 text"):
        read_table(path)


def test_stdin_text_with_lone_surrogates_is_refused(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("x\n1\n\ud800\n"))
    with pytest.raises(FormatError, match=r"<stdin>, line 3: is not UTF-8 text"):
        read_table("-")


def test_parquet_reads_like_pandas_nested_and_dictionary_text_too(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "a": pa.array([["x", "y"], ["x"], None]),
            "s": pa.array([{"k": "v", "n": 1}, None, {"k": "w", "n": 2}]),
            "b": ["p", "q", None],
            "c": pa.array(["u", "u", "v"]).dictionary_encode(),  # a Categorical in pandas
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=2)
    pd.testing.assert_frame_equal(read_table(path), pd.read_parquet(path))
    assert isinstance(read_table(path)["c"].dtype, pd.CategoricalDtype)
