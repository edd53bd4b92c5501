"""Quick, Draw! ndjson: real files, exact round trips, the three parse paths agree, bad input."""

from __future__ import annotations

import gzip
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.exceptions import (
    FileAccessError,
    FormatError,
    ResourceLimitError,
    ValidationError,
)
from strokedelta.io import (
    ReadReport,
    convert_drawings,
    drawings_files,
    iter_drawings,
    read_drawings,
    write_drawings,
)
from strokedelta.io import _ndjson_kernel as nd_kernel
from strokedelta.io import quickdraw_ndjson as nd
from strokedelta.io._ndjson_chunks import LongLine, read_chunks
from strokedelta.limits import ReadLimits
from strokedelta.sketch import Drawings

# README of the real data: drawings, points, strokes
COUNTS = {
    "quickdraw_cat_raw.ndjson": (25, 6013, 221),
    "quickdraw_cat_simplified.ndjson": (25, 1362, 221),
    "quickdraw_sheep_raw.ndjson": (23, 5332, 136),
    "quickdraw_sheep_simplified.ndjson": (25, 1712, 148),
}


@pytest.fixture(params=["compiled", "lines"])
def parser(request, monkeypatch):
    """Run a test with each parse path: the compiled scanner, or line by line.

    (pyarrow's JSON reader was a third path; it crashed the process on a line ``null``, and
    the scanner now decodes string escapes itself, so it is gone.)
    """
    if request.param == "lines":
        monkeypatch.setattr(nd, "parse_compiled", lambda *a: None)
    else:  # small files too: the scanner otherwise starts after FAST_MIN_BYTES
        monkeypatch.setattr(nd, "FAST_MIN_BYTES", 0)
    return request.param


# --------------------------------------------------------------------------- real files
@pytest.mark.parametrize("name", sorted(COUNTS))
def test_real_files_have_the_documented_counts(real_data, name, parser):
    d = read_drawings(real_data / name)
    assert (len(d), d.n_points, int(d.n_strokes.sum())) == COUNTS[name]
    raw = name.endswith("_raw.ndjson")
    assert (d.time is not None) == raw
    assert d.strokes.values.dtype == (np.float64 if raw else np.int32)
    assert list(d.meta.columns) == ["key_id", "word", "countrycode", "recognized", "timestamp"]
    assert d.meta["recognized"].dtype == bool


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_real_files_equal_json_loads(real_data, name, parser):
    d = read_drawings(real_data / name)
    records = [json.loads(line) for line in (real_data / name).read_text().splitlines()]
    assert d.to_polylines() == [r["drawing"] for r in records]
    for column in ("key_id", "word", "countrycode", "timestamp", "recognized"):
        assert d.meta[column].tolist() == [r[column] for r in records]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_real_files_are_written_back_byte_for_byte(real_data, name, tmp_path):
    source = real_data / name
    d = read_drawings(source)
    target = tmp_path / "copy.ndjson"
    write_drawings(d, target)
    # the raw samples were cut from a larger file and have no final newline
    assert target.read_text().splitlines() == source.read_text().splitlines()
    assert read_drawings(target).equals(d)


def test_raw_cat_times_are_kept(real_data):
    d = read_drawings(real_data / "quickdraw_cat_raw.ndjson")
    first = json.loads((real_data / "quickdraw_cat_raw.ndjson").read_text().splitlines()[0])
    assert d.time[0][: len(first["drawing"][0][2])].tolist() == first["drawing"][0][2]
    assert d.time.values.dtype == np.int64


def test_chunks_and_gzip_give_the_same_drawings(real_data, tmp_path):
    source = real_data / "quickdraw_sheep_raw.ndjson"
    whole = read_drawings(source)
    chunks = list(iter_drawings(source, chunk_size=7))
    assert [len(c) for c in chunks] == [7, 7, 7, 2]
    assert Drawings.concat(chunks).equals(whole)
    packed = tmp_path / "sheep.ndjson.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    assert read_drawings(packed).equals(whole)
    write_drawings(whole, tmp_path / "again.ndjson.gz")
    assert gzip.decompress((tmp_path / "again.ndjson.gz").read_bytes()).decode().splitlines() == (
        source.read_text().splitlines()
    )


