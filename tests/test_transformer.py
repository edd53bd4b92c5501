"""DeltaTransformer: round trips with interleaved groups, NaN policies, anchors, dtypes, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.exceptions import (
    DeltaOverflowError,
    MissingAnchorError,
    NotFittedError,
    ValidationError,
)
from strokedelta.transformer import DeltaTransformer


# ------------------------------------------------------------------------------ helpers
def reference_deltas(x: np.ndarray, order: int, lag: int) -> np.ndarray:
    """Keep-first differences of one run, the slow obvious way (Python ints for integers)."""
    d = x.astype(object) if x.dtype.kind in "iu" else x.astype(np.float64)
    for _ in range(order):
        e = d.copy()
        e[lag:] = d[lag:] - d[:-lag]
        d = e
    return d


def reference(frame, column, group, order, lag, first):
    """Expected output column: per group, per run of non-missing values (loops are fine here)."""
    values = frame[column].to_numpy(dtype=object)
    missing = frame[column].isna().to_numpy()
    out = np.full(len(frame), None, dtype=object)
    keys = np.zeros(len(frame)) if group is None else frame[group].to_numpy()
    for key in pd.unique(keys):
        rows = np.flatnonzero(keys == key)
        run: list[int] = []
        for row in [*rows, None]:
            if row is not None and not missing[row]:
                run.append(row)
                continue
            if run:
                x = np.array([values[r] for r in run])
                d = reference_deltas(x, order, lag).astype(object)
                if first == "drop":
                    d[: order * lag] = None
                out[run] = d
            run = []
    return out


def assert_column_matches(actual: pd.Series, expected: np.ndarray, exact: bool) -> None:
    got_missing = actual.isna().to_numpy()
    want_missing = np.array([v is None for v in expected], dtype=bool)
    np.testing.assert_array_equal(got_missing, want_missing)
    got = actual.to_numpy(dtype=object)[~got_missing]
    want = expected[~want_missing]
    if exact:
        assert [int(v) for v in got] == [int(v) for v in want]
    else:
        np.testing.assert_allclose(got.astype(float), want.astype(float), rtol=1e-12, atol=1e-9)


@st.composite
def frames(draw, with_nan: bool):
    """Interleaved groups, an int column, a float column, a passthrough text column."""
    n = draw(st.integers(0, 30))
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=n, max_size=n))
    int_dtype = draw(st.sampled_from([np.int64, np.int32, np.int8, np.uint8, np.uint16]))
    info = np.iinfo(int_dtype)
    low, high = max(int(info.min), -(2**59)), min(int(info.max), 2**59)  # order 3 fits int64
    ints = draw(st.lists(st.integers(low, high), min_size=n, max_size=n))
    floats = draw(
        st.lists(
            st.floats(-1e6, 1e6, allow_nan=False) | st.just(np.nan)
            if with_nan
            else st.floats(-1e6, 1e6, allow_nan=False),
            min_size=n,
            max_size=n,
        )
    )
    labels = draw(st.permutations(range(100, 100 + n)))
    return pd.DataFrame(
        {
            "id": ids,
            "k": np.array(ints, dtype=int_dtype),
            "note": [f"r{i}" for i in range(n)],
            "v": np.array(floats, dtype=np.float64),
        },
        index=pd.Index(labels, dtype=np.int64, name="row"),
    )


SETTINGS = {
    "order": st.integers(1, 3),
    "lag": st.integers(1, 3),
    "first": st.sampled_from(["keep", "drop"]),
    "grouped": st.booleans(),
}


# ------------------------------------------------------------------------ round trips
@given(frame=frames(with_nan=False), **SETTINGS)
def test_round_trip_without_gaps(frame, order, lag, first, grouped):
    group = "id" if grouped else None
    before = frame.copy(deep=True)
    coder = DeltaTransformer(columns=["k", "v"], group=group, order=order, lag=lag, first=first)
    deltas = coder.fit_transform(frame)
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert list(deltas.columns) == list(frame.columns)
    assert deltas.index.equals(frame.index)
    pd.testing.assert_series_equal(deltas["note"], frame["note"])
    pd.testing.assert_series_equal(deltas["id"], frame["id"])
    assert deltas["k"].dtype.kind == "i"  # ints stay ints (unsigned widened to signed)
    assert deltas["v"].dtype == np.float64
    for column, exact in (("k", True), ("v", False)):
        expected = reference(frame, column, group, order, lag, first)
        assert_column_matches(deltas[column], expected, exact)
    back = coder.inverse_transform(deltas)
    pd.testing.assert_frame_equal(back.drop(columns="v"), frame.drop(columns="v"))
    np.testing.assert_allclose(back["v"], frame["v"], rtol=0, atol=1e-9 * 1e6 * 2**order)
    if first == "drop":  # anchored rows come back bit-exact
        anchored = deltas["v"].isna().to_numpy()
        np.testing.assert_array_equal(back["v"][anchored], frame["v"][anchored])


@given(frame=frames(with_nan=True), **SETTINGS)
def test_round_trip_with_gaps_restarts_after_each_gap(frame, order, lag, first, grouped):
    group = "id" if grouped else None
    coder = DeltaTransformer(
        columns=["v", "k"], group=group, order=order, lag=lag, first=first, na="keep"
    )
    deltas = coder.fit_transform(frame)
    expected = reference(frame, "v", group, order, lag, first)
    assert_column_matches(deltas["v"], expected, exact=False)
    back = coder.inverse_transform(deltas)
    np.testing.assert_array_equal(back["v"].isna(), frame["v"].isna())  # NaN positions kept
    np.testing.assert_allclose(back["v"], frame["v"], rtol=0, atol=1e-9 * 1e6 * 2**order)
    pd.testing.assert_series_equal(back["k"], frame["k"])


def test_interleaved_groups_by_hand():
    frame = pd.DataFrame(
        {"id": ["a", "b", "a", "b", "a"], "x": [1, 10, 4, 13, 9]}, index=[5, 3, 1, 4, 2]
    )
    deltas = DeltaTransformer(columns=["x"], group="id").fit_transform(frame)
    assert deltas["x"].tolist() == [1, 10, 3, 3, 5]
    assert deltas.index.tolist() == [5, 3, 1, 4, 2]


def test_order_and_lag_by_hand():
    frame = pd.DataFrame({"x": [1, 4, 9, 16, 25]})
    assert DeltaTransformer(order=2).fit_transform(frame)["x"].tolist() == [1, 2, 2, 2, 2]
    seasonal = pd.DataFrame({"x": [10, 20, 11, 21, 13]})
    assert DeltaTransformer(lag=2).fit_transform(seasonal)["x"].tolist() == [10, 20, 1, 1, 2]


def test_default_columns_are_the_numeric_ones_except_the_group():
    frame = pd.DataFrame({"g": [1, 1], "x": [1, 3], "s": ["p", "q"], "y": [0.5, 1.0]})
    coder = DeltaTransformer(group="g").fit(frame)
    assert coder.columns_ == ["x", "y"]
    assert coder.transform(frame)["g"].tolist() == [1, 1]


def test_empty_frame_round_trips():
    frame = pd.DataFrame({"id": pd.Series([], dtype=object), "x": pd.Series([], dtype=np.int64)})
    for first in ("keep", "drop"):
        coder = DeltaTransformer(columns=["x"], group="id", first=first)
        back = coder.inverse_transform(coder.fit_transform(frame))
        assert len(back) == 0
        assert back.columns.tolist() == ["id", "x"]


# ------------------------------------------------------------------------------ dtypes
def test_small_ints_widen_when_the_delta_does_not_fit_and_come_back():
    frame = pd.DataFrame({"x": np.array([-128, 127, 0], dtype=np.int8)})
    coder = DeltaTransformer()
    deltas = coder.fit_transform(frame)
    assert deltas["x"].dtype == np.int16
    assert deltas["x"].tolist() == [-128, 255, -127]
    back = coder.inverse_transform(deltas)
    assert back["x"].dtype == np.int8
    assert back["x"].tolist() == [-128, 127, 0]


def test_unsigned_is_widened_to_signed_never_wrapped():
    frame = pd.DataFrame({"x": np.array([5, 3, 10], dtype=np.uint8)})
    coder = DeltaTransformer()
    deltas = coder.fit_transform(frame)
    assert deltas["x"].dtype == np.int16
    assert deltas["x"].tolist() == [5, -2, 7]  # pandas' diff would give 254 for 3 - 5
    assert coder.inverse_transform(deltas)["x"].dtype == np.uint8


def test_float32_stays_float32():
    frame = pd.DataFrame({"x": np.array([1.5, 2.25, -3.0], dtype=np.float32)})
    coder = DeltaTransformer()
    deltas = coder.fit_transform(frame)
    assert deltas["x"].dtype == np.float32
    back = coder.inverse_transform(deltas)
    assert back["x"].dtype == np.float32
    assert back["x"].tolist() == [1.5, 2.25, -3.0]


def test_big_int64_values_stay_exact_with_first_drop():
    big = 2**62
    frame = pd.DataFrame({"x": np.array([big + 1, big + 3, big - 5], dtype=np.int64)})
    coder = DeltaTransformer(first="drop")
    deltas = coder.fit_transform(frame)
    assert str(deltas["x"].dtype) == "Int64"  # nullable: exact, <NA> in the dropped row
    assert deltas["x"].tolist() == [pd.NA, 2, -8]
    back = coder.inverse_transform(deltas)
    assert back["x"].dtype == np.int64
    assert back["x"].tolist() == [big + 1, big + 3, big - 5]


def test_nullable_integers_keep_their_gaps():
    frame = pd.DataFrame({"x": pd.array([1, 4, None, 10, 12], dtype="Int32")})
    coder = DeltaTransformer(na="keep")
    deltas = coder.fit_transform(frame)
    assert deltas["x"].tolist() == [1, 3, pd.NA, 10, 2]
    back = coder.inverse_transform(deltas)
    pd.testing.assert_frame_equal(back, frame)


def test_int64_overflow_raises_instead_of_wrapping():
    frame = pd.DataFrame({"x": np.array([-(2**63), 2**63 - 1], dtype=np.int64)})
    with pytest.raises(DeltaOverflowError, match="overflows int64"):
        DeltaTransformer().fit_transform(frame)


def test_float_deltas_for_an_int_column_are_not_truncated():
    frame = pd.DataFrame({"x": [1, 2, 3]})
    coder = DeltaTransformer().fit(frame)
    back = coder.inverse_transform(pd.DataFrame({"x": [1.0, 0.5, 0.5]}))
    assert back["x"].dtype == np.float64
    assert back["x"].tolist() == [1.0, 1.5, 2.0]


# ------------------------------------------------------------------------ NaN policies
def test_na_raise_names_the_first_missing_row_and_column():
    frame = pd.DataFrame(
        {"x": [1.0, 2.0, np.nan, 4.0], "y": [1.0, np.nan, 3.0, np.nan]},
        index=["r0", "r1", "r2", "r3"],
    )
    with pytest.raises(
        ValidationError,
        match=r"^column 'y' must hold no missing values \(pass na=\"keep\" to restart after "
        r"gaps\); got NaN at row 'r1'$",
    ):
        DeltaTransformer().fit_transform(frame)


def test_na_keep_restarts_after_a_gap():
    frame = pd.DataFrame({"x": [1.0, 2.0, np.nan, 10.0, 11.0]})
    coder = DeltaTransformer(na="keep")
    deltas = coder.fit_transform(frame)
    np.testing.assert_array_equal(deltas["x"], [1.0, 1.0, np.nan, 10.0, 1.0])
    np.testing.assert_array_equal(coder.inverse_transform(deltas)["x"], frame["x"])


def test_inverse_with_na_raise_refuses_missing_deltas():
    coder = DeltaTransformer().fit(pd.DataFrame({"x": [1.0, 2.0]}))
    with pytest.raises(
        ValidationError, match=r"^column 'x' must hold no missing deltas .*got NaN at row 1$"
    ):
        coder.inverse_transform(pd.DataFrame({"x": [1.0, np.nan]}))


def test_infinity_is_refused():
    with pytest.raises(
        ValidationError, match=r"^column 'x' must hold finite numbers; got inf at row 1$"
    ):
        DeltaTransformer(na="keep").fit(pd.DataFrame({"x": [1.0, np.inf]}))


# ---------------------------------------------------------------------------- anchors
def test_first_drop_matches_pandas_diff_per_group():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"id": rng.choice(["a", "b", "c"], 50), "x": rng.normal(size=50).round(3)})
    deltas = DeltaTransformer(group="id", order=2, lag=2, first="drop").fit_transform(frame)
    expected = frame.groupby("id")["x"].diff(2).groupby(frame["id"]).diff(2)
    np.testing.assert_allclose(deltas["x"], expected, rtol=1e-12, atol=1e-12)
    assert deltas["x"].isna().sum() == expected.isna().sum()


def test_memory_holds_the_rows_of_the_latest_fit_or_transform_of_each_group():
    frame = pd.DataFrame({"id": ["a", "b", "a", "b", "a"], "x": [1, 10, 4, 13, 9]})
    coder = DeltaTransformer(group="id", first="drop").fit(frame)
    pd.testing.assert_frame_equal(coder.memory_, frame)
    later = pd.DataFrame({"id": ["b", "b"], "x": [20, 21]}, index=[7, 8])
    coder.transform(later)
    pd.testing.assert_frame_equal(coder.memory_, pd.concat([frame[frame["id"] == "a"], later]))


def test_missing_anchor_names_the_group():
    frame = pd.DataFrame({"id": ["a", "b", "a", "b"], "x": [1, 10, 4, 13]})
    coder = DeltaTransformer(group="id", first="drop").fit(frame[frame["id"] == "a"])
    deltas = DeltaTransformer(group="id", first="drop").fit_transform(frame)
    with pytest.raises(
        MissingAnchorError,
        match=r"^group 'b' must have its first 1 value\(s\) of column 'x' stored as anchors by "
        r"fit or transform \(first=\"drop\"\); got none for step 0 at row 1$",
    ):
        coder.inverse_transform(deltas)


def test_missing_anchor_with_gaps_and_longer_groups():
    coder = DeltaTransformer(order=2, first="drop", na="keep").fit(pd.DataFrame({"x": [5.0]}))
    deltas = pd.DataFrame({"x": [np.nan, np.nan, 1.0, 1.0]})
    with pytest.raises(MissingAnchorError, match=r"got none for step 1 at row 1$"):
        coder.inverse_transform(deltas)  # only step 0 was ever stored
    later = pd.DataFrame({"x": [1.0, 1.0]}, index=[3, 4])
    with pytest.raises(
        MissingAnchorError,
        match=r"^the sequence, row 3 of column 'x' comes after the last row remembered from fit "
        r"or transform, whose last 2 value\(s\) are not all known",
    ):
        coder.inverse_transform(later)  # order 2 needs two values to continue from; one known


def test_transform_stores_the_anchors_of_the_data_it_transformed():
    train = pd.DataFrame({"id": ["a", "a", "a"], "x": [1, 2, 3]})
    test = pd.DataFrame({"id": ["a", "c", "a", "c"], "x": [50, 7, 52, 9]})
    coder = DeltaTransformer(group="id", first="drop").fit(train)
    deltas = coder.transform(test)
    pd.testing.assert_frame_equal(coder.inverse_transform(deltas), test)


def test_first_drop_accepts_numbers_in_the_anchored_rows():
    frame = pd.DataFrame({"x": [3.0, 5.0, 4.0]})
    coder = DeltaTransformer(first="drop")
    deltas = coder.fit_transform(frame).fillna({"x": 99.0})  # e.g. a model's predictions
    np.testing.assert_array_equal(coder.inverse_transform(deltas)["x"], [3.0, 5.0, 4.0])


def test_first_drop_with_gaps_round_trips_exactly_for_ints():
    frame = pd.DataFrame(
        {"id": [1, 2, 1, 1, 2, 1, 1], "x": pd.array([4, 1, None, 7, 2, 9, 12], dtype="Int64")}
    )
    coder = DeltaTransformer(group="id", first="drop", na="keep")
    deltas = coder.fit_transform(frame)
    assert deltas["x"].tolist() == [pd.NA, pd.NA, pd.NA, pd.NA, 1, 2, 3]
    pd.testing.assert_frame_equal(coder.inverse_transform(deltas), frame)


def test_anchor_mismatch_is_an_error_not_a_guess():
    frame = pd.DataFrame({"x": [5.0, np.nan, 7.0, 8.0]})  # runs start at rows 0 and 2
    coder = DeltaTransformer(first="drop", na="keep").fit(frame)
    with pytest.raises(
        ValidationError,
        match=r"^the sequence, row 1 of column 'x' holds a delta where the values last "
        r"transformed were missing \(NaN\)$",
    ):
        coder.inverse_transform(pd.DataFrame({"x": [np.nan, 1.0, np.nan, 1.0]}))


# ------------------------------------------------ another frame than the transformed one
@given(frame=frames(with_nan=True), data=st.data(), **SETTINGS)
def test_any_subset_of_the_deltas_inverts_exactly(frame, data, order, lag, first, grouped):
    """Rows are placed by label among the remembered ones: a later slice, dropped NaN rows,
    a shuffled or thinned-out frame all come back exactly, NaN gaps included."""
    group = "id" if grouped else None
    coder = DeltaTransformer(
        columns=["k", "v"], group=group, order=order, lag=lag, first=first, na="keep"
    )
    deltas = coder.fit_transform(frame)
    rows = data.draw(
        st.lists(st.sampled_from(range(len(frame))), unique=True) if len(frame) else st.just([])
    )
    back = coder.inverse_transform(deltas.iloc[rows])
    expected = frame.iloc[rows]
    pd.testing.assert_series_equal(back["k"], expected["k"])
    np.testing.assert_array_equal(back["v"].isna(), expected["v"].isna())
    np.testing.assert_allclose(back["v"], expected["v"], rtol=0, atol=1e-9 * 1e6 * 2**order)


def test_the_issue_example_continues_from_the_right_anchor():
    frame = pd.DataFrame({"x": [5, 7, 4, 4, 9]})
    coder = DeltaTransformer(first="drop")
    deltas = coder.fit_transform(frame)
    pd.testing.assert_frame_equal(coder.inverse_transform(deltas.dropna()), frame.iloc[1:])
    pd.testing.assert_frame_equal(coder.inverse_transform(deltas.iloc[3:]), frame.iloc[3:])


@pytest.mark.parametrize("first", ["keep", "drop"])
@pytest.mark.parametrize(("order", "lag"), [(1, 1), (2, 1), (1, 2), (2, 3)])
def test_forecast_deltas_continue_from_the_last_values_of_each_group(first, order, lag):
    rng = np.random.default_rng(order * 10 + lag)
    n = 40
    full = pd.DataFrame({"id": rng.choice(["a", "b"], n), "x": rng.integers(-50, 50, n)})
    past, future = full.iloc[:30], full.iloc[30:]
    truth = DeltaTransformer(group="id", order=order, lag=lag, first=first).fit_transform(full)
    coder = DeltaTransformer(group="id", order=order, lag=lag, first=first).fit(past)
    pd.testing.assert_frame_equal(coder.inverse_transform(truth.iloc[30:]), future)
    # the same from an explicit initial value: the last rows of each group
    fresh = DeltaTransformer(group="id", order=order, lag=lag, first=first).fit(full.iloc[:0])
    pd.testing.assert_frame_equal(fresh.inverse_transform(truth.iloc[30:], initial=past), future)


def test_rows_that_continue_nothing_are_refused_with_first_drop():
    frame = pd.DataFrame({"x": [5, 7, 4, 4, 9]}, index=[10, 11, 12, 13, 14])
    coder = DeltaTransformer(first="drop").fit(frame)
    elsewhere = pd.DataFrame({"x": [1, 1]}, index=[3, 4])  # before the remembered rows
    with pytest.raises(
        MissingAnchorError,
        match=r"^the sequence, row 3 of column 'x' continues no row remembered from fit or "
        r"transform, and first=\"drop\" deltas hold no values to start from: transform the "
        r"frame it comes from, or pass initial= with the values before it$",
    ):
        coder.inverse_transform(elsewhere)
    np.testing.assert_array_equal(
        coder.inverse_transform(elsewhere, initial={"x": 100})["x"], [101, 102]
    )
    # first="keep" output holds its own first values: unknown rows start a sequence
    keep = DeltaTransformer().fit(frame)
    assert keep.inverse_transform(elsewhere)["x"].tolist() == [1, 2]
    words = pd.DataFrame({"x": [5, 7]}, index=["p", "q"])
    later = pd.DataFrame({"x": [1]}, index=[3])  # labels that do not compare: not "after"
    with pytest.raises(MissingAnchorError, match=r"continues no row remembered"):
        DeltaTransformer(first="drop").fit(words).inverse_transform(later)


def test_keep_mode_slices_and_forecasts_are_exact_too():
    frame = pd.DataFrame({"x": [5, 7, 4, 4, 9, 12]})
    coder = DeltaTransformer(lag=2)
    deltas = coder.fit_transform(frame)
    for start in range(6):
        pd.testing.assert_frame_equal(coder.inverse_transform(deltas.iloc[start:]), frame[start:])
    future = pd.DataFrame({"x": [1, 2]}, index=[6, 7])
    assert coder.inverse_transform(future)["x"].tolist() == [9 + 1, 12 + 2]  # x[t - 2] + d


@pytest.mark.parametrize(
    ("initial", "expected"),
    [
        (10, [11, 12, 14]),
        ({"x": 10}, [11, 12, 14]),
        ({"x": [10]}, [11, 12, 14]),
        (pd.DataFrame({"x": [3, 10]}), [11, 12, 14]),
    ],
)
def test_initial_forms(initial, expected):
    coder = DeltaTransformer(first="drop").fit(pd.DataFrame({"x": [0]}))
    deltas = pd.DataFrame({"x": [1, 1, 2]}, index=[7, 8, 9])
    assert coder.inverse_transform(deltas, initial=initial)["x"].tolist() == expected


def test_initial_per_group_from_a_frame_of_last_rows_and_order_two():
    last = pd.DataFrame({"id": ["a", "b", "a", "b", "a"], "x": [0, 100, 1, 101, 2]})
    deltas = pd.DataFrame({"id": ["b", "a", "b"], "x": [0, 1, 0]})
    coder = DeltaTransformer(group="id", order=2, first="drop").fit(last.iloc[:0])
    back = coder.inverse_transform(deltas, initial=last)  # a: ... 1, 2; b: 100, 101
    assert back["x"].tolist() == [102, 4, 103]
    dict_form = coder.inverse_transform(deltas, initial={"x": [1, 2]})  # every group
    assert dict_form["x"].tolist() == [3, 4, 4]


@pytest.mark.parametrize(
    ("initial", "message"),
    [
        ({"y": 1}, r"^initial must give a value for every column; got none for \['x'\]$"),
        ({"x": [1]}, r"^initial\['x'\] must be 2 number\(s\), oldest first; got \[1\]$"),
        ({"x": ["a", "b"]}, r"^initial\['x'\] must be 2 number\(s\)"),
        ({"x": [1, np.nan]}, r"^initial\['x'\] must be finite"),
        ("x=1", r"^initial must be a number, a dict \{column: value\(s\)\} or a DataFrame; got"),
        (
            pd.DataFrame({"x": [1]}),
            r"^initial must hold the last 2 row\(s\) \(order \* lag\); got 1$",
        ),
        (pd.DataFrame({"z": [1, 2]}), r"^initial must have the column\(s\) \['x'\]; got"),
        (pd.DataFrame({"x": [1.0, np.nan]}), r"^initial column 'x' must be known in its last 2"),
    ],
)
def test_bad_initial_values_are_named(initial, message):
    coder = DeltaTransformer(lag=2, first="drop").fit(pd.DataFrame({"x": [0]}))
    with pytest.raises(ValidationError, match=message):
        coder.inverse_transform(pd.DataFrame({"x": [1, 1]}, index=[5, 6]), initial=initial)


def test_initial_starts_only_the_first_rows_of_a_group_not_a_run_after_a_gap():
    deltas = pd.DataFrame({"x": [1.0, np.nan, 1.0, 2.0]}, index=[5, 6, 7, 8])
    keep = DeltaTransformer(na="keep").fit(pd.DataFrame({"x": [0.0]}))
    back = keep.inverse_transform(deltas, initial={"x": 3})
    np.testing.assert_array_equal(back["x"], [4.0, np.nan, 1.0, 3.0])  # restarts after the gap
    drop = DeltaTransformer(first="drop", na="keep").fit(pd.DataFrame({"x": [0.0]}))
    with pytest.raises(MissingAnchorError, match=r"^the sequence, row 7 of column 'x' continues"):
        drop.inverse_transform(deltas, initial={"x": 3})
    strict = DeltaTransformer(first="drop").fit(pd.DataFrame({"x": [0.0]}))
    with pytest.raises(ValidationError, match=r"must hold no missing deltas .* row 6$"):
        strict.inverse_transform(deltas, initial={"x": 3})


def test_arrays_have_no_index_so_only_the_transformed_rows_are_placed():
    x = np.array([[5], [7], [4], [4], [9]])
    coder = DeltaTransformer(first="drop", na="keep")
    deltas = coder.fit_transform(x)
    np.testing.assert_array_equal(coder.inverse_transform(deltas), x)
    with pytest.raises(MissingAnchorError, match=r"row 0 of column 0 continues no row remembered"):
        coder.inverse_transform(deltas[2:])  # row numbers are not labels: refused, not guessed
    np.testing.assert_array_equal(coder.inverse_transform(deltas[2:], initial={0: 7}), x[2:])


def test_repeated_labels_are_refused_unless_it_is_the_transformed_frame():
    frame = pd.DataFrame({"x": [5, 7, 4]}, index=[0, 0, 1])
    coder = DeltaTransformer(first="drop")
    deltas = coder.fit_transform(frame)
    pd.testing.assert_frame_equal(coder.inverse_transform(deltas), frame)
    with pytest.raises(
        ValidationError,
        match=r"^inverse_transform places rows by their index label among the rows last "
        r"transformed, whose labels must then be unique per group; got 0 twice$",
    ):
        coder.inverse_transform(deltas.iloc[1:])


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"order": 0}, r"^order must be an integer >= 1; got 0$"),
        ({"lag": 1.5}, r"^lag must be an integer >= 1; got 1.5$"),
        ({"first": "skip"}, r"^first must be one of 'keep', 'drop'; got 'skip'$"),
        ({"na": "drop"}, r"^na must be one of 'raise', 'keep'; got 'drop'$"),
        ({"columns": []}, r"^columns must name at least one column; got \[\]$"),
        ({"columns": ["x", "x"]}, r"^columns must be unique; got \['x', 'x'\]$"),
        (
            {"columns": ["x", "g"], "group": "g"},
            r"^columns must not include the group column 'g'; got \['x', 'g'\]$",
        ),
        ({"group": "nope"}, r"^group must be a column of X \['g', 'x', 's'\]; got 'nope'$"),
        (
            {"columns": ["x", "q"]},
            r"^X must have the column\(s\) 'q'; got columns \['g', 'x', 's'\]$",
        ),
        ({"columns": ["s"]}, r"^column 's' must hold numbers; got 'b' at row 1$"),
    ],
)
def test_bad_parameters_and_columns_are_named(params, message):
    frame = pd.DataFrame({"g": [1, 1], "x": [1, 2], "s": ["1", "b"]})
    with pytest.raises(ValidationError, match=message):
        DeltaTransformer(**params).fit(frame)


def test_other_bad_inputs_are_named():
    # a 2-D numpy array is a table by position (tests/test_sklearn_conformance.py); anything
    # else that is not a DataFrame is refused by scikit-learn's own check, in its own words
    with pytest.raises(ValueError, match=r"^Expected 2D array, got 1D array instead"):
        DeltaTransformer().fit(np.zeros(3))
    with pytest.raises(ValidationError, match=r"^column 'b' must have a numeric dtype; got bool$"):
        DeltaTransformer(columns=["b"]).fit(pd.DataFrame({"b": [True, False]}))
    with pytest.raises(
        ValidationError, match=r"^group column 'g' must have a key on every row; got NaN at row 1$"
    ):
        DeltaTransformer(group="g").fit(pd.DataFrame({"g": [1.0, np.nan], "x": [1, 2]}))
    frame = pd.DataFrame([[1, 2, 3]], columns=["x", "x", "y"])
    with pytest.raises(
        ValidationError, match=r"^X must have each named column once; got duplicates \['x'\]$"
    ):
        DeltaTransformer(columns=["x"]).fit(frame)


@pytest.mark.parametrize("method", ["transform", "inverse_transform"])
def test_not_fitted(method):
    with pytest.raises(
        NotFittedError,
        match=r"^this DeltaTransformer is not fitted yet; call fit before using it$",
    ):
        getattr(DeltaTransformer(), method)(pd.DataFrame({"x": [1]}))


def test_transform_needs_the_fitted_columns():
    coder = DeltaTransformer(columns=["x", "y"]).fit(pd.DataFrame({"x": [1], "y": [2]}))
    with pytest.raises(
        ValidationError, match=r"^X must have the column\(s\) 'y'; got columns \['x'\]$"
    ):
        coder.transform(pd.DataFrame({"x": [1]}))


# ----------------------------------------------------------------------------- sklearn
def test_params_protocol_and_repr():
    coder = DeltaTransformer(columns=["x"], order=2)
    assert coder.get_params() == {
        "columns": ["x"],
        "group": None,
        "order": 2,
        "lag": 1,
        "first": "keep",
        "na": "raise",
    }
    assert coder.set_params(lag=3) is coder
    assert coder.lag == 3
    # scikit-learn's repr: the changed parameters, in alphabetical order
    assert repr(coder) == "DeltaTransformer(columns=['x'], lag=3, order=2)"
    with pytest.raises(ValidationError, match=r"^parameter must be one of columns, .*; got 'lr'$"):
        coder.set_params(lr=1)


def test_works_inside_an_sklearn_pipeline():
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    assert sklearn.__version__
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"id": rng.choice([1, 2, 3], 90), "x": rng.normal(size=90).cumsum() + 1000.0}
    )
    dx = DeltaTransformer(columns=["x"], group="id").fit_transform(frame)["x"]
    y = 3.0 * dx.to_numpy()
    pipe = Pipeline(
        [
            ("delta", DeltaTransformer(columns=["x"], group="id")),
            ("select", FunctionTransformer(lambda f: f[["x"]])),
            ("model", LinearRegression()),
        ]
    ).set_output(transform="pandas")
    pipe.fit(frame, y)
    np.testing.assert_allclose(pipe.named_steps["model"].coef_, [3.0], rtol=1e-9)
    np.testing.assert_allclose(pipe.predict(frame), y, rtol=1e-9, atol=1e-9)
    copy = clone(pipe.named_steps["delta"])
    assert copy.get_params() == pipe.named_steps["delta"].get_params()
    assert not hasattr(copy, "columns_")
    search = GridSearchCV(pipe, {"delta__order": [1, 2]}, cv=3).fit(frame, y)
    assert list(search.cv_results_["param_delta__order"]) == [1, 2]
