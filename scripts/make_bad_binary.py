"""Write the corpus of malformed binary drawings files: tests/data/bad/{bin,npz,parquet}/.

Each file is named after what is wrong with it; ``tests/test_bad_binary.py`` pins what
strokedelta makes of each one (exception, message, exit status, what ``--errors skip`` keeps).
The ``.bin`` and ``.npz`` files are the same bytes on every run; the Parquet files differ only
in the writer's version string. Large inputs (compression bombs, files over a size limit) are
not here: the tests build them in a temporary folder.

Usage::

    python scripts/make_bad_binary.py            # (re)writes tests/data/bad/{bin,npz,parquet}
    python scripts/make_bad_binary.py --quick    # the same files, into a temporary folder
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "bad"
WHEN = (2020, 1, 1, 0, 0, 0)  # zip member times, so the bytes do not depend on the day


# ------------------------------------------------------------------------------------ .bin
def bin_record(strokes: list[tuple[list[int], list[int]]], **fields: object) -> bytes:
    """One drawing in Google's layout; ``fields`` override key_id, country, recognized,
    seconds and n_strokes (to lie about the count)."""
    n_strokes = fields.get("n_strokes", len(strokes))
    out = struct.pack(
        "<Q2sbIH",
        fields.get("key_id", 1),
        fields.get("country", b"US"),
        fields.get("recognized", 1),
        fields.get("seconds", 1488497110),
        n_strokes,
    )
    for xs, ys in strokes:
        out += struct.pack("<H", len(xs)) + bytes(xs) + bytes(ys)
    return out


GOOD = [([10, 20, 30], [5, 6, 7]), ([40], [50])]


def bin_cases() -> dict[str, bytes]:
    """name -> bytes of every malformed ``.bin`` (plus the valid edge case of 0 bytes)."""
    good = bin_record(GOOD, key_id=1)
    other = bin_record([([1, 2], [3, 4])], key_id=2)
    lying_points = bytearray(bin_record([([1, 2], [3, 4])], key_id=3))
    lying_points[17:19] = struct.pack("<H", 60000)
    short_points = bytearray(bin_record([([1, 2, 3, 4], [5, 6, 7, 8])], key_id=4))
    short_points[17:19] = struct.pack("<H", 1)  # the rest of its points read as records
    return {
        "zero_bytes.bin": b"",
        "header_cut.bin": good[:10],
        "only_garbage.bin": b"\xde\xad\xbe",
        "trailing_garbage.bin": good + other + b"\x00garb",
        "trailing_garbage_long.bin": good + other + bytes(range(7, 57)),
        "first_record_cut.bin": good[:-3] + other,
        "stroke_header_cut.bin": bin_record(GOOD[:1], n_strokes=2) + b"\x05",
        "points_cut.bin": good + other[:-2],
        "n_points_lies_big.bin": good + bytes(lying_points) + other,
        "n_points_lies_small.bin": good + bytes(short_points),
        "n_strokes_lies_big.bin": good + bin_record(GOOD, n_strokes=65535) + other,
        "n_strokes_zero.bin": good + bin_record([]) + other,
        "stroke_without_points.bin": good + bin_record([([], []), ([1], [1])]) + other,
        "recognized_7.bin": good + bin_record(GOOD, recognized=7) + other,
        "countrycode_not_ascii.bin": good + bin_record(GOOD, country=b"\xff\xfe") + other,
        "every_record_bad.bin": bin_record([]) + bin_record([([], [])]),
        "bad_then_truncated.bin": good + bin_record([]) + good[:20],
        "many_strokes.bin": bin_record([([1], [1])] * 300),
    }


# ------------------------------------------------------------------------------------ .npz
def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def npy_with_pickle(payload: bytes, shape: tuple[int, ...] = (1,)) -> bytes:
    """An object-dtype ``.npy`` header followed by ``payload`` as its pickle."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|O", "fortran_order": False, "shape": shape}
    )
    return header.getvalue() + payload


def objects(*arrays: object) -> np.ndarray:
    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        out[i] = a
    return out


def zip_of(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": the point of one case
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=WHEN)
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


