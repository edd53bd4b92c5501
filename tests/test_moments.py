"""DeltaMoments: exact integer sums, merges that do not depend on grouping, the scale factor."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta import Ragged
from strokedelta.exceptions import ValidationError
from strokedelta.sketch import Drawings, fit_scale_factor
from strokedelta.sketch.moments import DeltaMoments

_lengths = st.lists(st.integers(1, 6), min_size=1, max_size=12)


def _drawings(lengths: list[int], seed: int, high: int = 300) -> Drawings:
    rng = np.random.default_rng(seed)
    n = sum(lengths)
    values = np.column_stack([rng.integers(-high, high, (n, 2)), rng.integers(0, 2, n)])
    values[np.cumsum(lengths) - 1, 2] = 1
    return Drawings(
        Ragged(values.astype(np.int16 if high < 2**15 else np.int64), np.cumsum([0, *lengths]))
    )


@given(_lengths, st.integers(0, 2**16), st.lists(st.integers(0, 12), max_size=4))
def test_merge_of_parts_is_the_moments_of_the_whole(lengths, seed, cuts):
    whole = _drawings(lengths, seed)
    bounds = sorted({0, len(whole), *(min(c, len(whole)) for c in cuts)})
    parts = [DeltaMoments.from_drawings(whole[a:b]) for a, b in itertools.pairwise(bounds)]
    expected = DeltaMoments.from_drawings(whole)
    assert DeltaMoments.sum(parts) == expected
    assert DeltaMoments.sum(reversed(parts)) == expected  # order does not matter either
    values = whole.strokes.values.astype(np.int64)
    assert expected.sum_dx == int(values[:, 0].sum())
    assert expected.sum_dy2 == int((values[:, 1] ** 2).sum())
    assert expected.strokes == int(whole.n_strokes.sum())
    assert dict(expected.lengths) == dict(zip(*np.unique(whole.lengths, return_counts=True)))
    assert expected.scale_factor == pytest.approx(fit_scale_factor(whole), rel=1e-12)


@given(_lengths, st.integers(0, 2**16))
def test_length_percentiles_are_numpys(lengths, seed):
    d = _drawings(lengths, seed)
    q = [0, 5, 25, 50, 75, 95, 100, 33.3]
    got = DeltaMoments.from_drawings(d).length_percentiles(q)
    assert got == pytest.approx(np.percentile(d.lengths, q).tolist(), rel=1e-12)


def test_sums_of_huge_offsets_are_exact():
    big = 2**40
    d = Drawings(
        Ragged(np.array([[big, -big, 0], [big, big, 1]] * 3000, dtype=np.int64), [0, 6000])
    )
    m = DeltaMoments.from_drawings(d)
    assert m.sum_dx == 6000 * big
    assert m.sum_dy == 0
    assert m.sum_dx2 == 6000 * big * big  # far beyond int64: exact Python ints
    assert m.dx_range == (big, big)
    assert m.dy_range == (-big, big)
    assert m.scale_factor == pytest.approx(
        float(np.std(np.array([big, -big, big, big] * 3000, dtype=float)))
    )


def test_aaron_sheep_train_scale_factor(real_data):
    from strokedelta.io import read_drawings

    train = read_drawings(real_data / "aaron_sheep.npz", split="train")
    m = DeltaMoments.from_drawings(train)
    assert m.drawings == 7400
    assert round(m.scale_factor, 4) == 18.5198  # magenta's figure for aaron_sheep
    assert DeltaMoments.from_dict(m.to_dict()) == m


def test_empty_and_bad_inputs():
    empty = DeltaMoments()
    assert empty.scale_factor is None
    assert empty.length_percentiles([50]) == [None]
    assert empty + empty == empty
    with pytest.raises(ValidationError, match="drawings must have integer coordinates"):
        DeltaMoments.from_drawings(Drawings.from_polylines([[[[0.5], [1.0]]]]))
    with pytest.raises(
        ValidationError, match="drawings must be a Drawings or a Ragged of stroke-3; got list"
    ):
        DeltaMoments.from_drawings([1])
    with pytest.raises(TypeError):
        empty + 1


@given(
    _lengths,
    st.integers(0, 2**16),
    st.sampled_from([np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32]),
    st.booleans(),
)
def test_compiled_pass_gives_the_numpy_moments(lengths, seed, dtype, pen_zero_ends):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    n = sum(lengths)
    top = min(int(info.max), 2**20)  # wide enough that int32 offsets exceed 16 bits
    values = rng.integers(max(int(info.min), -top), top + 1, (n, 3)).astype(dtype)
    values[:, 2] = rng.integers(0, 2, n)
    values[: min(n, 4), :2] = [[max(int(info.min), -top), top]] * min(n, 4)  # extremes
    values[np.cumsum(lengths) - 1, 2] = 0 if pen_zero_ends else 1  # unfinished last strokes
    d = Drawings(Ragged(values, np.cumsum([0, *lengths])))
    strokes = d.strokes
    compiled = DeltaMoments._compiled(strokes)
    assert compiled == DeltaMoments._general(strokes, int(d.n_strokes.sum()))
    assert compiled == DeltaMoments.from_drawings(d)
    assert compiled.sum_dx2 == int((values[:, 0].astype(np.int64) ** 2).sum())
    assert compiled.dx_range == (int(values[:, 0].min()), int(values[:, 0].max()))


def test_compiled_pass_refuses_offsets_whose_squares_could_wrap():
    big = np.iinfo(np.int64).max
    d = Drawings(Ragged(np.array([[big, 1, 1]] * 2, dtype=np.int64), [0, 2]))
    assert DeltaMoments._compiled(d.strokes) is None  # the numpy path takes it: still exact
    assert DeltaMoments.from_drawings(d).sum_dx2 == 2 * big * big