# ----------------------------------------------------------------------- layout details
def test_missing_fields_are_null_and_not_written(tmp_path, parser):
    path = tmp_path / "few.ndjson"
    path.write_text('{"drawing":[[[1,2],[3,4]]]}\n{"word":"cat","drawing":[[[5],[6]]]}\n')
    d = read_drawings(path)
    assert d.meta["word"].isna().tolist() == [True, False]
    assert d.meta["recognized"].isna().all()
    write_drawings(d, tmp_path / "back.ndjson")
    assert (tmp_path / "back.ndjson").read_text() == path.read_text()


def test_escapes_unicode_blank_lines_and_unknown_fields(tmp_path, parser):
    path = tmp_path / "odd.ndjson"
    lines = [
        '{"word":"say \\"hi\\"","key_id":"1","drawing":[[[1],[2]]]}',
        "",
        '{"word":"\u00e9t\u00e9", "extra": null, "key_id": 2, '
        '"drawing": [ [ [ 1 , 2 ] , [ 3 , -4 ] ] ] }',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = read_drawings(path)
    assert d.meta["word"].tolist() == ['say "hi"', "\u00e9t\u00e9"]
    assert d.meta["key_id"].tolist() == ["1", "2"]
    assert d.to_polylines() == [[[[1], [2]]], [[[1, 2], [3, -4]]]]


def test_integral_floats_in_simplified_files_load_as_integers(tmp_path, parser):
    path = tmp_path / "f.ndjson"
    path.write_text('{"drawing":[[[1.0,2.5e1],[3,4]]]}\n')
    d = read_drawings(path)
    assert d.strokes.values.dtype == np.int32
    assert d.to_polylines() == [[[[1, 25], [3, 4]]]]


def test_fractions_load_as_float(tmp_path, parser):
    path = tmp_path / "f.ndjson"
    path.write_text('{"drawing":[[[1.5,-25e-2],[3,4]]]}\n')
    d = read_drawings(path)
    assert d.strokes.values.dtype == np.float64
    assert d.to_polylines() == [[[[1.5, -0.25], [3.0, 4.0]]]]


def test_floats_whose_differences_are_inexact_come_back_within_an_ulp(tmp_path):
    # stroke-3 stores differences: 1.5 -> -0.002 is not exact in float64, so the absolute
    # value comes back one ulp away (Google's float32-origin coordinates are exact)
    path = tmp_path / "f.ndjson"
    path.write_text('{"drawing":[[[1.5,-2e-3],[3,4]]]}\n')
    x = read_drawings(path).absolute().values[:, 0]
    assert x[1] != -0.002
    assert abs(x[1] - -0.002) <= np.spacing(0.002) * 4


timed_drawing = st.lists(
    st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(-(2**21), 2**21).map(lambda k: k / 1024), min_size=n, max_size=n),
            st.lists(st.integers(-2000, 2000), min_size=n, max_size=n),
            st.lists(st.integers(0, 10**6), min_size=n, max_size=n),
        )
    ),
    min_size=1,
    max_size=3,
)


@given(st.lists(timed_drawing, min_size=1, max_size=4))
def test_raw_drawings_round_trip_exactly(tmp_path_factory, drawings):
    nested = [[[list(x), list(y), list(t)] for x, y, t in d] for d in drawings]
    path = tmp_path_factory.mktemp("raw") / "raw.ndjson"
    write_drawings(Drawings.from_polylines(nested), path)
    back = read_drawings(path).to_polylines()
    assert back == nested


