"""Write the corpus of malformed tables and model files: tests/data/bad/{tables,models}/.

Each file is named after what is wrong with it; ``tests/test_bad_tables.py`` and
``tests/test_bad_models.py`` pin what strokedelta makes of each one (exception, message, exit
status of ``strokedelta delta`` / ``strokedelta predict``). The CSV, gzip and model files are the
same bytes on every run; the Parquet files differ only in the writer's version string. The
tampered model files carry a digest recomputed the way the writer computes it, so that only the
field checks of ``load_model`` stop them. Large inputs (a gzip bomb, a 300 MB line, a header of
20,000 columns, a Parquet file expanding to 100 GB) are not here: the tests build them.

Usage::

    python scripts/make_bad_tables.py            # (re)writes tests/data/bad/{tables,models}
    python scripts/make_bad_tables.py --quick    # the same files, into a temporary folder
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import pickle
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from safetensors.numpy import save as save_safetensors

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "bad"
CSV = b"id,x,y\na,1,0.5\na,3,1.5\nb,2,-1\n"


# ---------------------------------------------------------------------------------- tables
def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _parquet(table: pa.Table, **options: Any) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


def _frame_table() -> pa.Table:
    return pa.table({"id": ["a", "a", "b"], "x": [1.0, 3.0, 2.0], "y": [0.5, 1.5, -1.0]})


def _pandas_meta(meta: Any) -> bytes:
    raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
    return _parquet(_frame_table().replace_schema_metadata({b"pandas": raw}))


def _column(name: str, numpy_type: str = "float64") -> dict[str, Any]:
    return {
        "name": name,
        "field_name": name,
        "pandas_type": numpy_type,
        "numpy_type": numpy_type,
        "metadata": None,
    }


def _meta(**changes: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "index_columns": [],
        "column_indexes": [],
        "columns": [_column("id", "unicode"), _column("x"), _column("y")],
    }
    meta.update(changes)
    return meta


def csv_cases() -> dict[str, bytes]:
    """Malformed ``.csv`` files."""
    return {
        "empty.csv": b"",
        "only_blank_lines.csv": b"\n\n\r\n\n",
        "nul_byte_in_a_row.csv": b"id,x,y\na,1,0.5\na,\x003,1.5\n",
        "nul_byte_in_the_header.csv": b"id,x\x00,y\na,1,0.5\n",
        "invalid_utf8.csv": b"id,x,y\na,1,0.5\n\xff,3,1.5\n",
        "lone_surrogate.csv": b"id,x,y\na,1,0.5\n\xed\xa0\x80,3,1.5\n",
        "latin1_text.csv": b"id,x,y\ncaf\xe9,1,0.5\n",
        "utf8_cut_at_the_end.csv": b"id,x,y\na,1,0.5\n\xe2\x82",
        "row_longer_than_header.csv": b"id,x,y\na,1,0.5\na,3,1.5,9\n",
        "first_row_longer_than_header.csv": b"x\n7,1\n8,2\n",
        "trailing_commas.csv": b"id,x,y\na,1,0.5,\na,3,1.5,\n",
        "duplicate_column_name.csv": b"id,x,x\na,1,0.5\n",
        "duplicate_quoted_column_name.csv": b'"x",id,x\n1,a,2\n',
        "unclosed_quote.csv": b'id,x,y\n"a,1,0.5\na,3,1.5\n',
        "text_in_a_value_column.csv": b"id,x,y\na,1,0.5\na,abc,1.5\n",
        "integer_past_64_bits.csv": b"id,x,y\na,1,0.5\na,123456789012345678901234567890,1.5\n",
        "row_shorter_than_header.csv": b"id,x,y\na,1,0.5\na\n",
        "empty_cell_in_a_value_column.csv": b"id,x,y\na,1,0.5\na,,1.5\n",
        "header_only.csv": b"id,x,y\n",
    }


def gzip_cases() -> dict[str, bytes]:
    """Malformed ``.csv.gz`` files."""
    good = _gzip(CSV)
    crc = bytearray(good)
    crc[-8] ^= 0x01
    length = bytearray(good)
    length[-4:] = b"\xff\xff\xff\x7f"
    return {
        "not_gzip.csv.gz": CSV,
        "garbage_after_the_magic.csv.gz": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
        + b"\xffjunk" * 8,
        "truncated.csv.gz": good[:-12],
        "bad_crc.csv.gz": bytes(crc),
        "bad_length.csv.gz": bytes(length),
        "trailing_garbage.csv.gz": good + b"trailing garbage",
        "invalid_utf8_inside.csv.gz": _gzip(b"id,x,y\na,1,0.5\n\xc3\x28,3,1.5\n"),
        "empty_inside.csv.gz": _gzip(b""),
        "nul_byte_inside.csv.gz": _gzip(b"id,x,y\na,1,0.5\n\x00\x00\x00\n"),
    }


def parquet_cases() -> dict[str, bytes]:
    """Malformed ``.parquet`` tables: broken footers, pages and ``pandas`` metadata."""
    good = _parquet(_frame_table(), compression="snappy")
    footer = int.from_bytes(good[-8:-4], "little")
    start = len(good) - 8 - footer
    garbled = bytearray(good)
    garbled[start + 8 : start + 40] = b"\xff" * 32
    page = bytearray(good)
    page[40:60] = b"\xff" * 20
    huge = bytearray(good)
    huge[-8:-4] = (2**31 - 1).to_bytes(4, "little")
    twice = pa.Table.from_arrays([pa.array([1.0]), pa.array([2.0])], names=["x", "x"])
    bad_index = _meta(index_columns=["no_such_column"])
    bad_dtype = _meta(columns=[_column("id", "unicode"), _column("x", "bogus"), _column("y")])
    bad_range = _meta(
        index_columns=[{"kind": "range", "name": None, "start": 0, "stop": "x", "step": 1}]
    )
    return {
        "not_parquet.parquet": CSV,
        "empty.parquet": b"",
        "only_the_magic.parquet": b"PAR1PAR1",
        "footer_cut.parquet": good[:-10],
        "footer_length_past_the_start.parquet": bytes(huge),
        "footer_garbled.parquet": bytes(garbled),
        "page_corrupt.parquet": bytes(page),
        "column_twice.parquet": _parquet(twice),
        "pandas_metadata_not_json.parquet": _pandas_meta(b"{not json"),
        "pandas_metadata_a_list.parquet": _pandas_meta([1, 2]),
        "pandas_metadata_without_columns.parquet": _pandas_meta({}),
        "pandas_metadata_unknown_index.parquet": _pandas_meta(bad_index),
        "pandas_metadata_bogus_dtype.parquet": _pandas_meta(bad_dtype),
        "pandas_metadata_range_index_stop_text.parquet": _pandas_meta(bad_range),
        "pandas_metadata_attributes_not_an_object.parquet": _pandas_meta(
            _meta(attributes="not an object")
        ),
        "pandas_metadata_nested_too_deep.parquet": _pandas_meta(b"[" * 20_000 + b"]" * 20_000),
    }


def table_cases() -> dict[str, bytes]:
    """Every malformed table file: CSV, gzipped CSV and Parquet."""
    return {**csv_cases(), **gzip_cases(), **parquet_cases()}


# ---------------------------------------------------------------------------------- models
def model_params(cls_name: str) -> dict[str, Any]:
    """The default constructor parameters of a model class, with ``solver="lstsq"``."""
    import strokedelta.models as models  # torch is heavy; only the model cases need it

    return {**getattr(models, cls_name)().get_params(), "solver": "lstsq"}


def valid_model(kind: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header (without digest) and tensors of a valid model: ``delta`` (a
    DeltaLinearRegressor with groups), ``absolute`` (two targets) or ``next_delta``."""
    ones = np.ones
    if kind == "delta":
        tensors = {
            "coef_": np.array([2.0, -1.0]),
            "intercept_": np.array(0.5),
            "history_": np.zeros(0),
            "delta_bias_": np.zeros(1),
            "scale_x_": ones(2),
            "scale_y_": ones(1),
            "group_intercepts_": np.array([[0.0], [10.0]]),
        }
        attrs = {
            "n_features_in_": 2,
            "n_iter_": 0,
            "feature_names_in_": ["x1", "x2"],
            "target_names_": ["y"],
            "group_name_": "g",
            "one_d_target_": True,
            "device_": "cpu",
            "n_pairs_": 98,
            "group_keys_": {"dtype": "str", "values": ["a", "b"]},
        }
        name = "DeltaLinearRegressor"
    elif kind == "absolute":
        tensors = {
            "coef_": np.array([[1.0, 0.0], [0.5, 2.0]]),
            "intercept_": np.array([1.0, -1.0]),
            "history_": np.array([3.0, 2.0, 1.0]),
        }
        attrs = {
            "n_features_in_": 2,
            "n_iter_": 3,
            "feature_names_in_": ["x1", "x2"],
            "target_names_": ["y", "z"],
            "group_name_": None,
            "one_d_target_": False,
            "device_": "cpu",
        }
        name = "AbsoluteLinearRegressor"
    else:
        tensors = {
            "coef_": np.arange(12.0).reshape(2, 6) / 10,
            "intercept_": np.zeros(2),
            "scale_x_": ones(6),
            "scale_y_": ones(2),
            "history_": np.zeros(0),
        }
        attrs = {"n_features_in_": 6, "n_iter_": 0, "n_windows_": 100, "device_": "cpu"}
        name = "NextDeltaRegressor"
    params = model_params(name)
    if kind == "next_delta":
        params["window"] = 2
    header = {
        "format": "strokedelta-model",
        "version": 1,
        "class": name,
        "params": params,
        "attrs": attrs,
        "none": [],
    }
    return header, tensors


