"""Exact conversions: polylines <-> stroke-3 <-> stroke-5, single drawings and batches."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from strokedelta.exceptions import ValidationError
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch import (
    absolute_to_stroke3,
    polylines_to_stroke3,
    stroke3_to_absolute,
    stroke3_to_polylines,
    stroke3_to_stroke5,
    stroke3_to_stroke5_batch,
    stroke5_to_stroke3,
    stroke5_to_stroke3_batch,
)


def magenta_pad_batch(batch: list[np.ndarray], max_len: int) -> np.ndarray:
    """magenta/models/sketch_rnn/utils.py DataLoader.pad_batch, ported line for line."""
    result = np.zeros((len(batch), max_len + 1, 5), dtype=float)
    for i in range(len(batch)):
        length = len(batch[i])
        assert length <= max_len
        result[i, 0:length, 0:2] = batch[i][:, 0:2]
        result[i, 0:length, 3] = batch[i][:, 2]
        result[i, 0:length, 2] = 1 - result[i, 0:length, 3]
        result[i, length:, 4] = 1
        result[i, 1:, :] = result[i, :-1, :]
        result[i, 0, :] = 0
        result[i, 0, 2] = 1
        result[i, 0, 3] = 0
        result[i, 0, 4] = 0
    return result


SHEEP_LIKE = np.array([[2, -4, 0], [9, -9, 0], [16, -7, 1], [-30, 5, 0], [3, 3, 1]], dtype=np.int16)


def test_single_drawing_polylines_to_stroke3_and_back():
    strokes = [[[10, 12], [5, 5]], [[11], [9]]]
    s3 = polylines_to_stroke3(strokes)
    assert s3.tolist() == [[10, 5, 0], [2, 0, 1], [-1, 4, 1]]
    assert [p.tolist() for p in stroke3_to_polylines(s3)] == [[[10, 5], [12, 5]], [[11, 9]]]
    assert stroke3_to_absolute(s3).tolist() == [[10, 5], [12, 5], [11, 9]]
    assert absolute_to_stroke3(stroke3_to_absolute(s3), s3[:, 2]).tolist() == s3.tolist()


def test_stroke5_matches_magenta_and_keeps_the_dtype():
    s5 = stroke3_to_stroke5(SHEEP_LIKE, max_len=8)
    assert s5.dtype == np.int16
    assert s5.shape == (9, 5)
    np.testing.assert_array_equal(s5, magenta_pad_batch([SHEEP_LIKE], 8)[0])
    assert s5[0].tolist() == [0, 0, 1, 0, 0]
    assert s5[5].tolist() == [3, 3, 0, 1, 0]  # the last point is a point, not end-of-sketch
    assert s5[6:].tolist() == [[0, 0, 0, 0, 1]] * 3


def test_a_drawing_of_exactly_max_len_has_no_end_row_like_magenta():
    s5 = stroke3_to_stroke5(SHEEP_LIKE, max_len=5)
    np.testing.assert_array_equal(s5, magenta_pad_batch([SHEEP_LIKE], 5)[0])
    assert (s5[:, 4] == 0).all()
    assert stroke5_to_stroke3(s5).tolist() == SHEEP_LIKE.tolist()


def test_too_long_a_drawing_is_refused():
    with pytest.raises(
        ValidationError, match=r"max_len must be >= the longest drawing \(5 points\); got 4"
    ):
        stroke3_to_stroke5(SHEEP_LIKE, max_len=4)


def test_batch_lengths_and_mask():
    batch = Ragged(np.array([[1, 1, 1], [2, 0, 0], [3, 3, 1]]), [0, 1, 3])
    s5, lengths, mask = stroke3_to_stroke5_batch(batch, max_len=3)
    assert s5.shape == (2, 4, 5)
    assert lengths.tolist() == [1, 2]
    assert mask.tolist() == [[False, True, False, False], [False, True, True, False]]
    np.testing.assert_array_equal(s5, magenta_pad_batch([batch[0], batch[1]], 3).astype(s5.dtype))


def test_stroke5_to_stroke3_stops_at_the_first_end_row_and_can_skip_the_start_token():
    s5 = np.array([[4, 5, 0, 1, 0], [1, 1, 1, 0, 0], [0, 0, 0, 0, 1], [9, 9, 1, 0, 0]])
    assert stroke5_to_stroke3(s5, start_token=False).tolist() == [[4, 5, 1], [1, 1, 0]]
    assert stroke5_to_stroke3(s5).tolist() == [[1, 1, 0]]


def test_float_stroke5_round_trip():
    s3 = np.array([[0.5, -0.25, 0.0], [1.0, 2.0, 1.0]])
    s5 = stroke3_to_stroke5(s3, max_len=3)
    assert s5.dtype == np.float64
    assert stroke5_to_stroke3(s5).tolist() == s3.tolist()


def test_bad_shapes_are_refused():
    with pytest.raises(ValidationError, match=r"s must have shape \(n, 3\); got \(2, 2\)"):
        stroke3_to_stroke5(np.zeros((2, 2)), max_len=3)
    with pytest.raises(
        ValidationError, match=r"stroke5 must have shape \(B, L, 5\); got \(1, 2, 3\)"
    ):
        stroke5_to_stroke3_batch(np.zeros((1, 2, 3)))
    with pytest.raises(
        ValidationError, match="strokes must be a Ragged of stroke-3 rows; got ndarray"
    ):
        stroke3_to_stroke5_batch(np.zeros((2, 3)))  # type: ignore[arg-type]


stroke3_rows = hnp.arrays(
    np.int16,
    st.tuples(st.integers(1, 12), st.just(3)),
    elements=st.integers(-500, 500),
).map(lambda a: np.column_stack([a[:, :2], (a[:, 2] > 0).astype(np.int16)]))


@given(st.lists(stroke3_rows, min_size=1, max_size=6), st.integers(0, 4))
def test_stroke3_to_stroke5_to_stroke3_is_the_identity(drawings, extra):
    batch = Ragged(np.concatenate(drawings), offsets_from_lengths([len(d) for d in drawings]))
    max_len = int(batch.lengths.max()) + extra
    s5, _lengths, mask = stroke3_to_stroke5_batch(batch, max_len)
    np.testing.assert_array_equal(s5, magenta_pad_batch(drawings, max_len).astype(np.int16))
    assert mask.sum() == batch.n_points
    assert stroke5_to_stroke3_batch(s5).equals(batch)
    for d in drawings:
        assert stroke5_to_stroke3(stroke3_to_stroke5(d, max_len)).tolist() == d.tolist()


@given(st.lists(stroke3_rows, min_size=1, max_size=4))
def test_absolute_round_trip_is_exact(drawings):
    for d in drawings:
        back = absolute_to_stroke3(stroke3_to_absolute(d), d[:, 2])
        assert back.tolist() == d.tolist()


def test_aaron_sheep_stroke5_round_trip_is_the_identity(real_data):
    from strokedelta.io import read_drawings

    drawings = read_drawings(real_data / "aaron_sheep.npz")
    s5, _lengths, mask = stroke3_to_stroke5_batch(drawings.strokes)
    assert s5.shape == (8000, 251, 5)
    assert s5.dtype == np.int16
    assert int(mask.sum()) == 1_002_762
    back = stroke5_to_stroke3_batch(s5)
    assert back.equals(drawings.strokes)