# --------------------------------------------------------------------------- bad input
BAD_LINES = [
    (
        "{not json",
        r"line 2: not valid JSON: Expecting property name enclosed in double quotes \(column 2\)",
    ),
    ("[1, 2]", "line 2: expected a JSON object; got an array"),
    ('{"word":"cat"}', "line 2: no 'drawing' field"),
    ('{"drawing":[]}', r"line 2: empty drawing \(no strokes\)"),
    ('{"drawing":[[[1,2],[3]]]}', r"line 2: stroke 0: x and y have different lengths \(2 and 1\)"),
    ('{"drawing":[[[1],[2]],[[],[]]]}', "line 2: stroke 1 has no points"),
    ('{"drawing":[[[NaN],[2]]]}', "line 2: NaN is not a valid number"),
    ('{"drawing":[[[1],[-Infinity]]]}', "line 2: -Infinity is not a valid number"),
    ('{"drawing":[[[1e400],[2]]]}', "line 2: stroke 0: x must be finite; got inf"),
    ('{"drawing":[[["1"],[2]]]}', r'line 2: stroke 0: x must hold numbers; got "1"'),
    ('{"drawing":[[[true],[2]]]}', "line 2: stroke 0: x must hold numbers; got true"),
    ('{"drawing":[[[1],[2],[0],[5]]]}', r"line 2: stroke 0 must be \[\[x...\], \[y...\]\] or"),
    (
        '{"drawing":[[[1],[2],[0]]]}',
        r"line 2: stroke 0 has 3 lists but earlier strokes are \[x, y\]",
    ),
    ('{"recognized":1,"drawing":[[[1],[2]]]}', "line 2: recognized must be true or false; got 1"),
    ('{"word":5,"drawing":[[[1],[2]]]}', "line 2: word must be a string; got 5"),
    ('{"drawing":[[[1],[2]]]}{"drawing":[[[1],[2]]]}', r"line 2: not valid JSON: Extra data"),
    ('{"drawing":[[[01],[2]]]}', r"line 2: not valid JSON: Expecting ',' delimiter"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_bad_lines_name_the_file_line_and_problem(tmp_path, line, message, parser):
    path = tmp_path / "bad.ndjson"
    path.write_text('{"drawing":[[[1],[2]]]}\n' + line + "\n" + '{"drawing":[[[3],[4]]]}\n')
    with pytest.raises(FormatError, match=f"bad.ndjson, {message}"):
        read_drawings(path)
    report = ReadReport()
    kept = read_drawings(path, errors="skip", report=report)
    assert kept.to_polylines() == [[[[1], [2]]], [[[3], [4]]]]
    assert report.skipped == 1
    assert report.examples[0].line == 2


def test_raw_lines_need_integer_times(tmp_path, parser):
    path = tmp_path / "raw.ndjson"
    path.write_text('{"drawing":[[[1],[2],[0]]]}\n{"drawing":[[[1],[2],[0.5]]]}\n')
    with pytest.raises(
        FormatError,
        match=r"raw.ndjson, line 2: stroke 0: t must hold integer milliseconds; got 0.5",
    ):
        read_drawings(path)


def test_line_numbers_count_across_chunks(tmp_path):
    good = '{"drawing":[[[1],[2]]]}\n'
    path = tmp_path / "late.ndjson"
    path.write_text(good * 12 + '{"drawing":[[[1],[2,3]]]}\n' + good)
    with pytest.raises(FormatError, match="line 13: stroke 0: x and y have different lengths"):
        list(iter_drawings(path, chunk_size=5))


def test_skip_report_summarises_reasons(tmp_path):
    path = tmp_path / "mixed.ndjson"
    path.write_text('{"drawing":[]}\n{"drawing":[[[1],[2]]]}\nnope\n{"drawing":[]}\n')
    report = ReadReport()
    d = read_drawings(path, errors="skip", report=report)
    assert len(d) == 1
    assert report.skipped == 3
    assert report.summary().startswith(
        f"skipped 3 drawings: 2 x empty drawing (no strokes) (first: {path}, line 1); "
        f"1 x not valid JSON"
    )


def test_errors_policy_is_checked(tmp_path):
    with pytest.raises(
        ValidationError, match="errors must be one of 'raise', 'skip'; got 'ignore'"
    ):
        read_drawings(tmp_path / "x.ndjson", errors="ignore")


def test_missing_file_is_a_file_access_error(tmp_path):
    with pytest.raises(FileAccessError, match=r"nothing.ndjson: cannot open file"):
        read_drawings(tmp_path / "nothing.ndjson")


def test_empty_file_gives_no_drawings(tmp_path):
    path = tmp_path / "empty.ndjson"
    path.write_text("")
    d = read_drawings(path)
    assert len(d) == 0
    assert list(d.meta.columns) == [
        "key_id",
        "word",
        "countrycode",
        "recognized",
        "timestamp",
    ]


def test_writing_an_empty_drawing_is_refused(tmp_path):
    from strokedelta.ragged import Ragged

    d = Drawings(Ragged(np.zeros((0, 3), dtype=np.int32), [0, 0]), pd.DataFrame({"word": ["x"]}))
    with pytest.raises(ValidationError, match="cannot write drawing 0 as ndjson: it has no points"):
        write_drawings(d, tmp_path / "out.ndjson")
    assert not (tmp_path / "out.ndjson").exists()


def test_explicit_nulls_are_missing_values(tmp_path, parser):
    path = tmp_path / "nulls.ndjson"
    path.write_text(
        '{"word":null,"recognized":null,"key_id":"7","drawing":[[[1],[2]]]}\n'
        '{"word":"cat","recognized":true,"key_id":null,"drawing":[[[3],[4]]]}\n'
    )
    d = read_drawings(path)
    assert d.meta["word"].isna().tolist() == [True, False]
    assert d.meta["key_id"].isna().tolist() == [False, True]
    assert d.meta["recognized"].dtype == "boolean"
    assert d.meta["recognized"].isna().tolist() == [True, False]
    write_drawings(d, tmp_path / "back.ndjson")
    assert (tmp_path / "back.ndjson").read_text() == (
        '{"key_id":"7","drawing":[[[1],[2]]]}\n'
        '{"word":"cat","recognized":true,"drawing":[[[3],[4]]]}\n'
    )


def test_one_thread_mode_gives_the_same_drawings(real_data, tmp_path, monkeypatch):
    source = real_data / "quickdraw_cat_raw.ndjson"
    threaded = Drawings.concat(list(iter_drawings(source, chunk_size=4)))
    convert_drawings(source, tmp_path / "threaded.parquet", chunk_size=4)
    monkeypatch.setattr(nd, "threads_allowed", lambda: False)
    monkeypatch.setattr(drawings_files, "threads_allowed", lambda: False)
    single = Drawings.concat(list(iter_drawings(source, chunk_size=4)))
    assert single.equals(threaded)
    assert convert_drawings(source, tmp_path / "single.parquet", chunk_size=4) == (25, 6013)
    assert read_drawings(tmp_path / "single.parquet").equals(
        read_drawings(tmp_path / "threaded.parquet")
    )


# ------------------------------------------------------------- the fast path, bounded
def test_escaped_strings_are_decoded_by_the_compiled_scanner(tmp_path, monkeypatch):
    path = tmp_path / "esc.ndjson"
    path.write_text(
        '{"word":"c\\u0061t \\"x\\" \\\\ \\/ \\n","key_id":"\\ud83d\\ude00",'
        '"drawing":[[[1],[2]]]}\n'
        '{"word":"plain","countrycode":"\\u00e9","drawing":[[[3],[4]]]}\n'
    )
    monkeypatch.setattr(nd, "_parse_slow", None)  # the compiled scanner must take it all
    monkeypatch.setattr(nd, "FAST_MIN_BYTES", 0)
    d = read_drawings(path)
    assert d.meta["word"].tolist() == ['cat "x" \\ / \n', "plain"]
    assert d.meta["key_id"][0] == "\U0001f600"
    assert d.meta["countrycode"][1] == "\u00e9"
    assert d.meta["key_id"].isna().tolist() == [False, True]
    assert d.meta["countrycode"].isna().tolist() == [True, False]


def test_a_lone_surrogate_escape_leaves_the_fast_path_for_the_named_error(tmp_path):
    path = tmp_path / "s.ndjson"
    path.write_text('{"drawing":[[[1],[2]]]}\n{"word":"\\udfff","drawing":[[[1],[2]]]}\n')
    with pytest.raises(FormatError, match=r"line 2: word must be Unicode text; got a lone"):
        read_drawings(path)


def test_escaped_keys_are_left_to_the_line_parser(tmp_path, parser):
    path = tmp_path / "k.ndjson"
    path.write_text('{"w\\u006frd":"dog","dr\\u0061wing":[[[1],[2]]]}\n')
    assert read_drawings(path).meta["word"].tolist() == ["dog"]


def test_the_fast_path_checks_the_limits_and_gives_way(tmp_path):
    path = tmp_path / "l.ndjson"
    path.write_text('{"drawing":[[[1,2,3],[4,5,6]],[[7],[8]]]}\n' * 3)
    assert len(read_drawings(path, limits=ReadLimits(max_points=4, max_strokes=2))) == 3
    with pytest.raises(ResourceLimitError, match="line 1: drawing has 4 points"):
        read_drawings(path, limits=ReadLimits(max_points=3))
    with pytest.raises(ResourceLimitError, match="line 1: drawing has 2 strokes"):
        read_drawings(path, limits=ReadLimits(max_strokes=1))
    with pytest.raises(ResourceLimitError, match="line 1: JSON values nested 4 deep"):
        read_drawings(path, limits=ReadLimits(max_depth=3))


def test_the_scanner_kernel_has_no_array_defaults():
    # arrays as default arguments made numba miss its on-disk cache in every process
    for name in dir(nd_kernel):
        func = getattr(getattr(nd_kernel, name), "py_func", None)
        if func is not None:
            defaults = func.__defaults__ or ()
            assert not any(isinstance(v, np.ndarray) for v in defaults), name


#: Number texts of every shape (up to 32 characters, where the scanner gives up): integers of
#: 1 to 21 digits, fractions and exponents, and near misses that JSON rejects.
NEAR_MISSES = ["01", "-01", "00", "0012", "1.", ".5", "-", "+1", "1e", "1E+", "--1", "1x", "1 2"]
number_texts = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.from_regex(r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(NEAR_MISSES),
)
#: Every length of integer around the 8 bytes read at once and the 15 digits kept exact.
EDGE_NUMBERS = [
    *NEAR_MISSES,
    *(sign + "9876543210123456789"[:size] for sign in ("", "-") for size in range(1, 20)),
    *("1" + "0" * size for size in range(1, 17)),
    *("0" + tail for tail in ("", ".0", "e5", "E-1", "0", "1")),
    *("1234567" + tail for tail in (".5", "e2", "E+2", " ", "\t", "\r", "x")),
]


def _check_numbers(xs: list[str], space: str = "", newline: bool = True, writable: bool = False):
    """scan_chunk on a drawing of the number texts ``xs`` (x) and reversed (y) gives what
    json.loads gives: the same numbers, the integers of up to 15 digits parsed, every other
    number left as text, and a give-up exactly where JSON refuses."""
    gap = space + "," + space
    text = f'{{"drawing":[[[{space}{gap.join(xs)}{space}],[{gap.join(xs[::-1])}]]]}}'
    buf = np.frombuffer((text + "\n" * newline).encode(), dtype=np.uint8)
    if writable:
        buf = buf.copy()
    found = nd_kernel.scan_chunk(buf, 0, 2, 2 * len(xs) + 2, 2, 2 * len(xs) + 1)
    try:
        expected = json.loads(text)["drawing"][0]
    except ValueError:
        assert found[0] != nd_kernel.OK, text
        return
    assert found[0] == nd_kernel.OK, text
    coords, float_index, float_start, float_len = found[7:11]
    values = coords.astype(object)
    for k in range(found[14]):
        token = buf[float_start[k] : float_start[k] + float_len[k]].tobytes().decode()
        assert token in [x.strip() for x in xs]
        values.reshape(-1)[float_index[k]] = json.loads(token)
    texts = {int(k) for k in float_index[: found[14]]}
    kept = {k for k, x in enumerate(xs) if not re.fullmatch(r"-?[0-9]{1,15}", x.strip())}
    assert texts == kept | {coords.shape[1] + len(xs) - 1 - k for k in kept}, text
    assert values[:2, : len(xs)].tolist() == expected, text


@given(
    xs=st.lists(number_texts, min_size=1, max_size=12),
    space=st.sampled_from(["", " ", "\t ", "\r"]),
    newline=st.booleans(),
    writable=st.booleans(),
)
def test_the_scanner_reads_every_number_as_json_does(xs, space, newline, writable):
    _check_numbers(xs, space, newline, writable)


@pytest.mark.parametrize("newline", [True, False])
def test_the_scanner_reads_numbers_of_every_length_anywhere_in_a_list(newline):
    # 8 bytes at a time where 8 remain, byte by byte near the end of a chunk with no newline
    for number in EDGE_NUMBERS:
        for xs in ([number], [number, "7"], ["7", number], ["12", number, "3"]):
            _check_numbers(xs, newline=newline)


def test_chunks_are_bounded_in_bytes_too(tmp_path, monkeypatch):
    path = tmp_path / "b.ndjson"
    path.write_text('{"word":"cat","drawing":[[[1,2],[3,4]]]}\n' * 100)
    monkeypatch.setattr(nd, "CHUNK_BYTES", 400)
    sizes = [len(c) for c in iter_drawings(path)]
    assert sum(sizes) == 100
    assert max(sizes) <= 10


@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.sampled_from([b"\n", b"\r\n"])), min_size=0, max_size=30
    ),
    st.booleans(),
    st.integers(1, 5),
    st.integers(1, 60),
    st.integers(1, 25),
)
def test_the_chunker_cuts_at_newlines_and_drops_only_long_lines(
    lines, last_newline, per_chunk, size, longest
):
    lines_ = [b"x" * n + end for n, end in lines]
    data = b"".join(lines_)
    if not last_newline and data.endswith(b"\n"):
        data = data[:-1]
    pieces = data.split(b"\n") if data else []
    if data.endswith(b"\n"):
        pieces.pop()
    items = list(
        read_chunks(
            io.BytesIO(data), lines=per_chunk, size=size, max_line_bytes=longest, errors="skip"
        )
    )
    kept, line = [], 1
    for item in items:
        if isinstance(item, LongLine):
            assert item.line == line
            assert item.size > longest
            line += 1
            continue
        assert item.first_line == line
        assert 1 <= item.n_lines <= per_chunk
        assert item.n_lines == 1 or len(item.data) <= size
        got = item.data.split(b"\n")
        if item.data.endswith(b"\n"):
            got.pop()
        assert len(got) == item.n_lines
        kept += got
        line += item.n_lines
    assert line == len(pieces) + 1
    assert kept == [p for p in pieces if len(p) <= longest]


