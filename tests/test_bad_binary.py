"""The corpus of malformed .bin / .npz / Parquet files (tests/data/bad/): what each one gives.

Every file, written by scripts/make_bad_binary.py and named after what is wrong with it, is
read through the library (its exception type and message pinned, with ``errors="raise"`` and
``"skip"``) and through the CLI (``strokedelta stats FILE``: one line, its exit status;
``strokedelta convert FILE out.ndjson --errors skip``: what it keeps and that it says how many
it skipped). Inputs too large to check in (compression bombs, files over a limit) are built
here in a temporary folder.
"""

from __future__ import annotations

import importlib.util
import io
import pickle
import re
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.exceptions import (
    FileAccessError,
    FormatError,
    ResourceLimitError,
    UnsafeFileError,
    ValidationError,
)
from strokedelta.io import ReadReport, read_drawings, write_drawings
from strokedelta.io._npz_zip import _Member
from strokedelta.io.sketchrnn_npz import SafeUnpickler
from strokedelta.limits import ReadLimits
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
TRUNCATED = "file is truncated"
HINT = r"a cut file, or a wrong n_strokes / n_points before this byte\)"
REFUSED = "refusing to load: the pickle is not a plain numpy array"

#: file -> (exception or None, message after the file's name, what ``errors="skip"`` gives:
#: None when it raises the same, else (drawings kept, drawings skipped))
CORPUS: dict[str, tuple[type[Exception] | None, str, tuple[int, int] | None]] = {
    # ------------------------------------------------------------------------------- .bin
    "bin/zero_bytes.bin": (None, "", (0, 0)),
    "bin/header_cut.bin": (
        FormatError,
        rf", record 0: {TRUNCATED}: the drawing header is incomplete \(10 of 17 bytes at "
        rf"byte 0: trailing garbage or {HINT}",
        (0, 1),
    ),
    "bin/only_garbage.bin": (FormatError, r", record 0: .*\(3 of 17 bytes at byte 0", (0, 1)),
    "bin/trailing_garbage.bin": (
        FormatError,
        r", record 2: file is truncated: the drawing header is incomplete \(5 of 17 bytes at "
        r"byte 52",
        (2, 1),
    ),
    "bin/trailing_garbage_long.bin": (
        FormatError,
        rf", record 2: {TRUNCATED} inside the drawing: a stroke's points are missing "
        rf"\(stroke 0 at byte 69 declares 6424 points \(12848 bytes\) but 31 remain; the "
        rf"drawing starts at byte 52: {HINT}",
        (2, 1),
    ),
    "bin/first_record_cut.bin": (
        FormatError,
        r", record 0: file is truncated inside the drawing: .* starts at byte 0",
        (0, 1),
    ),
    "bin/stroke_header_cut.bin": (
        FormatError,
        rf", record 0: {TRUNCATED} inside the drawing: a stroke header is missing \(the "
        r"drawing at byte 0 declares 2 strokes; stroke 1 would start at byte 25, 1 bytes "
        rf"before the end: {HINT}",
        (0, 1),
    ),
    "bin/points_cut.bin": (
        FormatError,
        r", record 1: file is truncated inside the drawing: a stroke's points are missing "
        r"\(stroke 0 at byte 46 declares 2 points \(4 bytes\) but 2 remain",
        (1, 1),
    ),
    "bin/n_points_lies_big.bin": (
        FormatError,
        r", record 1: file is truncated inside the drawing: .*declares 60000 points",
        (1, 1),
    ),
    "bin/n_points_lies_small.bin": (
        FormatError,
        r", record 2: file is truncated: the drawing header is incomplete \(6 of 17 bytes at "
        r"byte 50",
        (2, 1),
    ),
    "bin/n_strokes_lies_big.bin": (
        FormatError,
        r", record 1: file is truncated inside the drawing: a stroke's points are missing "
        r"\(stroke 4 at byte 66",
        (1, 1),
    ),
    "bin/n_strokes_zero.bin": (FormatError, r", record 1: empty drawing \(no strokes\)", (2, 1)),
    "bin/stroke_without_points.bin": (FormatError, ", record 1: a stroke has no points", (2, 1)),
    "bin/recognized_7.bin": (FormatError, ", record 1: recognized must be 0 or 1", (2, 1)),
    "bin/countrycode_not_ascii.bin": (FormatError, ", record 1: countrycode is not ASCII", (2, 1)),
    "bin/every_record_bad.bin": (FormatError, r", record 0: empty drawing \(no strokes\)", (0, 2)),
    "bin/bad_then_truncated.bin": (FormatError, r", record 1: empty drawing", (1, 2)),
    "bin/many_strokes.bin": (None, "", (1, 0)),  # over --limit max_strokes=100: see below
    # ------------------------------------------------------------------------------- .npz
    "npz/not_a_zip.npz": (FormatError, ": cannot open as .npz: zipfile.BadZipFile", None),
    "npz/zero_bytes.npz": (FormatError, ": cannot open as .npz: zipfile.BadZipFile", None),
    "npz/truncated_archive.npz": (FormatError, ": cannot open as .npz: zipfile.BadZipFile", None),
    "npz/truncated_central_directory.npz": (FormatError, ": cannot open as .npz", None),
    "npz/bad_crc_stored.npz": (
        FormatError,
        ", key train: member train.npy cannot be read: zipfile.BadZipFile: Bad CRC-32",
        None,
    ),
    "npz/bad_deflate_stream.npz": (
        FormatError,
        ", key train: member train.npy cannot be read: zlib.error: Error -3",
        None,
    ),
    "npz/encrypted_flag.npz": (
        FormatError,
        ", key train: member train.npy is encrypted; .npz members cannot be",
        None,
    ),
    "npz/unknown_method_99.npz": (
        FormatError,
        r", key train: member train.npy uses compression method 99; only stored \(0\) and "
        r"deflated \(8\), which numpy writes, are read",
        None,
    ),
    "npz/bzip2_method.npz": (FormatError, ", key train: .* compression method 12", None),
    "npz/size_lies_small.npz": (FormatError, ", key train: .*Bad CRC-32", None),
    "npz/size_lies_big.npz": (
        FormatError,
        r", key train: member train.npy holds 401 bytes but declares 1604 \(a lying size or a "
        r"truncated archive\)",
        None,
    ),
    "npz/stored_sizes_differ.npz": (
        FormatError,
        r", key train: member train.npy is stored \(not compressed\) but declares 401 bytes "
        "stored and 411 bytes of content",
        None,
    ),
    "npz/duplicate_member.npz": (
        FormatError,
        r": member train.npy appears 2 times \(duplicate names",
        None,
    ),
    "npz/no_split_keys.npz": (
        FormatError,
        r": has keys \['other'\]; expected train/valid/test",
        None,
    ),
    "npz/numeric_key.npz": (
        FormatError,
        r": key train must be a 1-D object array of \(n, 3\) stroke-3 arrays; got float64 "
        r"\(3, 3\)",
        None,
    ),
    "npz/not_npy_magic.npz": (
        FormatError,
        ", key train: not a valid .npy member: ValueError: the magic string is not correct",
        None,
    ),
    "npz/npy_header_garbage.npz": (
        FormatError,
        ", key train: not a valid .npy member: ValueError: Cannot parse header",
        None,
    ),
    "npz/npy_shape_mismatch.npz": (
        FormatError,
        r", key train: the pickle holds object \(2,\), not the header's object array of "
        r"shape \(5,\)",
        None,
    ),
    "npz/pickle_truncated.npz": (
        FormatError,
        ", key train: corrupt pickle: _pickle.UnpicklingError: 'pickle data was truncated'",
        None,
    ),
    "npz/pickle_not_an_array.npz": (FormatError, ", key train: the pickle holds list", None),
    "npz/pickle_os_system.npz": (
        UnsafeFileError,
        ", key train: refusing to load: the pickle asks for posix.system, which could run "
        "code; only numpy arrays are allowed",
        None,
    ),
    "npz/pickle_builtins_eval.npz": (
        UnsafeFileError,
        ", key train: .* asks for __builtin__.eval",
        None,
    ),
    "npz/pickle_codecs_decode.npz": (
        UnsafeFileError,
        ", key train: .* asks for _codecs.decode",
        None,
    ),
    "npz/pickle_codecs_rot13.npz": (
        UnsafeFileError,
        rf", key train: {REFUSED} \(_codecs.encode\('x', 'rot13'\)\)",
        None,
    ),
    "npz/pickle_codecs_errors_arg.npz": (
        UnsafeFileError,
        rf", key train: {REFUSED} \(_codecs.encode called with 3 arguments\)",
        None,
    ),
    "npz/pickle_codecs_state.npz": (
        UnsafeFileError,
        rf", key train: {REFUSED} \(state given to _codecs.encode\)",
        None,
    ),
    "npz/pickle_ndarray_called.npz": (
        UnsafeFileError,
        rf", key train: {REFUSED} \(numpy.ndarray called directly",
        None,
    ),
    "npz/pickle_reconstruct_huge.npz": (
        UnsafeFileError,
        rf", key train: {REFUSED} \(_reconstruct\(numpy.ndarray, \(4294967296,\), 'b'\)\)",
        None,
    ),
    "npz/pickle_object_list_short.npz": (
        UnsafeFileError,
        rf", key train: {REFUSED} \(object array of shape \(1000000000,\) with 0 elements\)",
        None,
    ),
    "npz/pickle_dtype_subarray.npz": (
        UnsafeFileError,
        rf", key train: {REFUSED} \(dtype state \(3, '<', \(dtype\('i2'\), \(1000000000,\)\)",
        None,
    ),
    "npz/pickle_dtype_void_huge.npz": (
        UnsafeFileError,
        rf", key train: {REFUSED} \(numpy.dtype\('V2000000000', 0, 1\)\)",
        None,
    ),
    "npz/pickle_persistent_id.npz": (
        UnsafeFileError,
        ", key train: refusing to load: the pickle uses persistent ids",
        None,
    ),
    "npz/element_wrong_shape.npz": (
        FormatError,
        r", record 1: key train: expected an \(n, 3\) numeric array; got int16 \(4, 2\)",
        (2, 1),
    ),
    "npz/element_empty.npz": (
        FormatError,
        r", record 1: key train: empty drawing \(no (points|strokes)\)",
        (2, 1),
    ),
    "npz/element_nan.npz": (
        FormatError,
        r", record 1: key train: values must be finite; got \[nan, 1.0, 0.0\] at point 0",
        (1, 1),
    ),
    "npz/element_pen_2.npz": (
        FormatError,
        ", record 1: key train: pen values must be 0 or 1; got 2 at point 0",
        (1, 1),
    ),
    # ---------------------------------------------------------------------------- Parquet
    "parquet/not_parquet.parquet": (
        FormatError,
        ": cannot open as Parquet: ArrowInvalid: Parquet magic bytes not found",
        None,
    ),
    "parquet/zero_bytes.parquet": (FormatError, ": cannot open as Parquet: ArrowInvalid", None),
    "parquet/magic_only.parquet": (FormatError, ": cannot open as Parquet: ArrowInvalid", None),
    "parquet/truncated.parquet": (FormatError, ": cannot open as Parquet", None),
    "parquet/footer_corrupt.parquet": (
        FormatError,
        ": cannot open as Parquet: OSError: Couldn't deserialize thrift",
        None,
    ),
    "parquet/footer_length_huge.parquet": (
        FormatError,
        ": cannot open as Parquet: ArrowInvalid: Parquet file size is .* smaller than the size "
        "reported by footer",
        None,
    ),
    "parquet/page_corrupt.parquet": (
        FormatError,
        ", record 0: row group 0: cannot read: OSError",
        None,
    ),
    "parquet/foreign_columns.parquet": (
        FormatError,
        ": not a strokedelta drawings Parquet file",
        None,
    ),
    "parquet/no_strokedelta_metadata.parquet": (
        FormatError,
        ": not a strokedelta drawings Parquet file",
        None,
    ),
    "parquet/strokedelta_metadata_not_json.parquet": (
        FormatError,
        ": the 'strokedelta' metadata is not JSON: JSONDecodeError",
        None,
    ),
    "parquet/strokedelta_metadata_a_list.parquet": (
        FormatError,
        r": unsupported layout \[1, 2\]",
        None,
    ),
    "parquet/strokedelta_attrs_a_list.parquet": (
        FormatError,
        r": the 'strokedelta' metadata's attrs must be a JSON object; got \[1\]",
        None,
    ),
    "parquet/layout_version_2.parquet": (FormatError, ": unsupported layout", None),
    "parquet/pandas_metadata_not_json.parquet": (
        FormatError,
        ": the 'pandas' metadata is not JSON: JSONDecodeError",
        None,
    ),
    "parquet/pandas_metadata_wrong_types.parquet": (
        FormatError,
        r": the 'pandas' metadata must be a JSON object with a 'columns' list; got "
        r"\{'columns': 5\}",
        None,
    ),
    "parquet/pandas_metadata_missing_keys.parquet": (
        FormatError,
        r", record 0: the metadata columns cannot be rebuilt \(is the 'pandas' schema metadata "
        r"broken\?\): KeyError",
        None,
    ),
    "parquet/dx_strings.parquet": (
        FormatError,
        ": column dx must be a list of numbers; got large_list<element: string>",
        None,
    ),
    "parquet/dx_not_a_list.parquet": (
        FormatError,
        ": column dx must be a list of numbers; got int16",
        None,
    ),
    "parquet/dx_dy_types_differ.parquet": (
        FormatError,
        ": dx and dy must be lists of one numeric type; got int16 and double",
        None,
    ),
    "parquet/pen_float.parquet": (FormatError, ": column pen must be a list of integers", None),
    "parquet/time_floats.parquet": (FormatError, ": column time must be a list of integers", None),
    "parquet/duplicate_column.parquet": (
        FormatError,
        ": column 'dx' appears more than once",
        None,
    ),
    "parquet/dx_null_drawing.parquet": (FormatError, ", record 1: dx is null", None),
    "parquet/dy_null_value.parquet": (FormatError, ", record 0: dy has a null value", None),
    "parquet/lengths_differ.parquet": (
        FormatError,
        ", record 0: dx, dy and pen have different lengths",
        None,
    ),
    "parquet/time_lengths_differ.parquet": (
        FormatError,
        ", record 0: time and strokes have different lengths",
        None,
    ),
    "parquet/empty_drawing.parquet": (
        FormatError,
        r", record 0: empty drawing \(no (points|strokes)\)",
        (1, 1),
    ),
    "parquet/nan_values.parquet": (
        FormatError,
        r", record 0: values must be finite; got \[nan, 5.0, 1.0\] at point 1",
        (0, 2),
    ),
    "parquet/found_column_histogram_mismatch.parquet": (
        FormatError,
        r", record 0: row group 0: cannot read: OSError: Definition level histogram size "
        "mismatch",
        None,
    ),
    "parquet/pen_wraps_int16.parquet": (
        FormatError,
        ", record 0: pen values must be 0 or 1; got 65537 at point 1",
        (1, 1),
    ),
}


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_bad_binary", ROOT / "scripts/make_bad_binary.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_the_corpus_is_what_the_script_writes():
    script = _script()
    made = {
        f"{folder}/{name}": data
        for folder, make in script.CASES.items()
        for name, data in make().items()
    }
    on_disk = {str(p.relative_to(BAD)) for folder in script.CASES for p in (BAD / folder).iterdir()}
    assert set(made) | set(script.FOUND_BY_FUZZING) == on_disk == set(CORPUS)
    malformed = [name for name, (kind, _, _) in CORPUS.items() if kind is not None]
    assert len(malformed) >= 45
    for name, data in made.items():
        if not name.startswith("parquet/"):  # Parquet bytes hold the writer's version
            assert (BAD / name).read_bytes() == data, name


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_library_raises_the_pinned_error_or_skips(name):
    path = BAD / name
    kind, message, skip = CORPUS[name]
    if kind is None:
        read_drawings(path)
    else:
        with pytest.raises(kind, match="^" + re.escape(str(path)) + message) as caught:
            read_drawings(path)
        assert type(caught.value) is kind
    report = ReadReport()
    if skip is None:
        with pytest.raises(kind, match="^" + re.escape(str(path)) + message):
            read_drawings(path, errors="skip", report=report)
    else:
        kept = read_drawings(path, errors="skip", report=report)
        assert (len(kept), report.skipped) == skip


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_cli_stats_gives_one_line_and_the_exit_status(name):
    path = BAD / name
    kind, message, _ = CORPUS[name]
    result = run("stats", path)
    assert "Traceback" not in result.output
    if kind is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == (3 if kind is ResourceLimitError else 1), result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.match("Error: " + re.escape(str(path)) + message, lines[0]), lines[0]


