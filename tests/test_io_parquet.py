"""Drawings Parquet: exact round trips, attrs in the metadata, streaming row groups, bad files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io import ReadReport, iter_drawings, open_writer, read_drawings, write_drawings
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch import Drawings


def sample(dtype=np.int16, time=False) -> Drawings:
    values = np.array([[2, -4, 0], [9, -9, 1], [5, 5, 1], [-1, 0, 0], [1, 1, 1]], dtype=dtype)
    meta = pd.DataFrame(
        {
            "key_id": pd.Series(["1", "2", "3"], dtype="str"),
            "recognized": pd.array([True, None, False], dtype="boolean"),
            "split": pd.Series(["train", "valid", "test"], dtype="str"),
        }
    )
    t = Ragged(np.array([0, 16, 0, 0, 33]), [0, 2, 3, 5]) if time else None
    return Drawings(
        Ragged(values, [0, 2, 3, 5]),
        meta,
        time=t,
        attrs={"scale_factor": 18.5198, "simplified": True, "epsilon": 2.0},
    )


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64, np.float64])
def test_round_trip_keeps_dtype_values_meta_and_attrs(tmp_path, dtype):
    d = sample(dtype, time=dtype == np.float64)
    write_drawings(d, tmp_path / "d.parquet")
    back = read_drawings(tmp_path / "d.parquet")
    assert back.equals(d)
    assert back.strokes.values.dtype == dtype
    assert back.meta["recognized"].dtype == "boolean"
    assert back.attrs == {"scale_factor": 18.5198, "simplified": True, "epsilon": 2.0}


def test_the_layout_is_documented_columns_and_metadata(tmp_path):
    write_drawings(sample(time=True), tmp_path / "d.parquet")
    schema = pq.read_schema(tmp_path / "d.parquet")
    assert schema.names == ["key_id", "recognized", "split", "dx", "dy", "pen", "time"]
    assert schema.field("dx").type == pa.large_list(pa.int16())
    assert schema.field("pen").type == pa.large_list(pa.int8())
    info = json.loads(schema.metadata[b"strokedelta"])
    assert info == {
        "layout": "drawings",
        "version": 1,
        "attrs": {"scale_factor": 18.5198, "simplified": True, "epsilon": 2.0},
    }


def test_streaming_writes_row_groups_and_reads_in_chunks(tmp_path):
    d = sample()
    path = tmp_path / "s.parquet"
    with open_writer(path, row_group_size=2) as writer:
        for _ in range(4):
            writer.write(d)
    assert pq.ParquetFile(path).num_row_groups == 8
    chunks = list(iter_drawings(path, chunk_size=5))
    assert [len(c) for c in chunks] == [5, 5, 2]
    assert Drawings.concat(chunks).equals(Drawings.concat([d] * 4))


def test_later_batches_are_cast_losslessly_or_refused(tmp_path):
    first = sample(np.int32)
    with open_writer(tmp_path / "ok.parquet") as writer:
        writer.write(first)
        writer.write(sample(np.int64))
    back = read_drawings(tmp_path / "ok.parquet")
    assert back.strokes.values.dtype == np.int32
    assert len(back) == 6
    floats = Drawings(Ragged(np.array([[0.5, 0, 1]]), [0, 1]), first.meta[:1], attrs=first.attrs)

    def write_both() -> None:
        with open_writer(tmp_path / "bad.parquet") as writer:
            writer.write(first)
            writer.write(floats)

    with pytest.raises(ValidationError, match="batches must share one schema"):
        write_both()
    assert not (tmp_path / "bad.parquet").exists()


def test_empty_drawings_round_trip(tmp_path):
    d = sample()[:0]
    write_drawings(d, tmp_path / "e.parquet")
    back = read_drawings(tmp_path / "e.parquet")
    assert len(back) == 0
    assert back.strokes.values.dtype == np.int16
    assert list(back.meta.columns) == ["key_id", "recognized", "split"]


def test_drawings_without_meta_columns(tmp_path):
    d = Drawings(Ragged(np.array([[1, 2, 1]], dtype=np.int16), [0, 1]))
    write_drawings(d, tmp_path / "m.parquet")
    back = read_drawings(tmp_path / "m.parquet")
    assert back.equals(d)
    assert back.meta.columns.empty


def test_split_selects_rows(tmp_path):
    write_drawings(sample(), tmp_path / "d.parquet")
    assert read_drawings(tmp_path / "d.parquet", split="valid").meta["key_id"].tolist() == ["2"]


def test_foreign_parquet_is_refused(tmp_path):
    pq.write_table(pa.table({"x": [1, 2]}), tmp_path / "other.parquet")
    with pytest.raises(
        FormatError, match=r"other.parquet: not a strokedelta drawings Parquet file"
    ):
        read_drawings(tmp_path / "other.parquet")


def test_bad_pen_values_name_the_record(tmp_path):
    d = sample()
    write_drawings(d, tmp_path / "x.parquet")
    table = pq.read_table(tmp_path / "x.parquet")
    pen = pa.LargeListArray.from_arrays(
        pa.array([0, 2, 3, 5], pa.int64()), pa.array([0, 1, 1, 0, 7], pa.int8())
    )
    table = table.set_column(table.schema.get_field_index("pen"), "pen", pen)
    pq.write_table(table, tmp_path / "x.parquet")
    with pytest.raises(
        FormatError, match=r"x.parquet, record 2: pen values must be 0 or 1; got 7 at point 1"
    ):
        read_drawings(tmp_path / "x.parquet")
    report = ReadReport()
    assert len(read_drawings(tmp_path / "x.parquet", errors="skip", report=report)) == 2
    assert report.skipped == 1


@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(-(2**31), 2**31 - 1), st.integers(-5, 5), st.integers(0, 1)),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_property_round_trip(tmp_path_factory, drawings):
    values = np.array([row for d in drawings for row in d], dtype=np.int64)
    d = Drawings(Ragged(values, offsets_from_lengths([len(x) for x in drawings])))
    path = tmp_path_factory.mktemp("pq") / "p.parquet"
    write_drawings(d, path)
    assert read_drawings(path).equals(d)


def test_real_ndjson_round_trips_through_parquet(real_data, tmp_path):
    for name in ("quickdraw_cat_raw.ndjson", "quickdraw_sheep_simplified.ndjson"):
        d = read_drawings(real_data / name)
        write_drawings(d, tmp_path / "q.parquet")
        back = read_drawings(tmp_path / "q.parquet")
        assert back.equals(d)
        write_drawings(back, tmp_path / "q.ndjson")
        assert (tmp_path / "q.ndjson").read_text().splitlines() == (
            real_data / name
        ).read_text().splitlines()
