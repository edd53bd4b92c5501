"""Sketch-RNN preprocessing and augmentation: real scale factor, exact inverses, seeded draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REAL_DATA
from hypothesis import given
from hypothesis import strategies as st

from strokedelta import NotFittedError, Ragged, ValidationError
from strokedelta._validation import check_random_state
from strokedelta.io import read_drawings
from strokedelta.sketch import Drawings
from strokedelta.sketch.augment import drop_points, droppable_points, random_scale
from strokedelta.sketch.preprocess import (
    clamp_offsets,
    denormalize,
    filter_length,
    fit_scale_factor,
    normalize,
    prepare_drawings,
)
from strokedelta.sketch.scaler import ScaleNormalizer
from strokedelta.sketch.simplify import simplify_drawings

REAL = REAL_DATA  # tests/conftest.py: ../shared/data/real or $STROKEDELTA_REAL_DATA


@pytest.fixture(scope="module")
def sheep() -> dict[str, Drawings]:
    if not REAL.is_dir():
        pytest.skip(f"real data folder not found: {REAL}")
    return {s: read_drawings(REAL / "aaron_sheep.npz", split=s) for s in ("train", "valid")}


def small() -> Drawings:
    """Two drawings: 4 points in 2 strokes, and 3 points in 1 stroke."""
    values = np.array(
        [[5, 5, 0], [2, 0, 0], [2, 1, 1], [-3, 4, 1], [0, 0, 0], [1, 1, 0], [1, -1, 1]]
    )
    meta = pd.DataFrame({"key_id": ["a", "b"]})
    return Drawings(Ragged(values, [0, 4, 7]), meta)


# ------------------------------------------------------------------------ scale factor
def test_aaron_sheep_train_scale_factor(sheep):
    assert fit_scale_factor(sheep["train"]) == pytest.approx(18.5198, abs=1e-4)


def test_scale_factor_is_the_pooled_std_of_dx_and_dy():
    d = small()
    pooled = np.concatenate([d.strokes.values[:, 0], d.strokes.values[:, 1]])
    assert fit_scale_factor(d) == pytest.approx(np.std(pooled), rel=1e-15)
    assert fit_scale_factor(d.strokes) == fit_scale_factor(d)
    with pytest.raises(ValidationError, match="drawings must hold at least one point; got none"):
        fit_scale_factor(Ragged(np.zeros((0, 3)), [0]))


def test_normalizer_fits_on_train_and_inverts_valid_exactly(sheep):
    scaler = ScaleNormalizer().fit(sheep["train"])
    assert scaler.scale_factor_ == pytest.approx(18.5198, abs=1e-4)
    valid = scaler.transform(sheep["valid"])
    assert valid.strokes.values.dtype == np.float64
    assert valid.attrs["scale_factor"] == scaler.scale_factor_
    np.testing.assert_allclose(
        valid.strokes.values[:, :2] * scaler.scale_factor_, sheep["valid"].strokes.values[:, :2]
    )
    back = scaler.inverse_transform(valid)
    assert back.equals(sheep["valid"])
    assert back.strokes.values.dtype == np.int16


def test_normalize_and_denormalize_errors():
    d = small()
    once = normalize(d, 2.0)
    assert once.attrs == {"scale_factor": 2.0, "scale_dtype": "int64"}
    assert d.attrs == {}  # input untouched
    with pytest.raises(ValidationError, match="drawings must not be normalised already"):
        normalize(once, 2.0)
    with pytest.raises(ValidationError, match="scale_factor must be a finite number > 0; got 0"):
        normalize(d, 0)
    with pytest.raises(ValidationError, match=r"drawings must carry attrs\['scale_factor'\]"):
        denormalize(d)
    with pytest.raises(ValidationError, match="scale_factor must match the drawings' stored"):
        denormalize(once, 3.0)
    halves = d.strokes.values * np.array([0.5, 0.5, 1.0])
    floats = Drawings(Ragged(halves, d.strokes.offsets))
    back = denormalize(normalize(floats, 3.0))
    np.testing.assert_allclose(back.strokes.values, floats.strokes.values, rtol=1e-15)
    assert denormalize(floats, 2.0)[0][1].tolist() == [2.0, 0.0, 0.0]
    assert denormalize(floats, 2.0).strokes.values.dtype == np.float64


def test_normalizer_is_sklearn_shaped():
    scaler = ScaleNormalizer()
    assert scaler.scale_factor is None
    assert not hasattr(scaler, "scale_factor_")
    assert scaler.fit(small()) is scaler
    scaler = ScaleNormalizer()
    with pytest.raises(NotFittedError, match="ScaleNormalizer is not fitted yet; call fit"):
        scaler.transform(small())
    fixed = ScaleNormalizer(scale_factor=4.0).fit(small())
    assert fixed.scale_factor_ == 4.0
    assert fixed.fit_transform(small())[1].tolist()[1] == [0.25, 0.25, 0.0]
    assert repr(fixed) == "ScaleNormalizer(scale_factor=4.0)"
    flat = Drawings(Ragged(np.array([[0, 0, 1]]), [0, 1]))
    with pytest.raises(ValidationError, match="drawings must have offsets that are not all zero"):
        ScaleNormalizer().fit(flat)


# --------------------------------------------------------------------- filter / clamp
def test_filter_length_bounds_are_inclusive(sheep):
    lengths = sheep["valid"].lengths
    kept = filter_length(sheep["valid"], min_len=50, max_len=100)
    assert len(kept) == int(((lengths >= 50) & (lengths <= 100)).sum())
    assert kept.lengths.min() >= 50
    assert kept.lengths.max() <= 100
    assert filter_length(small(), max_len=3).meta["key_id"].tolist() == ["b"]
    assert filter_length(small(), min_len=4).meta["key_id"].tolist() == ["a"]
    assert len(filter_length(small())) == 2
    with pytest.raises(ValidationError, match=r"min_len must be <= max_len \(2\); got 3"):
        filter_length(small(), min_len=3, max_len=2)
    with pytest.raises(ValidationError, match="max_len must be an integer >= 0; got -1"):
        filter_length(small(), max_len=-1)


def test_prepare_drawings_simplifies_then_filters_the_simplified_lengths():
    d = small()
    simplified = simplify_drawings(d, epsilon=3.0)
    assert prepare_drawings(d, simplify=True, epsilon=3.0).equals(simplified)
    bound = int(simplified.lengths.min())
    kept = prepare_drawings(d, simplify=True, epsilon=3.0, max_len=bound)
    assert kept.equals(filter_length(simplified, max_len=bound))
    assert prepare_drawings(d, min_len=4).equals(filter_length(d, min_len=4))
    assert prepare_drawings(d) is d
    with pytest.raises(ValidationError, match="epsilon must be"):
        prepare_drawings(d, simplify=True, epsilon=-1.0)
    with pytest.raises(ValidationError, match="drawings must be a Drawings; got list"):
        prepare_drawings([1], simplify=True)


def test_clamp_offsets_keeps_dtype_and_pen():
    values = np.array([[5000, -2000, 0], [3, 4, 1]], dtype=np.int16)
    d = Drawings(Ragged(values, [0, 2]))
    out = clamp_offsets(d)
    assert out[0].tolist() == [[1000, -1000, 0], [3, 4, 1]]
    assert out.strokes.values.dtype == np.int16
    assert d[0][0].tolist() == [5000, -2000, 0]  # input untouched
    floats = clamp_offsets(Drawings(Ragged(values.astype(float), [0, 2])), limit=2.5)
    assert floats[0].tolist() == [[2.5, -2.5, 0.0], [2.5, 2.5, 1.0]]
    with pytest.raises(ValidationError, match="limit must be a finite number > 0; got -1"):
        clamp_offsets(d, limit=-1)


# ------------------------------------------------------------------------ random_scale
def test_random_scale_is_seeded_and_within_bounds(sheep):
    d = sheep["valid"]
    a, factors = random_scale(d, 0.15, seed=7, return_factors=True)
    b = random_scale(d, 0.15, seed=7)
    c = random_scale(d, 0.15, seed=8)
    assert a.equals(b)
    assert not a.equals(c)
    assert factors.shape == (len(d), 2)
    assert factors.min() >= 0.85
    assert factors.max() <= 1.15
    assert factors.std() > 0.05  # really random, anisotropic
    assert not np.allclose(factors[:, 0], factors[:, 1])
    ratio = np.repeat(factors, d.lengths, axis=0)
    np.testing.assert_allclose(a.strokes.values[:, :2], d.strokes.values[:, :2] * ratio)
    np.testing.assert_array_equal(a.pen, d.pen)
    assert a.meta.equals(d.meta)


def test_random_scale_with_a_generator_continues_its_stream():
    rng = np.random.default_rng(3)
    first = random_scale(small(), 0.5, seed=rng)
    second = random_scale(small(), 0.5, seed=rng)
    assert not first.equals(second)
    again = np.random.default_rng(3)
    assert random_scale(small(), 0.5, seed=again).equals(first)
    with pytest.raises(ValidationError, match=r"epsilon must be a finite number in \[0, 1\)"):
        random_scale(small(), 1.0)
    with pytest.raises(ValidationError, match="seed must be None, an integer >= 0 or a numpy"):
        random_scale(small(), 0.1, seed="x")
    with pytest.raises(ValidationError, match="random_state must be None, an integer >= 0 or a"):
        check_random_state(-1)
    with pytest.raises(ValidationError, match="seed must be None, an integer >= 0 or a numpy"):
        drop_points(small(), 0.5, seed=-1)


# -------------------------------------------------------------------------- drop_points
def test_droppable_points_are_interior_stroke_points():
    assert droppable_points(small().strokes).tolist() == [
        False,
        True,
        False,
        False,
        False,
        True,
        False,
    ]


def test_drop_points_extremes():
    d = small()
    assert drop_points(d, 0.0, seed=1).equals(d)
    out = drop_points(d, 1.0, seed=1)
    assert out[0].tolist() == [[5, 5, 0], [4, 1, 1], [-3, 4, 1]]
    assert out[1].tolist() == [[0, 0, 0], [2, 0, 1]]
    assert out.meta.equals(d.meta)
    with pytest.raises(ValidationError, match=r"prob must be a finite number in \[0, 1\]; got 1.5"):
        drop_points(d, 1.5)


def _is_subsequence(small_seq: list, big_seq: list) -> bool:
    it = iter(big_seq)
    return all(any(x == y for y in it) for x in small_seq)


def test_drop_points_keeps_kept_points_in_place_on_real_drawings(sheep):
    d = sheep["valid"][:60]
    out = drop_points(d, 0.3, seed=11)
    assert drop_points(d, 0.3, seed=11).equals(out)
    assert not drop_points(d, 0.3, seed=12).equals(out)
    droppable = int(droppable_points(d.strokes).sum())
    dropped = d.n_points - out.n_points
    assert 0.2 * droppable < dropped < 0.4 * droppable
    np.testing.assert_array_equal(out.n_strokes, d.n_strokes)
    for before, after in zip(d.to_polylines(), out.to_polylines()):
        for s_before, s_after in zip(before, after):
            pts_before = list(zip(*s_before))
            pts_after = list(zip(*s_after))
            assert pts_after[0] == pts_before[0]
            assert pts_after[-1] == pts_before[-1]
            assert _is_subsequence(pts_after, pts_before)


def test_drop_points_keeps_the_times_of_kept_points():
    d = Drawings.from_polylines([[[[0, 1, 2, 3, 4], [0, 0, 1, 0, 0], [0, 10, 20, 30, 40]]]])
    out = drop_points(d, 1.0, seed=0)
    assert out.to_polylines() == [[[[0, 4], [0, 0], [0, 40]]]]


stroke3 = st.lists(
    st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.integers(0, 1)),
    min_size=1,
    max_size=30,
)


@given(st.lists(stroke3, min_size=1, max_size=5), st.floats(0, 1), st.integers(0, 2**32))
def test_drop_points_preserves_sums_and_stroke_ends(drawings, prob, seed):
    d = Drawings(Ragged.from_list([np.array(s, dtype=np.int64) for s in drawings]))
    out = drop_points(d, prob, seed=seed)
    np.testing.assert_array_equal(out.n_strokes, d.n_strokes)
    for before, after in zip(d.to_polylines(), out.to_polylines()):
        assert len(before) == len(after)
        for s_before, s_after in zip(before, after):
            pts_before, pts_after = list(zip(*s_before)), list(zip(*s_after))
            assert pts_after[0] == pts_before[0]
            assert pts_after[-1] == pts_before[-1]
            assert _is_subsequence(pts_after, pts_before)