@pytest.mark.parametrize("name", sorted(n for n, case in CORPUS.items() if case[2] is not None))
def test_cli_convert_skips_and_says_how_many(name, tmp_path):
    path = BAD / name
    kept, skipped = CORPUS[name][2]
    result = run("convert", path, tmp_path / "out.ndjson", "--errors", "skip")
    assert result.exit_code == 0, result.output
    assert f"skipped {skipped} drawing" in result.stderr
    assert f" ({kept} drawings, " in result.stdout  # wrote TARGET (N drawings, M points)
    assert len(read_drawings(tmp_path / "out.ndjson")) == kept


@pytest.mark.parametrize("name", sorted(n for n, case in CORPUS.items() if case[2] is None))
def test_cli_convert_skip_cannot_skip_a_broken_container(name, tmp_path):
    result = run("convert", BAD / name, tmp_path / "out.ndjson", "--errors", "skip")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {BAD / name}")
    assert not (tmp_path / "out.ndjson").exists()


# ------------------------------------------------------------------------------- limits
def test_bin_limits_on_strokes_points_and_size(tmp_path):
    path = BAD / "bin/many_strokes.bin"
    with pytest.raises(
        ResourceLimitError,
        match=r"many_strokes.bin, record 0: drawing at byte 0 has 300 strokes, over the limit "
        r"max_strokes=100 \(raise it with --limit max_strokes=N",
    ):
        read_drawings(path, limits=ReadLimits(max_strokes=100))
    with pytest.raises(ResourceLimitError, match="has more than 299 points, over the limit"):
        read_drawings(path, errors="skip", limits=ReadLimits(max_points=299))
    with pytest.raises(ResourceLimitError, match=r"file has 1217 bytes, over the limit max_decom"):
        read_drawings(path, limits=ReadLimits(max_decompressed_bytes=900))
    result = run("stats", path, "--limit", "max_strokes=100")
    assert result.exit_code == 3
    assert "over the limit max_strokes=100" in result.stderr
    result = run(
        "convert", path, tmp_path / "o.ndjson", "--errors", "skip", "--limit", "max_points=10"
    )
    assert result.exit_code == 3
    assert not (tmp_path / "o.ndjson").exists()