# ---------------------------------------------------------------------------- splits
split_label = st.sampled_from(["train", "valid", "test", None])


@given(st.lists(split_label, min_size=1, max_size=8), st.booleans())
def test_splits_round_trip_through_both_parse_paths(tmp_path_factory, labels, slow):
    path = tmp_path_factory.mktemp("splits") / "s.ndjson"
    d = Drawings.from_polylines(
        [[[[i], [i + 1]]] for i in range(len(labels))],
        pd.DataFrame({"split": pd.Series(labels, dtype="str")}),
    )
    write_drawings(d, path)
    text = path.read_text()
    assert text.count('"split":') == sum(s is not None for s in labels)
    if slow:  # an unknown field with a nested value sends the chunk to the line parser
        text = text.replace('{"', '{"extra":[1],"', 1)
        path.write_text(text)
    back = read_drawings(path)
    if all(s is None for s in labels):
        assert "split" not in back.meta.columns
    else:
        assert back.meta["split"].dtype == "str"
        assert back.meta["split"].isna().tolist() == [s is None for s in labels]
        assert back.meta["split"].dropna().tolist() == [s for s in labels if s]
    assert back.to_polylines() == d.to_polylines()


def test_an_escaped_split_is_decoded_by_the_scanner(tmp_path, monkeypatch):
    path = tmp_path / "s.ndjson"
    path.write_text('{"split":"t\\u0065st","drawing":[[[1],[2]]]}\n')
    monkeypatch.setattr(nd, "_parse_slow", None)  # the compiled scanner must take it
    monkeypatch.setattr(nd, "FAST_MIN_BYTES", 0)
    assert read_drawings(path).meta["split"].tolist() == ["test"]


