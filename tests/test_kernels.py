"""The numba kernels and the pure-numpy reference give identical results (bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta import DeltaOverflowError
from strokedelta._kernels import BACKENDS, segmented_cumsum, segmented_diff, stable_group_order


@st.composite
def batches(draw):
    lengths = draw(st.lists(st.integers(0, 70), min_size=1, max_size=10))
    columns = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    scale = np.repeat(10.0 ** rng.integers(-3, 7, len(lengths)), lengths)[:, None]
    values = rng.normal(size=(sum(lengths), columns)) * scale
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return values, offsets


@given(data=batches(), lag=st.integers(1, 5), as_int=st.booleans())
def test_backends_agree_exactly(data, lag, as_int):
    values, offsets = data
    if as_int:
        values = np.round(values).astype(np.int64)
    d_numba = segmented_diff(values, offsets, lag, backend="numba")
    d_numpy = segmented_diff(values, offsets, lag, backend="numpy")
    np.testing.assert_array_equal(d_numba, d_numpy)
    c_numba = segmented_cumsum(d_numba, offsets, lag, backend="numba")
    c_numpy = segmented_cumsum(d_numba, offsets, lag, backend="numpy")
    np.testing.assert_array_equal(c_numba, c_numpy)  # same order of additions, same bits


@pytest.mark.parametrize("backend", BACKENDS)
def test_overflow_detected_by_each_backend(backend):
    big = np.array([[2**62], [2**62], [2**62]], dtype=np.int64)
    offsets = np.array([0, 1, 3])
    segmented_cumsum(big, np.array([0, 1, 2, 3]), 1, backend=backend)  # each alone is fine
    with pytest.raises(DeltaOverflowError, match="cumulative sum"):
        segmented_cumsum(big, offsets, 1, backend=backend)
    with pytest.raises(DeltaOverflowError, match="difference"):
        segmented_diff(np.array([[2**62], [-(2**62) - 5]]), np.array([0, 2]), 1, backend=backend)
    # A wrap across a sequence boundary is not a wrap: the next sequence restarts.
    segmented_diff(np.array([[2**62], [-(2**62) - 5]]), np.array([0, 1, 2]), 1, backend=backend)


@given(codes=st.lists(st.integers(0, 5), max_size=60))
def test_counting_group_order_matches_stable_argsort(codes):
    codes = np.array(codes, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=6))])
    expected = np.argsort(codes, kind="stable")
    for backend in BACKENDS:
        np.testing.assert_array_equal(stable_group_order(codes, offsets, backend=backend), expected)
