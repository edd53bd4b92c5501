"""The delta codec: exact round trips, ragged restarts, dtypes, overflow, torch parity."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from strokedelta import DeltaOverflowError, Ragged, ValidationError, from_deltas, to_deltas

INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32]


@st.composite
def ragged_ints(draw, dtype=np.int16):
    """A flat (N, C) integer batch with offsets, including empty and length-1 sequences."""
    lengths = draw(st.lists(st.integers(0, 12), min_size=1, max_size=8))
    columns = draw(st.integers(1, 3))
    info = np.iinfo(dtype)
    values = draw(
        hnp.arrays(
            dtype,
            (sum(lengths), columns),
            elements=st.integers(int(info.min), int(info.max)),
        )
    )
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return values, offsets


@given(
    data=st.sampled_from(INT_DTYPES).flatmap(ragged_ints),
    order=st.integers(1, 3),
    lag=st.integers(1, 4),
)
def test_integer_round_trip_is_exact_and_never_wraps(data, order, lag):
    values, offsets = data
    before = values.copy()
    # The exact deltas, computed with Python integers.
    expected = values.astype(object)
    for _ in range(order):
        out = expected.copy()
        for a, b in pairwise(offsets):
            if b - a > lag:
                out[a + lag : b] = expected[a + lag : b] - expected[a : b - lag]
        expected = out
    info = np.iinfo(np.int64)
    if (
        expected.size
        and not info.min <= min(expected.min(), 0) <= max(expected.max(), 0) <= info.max
    ):
        with pytest.raises(DeltaOverflowError, match="integer difference overflows int64"):
            to_deltas(values, offsets, order=order, lag=lag)
        return
    deltas = to_deltas(values, offsets, order=order, lag=lag)
    assert deltas.dtype.kind == "i"
    np.testing.assert_array_equal(deltas.astype(object), expected)  # no wrap-around anywhere
    back = from_deltas(deltas, offsets, order=order, lag=lag)
    np.testing.assert_array_equal(values, before)  # input untouched
    assert back.dtype.kind == "i"
    assert back.dtype.itemsize >= np.dtype(values.dtype).itemsize
    np.testing.assert_array_equal(back.astype(np.int64), values.astype(np.int64))


@st.composite
def mixed_scale_floats(draw):
    lengths = draw(st.lists(st.integers(0, 40), min_size=1, max_size=6))
    scales = draw(st.lists(st.sampled_from([1e-3, 1.0, 1e6]), min_size=6, max_size=6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    parts = [rng.normal(size=(n, 2)) * scales[i] + scales[i] * 10 for i, n in enumerate(lengths)]
    return np.concatenate(parts), np.concatenate([[0], np.cumsum(lengths)])


@given(data=mixed_scale_floats(), order=st.integers(1, 2), lag=st.integers(1, 3))
def test_float_round_trip_within_bound_per_sequence(data, order, lag):
    values, offsets = data
    back = from_deltas(
        to_deltas(values, offsets, order=order, lag=lag), offsets, order=order, lag=lag
    )
    assert back.dtype == np.float64
    for a, b in pairwise(offsets):
        if b > a:
            bound = 1e-9 * np.abs(values[a:b]).max()
            assert np.abs(back[a:b] - values[a:b]).max() <= bound


def test_small_scale_sequence_after_huge_one_keeps_its_precision():
    rng = np.random.default_rng(1)
    big = rng.normal(size=200_000) * 1e6 + 1e9
    small = rng.normal(size=1000) * 1e-3
    x = np.concatenate([big, small])
    offsets = [0, big.size, x.size]
    back = from_deltas(to_deltas(x, offsets), offsets)
    assert np.abs(back[big.size :] - small).max() <= 1e-9 * np.abs(small).max()


def test_first_value_kept_and_each_sequence_restarts():
    x = np.array([[0, 0], [3, 4], [5, 4], [1, 1], [2, 3]])
    d = to_deltas(x, offsets=[0, 3, 3, 5])
    assert d.tolist() == [[0, 0], [3, 4], [2, 0], [1, 1], [1, 2]]


def test_order_and_lag_values():
    assert to_deltas(np.array([1, 4, 9, 16]), order=2).tolist() == [1, 2, 2, 2]
    assert to_deltas(np.array([5, 7, 6, 9, 8]), lag=2).tolist() == [5, 7, 1, 2, 2]
    assert from_deltas(np.array([5, 7, 1, 2, 2]), lag=2).tolist() == [5, 7, 6, 9, 8]


def test_lag_longer_than_sequence_keeps_every_value():
    x = np.array([3.0, 1.0])
    np.testing.assert_array_equal(to_deltas(x, lag=5), x)


def test_unsigned_is_widened_not_wrapped():
    d = to_deltas(np.array([5, 3, 10], dtype=np.uint8))
    assert d.dtype == np.int16
    assert d.tolist() == [5, -2, 7]  # pandas' diff would give 254 for 3 - 5 in uint8


def test_int8_delta_that_overflows_is_widened():
    d = to_deltas(np.array([100, -100], dtype=np.int8))
    assert d.dtype == np.int16
    assert d.tolist() == [100, -200]
    back = from_deltas(d)
    assert back.dtype == np.int16
    assert back.tolist() == [100, -100]


def test_int16_stays_int16_when_it_fits():
    x = np.array([[2, -4, 0], [10, 5, 1]], dtype=np.int16)
    assert to_deltas(x).dtype == np.int16
    assert from_deltas(to_deltas(x)).dtype == np.int16


def test_float32_in_float32_out():
    x = np.array([1.5, 2.25, -3.0], dtype=np.float32)
    d = to_deltas(x)
    assert d.dtype == np.float32
    assert from_deltas(d).tolist() == [1.5, 2.25, -3.0]


@pytest.mark.parametrize(
    ("func", "x", "what"),
    [
        (to_deltas, [2**62, -(2**62) - 10], "difference"),
        (from_deltas, [2**62, 2**62], "cumulative sum"),
    ],
)
def test_int64_overflow_raises(func, x, what):
    with pytest.raises(DeltaOverflowError, match=f"integer {what} overflows int64"):
        func(np.array(x, dtype=np.int64))
    with pytest.raises(DeltaOverflowError, match=f"integer {what} overflows int64"):
        func(torch.tensor(x, dtype=torch.int64))


def test_uint64_above_int64_raises():
    with pytest.raises(DeltaOverflowError, match="x holds uint64 values above the int64 maximum"):
        to_deltas(np.array([2**64 - 1], dtype=np.uint64))


def test_ragged_in_ragged_out():
    batch = Ragged.from_list([np.array([1, 3, 6]), np.array([10, 5])])
    d = to_deltas(batch)
    assert isinstance(d, Ragged)
    assert d.values.tolist() == [1, 2, 3, 10, -5]
    assert from_deltas(d).equals(batch)


def test_empty_input():
    assert to_deltas(np.zeros((0, 2))).shape == (0, 2)
    assert from_deltas(np.zeros(0, dtype=np.int32), offsets=[0, 0]).shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": np.zeros((2, 2, 2))}, r"x must have shape \(n,\) or \(n, C\); got \(2, 2, 2\)"),
        ({"x": np.array(["a"])}, "x must have a numeric dtype; got <U1"),
        ({"x": np.zeros(3), "order": 0}, "order must be an integer >= 1; got 0"),
        ({"x": np.zeros(3), "lag": 1.5}, "lag must be an integer >= 1; got 1.5"),
        ({"x": np.zeros(3), "offsets": [1, 3]}, "offsets must start at 0; got 1"),
        ({"x": np.zeros(3), "offsets": [0, 2, 1, 3]}, "offsets must be non-decreasing"),
        ({"x": np.zeros(3), "offsets": [0, 4]}, r"offsets must end at the number of rows \(3\)"),
        ({"x": np.zeros(3), "offsets": [[0, 3]]}, "offsets must be a 1-D array"),
    ],
)
def test_errors_are_named(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        to_deltas(**kwargs)


def test_ragged_with_offsets_is_refused():
    batch = Ragged.from_list([[1, 2]])
    with pytest.raises(ValidationError, match="offsets must be None when x is a Ragged"):
        to_deltas(batch, [0, 2])


@given(data=ragged_ints(np.int32), order=st.integers(1, 2), lag=st.integers(1, 3))
def test_torch_matches_numpy(data, order, lag):
    values, offsets = data
    tensor = torch.from_numpy(values.copy())
    d_t = to_deltas(tensor, offsets, order=order, lag=lag)
    d_n = to_deltas(values, offsets, order=order, lag=lag)
    assert isinstance(d_t, torch.Tensor)
    np.testing.assert_array_equal(d_t.numpy(), d_n)
    assert str(d_t.dtype).replace("torch.", "") == str(d_n.dtype)
    back = from_deltas(d_t, torch.from_numpy(offsets), order=order, lag=lag)
    np.testing.assert_array_equal(back.numpy(), values)
    np.testing.assert_array_equal(tensor.numpy(), values)  # not mutated


def test_torch_float_keeps_dtype_and_matches_numpy():
    x = torch.linspace(-3, 7, 50, dtype=torch.float32).reshape(25, 2)
    d = to_deltas(x, [0, 10, 25])
    assert d.dtype == torch.float32
    back = from_deltas(d, [0, 10, 25])
    np.testing.assert_allclose(back.numpy(), from_deltas(d.numpy(), [0, 10, 25]), rtol=1e-6)
    np.testing.assert_allclose(back.numpy(), x.numpy(), atol=1e-5)


def test_torch_uint8_widened():
    d = to_deltas(torch.tensor([5, 3, 10], dtype=torch.uint8))
    assert d.dtype == torch.int16
    assert d.tolist() == [5, -2, 7]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_same_device_and_values():
    x = torch.randn(1000, 2, dtype=torch.float64, device="cuda")
    offsets = [0, 10, 500, 1000]
    d = to_deltas(x, offsets)
    assert d.device.type == "cuda"
    back = from_deltas(d, offsets)
    assert back.device.type == "cuda"
    torch.testing.assert_close(back, x)
    np.testing.assert_allclose(d.cpu().numpy(), to_deltas(x.cpu().numpy(), offsets))