def test_an_unknown_split_names_the_line(tmp_path, parser):
    path = tmp_path / "s.ndjson"
    path.write_text(
        '{"split":"train","drawing":[[[1],[2]]]}\n{"split":"dev","drawing":[[[1],[2]]]}\n'
        '{"split":3,"drawing":[[[1],[2]]]}\n'
    )
    with pytest.raises(
        FormatError,
        match=r"s.ndjson, line 2: split must be one of train, valid, test or null; "
        r'got "dev"',
    ):
        read_drawings(path)
    report = ReadReport()
    d = read_drawings(path, errors="skip", report=report)
    assert d.meta["split"].tolist() == ["train"]
    assert report.skipped == 2


def test_later_chunks_keep_the_split_column(tmp_path):
    path = tmp_path / "s.ndjson"
    path.write_text('{"drawing":[[[1],[2]]]}\n{"split":"test","drawing":[[[1],[2]]]}\n' * 2)
    chunks = list(iter_drawings(path, chunk_size=1))
    assert ["split" in c.meta.columns for c in chunks] == [False, True, True, True]
    assert chunks[2].meta["split"].isna().all()
    assert read_drawings(path).meta["split"].isna().tolist() == [True, False, True, False]


def test_split_of_a_written_line_is_checked(tmp_path):
    d = Drawings.from_polylines([[[[1], [2]]]], pd.DataFrame({"split": ["dev"]}))
    with pytest.raises(ValidationError, match=r"split must be one of train, valid, test; got 'dev"):
        write_drawings(d, tmp_path / "s.ndjson")
    assert not (tmp_path / "s.ndjson").exists()