def patch_zip(data: bytes, **fields: int) -> bytes:
    """Overwrite fields of the first member in its local header and central directory entry:
    ``flags``, ``method``, ``crc``, ``compressed``, ``size``."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")
    central = out.index(b"PK\x01\x02")
    places = {  # offset in the local header, offset in the central entry, format
        "flags": (6, 8, "<H"),
        "method": (8, 10, "<H"),
        "crc": (14, 16, "<I"),
        "compressed": (18, 20, "<I"),
        "size": (22, 24, "<I"),
    }
    for name, value in fields.items():
        at_local, at_central, form = places[name]
        struct.pack_into(form, out, local + at_local, value)
        struct.pack_into(form, out, central + at_central, value)
    return bytes(out)


STROKES = np.array([[1, 2, 0], [3, -4, 1]], dtype=np.int16)


def _pickle(*parts: bytes) -> bytes:
    return b"\x80\x02" + b"".join(parts) + b"."


def _text(s: str) -> bytes:
    raw = s.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


# hand-written protocol-2 pickles: each asks for something the safe unpickler must refuse
RECON = b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R"
NO_SIZE = b"J\xff\xff\xff\xffJ\xff\xff\xff\xff"  # elsize and alignment -1
DTYPE_O = b"cnumpy\ndtype\n" + _text("O8") + b"K\x00K\x01\x87R(K\x03U\x01|NNN" + NO_SIZE + b"K?tb"
GADGETS = {
    "pickle_os_system": _pickle(b"cposix\nsystem\n", _text("true"), b"\x85R"),
    "pickle_builtins_eval": _pickle(b"c__builtin__\neval\n", _text("1+1"), b"\x85R"),
    "pickle_codecs_rot13": _pickle(b"c_codecs\nencode\n", _text("x"), _text("rot13"), b"\x86R"),
    "pickle_codecs_errors_arg": _pickle(
        b"c_codecs\nencode\n", _text("x"), _text("latin1"), _text("strict"), b"\x87R"
    ),
    "pickle_codecs_decode": _pickle(
        b"c_codecs\ndecode\n", _text("eA=="), _text("base64"), b"\x86R"
    ),
    "pickle_codecs_state": _pickle(b"c_codecs\nencode\n}b"),
    "pickle_ndarray_called": _pickle(b"cnumpy\nndarray\n(J\x00\xe1\xf5\x05K\x64tR"),
    "pickle_reconstruct_huge": _pickle(
        b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n",
        b"\x8a\x05\x00\x00\x00\x00\x01\x85U\x01b\x87R",
    ),
    "pickle_object_list_short": _pickle(RECON, b"(K\x01J\x00\xca\x9a;\x85", DTYPE_O, b"\x89]tb"),
    "pickle_dtype_subarray": _pickle(
        RECON,
        b"(K\x01K\x01\x85cnumpy\ndtype\n",
        _text("i2"),
        b"K\x00K\x01\x87R(K\x03U\x01<",
        b"cnumpy\ndtype\n" + _text("i2") + b"K\x00K\x01\x87RJ\x00\xca\x9a;\x85\x86",
        b"NN" + NO_SIZE + b"K\x00tb\x89U\x02\x00\x00tb",
    ),
    "pickle_dtype_void_huge": _pickle(b"cnumpy\ndtype\n", _text("V2000000000"), b"K\x00K\x01\x87R"),
    "pickle_persistent_id": _pickle(b"P1\n"),
    "pickle_not_an_array": _pickle(b"]K\x01a"),
}


def npz_cases() -> dict[str, bytes]:
    """name -> bytes of every malformed ``.npz``."""
    good = objects(STROKES, STROKES + 1)
    good_npy = npy_bytes(good)
    stored = zip_of([("train.npy", good_npy)])
    deflated = zip_of([("train.npy", good_npy)], zipfile.ZIP_DEFLATED)
    data_at = stored.index(b"\x93NUMPY")
    flipped = bytearray(stored)
    flipped[data_at + len(good_npy) - 5] ^= 0x40
    deflated_at = deflated.index(b"train.npy") + len("train.npy")
    broken_deflate = bytearray(deflated)
    broken_deflate[deflated_at + 3 : deflated_at + 9] = b"\xff" * 6
    size = len(good_npy)
    pickle_at = 10 + struct.unpack("<H", good_npy[8:10])[0]
    cases = {
        "not_a_zip.npz": b"this is not a zip archive\n",
        "zero_bytes.npz": b"",
        "truncated_archive.npz": stored[: len(stored) // 2],
        "truncated_central_directory.npz": stored[:-30],
        "bad_crc_stored.npz": bytes(flipped),
        "bad_deflate_stream.npz": bytes(broken_deflate),
        "encrypted_flag.npz": patch_zip(stored, flags=0x1),
        "unknown_method_99.npz": patch_zip(stored, method=99),
        "bzip2_method.npz": patch_zip(stored, method=zipfile.ZIP_BZIP2),
        "size_lies_small.npz": patch_zip(deflated, size=size // 2),
        "size_lies_big.npz": patch_zip(deflated, size=size * 4),
        "stored_sizes_differ.npz": patch_zip(stored, size=size + 10),
        "duplicate_member.npz": zip_of([("train.npy", good_npy), ("train.npy", good_npy)]),
        "no_split_keys.npz": zip_of([("other.npy", good_npy)]),
        "numeric_key.npz": zip_of([("train.npy", npy_bytes(np.zeros((3, 3))))]),
        "not_npy_magic.npz": zip_of([("train.npy", b"PK not numpy at all" * 3)]),
        "npy_header_garbage.npz": zip_of(
            [("train.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': |O, }  \n" + b"x" * 20)]
        ),
        "npy_shape_mismatch.npz": zip_of(
            [("train.npy", npy_with_pickle(good_npy[pickle_at:], (5,)))]
        ),
        "pickle_truncated.npz": zip_of([("train.npy", good_npy[:-7])]),
        "element_wrong_shape.npz": zip_of(
            [("train.npy", npy_bytes(objects(STROKES, np.zeros((4, 2), np.int16), STROKES)))]
        ),
        "element_empty.npz": zip_of(
            [("train.npy", npy_bytes(objects(STROKES, np.zeros((0, 3), np.int16), STROKES)))]
        ),
        "element_nan.npz": zip_of(
            [("train.npy", npy_bytes(objects(STROKES * 1.0, np.array([[np.nan, 1.0, 0.0]]))))]
        ),
        "element_pen_2.npz": zip_of(
            [("train.npy", npy_bytes(objects(STROKES, np.array([[1, 1, 2]], np.int16))))]
        ),
    }
    for name, payload in GADGETS.items():
        cases[f"{name}.npz"] = zip_of([("train.npy", npy_with_pickle(payload))])
    return cases


# -------------------------------------------------------------------------------- Parquet
def drawings_table(dx: object = None, dy: object = None, pen: object = None) -> pa.Table:
    """A valid drawings table (as strokedelta writes it), with columns replaced on request."""
    offsets = pa.array([0, 2, 3], pa.int64())
    columns = {
        "key_id": pa.array(["1", "2"]),
        "dx": dx or pa.LargeListArray.from_arrays(offsets, pa.array([1, 2, 3], pa.int16())),
        "dy": dy or pa.LargeListArray.from_arrays(offsets, pa.array([4, 5, 6], pa.int16())),
        "pen": pen or pa.LargeListArray.from_arrays(offsets, pa.array([0, 1, 1], pa.int8())),
    }
    table = pa.table(columns)
    pandas_meta = json.dumps(
        {
            "index_columns": [],
            "column_indexes": [],
            "columns": [
                {
                    "name": "key_id",
                    "field_name": "key_id",
                    "pandas_type": "unicode",
                    "numpy_type": "object",
                    "metadata": None,
                }
            ],
            "pandas_version": "2.2.0",
        }
    )
    info = {"layout": "drawings", "version": 1, "attrs": {"scale_factor": 2.0}}
    return table.replace_schema_metadata(
        {b"pandas": pandas_meta.encode(), b"strokedelta": json.dumps(info).encode()}
    )


def _with_meta(table: pa.Table, **changes: bytes | None) -> pa.Table:
    metadata = dict(table.schema.metadata)
    for key, value in changes.items():
        if value is None:
            metadata.pop(key.encode(), None)
        else:
            metadata[key.encode()] = value
    return table.replace_schema_metadata(metadata)


def _lists(values: object, offsets: list[int] | None = None, kind: object = None) -> pa.Array:
    return pa.LargeListArray.from_arrays(
        pa.array(offsets or [0, 2, 3], pa.int64()), pa.array(values, kind)
    )


def parquet_tables() -> dict[str, pa.Table]:
    """name -> table of every Parquet file whose content (not bytes) is malformed."""
    good = drawings_table()
    with_time = good.append_column("time", _lists([0, 10], [0, 1, 2], pa.int64()))
    return {
        "foreign_columns.parquet": pa.table({"x": [1, 2]}),
        "no_strokedelta_metadata.parquet": _with_meta(good, strokedelta=None),
        "strokedelta_metadata_not_json.parquet": _with_meta(good, strokedelta=b"{layout: drawings"),
        "strokedelta_metadata_a_list.parquet": _with_meta(good, strokedelta=b"[1, 2]"),
        "strokedelta_attrs_a_list.parquet": _with_meta(
            good, strokedelta=b'{"layout": "drawings", "version": 1, "attrs": [1]}'
        ),
        "layout_version_2.parquet": _with_meta(
            good, strokedelta=b'{"layout": "drawings", "version": 2}'
        ),
        "pandas_metadata_not_json.parquet": _with_meta(good, pandas=b"{'columns': ["),
        "pandas_metadata_wrong_types.parquet": _with_meta(good, pandas=b'{"columns": 5}'),
        "pandas_metadata_missing_keys.parquet": _with_meta(
            good, pandas=b'{"columns": [{"name": "key_id"}], "index_columns": [{"kind": "x"}]}'
        ),
        "dx_strings.parquet": drawings_table(dx=_lists(["a", "b", "c"])),
        "dx_not_a_list.parquet": drawings_table(dx=pa.array([1, 2], pa.int16())),
        "dx_dy_types_differ.parquet": drawings_table(dy=_lists([4.0, 5.0, 6.0])),
        "pen_float.parquet": drawings_table(pen=_lists([0.0, 1.0, 1.0])),
        "dx_null_drawing.parquet": drawings_table(
            dx=pa.LargeListArray.from_arrays(
                pa.array([0, 2, 3], pa.int64()),
                pa.array([1, 2, 3], pa.int16()),
                mask=pa.array([False, True]),
            )
        ),
        "dy_null_value.parquet": drawings_table(dy=_lists([4, None, 6], kind=pa.int16())),
        "lengths_differ.parquet": drawings_table(dy=_lists([4, 5, 6, 7], [0, 3, 4], pa.int16())),
        "time_lengths_differ.parquet": with_time,
        "time_floats.parquet": good.append_column("time", _lists([0.5, 1.0, 2.0])),
        "empty_drawing.parquet": drawings_table(
            dx=_lists([1, 2, 3], [0, 0, 3], pa.int16()),
            dy=_lists([4, 5, 6], [0, 0, 3], pa.int16()),
            pen=_lists([0, 0, 1], [0, 0, 3], pa.int8()),
        ),
        "nan_values.parquet": drawings_table(
            dx=_lists([1.0, float("nan"), 3.0]),
            dy=_lists([4.0, 5.0, float("inf")]),
        ),
        "pen_wraps_int16.parquet": drawings_table(pen=_lists([0, 65537, 1], kind=pa.int32())),
        "duplicate_column.parquet": pa.table(
            [good["dx"], good["dx"], good["dy"], good["pen"]], names=["dx", "dx", "dy", "pen"]
        ).replace_schema_metadata(good.schema.metadata),
    }


def parquet_cases() -> dict[str, bytes]:
    """name -> bytes of every malformed Parquet file."""
    buffers = {}
    for name, table in parquet_tables().items():
        sink = io.BytesIO()
        pq.write_table(table, sink)
        buffers[name] = sink.getvalue()
    sink = io.BytesIO()
    pq.write_table(drawings_table(), sink, compression="zstd")
    good = sink.getvalue()
    footer_length = struct.unpack("<I", good[-8:-4])[0]
    footer_at = len(good) - 8 - footer_length
    corrupt_footer = bytearray(good)
    corrupt_footer[footer_at + 4 : footer_at + 40] = b"\xee" * 36
    first_page = good.index(b"PAR1") + 4
    corrupt_page = bytearray(good)
    corrupt_page[first_page + 20 : first_page + 40] = b"\x5a" * 20
    buffers.update(
        {
            "not_parquet.parquet": b"dx,dy,pen\n1,2,0\n",
            "zero_bytes.parquet": b"",
            "magic_only.parquet": b"PAR1PAR1",
            "truncated.parquet": good[: len(good) // 2],
            "footer_corrupt.parquet": bytes(corrupt_footer),
            "footer_length_huge.parquet": good[:-8] + struct.pack("<I", 2**31) + b"PAR1",
            "page_corrupt.parquet": bytes(corrupt_page),
        }
    )
    return buffers


#: Files that fuzzing found and that are kept as found (checked in; this script does not write
#: them): a Parquet footer whose column-chunk level histograms disagree with the schema, on
#: which pyarrow 26 aborts the whole process (std::terminate) when the column chunk's metadata
#: is looked at, and raises OSError when the data is read.
FOUND_BY_FUZZING = ("parquet/found_column_histogram_mismatch.parquet",)

CASES: dict[str, Callable[[], dict[str, bytes]]] = {
    "bin": bin_cases,
    "npz": npz_cases,
    "parquet": parquet_cases,
}


def write_corpus(out: Path) -> int:
    """Write every case under ``out/<format>/``; return how many files were written."""
    count = 0
    for folder, make in CASES.items():
        target = out / folder
        target.mkdir(parents=True, exist_ok=True)
        for name, data in make().items():
            (target / name).write_bytes(data)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="write into a temporary folder")
    parser.add_argument("--out", type=Path, default=None, help=f"folder (default {OUT})")
    args = parser.parse_args()
    out = args.out or (Path(tempfile.mkdtemp()) / "bad" if args.quick else OUT)
    count = write_corpus(out)
    print(f"wrote {count} malformed files under {out}")


if __name__ == "__main__":
    main()
