"""Quick, Draw! .bin: agreement with a struct-based reference, round trips, truncation."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest

from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io import ReadReport, read_drawings, write_drawings
from strokedelta.sketch import Drawings


def reference_record(
    key_id: int,
    country: bytes,
    recognized: int,
    seconds: int,
    strokes: list[tuple[list[int], list[int]]],
) -> bytes:
    """One drawing in Google's layout, written field by field with struct (the spec)."""
    out = struct.pack("<Q2sbIH", key_id, country, recognized, seconds, len(strokes))
    for xs, ys in strokes:
        out += struct.pack("<H", len(xs)) + bytes(xs) + bytes(ys)
    return out


def reference_unpack(data: bytes) -> list[dict]:
    """Google's documented reader (unpack_drawing), looped to the end of the data."""
    drawings, pos = [], 0
    while pos < len(data):
        key_id, country, recognized, seconds, n_strokes = struct.unpack_from("<Q2sbIH", data, pos)
        pos += 17
        strokes = []
        for _ in range(n_strokes):
            (n,) = struct.unpack_from("<H", data, pos)
            pos += 2
            xs = list(data[pos : pos + n])
            ys = list(data[pos + n : pos + 2 * n])
            pos += 2 * n
            strokes.append([xs, ys])
        drawings.append(
            {
                "key_id": str(key_id),
                "countrycode": country.decode(),
                "recognized": bool(recognized),
                "seconds": seconds,
                "drawing": strokes,
            }
        )
    return drawings


RECORDS = [
    (5201136883597312, b"VE", 1, 1488497110, [([130, 113, 99], [72, 40, 27]), ([76], [136])]),
    (18446744073709551615, b"US", 0, 0, [([0, 255], [255, 0])]),
]


def bin_file(folder, name: str, data: bytes):
    """``data`` written to ``folder / name``, the path returned."""
    path = folder / name
    path.write_bytes(data)
    return path


def test_parsing_agrees_with_the_struct_reference(tmp_path):
    data = b"".join(reference_record(*r) for r in RECORDS)
    d = read_drawings(bin_file(tmp_path, "ref.bin", data))
    assert d.strokes.values.dtype == np.int16
    assert d.to_polylines() == [[[list(x), list(y)] for x, y in r[4]] for r in RECORDS]
    assert d.meta["key_id"].tolist() == ["5201136883597312", "18446744073709551615"]
    assert d.meta["countrycode"].tolist() == ["VE", "US"]
    assert d.meta["recognized"].tolist() == [True, False]
    assert d.meta["timestamp"].tolist() == ["2017-03-02 23:25:10 UTC", "1970-01-01 00:00:00 UTC"]
    write_drawings(d, tmp_path / "again.bin")
    assert (tmp_path / "again.bin").read_bytes() == data


def test_real_simplified_files_round_trip_through_bin(real_data, tmp_path):
    for name in ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_simplified.ndjson"):
        d = read_drawings(real_data / name)
        write_drawings(d, tmp_path / "x.bin")
        data = (tmp_path / "x.bin").read_bytes()
        expected = [
            {"key_id": k, "countrycode": c, "recognized": r, "drawing": s}
            for k, c, r, s in zip(
                d.meta["key_id"], d.meta["countrycode"], d.meta["recognized"], d.to_polylines()
            )
        ]
        got = reference_unpack(data)
        assert [{k: g[k] for k in expected[0]} for g in got] == expected
        # the .bin keeps whole seconds of Google's timestamp
        stamps = pd.to_datetime(d.meta["timestamp"].str.removesuffix(" UTC"), utc=True)
        assert [g["seconds"] for g in got] == [int(t.timestamp()) for t in stamps]
        back = read_drawings(tmp_path / "x.bin")
        assert np.array_equal(back.strokes.values, d.strokes.values)
        assert np.array_equal(back.strokes.offsets, d.strokes.offsets)
        assert back.meta["key_id"].tolist() == d.meta["key_id"].tolist()
        assert (
            back.meta["timestamp"].tolist()
            == d.meta["timestamp"].str.slice(0, 19).add(" UTC").tolist()
        )
        write_drawings(back, tmp_path / "y.bin")
        assert (tmp_path / "y.bin").read_bytes() == data


