"""The Drawings container: construction checks, indexing, concatenation, exact conversions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.exceptions import ValidationError
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings
from strokedelta.sketch.drawings import stroke3_problems


def two_drawings() -> Drawings:
    meta = pd.DataFrame({"key_id": ["a", "b"], "recognized": [True, False]})
    return Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]], [[2, 2], [5, 9]]]], meta)


# ----------------------------------------------------------------------- construction
def test_strokes_and_meta_are_kept():
    d = two_drawings()
    assert len(d) == 2
    assert d.strokes.values.tolist() == [[0, 0, 0], [3, 4, 1], [1, 1, 1], [1, 4, 0], [0, 4, 1]]
    assert d.strokes.offsets.tolist() == [0, 2, 5]
    assert d.meta["key_id"].tolist() == ["a", "b"]
    assert d.n_strokes.tolist() == [1, 2]
    assert d.lengths.tolist() == [2, 3]
    assert d.pen.tolist() == [0, 1, 1, 0, 1]
    assert d.time is None
    assert d.attrs == {}


def test_meta_index_is_reset_to_a_range():
    meta = pd.DataFrame({"word": ["cat"]}, index=[7])
    d = Drawings(Ragged(np.array([[1, 2, 1]]), [0, 1]), meta)
    assert isinstance(d.meta.index, pd.RangeIndex)
    assert d.meta.index[0] == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            np.array([[0, 0, 2]]),
            r"strokes of drawing 0: pen values must be 0 or 1; got 2 at point 0",
        ),
        (np.array([[0.0, np.nan, 1.0]]), r"values must be finite; got \[0.0, nan, 1.0\]"),
        (np.array([[0, 0]]), r"strokes must have shape \(n, 3\); got \(1, 2\)"),
        (np.array([[True, False, True]]), r"strokes must have a numeric dtype; got bool"),
    ],
)
def test_bad_strokes_are_refused(values, message):
    with pytest.raises(ValidationError, match=message):
        Drawings(Ragged(values, [0, len(values)]))


def test_pen_problem_names_the_drawing_and_point():
    values = np.array([[0, 0, 1], [1, 1, 0], [1, 1, 5]])
    with pytest.raises(
        ValidationError, match="drawing 1: pen values must be 0 or 1; got 5 at point 1"
    ):
        Drawings(Ragged(values, [0, 1, 3]))


def test_strokes_must_be_a_ragged():
    with pytest.raises(
        ValidationError, match="strokes must be a Ragged of stroke-3 rows; got list"
    ):
        Drawings([[0, 0, 1]])  # type: ignore[arg-type]


def test_meta_must_have_one_row_per_drawing():
    with pytest.raises(
        ValidationError, match=r"meta must have one row per drawing \(1\); got 2 rows"
    ):
        Drawings(Ragged(np.array([[1, 2, 1]]), [0, 1]), pd.DataFrame({"a": [1, 2]}))


def test_time_must_share_the_offsets():
    strokes = Ragged(np.array([[1, 2, 0], [1, 1, 1]]), [0, 2])
    with pytest.raises(ValidationError, match="time must have the same offsets as strokes"):
        Drawings(strokes, time=Ragged(np.array([0, 5, 9]), [0, 3]))


def test_attrs_must_be_json():
    with pytest.raises(ValidationError, match="attrs must be JSON-serialisable"):
        Drawings(Ragged(np.array([[1, 2, 1]]), [0, 1]), attrs={"f": object()})


def test_stroke3_problems_lists_every_bad_drawing():
    values = np.array([[0, 0, 1], [0, 0, 3], [0.5, np.inf, 1]], dtype=float)
    bad, messages = stroke3_problems(Ragged(values, [0, 1, 2, 2, 3]), allow_empty=False)
    assert bad.tolist() == [1, 2, 3]
    assert messages == [
        "pen values must be 0 or 1; got 3.0 at point 0",
        "empty drawing (no points)",
        "values must be finite; got [0.5, inf, 1.0] at point 0",
    ]


# ------------------------------------------------------------------------- indexing
def test_int_index_is_a_view_of_one_drawing():
    d = two_drawings()
    view = d[1]
    assert view.tolist() == [[1, 1, 1], [1, 4, 0], [0, 4, 1]]
    assert np.shares_memory(view, d.strokes.values)
    assert d[-1].tolist() == view.tolist()


@pytest.mark.parametrize("key", [slice(1, 2), np.array([1]), np.array([False, True])])
def test_slices_arrays_and_masks_give_drawings(key):
    d = two_drawings()
    d.attrs["scale_factor"] = 2.0
    part = d[key]
    assert isinstance(part, Drawings)
    assert part.strokes.values.tolist() == [[1, 1, 1], [1, 4, 0], [0, 4, 1]]
    assert part.meta["key_id"].tolist() == ["b"]
    assert list(part.meta.index) == [0]
    assert part.attrs == {"scale_factor": 2.0}


def test_reordering_keeps_time_with_its_drawing():
    d = Drawings.from_polylines([[[[0, 1], [0, 1], [0, 10]]], [[[5], [5], [0]]]])
    swapped = d[np.array([1, 0])]
    assert swapped.time.values.tolist() == [0, 0, 10]
    assert swapped.to_polylines() == [[[[5], [5], [0]]], [[[0, 1], [0, 1], [0, 10]]]]


# ---------------------------------------------------------------------- concatenation
def test_concat_stacks_strokes_and_meta():
    d = two_drawings()
    both = Drawings.concat([d, d[:1]])
    assert len(both) == 3
    assert both.strokes.offsets.tolist() == [0, 2, 5, 7]
    assert both.meta["key_id"].tolist() == ["a", "b", "a"]
    assert both.meta.index.tolist() == [0, 1, 2]


def test_concat_refuses_different_attrs_and_mixed_time():
    d = two_drawings()
    other = d[:1]
    other.attrs = {"scale_factor": 3.0}
    with pytest.raises(ValidationError, match="attrs of every part must be equal"):
        Drawings.concat([d, other])
    timed = Drawings.from_polylines([[[[1], [2], [0]]]])
    with pytest.raises(ValidationError, match="parts must all have a time channel or none"):
        Drawings.concat([Drawings.from_polylines([[[[1], [2]]]]), timed])
    with pytest.raises(ValidationError, match="parts must hold at least one Drawings"):
        Drawings.concat([])


# ----------------------------------------------------------------------- conversions
def test_absolute_and_from_absolute_invert_each_other():
    d = two_drawings()
    points = d.absolute()
    assert points.values.tolist() == [[0, 0], [3, 4], [1, 1], [2, 5], [2, 9]]
    back = Drawings.from_absolute(points, d.pen, d.meta)
    assert back.equals(d)


def test_n_strokes_counts_a_last_stroke_without_pen_up():
    d = Drawings(Ragged(np.array([[0, 0, 1], [1, 1, 0], [2, 2, 0]]), [0, 3]))
    assert d.n_strokes.tolist() == [2]
    assert d.stroke_offsets().tolist() == [0, 1, 3]
    assert d.to_polylines() == [[[[0], [0]], [[1, 3], [1, 3]]]]


def test_polylines_keep_python_ints_and_floats():
    ints = Drawings.from_polylines([[[[1, 2], [3, 4]]]]).to_polylines()
    assert type(ints[0][0][0][0]) is int
    floats = Drawings.from_polylines([[[[1.5, 2], [3, 4.25]]]]).to_polylines()
    assert floats == [[[[1.5, 2.0], [3.0, 4.25]]]]
    assert type(floats[0][0][0][0]) is float


def test_from_polylines_errors_name_the_problem():
    with pytest.raises(
        ValidationError,
        match="drawings must have at least one stroke each; got an empty drawing at index 1",
    ):
        Drawings.from_polylines([[[[1], [2]]], []])
    with pytest.raises(
        ValidationError,
        match=r"y of each stroke must have as many values as x; got 1 and 2 in stroke 0",
    ):
        Drawings.from_polylines([[[[1, 2], [2]]]])
    with pytest.raises(
        ValidationError,
        match="strokes must have at least one point; got an empty stroke at index 1",
    ):
        Drawings.from_polylines([[[[1], [2]], [[], []]]])
    with pytest.raises(ValidationError, match="x must hold only numbers; got str"):
        Drawings.from_polylines([[[["1"], [2]]]])
    with pytest.raises(ValidationError, match="strokes must all be"):
        Drawings.from_polylines([[[[1], [2]], [[1], [2], [0]]]])


polyline = st.lists(
    st.lists(st.tuples(st.integers(-300, 300), st.integers(-300, 300)), min_size=1, max_size=6),
    min_size=1,
    max_size=4,
)


@given(st.lists(polyline, min_size=1, max_size=5))
def test_polylines_round_trip_exactly(drawings):
    nested = [[[[p[0] for p in s], [p[1] for p in s]] for s in d] for d in drawings]
    d = Drawings.from_polylines(nested)
    assert d.to_polylines() == nested
    assert d.strokes.values.dtype.kind == "i"
    assert d.n_strokes.tolist() == [len(x) for x in nested]
    assert Drawings.from_absolute(d.absolute(), d.pen).equals(d)


def test_float32_origin_coordinates_round_trip_exactly():
    rng = np.random.default_rng(0)
    x = rng.uniform(40, 1700, 500).astype(np.float32).astype(np.float64)
    y = rng.uniform(40, 800, 500).astype(np.float32).astype(np.float64)
    nested = [[[x[:300].tolist(), y[:300].tolist()], [x[300:].tolist(), y[300:].tolist()]]]
    assert Drawings.from_polylines(nested).to_polylines() == nested
