"""The compiled ``.npy`` writer of a build's Sketch-RNN ``.npz``: the C pickler's bytes, exactly,
and read back by magenta's ``np.load(..., encoding="latin1", allow_pickle=True)``."""

from __future__ import annotations

import io
import itertools
import pickletools
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strokedelta.datasets import _npz_stream
from strokedelta.datasets._npz_stream import MemberWriter, c_pickler_member, object_member
from strokedelta.io import read_drawings


def _pieces(rows: list[int], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bounds = np.concatenate([[0], np.cumsum(rows, dtype=np.int64)])
    rng = np.random.default_rng(seed)
    flat = rng.integers(-32768, 32768, (int(bounds[-1]), 3)).astype(np.int16)
    return flat, bounds[:-1], bounds[1:]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 300), max_size=40)
    | st.lists(st.sampled_from([0, 1, 2, 43]), min_size=990, max_size=1010),
    st.integers(0, 2**32 - 1),
)
def test_bytes_are_the_c_picklers(rows, seed):
    flat, starts, stops = _pieces(rows, seed)
    ours = object_member(flat, starts, stops)
    assert ours == c_pickler_member([flat[a:b] for a, b in zip(starts, stops)])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 40), max_size=30)
    | st.lists(st.sampled_from([0, 1, 2]), min_size=995, max_size=2010),
    st.lists(st.integers(0, 2100), max_size=4),
    st.integers(0, 2**32 - 1),
)
def test_a_member_written_in_parts_is_the_whole_members_bytes(rows, cuts, seed):
    flat, starts, stops = _pieces(rows, seed)
    bounds = [0, *sorted(c for c in cuts if c <= len(rows)), len(rows)]
    handle = io.BytesIO()
    writer = MemberWriter(handle, len(rows))
    for a, b in itertools.pairwise(bounds):
        writer.write(flat, starts[a:b], stops[a:b])  # the memo numbers and batches run on
    writer.close()
    assert handle.getvalue() == object_member(flat, starts, stops)


def test_a_member_writer_refuses_a_wrong_count():
    flat, starts, stops = _pieces([1, 2], 0)
    writer = MemberWriter(io.BytesIO(), 1)
    with pytest.raises(ValueError, match="told of 1 elements; got more"):
        writer.write(flat, starts, stops)
    short = MemberWriter(io.BytesIO(), 3)
    short.write(flat, starts, stops)
    with pytest.raises(ValueError, match="told of 3 elements; got 2"):
        short.close()


def test_every_opcode_form_and_out_of_order_rows():
    # memo numbers past 255 and past 65535 (LONG_BINPUT / LONG_BINGET), 2- and 4-byte row
    # counts and lengths, b"" given many times (a memoised singleton), 12 batches of 1000
    rows = [70000, 300, 1, *([2] * 50), *([0, 2] * 5500), 256, 0]
    flat, starts, stops = _pieces(rows, 1)
    ours = object_member(flat, starts, stops)
    assert ours == c_pickler_member([flat[a:b] for a, b in zip(starts, stops)])
    names = {op.name for op, _, _ in pickletools.genops(ours[ours.index(b"\n") + 1 :])}
    assert {"LONG_BINPUT", "LONG_BINGET", "BININT", "BININT2", "BINBYTES", "APPENDS"} <= names
    order = np.random.default_rng(2).permutation(len(rows))  # elements in any order of rows
    starts, stops = starts[order], stops[order]
    ours = object_member(flat, starts, stops)
    assert ours == c_pickler_member([flat[a:b] for a, b in zip(starts, stops)])


def test_magentas_load_reads_what_was_written(tmp_path):
    flat, starts, stops = _pieces([3, 4, 17, 1, 250], 3)
    flat[:, 2] = flat[:, 2] & 1  # pen values, for the project's reader
    path = tmp_path / "cat.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for key, (a, b) in {"train": (0, 3), "valid": (3, 4), "test": (4, 5)}.items():
            archive.writestr(f"{key}.npy", object_member(flat, starts[a:b], stops[a:b]))
    data = np.load(path, encoding="latin1", allow_pickle=True)  # magenta's load_dataset
    got = [*data["train"], *data["valid"], *data["test"]]
    assert [g.dtype for g in got] == [np.dtype(np.int16)] * 5
    assert [g.tolist() for g in got] == [flat[a:b].tolist() for a, b in zip(starts, stops)]
    assert read_drawings(path).meta["split"].tolist() == ["train"] * 3 + ["valid", "test"]


def test_a_pickler_that_changed_falls_back_to_the_c_pickler(monkeypatch):
    flat, starts, stops = _pieces([2, 5], 4)
    assert _npz_stream._stream_is_exact.__wrapped__() is True  # this numpy and Python
    monkeypatch.setattr(_npz_stream, "_stream", None)  # the compiled pass is not used
    monkeypatch.setattr(_npz_stream, "_stream_is_exact", lambda: False)
    assert object_member(flat, starts, stops) == c_pickler_member([flat[0:2], flat[2:7]])


def test_bad_bounds_are_refused():
    flat = np.zeros((4, 3), np.int16)
    with pytest.raises(ValueError, match="valid row bounds"):
        object_member(flat, np.array([0, 3]), np.array([2, 5]))
    with pytest.raises(ValueError, match="valid row bounds"):
        object_member(flat, np.array([2]), np.array([1]))
    with pytest.raises(ValueError, match="int16 \\(n, 3\\)"):
        object_member(np.zeros((4, 2), np.int16), np.array([0]), np.array([1]))
    assert io.BytesIO(object_member(flat, np.zeros(0, int), np.zeros(0, int))).read(6) == (
        b"\x93NUMPY"
    )