def test_bin_reads_a_record_of_the_largest_size_the_counts_allow(tmp_path):
    record = struct.pack("<Q2sbIH", 7, b"US", 1, 0, 2)
    record += struct.pack("<H", 65535) + bytes(range(256)) * 255 + bytes(255) + bytes(65535)
    record += struct.pack("<H", 1) + b"\x05\x06"
    (tmp_path / "big.bin").write_bytes(record)
    back = read_drawings(tmp_path / "big.bin")
    assert back.lengths.tolist() == [65536]
    with pytest.raises(ResourceLimitError, match="more than 65535 points"):
        read_drawings(tmp_path / "big.bin", limits=ReadLimits(max_points=65535))


def deflated_npz(data: bytes) -> bytes:
    """A zip holding ``data`` as a deflated ``train.npy``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train.npy", data)
    return buffer.getvalue()


def test_npz_bomb_is_refused_from_its_header_before_reading(tmp_path):
    bomb = tmp_path / "bomb.npz"
    bomb.write_bytes(deflated_npz(b"\x93NUMPY" + bytes(200 << 20)))  # 200 MiB of zeros
    assert bomb.stat().st_size < 300_000
    with pytest.raises(
        ResourceLimitError,
        match=r"bomb.npz, key train: member train.npy expands 10\d\dx \(\d+ -> 209715206 bytes\), "
        r"over the limit max_ratio=1000",
    ):
        read_drawings(bomb)
    with pytest.raises(ResourceLimitError, match="expands to 209715206 bytes, over the limit max_"):
        read_drawings(bomb, limits=ReadLimits(max_decompressed_bytes=100 << 20, max_ratio=10**6))
    result = run("stats", bomb)
    assert result.exit_code == 3
    assert "--limit max_ratio=N" in result.stderr


def test_npz_limits_are_enforced_while_reading_too():
    raw = io.BytesIO(bytes(5000))
    info = zipfile.ZipInfo("train.npy")
    info.file_size, info.compress_size = 100, 100  # the header lies: the stream holds more
    stream = _Member(raw, info, "x.npz, key train", ReadLimits(max_decompressed_bytes=1000))
    with pytest.raises(ResourceLimitError, match=r"member train.npy expands to 5000 bytes"):
        stream.read(10_000)
    stream = _Member(io.BytesIO(bytes(500)), info, "x.npz, key train", ReadLimits())
    with pytest.raises(FormatError, match="expands beyond its declared size of 100 bytes"):
        stream.read(10_000)


def test_npz_pickle_size_limit(tmp_path):
    d = Drawings(Ragged(np.ones((400, 3), np.int16) % 2, [0, 200, 400]))
    write_drawings(d, tmp_path / "p.npz")
    with pytest.raises(
        ResourceLimitError,
        match=r"p.npz, key train: the pickle of member train.npy has \d+ bytes, over the limit "
        "max_pickle_bytes=1000",
    ):
        read_drawings(tmp_path / "p.npz", limits=ReadLimits(max_pickle_bytes=1000))
    with pytest.raises(ResourceLimitError, match=r"record 0: key train: drawing has 200 points"):
        read_drawings(tmp_path / "p.npz", limits=ReadLimits(max_points=199))


def test_parquet_limits_on_row_groups_and_points(tmp_path):
    d = Drawings(Ragged(np.ones((400, 3), np.int16) % 2, [0, 100, 400]))
    write_drawings(d, tmp_path / "d.parquet")
    with pytest.raises(ResourceLimitError, match=r"d.parquet, record 1: drawing has 300 points"):
        read_drawings(tmp_path / "d.parquet", limits=ReadLimits(max_points=299))
    with pytest.raises(ResourceLimitError, match=r"d.parquet: row group 0 expands to \d+ bytes"):
        read_drawings(tmp_path / "d.parquet", limits=ReadLimits(max_decompressed_bytes=100))
    with pytest.raises(ResourceLimitError, match=r"d.parquet: schema has 3 columns, over the lim"):
        read_drawings(tmp_path / "d.parquet", limits=ReadLimits(max_columns=2))


def test_parquet_zero_point_drawings_follow_the_ndjson_rule(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = np.array([[1, 1, 1], [2, 2, 1]], np.int16)
    with pytest.raises(ValidationError, match="cannot write drawing 1 as Parquet: it has no"):
        write_drawings(Drawings(Ragged(rows, [0, 1, 1, 2])), tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()
    write_drawings(Drawings(Ragged(rows, [0, 1, 2])), tmp_path / "e.parquet")
    table = pq.read_table(tmp_path / "e.parquet")  # then empty drawing 1 behind the writer's back
    for name in ("dx", "dy", "pen"):
        column = table.column(name).to_pylist()
        column[1] = []
        table = table.set_column(
            table.schema.get_field_index(name),
            name,
            pa.array(column, table.schema.field(name).type),
        )
    pq.write_table(table, tmp_path / "e.parquet")
    with pytest.raises(FormatError, match=r"e.parquet, record 1: empty drawing"):
        read_drawings(tmp_path / "e.parquet")
    (tmp_path / "e.ndjson").write_text('{"drawing": [[[1], [1]]]}\n{"drawing": []}\n')
    with pytest.raises(FormatError, match=r"e.ndjson, line 2: empty drawing"):
        read_drawings(tmp_path / "e.ndjson")


def test_special_files_are_refused(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.npz")
    for name in ("pipe.npz",):
        with pytest.raises(FileAccessError, match="FIFO"):
            read_drawings(tmp_path / name)
    for reader in ("bin", "npz", "parquet"):
        (tmp_path / f"zero.{reader}").symlink_to("/dev/zero")
        with pytest.raises(FileAccessError, match="character device"):
            read_drawings(tmp_path / f"zero.{reader}")


# ----------------------------------------------------------- Python 3 protocol-2 pickles
def protocol2_npz(path: Path, arrays: list[np.ndarray]) -> None:
    """An npz whose object array Python 3 pickled with protocol 2 (bytes as _codecs.encode)."""
    items = np.empty(len(arrays), dtype=object)
    items[:] = arrays
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|O", "fortran_order": False, "shape": items.shape}
    )
    payload = pickle.dumps(items, protocol=2)
    assert b"_codecs\nencode" in payload
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train.npy", header.getvalue() + payload)


def test_python3_protocol2_pickles_are_read(tmp_path):
    arrays = [
        np.array([[1, 2, 0], [3, 4, 1]], np.int16),
        np.array([[0.5, -1.0, 1.0]], np.float64),
        np.array([[1, 2, 0], [3, 4, 1]], ">i2"),
    ]
    protocol2_npz(tmp_path / "p2.npz", arrays)
    back = read_drawings(tmp_path / "p2.npz")
    assert back.lengths.tolist() == [2, 1, 2]
    assert back[0].tolist() == [[1, 2, 0], [3, 4, 1]]
    assert back[2].tolist() == [[1, 2, 0], [3, 4, 1]]
    empty = [np.zeros((0, 3), np.int16), arrays[0]]  # b"" pickles as builtins.bytes()
    protocol2_npz(tmp_path / "e.npz", empty)
    with pytest.raises(FormatError, match=r"e.npz, record 0: key train: empty drawing"):
        read_drawings(tmp_path / "e.npz")
    assert len(read_drawings(tmp_path / "e.npz", errors="skip")) == 1


def load(payload: bytes):
    return SafeUnpickler(io.BytesIO(payload), "g.npz, key train").load()


def _text(s: str) -> bytes:
    raw = s.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


@pytest.mark.parametrize(
    ("payload", "refused"),
    [
        # other codecs, other argument types, extra arguments
        (b"c_codecs\nencode\n" + _text("x") + _text("zlib_codec") + b"\x86R", "zlib_codec"),
        (b"c_codecs\nencode\n" + _text("x") + _text("base64") + b"\x86R", "base64"),
        (b"c_codecs\nencode\nC\x01x" + _text("latin1") + b"\x86R", r"encode\(b'x', 'latin1'\)"),
        (b"c_codecs\nencode\n" + _text("x") + b"\x85R", "called with 1 arguments"),
        # the encoded bytes used as a callable's name, or given state
        (b"c_codecs\nencode\n" + _text("x") + _text("latin1") + b"\x86R}b", "state|BUILD|dict"),
        # the codec machinery reached through the encode checker: never callable otherwise
        (b"c_codecs\nlookup\n" + _text("latin1") + b"\x85R", "asks for _codecs.lookup"),
        (b"c_codecs\nlatin_1_encode\n" + _text("x") + b"\x85R", "asks for _codecs.latin_1"),
        (b"cbuiltins\nbytes\n" + _text("x") + _text("latin1") + b"\x86R", "builtins.bytes called"),
        (b"cbuiltins\ngetattr\n", "asks for builtins.getattr"),
        (b"ccopyreg\n_reconstructor\n", "asks for copyreg._reconstructor"),
        (b"cnumpy\ndtype\n}b", "state given to numpy.dtype"),
        (
            b"cnumpy.core.multiarray\n_reconstruct\n(cnumpy\ndtype\n"
            + _text("i2")
            + b"\x85RK\x00\x85U\x01btR",
            "_reconstruct",
        ),
    ],
)
def test_codecs_encode_admits_exactly_latin1_of_a_str(payload, refused):
    with pytest.raises((UnsafeFileError, FormatError), match=refused):
        load(b"\x80\x02" + payload + b".")


def test_codecs_gadgets_run_nothing(tmp_path):
    marker = tmp_path / "pwned"
    gadgets = [
        # os.system by name, with _codecs admitted
        b"cposix\nsystem\n" + _text(f"touch {marker}") + b"\x85R",
        # encode's result named as a module or used to find a global: still only find_class
        b"c_codecs\nencode\n" + _text("os") + _text("latin1") + b"\x86R" + b"\x93",
        b"\x8c\x05posix\x8c\x06system\x93" + _text(f"touch {marker}") + b"\x85R",
    ]
    for gadget in gadgets:
        with pytest.raises((UnsafeFileError, FormatError)):
            load(b"\x80\x04" + gadget + b".")
    assert not marker.exists()
