"""The corpus of malformed tables (tests/data/bad/tables/): what each one gives.

Every file, written by scripts/make_bad_tables.py and named after what is wrong with it, is read
through the library (``read_table``: its exception type and message pinned) and through the CLI
(``strokedelta delta FILE out.csv --columns x``: one line naming the file and the position, its
exit status, no output written). A few files are well-formed tables with bad values: they read,
and ``delta`` refuses them naming the row and the column. Inputs too large to check in (a gzip
bomb, a 300 MB line, a 20,000-column header, Parquet files that expand to GBs) are built here
in a temporary folder.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.exceptions import FileAccessError, FormatError, ResourceLimitError
from strokedelta.io.tables import read_table
from strokedelta.limits import ReadLimits

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad" / "tables"
META = r"cannot be rebuilt as a pandas table \(is its 'pandas' schema metadata broken\?\): "
NOT_PARQUET = "is not a readable Parquet file: "
NOT_UTF8 = "is not UTF-8 text"
NUL = r"holds a NUL byte \(binary data, not CSV text\)"

#: file -> (the exception read_table raises, the message after the file's name)
REFUSED: dict[str, tuple[type[Exception], str]] = {
    # ----------------------------------------------------------------------------- .csv
    "empty.csv": (FormatError, r": is empty \(a CSV table needs a header row\)$"),
    "only_blank_lines.csv": (FormatError, r": is empty \(a CSV table needs a header row\)$"),
    "nul_byte_in_a_row.csv": (FormatError, rf", line 3: {NUL}$"),
    "nul_byte_in_the_header.csv": (FormatError, rf", line 1: {NUL}$"),
    "invalid_utf8.csv": (FormatError, rf", line 3: {NOT_UTF8} \(byte 0xff: invalid start byte\)$"),
    "lone_surrogate.csv": (
        FormatError,
        rf", line 3: {NOT_UTF8} \(byte 0xed: invalid continuation byte\)$",
    ),
    "latin1_text.csv": (
        FormatError,
        rf", line 2: {NOT_UTF8} \(byte 0xe9: invalid continuation byte\)$",
    ),
    "utf8_cut_at_the_end.csv": (
        FormatError,
        rf", line 3: {NOT_UTF8} \(byte 0xe2: unexpected end of data\)$",
    ),
    "row_longer_than_header.csv": (
        FormatError,
        ", line 3: malformed CSV: expected 3 fields, saw 4$",
    ),
    "first_row_longer_than_header.csv": (
        FormatError,
        ", line 2: malformed CSV: expected 1 fields, saw 2$",
    ),
    "trailing_commas.csv": (FormatError, ", line 2: malformed CSV: expected 3 fields, saw 4$"),
    "duplicate_column_name.csv": (FormatError, ", line 1: the header names column 'x' twice$"),
    "duplicate_quoted_column_name.csv": (
        FormatError,
        ", line 1: the header names column 'x' twice$",
    ),
    "unclosed_quote.csv": (
        FormatError,
        ": malformed CSV: Error tokenizing data. C error: EOF inside string starting at row 1",
    ),
    # -------------------------------------------------------------------------- .csv.gz
    "not_gzip.csv.gz": (FormatError, r": not a gzip file: it starts with b'id', not b'\\x1f\\x8b'"),
    "garbage_after_the_magic.csv.gz": (
        FormatError,
        ": corrupt gzip stream at byte 10: invalid block type$",
    ),
    "truncated.csv.gz": (
        FormatError,
        ": truncated gzip stream: the file ends at byte 35, inside a gzip member$",
    ),
    "bad_crc.csv.gz": (FormatError, ": corrupt gzip stream at byte 42: incorrect data check$"),
    "bad_length.csv.gz": (FormatError, ": corrupt gzip stream at byte 46: incorrect length check$"),
    "trailing_garbage.csv.gz": (
        FormatError,
        r": corrupt gzip stream at byte 47: unexpected bytes b'trailing' after the end of a "
        "gzip member$",
    ),
    "invalid_utf8_inside.csv.gz": (
        FormatError,
        rf", line 3: {NOT_UTF8} \(byte 0xc3: invalid continuation byte\)$",
    ),
    "empty_inside.csv.gz": (FormatError, r": is empty \(a CSV table needs a header row\)$"),
    "nul_byte_inside.csv.gz": (FormatError, rf", line 3: {NUL}$"),
    # ------------------------------------------------------------------------- .parquet
    "not_parquet.parquet": (FormatError, f": {NOT_PARQUET}ArrowInvalid: Parquet magic bytes"),
    "empty.parquet": (FormatError, f": {NOT_PARQUET}ArrowInvalid: Parquet file size is 0 bytes$"),
    "only_the_magic.parquet": (
        FormatError,
        f": {NOT_PARQUET}ArrowInvalid: Parquet file size is 8 bytes, smaller than the size "
        "reported by footer",
    ),
    "footer_cut.parquet": (FormatError, f": {NOT_PARQUET}ArrowInvalid: Parquet magic bytes"),
    "footer_length_past_the_start.parquet": (
        FormatError,
        f": {NOT_PARQUET}ArrowInvalid: Parquet file size is .* smaller than the size reported",
    ),
    "footer_garbled.parquet": (
        FormatError,
        f": {NOT_PARQUET}OSError: Couldn't deserialize thrift",
    ),
    "page_corrupt.parquet": (
        FormatError,
        ": row group 0 cannot be read: OSError: Couldn't deserialize thrift",
    ),
    "column_twice.parquet": (FormatError, ": column 'x' appears more than once$"),
    "pandas_metadata_not_json.parquet": (
        FormatError,
        ": the 'pandas' metadata is not JSON: JSONDecodeError: Expecting property name",
    ),
    "pandas_metadata_a_list.parquet": (
        FormatError,
        r": the 'pandas' metadata must be a JSON object whose columns, index_columns and "
        r"column_indexes are lists; got \[1, 2\]$",
    ),
    "pandas_metadata_nested_too_deep.parquet": (
        FormatError,
        ": the 'pandas' metadata is not JSON: RecursionError: maximum recursion depth",
    ),
    "pandas_metadata_without_columns.parquet": (FormatError, f": {META}KeyError: 'columns'$"),
    "pandas_metadata_unknown_index.parquet": (
        FormatError,
        f": {META}KeyError: 'no_such_column'$",
    ),
    "pandas_metadata_bogus_dtype.parquet": (
        FormatError,
        f": {META}TypeError: data type 'bogus' not understood$",
    ),
    "pandas_metadata_range_index_stop_text.parquet": (
        FormatError,
        f": {META}TypeError: Wrong type <class 'str'> for value x$",
    ),
    "pandas_metadata_attributes_not_an_object.parquet": (
        FormatError,
        f": {META}ValueError: dictionary update sequence",
    ),
}

#: file -> (the shape read_table gives, what ``strokedelta delta --columns x`` says)
READ_BUT_REFUSED_BY_DELTA: dict[str, tuple[tuple[int, int], str]] = {
    "text_in_a_value_column.csv": ((2, 3), ": column 'x' must hold numbers; got 'abc' at row 2$"),
    "integer_past_64_bits.csv": (
        (2, 3),
        ": column 'x' must hold numbers that fit in 64 bits; got 123456789012345678901234567... "
        "at row 2$",
    ),
    "row_shorter_than_header.csv": (
        (2, 3),
        r": column 'x' must hold no missing values \(pass na=\"keep\" to restart after gaps\); "
        "got NaN at row 2$",
    ),
    "empty_cell_in_a_value_column.csv": (
        (2, 3),
        r": column 'x' must hold no missing values \(pass na=\"keep\" to restart after gaps\); "
        "got NaN at row 2$",
    ),
    "header_only.csv": ((0, 3), ": column 'x' must have a numeric dtype; got object$"),
}


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_bad_tables", ROOT / "scripts" / "make_bad_tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: object, input: bytes | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def test_the_corpus_is_what_the_script_writes():
    made = _script().table_cases()
    on_disk = {p.name for p in BAD.iterdir()}
    assert set(made) == on_disk == set(REFUSED) | set(READ_BUT_REFUSED_BY_DELTA)
    assert len(REFUSED) >= 25
    for name, data in made.items():
        if not name.endswith(".parquet"):  # Parquet bytes hold the writer's version
            assert (BAD / name).read_bytes() == data, name


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_read_table_raises_the_pinned_error(name):
    kind, message = REFUSED[name]
    path = BAD / name
    with pytest.raises(kind) as info:
        read_table(path)
    assert type(info.value) is kind
    text = str(info.value)
    assert text.startswith(str(path)), text
    assert re.match(message, text[len(str(path)) :]), text


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_cli_delta_gives_one_line_and_exit_1(name, tmp_path):
    out = tmp_path / "out.csv"
    result = run("delta", BAD / name, out, "--columns", "x")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert re.match(f"Error: {re.escape(str(BAD / name))}{REFUSED[name][1]}", lines[0]), lines[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file either


@pytest.mark.parametrize("name", sorted(READ_BUT_REFUSED_BY_DELTA))
def test_bad_values_read_and_delta_names_row_and_column(name, tmp_path):
    shape, message = READ_BUT_REFUSED_BY_DELTA[name]
    assert read_table(BAD / name).shape == shape
    out = tmp_path / "out.csv"
    result = run("delta", BAD / name, out, "--columns", "x")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert re.search(f"^Error: {re.escape(str(BAD / name))}{message}", lines[0]), lines[0]
    assert not out.exists()


# ------------------------------------------------------------------- inputs built here
def gzip_bomb(path: Path, expanded_gib: int = 2) -> Path:
    """A ``.csv.gz`` of about 2 MB that expands to ``expanded_gib`` GiB of ``0`` lines: one
    64 MiB gzip member written again and again (gzip files may hold several members)."""
    member = gzip.compress(b"0\n" * (32 << 20), compresslevel=9, mtime=0)
    with open(path, "wb") as handle:
        handle.write(gzip.compress(b"x\n", mtime=0))
        for _ in range(expanded_gib * 16):
            handle.write(member)
    return path


def one_huge_line(path: Path, megabytes: int = 300) -> Path:
    """A CSV whose second line is ``megabytes`` MB of digits (one field, no line end)."""
    block = b"1" * (1 << 20)
    with open(path, "wb") as handle:
        handle.write(b"x\n")
        for _ in range(megabytes):
            handle.write(block)
        handle.write(b"\n")
    return path


def _peak_python_bytes(call) -> tuple[BaseException | None, int, float]:
    """Run ``call``; the exception it raised, the peak of Python allocations, the seconds."""
    tracemalloc.start()
    start = time.perf_counter()
    caught = None
    try:
        call()
    except Exception as exc:  # the test looks at it
        caught = exc
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return caught, peak, seconds


def test_gzip_bomb_is_refused_after_64_mib_by_its_ratio(tmp_path):
    path = gzip_bomb(tmp_path / "bomb.csv.gz")
    assert path.stat().st_size < 5 << 20
    caught, peak, seconds = _peak_python_bytes(lambda: read_table(path))
    assert isinstance(caught, ResourceLimitError), caught
    assert caught.limit == "max_ratio"
    assert re.match(rf"{re.escape(str(path))}: the gzip stream expands \d+ times", str(caught))
    assert peak < 64 << 20, peak
    assert seconds < 30
    small = ReadLimits(max_decompressed_bytes=10 << 20)
    with pytest.raises(ResourceLimitError, match="over the limit max_decompressed_bytes=10485760"):
        read_table(path, limits=small)
    result = run("delta", path, tmp_path / "out.csv", "--columns", "x")
    assert result.exit_code == 3, result.output
    assert "over the limit max_ratio=1000 (raise it with --limit max_ratio=N" in result.output


def test_one_300_mb_line_fails_fast_in_bounded_memory(tmp_path):
    path = one_huge_line(tmp_path / "line.csv")
    limits = ReadLimits(max_line_bytes=1 << 20)
    caught, peak, seconds = _peak_python_bytes(lambda: read_table(path, limits=limits))
    assert isinstance(caught, ResourceLimitError), caught
    assert str(caught).startswith(
        f"{path}, line 2: line has over 1048576 bytes, over the limit max_line_bytes=1048576"
    )
    assert peak < 16 << 20, peak  # two 1 MiB blocks and their text, not 300 MB
    assert seconds < 5
    result = run("delta", path, tmp_path / "out.csv", "--columns", "x")  # the default limit
    assert result.exit_code == 3, result.output
    assert f"Error: {path}, line 2: line has over 16777216 bytes" in result.output
    result = run(
        "delta", path, tmp_path / "out.csv", "--columns", "x", "--limit", "max_line_bytes=1048576"
    )
    assert result.exit_code == 3, result.output
    assert f"Error: {path}, line 2: line has over 1048576 bytes" in result.output
    short = one_huge_line(tmp_path / "short.csv", megabytes=2)
    assert read_table(short, limits=ReadLimits(max_line_bytes=3 << 20)).shape == (1, 1)


def test_a_long_line_is_found_inside_a_block_too(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"x\n1\n" + b"2" * 200 + b"\n3\n")
    with pytest.raises(ResourceLimitError, match=r"t\.csv, line 3: line has over 100 bytes"):
        read_table(path, limits=ReadLimits(max_line_bytes=100))
    assert read_table(path, limits=ReadLimits(max_line_bytes=200))["x"].tolist()[0] == 1


def test_a_header_of_20000_columns_is_refused_before_pandas_sees_it(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(20_000)) + "\n")
    caught, peak, _ = _peak_python_bytes(lambda: read_table(path))
    assert isinstance(caught, ResourceLimitError)
    assert str(caught).startswith(
        f"{path}, line 1: the header has 20000 columns, over the limit max_columns=16384"
    )
    assert peak < 8 << 20, peak  # refused on reading the header line: no column was ever built
    result = run("delta", path, tmp_path / "out.csv", "--columns", "c0")
    assert result.exit_code == 3, result.output
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"a,b,c",d\n1,2\n')  # commas inside quotes are not columns
    assert read_table(quoted, limits=ReadLimits(max_columns=2)).columns.tolist() == ["a,b,c", "d"]


def test_a_parquet_string_repeated_a_million_times_is_refused_unexpanded(tmp_path):
    path = tmp_path / "bomb.parquet"
    one = pa.array(["a" * (1 << 20)])
    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(100_000, np.int32)), one)
    pq.write_table(pa.table({"s": column}), path, store_schema=False)  # read back as strings
    assert path.stat().st_size < 1 << 20
    caught, peak, seconds = _peak_python_bytes(lambda: read_table(path))
    assert isinstance(caught, ResourceLimitError), caught
    assert caught.limit == "max_decompressed_bytes"
    assert "the table (up to row group 0) expands to 104858400000 bytes" in str(caught)
    assert seconds < 5
    assert peak < 64 << 20, peak


def test_parquet_row_groups_are_counted_as_they_are_read(tmp_path):
    path = tmp_path / "zeros.parquet"
    zeros = pa.table({"x": np.zeros(1 << 20, np.int64)})
    with pq.ParquetWriter(path, zeros.schema) as writer:
        for _ in range(20):
            writer.write_table(zeros)
    limits = ReadLimits(max_decompressed_bytes=50 << 20)
    with pytest.raises(ResourceLimitError, match=r"up to row group 6\) expands to \d+ bytes"):
        read_table(path, limits=limits)
    with pytest.raises(
        ResourceLimitError, match=r"up to row group \d+\) expands \d+x \(\d+ -> \d+ bytes\)"
    ):
        read_table(path)  # 160 MiB of zeros from 88 KB: past 64 MiB, the ratio limit applies
    assert read_table(path, limits=ReadLimits(max_ratio=2000)).shape == (20 << 20, 1)


def test_parquet_keeps_categoricals_and_text_dictionaries(tmp_path):
    frame = pd.DataFrame(
        {"c": pd.Categorical(["a", "b", "a"]), "s": ["x", "y", "x"], "v": [1.0, 2.0, 3.0]}
    )
    frame.to_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.parquet"), frame)
    pd.testing.assert_frame_equal(
        read_table(tmp_path / "t.parquet"), pd.read_parquet(tmp_path / "t.parquet")
    )


# ------------------------------------------------------------------------ special files
@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_fifos_and_devices_are_refused_without_blocking(tmp_path, suffix):
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    with pytest.raises(FileAccessError, match=r"is a FIFO \(named pipe\), not a regular file"):
        read_table(fifo)
    zero = tmp_path / f"zero{suffix}"
    zero.symlink_to("/dev/zero")
    with pytest.raises(FileAccessError, match=r"is a character device .*through a link"):
        read_table(zero)
    result = run("delta", zero, tmp_path / "out.csv", "--columns", "x")
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {zero}: is a character device")


def test_a_directory_is_a_usage_error(tmp_path):
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(FileAccessError, match="is a directory"):
        read_table(folder)
    assert run("delta", folder, tmp_path / "out.csv", "--columns", "x").exit_code == 2


def test_stdin_is_checked_like_a_file():
    result = run("delta", "-", "-", "--columns", "x", input=b"x\n1\n\xff\n")
    assert result.exit_code == 1
    assert "Error: <stdin>, line 3: is not UTF-8 text (byte 0xff: invalid start byte)" in (
        result.output
    )
    result = run("delta", "-", "-", "--columns", "x", input=b"x\n1\n4\n")
    assert result.exit_code == 0, result.output
    assert result.output == "x\n1\n3\n"


def test_table_commands_take_limit(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("g,x1,x2,y\na,1,2,3\na,2,1,3\nb,0,1,1\nb,5,3,1\n")
    result = run(
        "integrate", table, tmp_path / "o.csv", "--columns", "x1", "--limit", "max_columns=3"
    )
    assert result.exit_code == 3, result.output
    assert "the header has 4 columns, over the limit max_columns=3 (raise it with --limit" in (
        result.output
    )
    model = tmp_path / "m.safetensors"
    args = ["--target", "y", "--features", "x1,x2", "--solver", "lstsq"]
    result = run("train", table, model, *args, "--limit", "max_line_bytes=8")
    assert result.exit_code == 3, result.output
    assert not model.exists()
    assert run("train", table, model, *args).exit_code == 0
    result = run("predict", model, table, tmp_path / "p.csv", "--limit", "max_columns=2")
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "p.csv").exists()


def test_inconsistent_column_chunk_metadata_is_an_error_not_an_abort():
    """A fuzzed table (tests/test_fuzz_tables.py found it) whose column chunk carries a definition
    level histogram of the wrong size: pyarrow aborts the process when that chunk's metadata is
    looked at, so the reader never looks; reading the row group names the problem instead."""
    path = ROOT / "tests" / "data" / "bad_histogram_table.parquet"
    code = (
        "import sys, strokedelta as sd\n"
        "try:\n    sd.read_table(sys.argv[1])\n"
        "except sd.FormatError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == (
        f"{path}: row group 0 cannot be read: OSError: Definition level histogram size "
        "mismatch, size: 2, expected: 1\n"
    )
