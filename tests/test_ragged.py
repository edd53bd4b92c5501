"""The ragged batch container: construction, views, conversions, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta import Ragged, ValidationError
from strokedelta.ragged import group_order, offsets_from_lengths


@st.composite
def batches(draw):
    lengths = draw(st.lists(st.integers(0, 6), min_size=0, max_size=6))
    values = np.arange(sum(lengths) * 2, dtype=np.int32).reshape(-1, 2)
    return Ragged(values, offsets_from_lengths(lengths))


@given(batch=batches().filter(len))
def test_conversions_round_trip(batch):
    assert Ragged.from_list(batch.to_list(), dtype=np.int32).equals(batch)
    padded, lengths = batch.to_padded()
    assert Ragged.from_padded(padded, lengths).equals(batch)
    assert Ragged.from_arrow(batch.to_arrow()).equals(batch)
    frame = batch.to_frame(["x", "y"])
    back = Ragged.from_frame(frame, "id", ["x", "y"])
    nonempty = batch.lengths > 0
    assert back.equals(batch.take(nonempty))  # empty sequences have no rows in a long frame


def test_empty_batch_conversions():
    empty = Ragged(np.zeros((0, 2), dtype=np.int32), [0])
    padded, lengths = empty.to_padded()
    assert padded.shape == (0, 0, 2)
    assert lengths.tolist() == []
    assert Ragged.from_padded(padded, lengths).equals(empty)
    assert Ragged.from_arrow(empty.to_arrow()).equals(empty)
    assert Ragged.from_list([]).lengths.tolist() == []


def test_index_is_a_view():
    batch = Ragged(np.arange(6).reshape(3, 2), [0, 2, 3])
    first = batch[0]
    assert first.base is not None
    assert np.shares_memory(first, batch.values)
    assert batch[-1].tolist() == [[4, 5]]
    with pytest.raises(IndexError, match="sequence index 2 out of range for 2 sequences"):
        batch[2]


def test_slicing_and_take_and_mask():
    batch = Ragged(np.arange(10), [0, 2, 5, 5, 10], ids=["a", "b", "c", "d"])
    part = batch[1:3]
    assert part.offsets.tolist() == [0, 3, 3]
    assert part.values.tolist() == [2, 3, 4]
    assert part.ids.tolist() == ["b", "c"]
    picked = batch[np.array([True, False, False, True])]
    assert picked.values.tolist() == [0, 1, 5, 6, 7, 8, 9]
    assert batch.take([3, 0]).ids.tolist() == ["d", "a"]


def test_from_frame_with_interleaved_ids():
    frame = pd.DataFrame({"id": ["b", "a", "b", "a", "b"], "x": [1, 10, 2, 20, 3]})
    batch = Ragged.from_frame(frame, "id", ["x"])
    assert batch.ids.tolist() == ["b", "a"]
    assert batch.to_list()[0].ravel().tolist() == [1, 2, 3]
    assert batch.to_list()[1].ravel().tolist() == [10, 20]
    out = batch.to_frame(["x"])
    assert out["id"].tolist() == ["b", "b", "b", "a", "a"]


def test_group_order_keeps_first_appearance():
    order, offsets, uniques = group_order([3, 1, 3, 2])
    assert order.tolist() == [0, 2, 1, 3]
    assert offsets.tolist() == [0, 2, 3, 4]
    assert uniques.tolist() == [3, 1, 2]


def test_concat_and_positions():
    a = Ragged(np.arange(3), [0, 1, 3])
    joined = Ragged.concat([a, a])
    assert joined.offsets.tolist() == [0, 1, 3, 4, 6]
    assert joined.positions().tolist() == [0, 0, 1, 0, 0, 1]
    assert joined.segment_ids().tolist() == [0, 1, 1, 2, 3, 3]


def test_arrow_of_sliced_list_array():
    arr = pa.array([[1, 2], [3], [4, 5, 6]]).slice(1)
    assert Ragged.from_arrow(arr).to_list()[1].tolist() == [4, 5, 6]


@pytest.mark.parametrize(
    ("values", "offsets", "message"),
    [
        (np.zeros(3), [1, 3], "offsets must start at 0; got 1"),
        (np.zeros(3), [0, 2, 1, 3], r"offsets must be non-decreasing; got 2 then 1 at 1"),
        (np.zeros(3), [0, 5], r"offsets must end at the number of rows \(3\); got 5"),
        (np.zeros(3), [[0, 3]], "offsets must be a 1-D array of at least one element"),
        (np.zeros(3), [0.0, 3.0], "offsets must have an integer dtype; got float64"),
        (
            np.zeros((2, 2, 2)),
            [0, 2],
            r"values must have shape \(n,\) or \(n, C\); got \(2, 2, 2\)",
        ),
    ],
)
def test_validation_messages(values, offsets, message):
    with pytest.raises(ValidationError, match=message):
        Ragged(values, offsets)


def test_padding_errors():
    batch = Ragged(np.arange(3), [0, 3])
    with pytest.raises(
        ValidationError, match=r"max_len must be >= the longest sequence \(3\); got 2"
    ):
        batch.to_padded(max_len=2)
    with pytest.raises(ValidationError, match=r"lengths must lie in 0..2"):
        Ragged.from_padded(np.zeros((1, 2)), [3])
    with pytest.raises(ValidationError, match=r"ids must have shape \(1,\); got \(2,\)"):
        Ragged(np.arange(3), [0, 3], ids=["a", "b"])