def model_bytes(
    header: Any, tensors: dict[str, np.ndarray], *, digest: bool = True, raw: str | None = None
) -> bytes:
    """A safetensors file of ``tensors`` with ``header`` as its strokedelta JSON, its digest
    recomputed as the writer computes it (``digest=False``: kept as it is)."""
    from strokedelta.models.persistence import _digest  # torch is heavy (see model_params)

    if digest and isinstance(header, dict):
        header = {k: v for k, v in header.items() if k != "sha256"}
        header["sha256"] = _digest(header, tensors)
    text = raw if raw is not None else json.dumps(header)
    return save_safetensors(tensors, metadata={"strokedelta": text})


def _tampered(kind: str, edit: Callable[[dict[str, Any], dict[str, np.ndarray]], Any]) -> bytes:
    header, tensors = valid_model(kind)
    edit(header, tensors)
    return model_bytes(header, tensors)


def _set(where: str, key: str, value: Any) -> Callable[[dict[str, Any], Any], None]:
    def edit(header: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        if where == "tensor":
            tensors[key] = np.asarray(value, dtype=np.float64)
        else:
            header[where][key] = value

    return edit


class _Payload:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (print, ("this pickle ran",))


def _other_files() -> dict[str, bytes]:
    header, tensors = valid_model("delta")
    good = model_bytes(header, tensors)
    flipped = bytearray(good)
    flipped[-3] ^= 0x40
    past = bytearray(good)
    past[:8] = (len(good) - 7).to_bytes(8, "little")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(zipfile.ZipInfo("archive/data.pkl", (2020, 1, 1, 0, 0, 0)), b"\x80\x02.")
    nan_header = json.dumps({**header, "sha256": "0" * 64}).replace(
        '"n_pairs_": 98', '"n_pairs_": NaN'
    )
    return {
        "empty.safetensors": b"",
        "seven_bytes.safetensors": b"\x10\x00\x00\x00\x00\x00\x00",
        "random_bytes.safetensors": bytes(range(256)) * 2,
        "pickle_payload.safetensors": pickle.dumps(_Payload(), protocol=2),
        "zip_archive.safetensors": archive.getvalue(),
        "header_length_huge.safetensors": (2**62).to_bytes(8, "little") + good[8:],
        "header_length_past_the_end.safetensors": bytes(past),
        "truncated.safetensors": good[:-10],
        "weights_flipped.safetensors": bytes(flipped),
        "foreign_safetensors.safetensors": save_safetensors({"weight": np.zeros((2, 2))}),
        "header_not_json.safetensors": model_bytes(header, tensors, raw="{not json"),
        "header_a_json_list.safetensors": model_bytes([header], tensors),
        "header_nan_constant.safetensors": model_bytes(header, tensors, raw=nan_header),
        "header_nested_too_deep.safetensors": model_bytes(
            header, tensors, raw="[" * 20_000 + "]" * 20_000
        ),
    }


def model_cases() -> dict[str, bytes]:
    """Every malformed model file."""

    def rename(header: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        header["class"] = "os.system"

    def version(header: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        header["version"] = 2

    def drop_coef(header: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        del tensors["coef_"]
        header["none"].append("coef_")

    def extra(header: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        tensors["evil_"] = np.zeros(1)

    def no_table(header: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        del tensors["group_intercepts_"]
        header["none"].append("group_intercepts_")

    def float32(header: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        tensors["coef_"] = tensors["coef_"].astype(np.float32)

    return {
        **_other_files(),
        "unknown_class.safetensors": _tampered("delta", rename),
        "version_2.safetensors": _tampered("delta", version),
        "coef_nan.safetensors": _tampered("delta", _set("tensor", "coef_", [np.nan, 1.0])),
        "coef_inf_next_delta.safetensors": _tampered(
            "next_delta", _set("tensor", "coef_", np.full((2, 6), np.inf))
        ),
        "intercept_nan.safetensors": _tampered(
            "absolute", _set("tensor", "intercept_", [np.nan, 0])
        ),
        "more_group_intercepts_than_keys.safetensors": _tampered(
            "delta", _set("tensor", "group_intercepts_", np.zeros((3, 1)))
        ),
        "group_keys_without_intercepts.safetensors": _tampered("delta", no_table),
        "group_keys_twice.safetensors": _tampered(
            "delta", _set("attrs", "group_keys_", {"dtype": "str", "values": ["a", "a"]})
        ),
        "group_keys_not_a_list.safetensors": _tampered(
            "delta", _set("attrs", "group_keys_", {"dtype": "str", "values": "ab"})
        ),
        "window_not_matching_coef.safetensors": _tampered(
            "next_delta", _set("params", "window", 3)
        ),
        "n_features_not_matching_coef.safetensors": _tampered(
            "delta", _set("attrs", "n_features_in_", 3)
        ),
        "n_features_a_string.safetensors": _tampered("delta", _set("attrs", "n_features_in_", "2")),
        "coef_2d_for_one_target.safetensors": _tampered(
            "delta", _set("tensor", "coef_", [[2.0, -1.0]])
        ),
        "target_names_not_matching.safetensors": _tampered(
            "absolute", _set("attrs", "target_names_", ["y"])
        ),
        "feature_names_not_strings.safetensors": _tampered(
            "absolute", _set("attrs", "feature_names_in_", [1, 2])
        ),
        "scale_zero.safetensors": _tampered("delta", _set("tensor", "scale_x_", [0.0, 1.0])),
        "history_not_one_per_epoch.safetensors": _tampered(
            "absolute", _set("tensor", "history_", [1.0])
        ),
        "next_delta_with_a_bias.safetensors": _tampered(
            "next_delta", _set("tensor", "intercept_", [1.0, 0.0])
        ),
        "delta_bias_without_delta_bias.safetensors": _tampered(
            "delta", _set("tensor", "delta_bias_", [0.25])
        ),
        "n_windows_zero.safetensors": _tampered("next_delta", _set("attrs", "n_windows_", 0)),
        "float32_tensor.safetensors": _tampered("absolute", float32),
        "tensor_missing.safetensors": _tampered("absolute", drop_coef),
        "tensor_extra.safetensors": _tampered("absolute", extra),
        "lr_negative.safetensors": _tampered("delta", _set("params", "lr", -1)),
        "progress_not_a_bool.safetensors": _tampered("absolute", _set("params", "progress", "yes")),
        "one_d_target_not_a_bool.safetensors": _tampered(
            "delta", _set("attrs", "one_d_target_", "yes")
        ),
    }


CASES: dict[str, Callable[[], dict[str, bytes]]] = {"tables": table_cases, "models": model_cases}


def write(out: Path) -> int:
    """Write every case under ``out``; return how many files were written."""
    count = 0
    for folder, make in CASES.items():
        target = out / folder
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.iterdir():
            stale.unlink()
        for name, data in make().items():
            (target / name).write_bytes(data)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="write into a temporary folder")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp()) if args.quick else OUT
    print(f"wrote {write(out)} files under {out}")


if __name__ == "__main__":
    main()
