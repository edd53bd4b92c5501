"""How DeltaTransformer's output relates to pandas' ``diff`` and sktime's ``Differencer``.

- ``first="drop"`` is pandas' ``diff`` (chained ``order`` times, per group) and sktime's
  ``Differencer(lags=[lag] * order, na_handling="keep_na")``: the same values and the same NaN
  rows. ``deltas.dropna()`` is sktime's ``na_handling="drop_na"``.
- ``first="keep"`` keeps the first ``lag`` values instead of NaN (sktime's ``"fill_zero"`` puts
  zeros there); from row ``order * lag`` on the values agree.
- ``inverse_transform`` of a later slice, of the NaN-dropped deltas and of forecast deltas (an
  index beyond the transformed one) gives what sktime's ``inverse_transform`` gives from its
  memory; strokedelta finds the preceding values by index label among the rows it last
  transformed.
- Where they differ, on purpose: ``transform`` of a later slice treats it as a sequence of its
  own (sktime continues it from the fitted data), and with ``na="keep"`` a NaN gap restarts the
  sequence, so with ``lag > 1`` the rows just after a gap are NaN where pandas differences
  across the gap; where both give a number it is the same number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from strokedelta import DeltaTransformer

X = pd.DataFrame({"x": [5.0, 7, 4, 4, 9, 12, 3, 8, 10, 6], "y": np.arange(10.0) ** 2})
ORDERS_LAGS = [(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)]


def pandas_diff(frame: pd.DataFrame, order: int, lag: int) -> pd.DataFrame:
    for _ in range(order):
        frame = frame.diff(lag)
    return frame


def differencer(order: int, lag: int, na_handling: str):
    pytest.importorskip("sktime", reason="sktime is installed by make install (Makefile)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # sktime's module moves
        from sktime.transformations.series.difference import Differencer
    return Differencer(lags=[lag] * order, na_handling=na_handling)


# ------------------------------------------------------------------------------ pandas diff
@pytest.mark.parametrize(("order", "lag"), ORDERS_LAGS)
def test_first_drop_is_pandas_diff(order, lag):
    deltas = DeltaTransformer(order=order, lag=lag, first="drop").fit_transform(X)
    pd.testing.assert_frame_equal(deltas, pandas_diff(X, order, lag), check_exact=True)


def test_first_drop_is_pandas_diff_per_group():
    frame = X.assign(id=list("abbabaabab"))
    deltas = DeltaTransformer(group="id", order=2, lag=1, first="drop").fit_transform(frame)
    expected = frame.groupby("id")[["x", "y"]].diff().groupby(frame["id"]).diff()
    pd.testing.assert_frame_equal(deltas[["x", "y"]], expected, check_exact=True)


@pytest.mark.parametrize(("order", "lag"), ORDERS_LAGS)
def test_first_keep_agrees_with_pandas_after_the_first_order_times_lag_rows(order, lag):
    keep = DeltaTransformer(order=order, lag=lag).fit_transform(X)
    span = order * lag
    pd.testing.assert_frame_equal(keep.iloc[span:], pandas_diff(X, order, lag).iloc[span:])
    pd.testing.assert_frame_equal(keep.iloc[:lag], X.iloc[:lag])  # the kept values


def test_a_nan_gap_restarts_the_sequence_where_pandas_differences_across_it():
    gappy = X.assign(x=X["x"].where(X.index != 4))
    for lag in (1, 2):
        deltas = DeltaTransformer(lag=lag, first="drop", na="keep").fit_transform(gappy)["x"]
        expected = gappy["x"].diff(lag)
        both = deltas.notna() & expected.notna()
        np.testing.assert_array_equal(deltas[both], expected[both])
        assert (deltas.isna() | expected.notna()).all()  # NaN wherever pandas has NaN
        if lag == 1:
            assert deltas.isna().tolist() == expected.isna().tolist()
        else:  # row 5 after the gap: pandas takes x[5] - x[3]; strokedelta restarts at row 5
            assert expected.notna()[5]
            assert deltas.isna()[5]
    back = DeltaTransformer(lag=2, first="drop", na="keep").fit(gappy)
    pd.testing.assert_frame_equal(back.inverse_transform(back.transform(gappy)), gappy)


# -------------------------------------------------------------------------------- sktime
@pytest.mark.parametrize(("order", "lag"), ORDERS_LAGS)
def test_first_drop_is_sktime_keep_na_and_dropna_is_drop_na(order, lag):
    ours = DeltaTransformer(order=order, lag=lag, first="drop")
    deltas = ours.fit_transform(X)
    keep_na = differencer(order, lag, "keep_na").fit(X)
    pd.testing.assert_frame_equal(deltas, keep_na.transform(X), check_exact=True)
    drop_na = differencer(order, lag, "drop_na").fit(X)
    dropped = drop_na.transform(X)
    pd.testing.assert_frame_equal(deltas.dropna(), dropped, check_exact=True)
    pd.testing.assert_frame_equal(
        ours.inverse_transform(dropped), drop_na.inverse_transform(dropped), check_exact=True
    )
    pd.testing.assert_frame_equal(ours.inverse_transform(dropped), X.loc[dropped.index])


@pytest.mark.parametrize(("order", "lag"), ORDERS_LAGS)
def test_inverse_of_a_later_slice_and_of_forecast_deltas_is_sktimes(order, lag):
    ours = DeltaTransformer(order=order, lag=lag, first="drop").fit(X)
    theirs = differencer(order, lag, "keep_na").fit(X)
    deltas = ours.transform(X)
    for start in (1, 4, 7):
        later = deltas.iloc[start:]
        pd.testing.assert_frame_equal(ours.inverse_transform(later), X.iloc[start:])
        pd.testing.assert_frame_equal(
            ours.inverse_transform(later), theirs.inverse_transform(later), check_exact=True
        )
    forecast = pd.DataFrame({"x": [1.0, -2.0, 0.5], "y": [3.0, 3.0, 3.0]}, index=[10, 11, 12])
    pd.testing.assert_frame_equal(
        ours.inverse_transform(forecast), theirs.inverse_transform(forecast), check_exact=True
    )


def test_forecast_on_a_datetime_index_continues_like_sktime():
    dated = X.set_index(pd.date_range("2024-01-01", periods=len(X), freq="D"))
    ours = DeltaTransformer(order=1, lag=2, first="drop").fit(dated)
    theirs = differencer(1, 2, "keep_na").fit(dated)
    future = pd.DataFrame(
        {"x": [1.0, 2.0], "y": [0.0, 1.0]}, index=pd.date_range("2024-01-11", periods=2, freq="D")
    )
    pd.testing.assert_frame_equal(
        ours.inverse_transform(future), theirs.inverse_transform(future), check_exact=True
    )


def test_first_keep_puts_values_where_sktime_fill_zero_puts_zeros():
    keep = DeltaTransformer(lag=2).fit_transform(X)
    zeros = differencer(1, 2, "fill_zero").fit(X).transform(X)
    pd.testing.assert_frame_equal(keep.iloc[2:], zeros.iloc[2:], check_exact=True)
    assert (zeros.iloc[:2] == 0).all().all()
    pd.testing.assert_frame_equal(keep.iloc[:2], X.iloc[:2])


def test_transform_of_a_later_slice_restarts_where_sktime_continues():
    ours = DeltaTransformer(first="drop").fit(X)
    theirs = differencer(1, 1, "keep_na").fit(X)
    later = X.iloc[5:]
    assert np.isnan(ours.transform(later)["x"].iloc[0])  # a sequence of its own
    assert theirs.transform(later)["x"].iloc[0] == X["x"].iloc[5] - X["x"].iloc[4]
    pd.testing.assert_frame_equal(ours.transform(later).iloc[1:], theirs.transform(later).iloc[1:])