# ----------------------------------------------- small files never load the scanner
def test_the_scanner_starts_once_the_file_has_given_fast_min_bytes(tmp_path, monkeypatch):
    path = tmp_path / "many.ndjson"
    line = '{"word":"cat","key_id":"1","drawing":[[[1,5,9],[2,2,7]],[[3],[9]]]}\n'
    path.write_text(line * 40)
    lines_only = read_drawings(path)  # 2,720 bytes: all line by line at the default
    calls = []
    scan = nd.parse_compiled
    monkeypatch.setattr(nd, "parse_compiled", lambda *a: calls.append(a[1]) or scan(*a))
    monkeypatch.setattr(nd, "FAST_MIN_BYTES", 10 * len(line))
    chunks = list(iter_drawings(path, chunk_size=4))
    assert calls == [4] * 8  # chunks 3..10: the first two (8 lines) are under 10 lines' bytes
    assert Drawings.concat(chunks).equals(lines_only)
    assert Drawings.concat(chunks[2:]).equals(lines_only[8:])


def test_reading_a_small_file_does_not_load_numba_kernels(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "small.ndjson"
    path.write_text('{"word":"cat","drawing":[[[1,5,9],[2,2,7]],[[3],[9]]]}\n' * 25)
    code = (
        "import sys; from strokedelta.io import read_drawings; "
        f"d = read_drawings({str(path)!r}); "
        "print(len(d), 'strokedelta.io._ndjson_kernel' in sys.modules, "
        "'scipy.linalg' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["25", "False", "False"]