def test_every_truncation_names_the_record(tmp_path):
    data = b"".join(reference_record(*r) for r in RECORDS)
    first = len(reference_record(*RECORDS[0]))
    for cut in range(1, len(data)):
        if cut == first:
            continue
        record = 0 if cut < first else 1
        with pytest.raises(FormatError, match=f"cut.bin, record {record}: file is truncated"):
            read_drawings(bin_file(tmp_path, "cut.bin", data[:cut]))
    report = ReadReport()
    kept = read_drawings(bin_file(tmp_path, "cut.bin", data[:-1]), errors="skip", report=report)
    assert len(kept) == 1
    assert report.skipped == 1


def test_truncated_file_on_disk(tmp_path):
    path = tmp_path / "short.bin"
    path.write_bytes(reference_record(*RECORDS[0])[:-1])
    with pytest.raises(
        FormatError,
        match=r"short.bin, record 0: file is truncated inside the "
        "drawing: a stroke's points are missing",
    ):
        read_drawings(path)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (reference_record(1, b"US", 1, 0, []), r"record 1: empty drawing \(no strokes\)"),
        (reference_record(1, b"US", 1, 0, [([], [])]), "record 1: a stroke has no points"),
        (reference_record(1, b"US", 3, 0, [([1], [1])]), "record 1: recognized must be 0 or 1"),
    ],
)
def test_malformed_records_are_named(tmp_path, record, message):
    data = reference_record(*RECORDS[0]) + record + reference_record(*RECORDS[1])
    path = bin_file(tmp_path, "m.bin", data)
    with pytest.raises(FormatError, match=f"m.bin, {message}"):
        read_drawings(path)
    kept = read_drawings(path, errors="skip")
    assert kept.meta["key_id"].tolist() == ["5201136883597312", "18446744073709551615"]


def test_writing_refuses_what_the_format_cannot_hold(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(
        ValidationError, match=r"points must be integers in 0..255 to write .bin; got -1..3"
    ):
        write_drawings(Drawings.from_polylines([[[[-1, 3], [0, 0]]]]), target)
    with pytest.raises(ValidationError, match="got fractions: simplify first"):
        write_drawings(Drawings.from_polylines([[[[1.5, 3], [0, 0]]]]), target)
    bad_key = Drawings.from_polylines([[[[1], [2]]]], pd.DataFrame({"key_id": ["abc"]}))
    with pytest.raises(
        ValidationError,
        match=r"key_id must be an unsigned 64-bit integer to write .bin; got 'abc' at drawing 0",
    ):
        write_drawings(bad_key, target)
    assert not target.exists()


def test_drawings_without_metadata_get_zero_fields(tmp_path):
    d = Drawings.from_polylines([[[[1, 2], [3, 4]]]])
    write_drawings(d, tmp_path / "plain.bin")
    back = read_drawings(tmp_path / "plain.bin")
    assert back.meta.iloc[0].tolist() == ["0", "", False, "1970-01-01 00:00:00 UTC"]
    assert back.to_polylines() == d.to_polylines()


@pytest.mark.parametrize("limits", [(65535, 10**9), (3, 40)])
def test_the_compiled_walk_and_the_python_walk_of_small_files_agree(tmp_path, limits):
    from pathlib import Path

    from strokedelta.io import _bin_scan

    bad = sorted((Path(__file__).parent / "data" / "bad" / "bin").glob("*.bin"))
    good = tmp_path / "good.bin"
    write_drawings(Drawings.from_polylines([[[[1, 5, 9], [2, 2, 7]], [[3], [9]]]] * 30), good)
    compiled = _bin_scan._compiled_walk()
    statuses = set()
    for path in [good, *bad]:
        buf = np.frombuffer(path.read_bytes(), dtype=np.uint8)
        assert len(buf) < _bin_scan.SMALL_SCAN_BYTES
        head = (buf, len(buf) + 1, *limits)
        sizes = [np.zeros(n, dtype=np.int64) for n in (len(buf) + 1,) * 2 + (len(buf),) * 2]
        copies = [a.copy() for a in sizes]
        walked = _bin_scan.scan(*head, *sizes)  # a small file: the Python walk
        assert compiled(*head, *copies) == walked, path.name
        assert all(np.array_equal(a, b) for a, b in zip(sizes, copies)), path.name
        statuses.add(walked[0])
    assert len(statuses) >= 4  # ok, and walks stopped by cuts and limits
