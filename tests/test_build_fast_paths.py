"""The compiled shortcuts of a build give what the general code gives: reordering drawings
(``take_drawings`` and ``take_parts`` against ``Drawings.__getitem__``) and the ndjson
scanner's int32 stroke-3 pass (against ``build_drawings``, also at the int32 and 2**30
boundaries where it hands over)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strokedelta.datasets._gather import take_drawings, take_parts
from strokedelta.io._ndjson_build import ChunkState, build_drawings
from strokedelta.io._ndjson_scan import parse_compiled
from strokedelta.limits import DEFAULT_LIMITS
from strokedelta.sketch import Drawings
from strokedelta.sketch.formats import flatten_polylines

coordinate = st.one_of(
    st.integers(0, 255),
    st.integers(-(2**31) - 3, 2**31 + 3),
    st.sampled_from([2**30 - 1, 2**30, -(2**30) + 1, -(2**30), 2**31 - 2, -(2**31) + 1]),
)


@st.composite
def polylines(draw, values=coordinate):
    drawings = []
    for _ in range(draw(st.integers(1, 6))):
        strokes = []
        for _ in range(draw(st.integers(1, 3))):
            n = draw(st.integers(1, 4))
            strokes.append([draw(st.lists(values, min_size=n, max_size=n)) for _ in "xy"])
        drawings.append(strokes)
    return drawings


@settings(max_examples=80, deadline=None)
@given(polylines())
def test_scanned_simplified_drawings_equal_the_general_build(drawings):
    lines = [
        json.dumps({"word": "cat", "key_id": str(i), "drawing": d}, separators=(",", ":"))
        for i, d in enumerate(drawings)
    ]
    data = ("\n".join(lines) + "\n").encode()
    fast = parse_compiled(data, len(lines), ChunkState(), DEFAULT_LIMITS)
    meta = fast.meta
    general = build_drawings(flatten_polylines(drawings), meta)
    assert fast.strokes.values.dtype == general.strokes.values.dtype
    assert np.array_equal(fast.strokes.values, general.strokes.values)
    assert np.array_equal(fast.strokes.offsets, general.strokes.offsets)
    assert meta["key_id"].tolist() == [str(i) for i in range(len(drawings))]


def test_small_coordinates_take_the_int32_pass_and_large_ones_do_not():
    small = [[[[0, 3, 2**30 - 1], [5, -(2**30) + 1, 0]]]]
    large = [[[[-(2**31) + 2, 2**31 - 2], [0, 0]]]]  # a delta beyond int32: int64
    for drawings, dtype in ((small, np.int32), (large, np.int64)):
        line = json.dumps({"drawing": drawings[0]}).encode() + b"\n"
        fast = parse_compiled(line, 1, ChunkState(), DEFAULT_LIMITS)
        assert fast.strokes.values.dtype == dtype
        general = build_drawings(flatten_polylines(drawings), fast.meta)
        assert fast.strokes.values.tolist() == general.strokes.values.tolist()


@settings(max_examples=60, deadline=None)
@given(polylines(st.integers(-50, 300)), st.data())
def test_take_drawings_equals_indexing(drawings, data):
    meta = pd.DataFrame({"key_id": [f"k{i}" for i in range(len(drawings))]})
    d = Drawings.from_polylines(drawings, meta)
    positions = st.integers(0, len(d) - 1)
    order = np.array(data.draw(st.lists(positions, max_size=12)), dtype=np.int64)
    got, want = take_drawings(d, order), d[order]
    assert got.strokes.equals(want.strokes)
    assert got.meta.equals(want.meta)
    assert take_drawings(d, np.arange(len(d))) is d


@settings(max_examples=60, deadline=None)
@given(polylines(st.integers(-50, 300)), st.data())
def test_take_parts_equals_indexing_the_concatenation(drawings, data):
    meta = pd.DataFrame({"key_id": [f"k{i}" for i in range(len(drawings))]})
    d = Drawings.from_polylines(drawings, meta)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(d)), max_size=3)))
    bounds = [0, *cuts, len(d)]
    parts = [d[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    order = np.array(data.draw(st.permutations(range(len(d)))), dtype=np.int64)
    order = order[: data.draw(st.integers(0, len(d)))]
    got, want = take_parts(parts, order), d[order]
    assert got.strokes.equals(want.strokes)
    assert got.meta.equals(want.meta)
    repeated = np.array([0, 0, len(d) - 1])  # a position twice: the general path
    assert take_parts(parts, repeated).strokes.equals(d[repeated].strokes)
    with pytest.raises(IndexError, match=rf"0\.\.{2 * len(d) - 1}"):
        take_parts(parts + parts, np.array([2 * len(d)]))


def test_take_drawings_refuses_positions_out_of_range():
    d = Drawings.from_polylines([[[[0, 1], [0, 1]]]] * 3)
    with pytest.raises(IndexError, match=r"0\.\.2"):
        take_drawings(d, np.array([0, 3]))
    with pytest.raises(IndexError, match=r"0\.\.2"):
        take_drawings(d, np.array([-1]))
