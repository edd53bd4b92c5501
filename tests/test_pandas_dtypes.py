"""pandas dtypes and index types, each kept exactly through DeltaTransformer, the table files
(Parquet: everything; CSV: what text can carry) and the `delta` / `integrate` CLI.

The table (summarised in the README): value dtypes ``int64``, ``Int8``, ``Int64`` and ``Float64``
(with ``pd.NA``), ``float64`` (with NaN), ``int64[pyarrow]`` and ``double[pyarrow]`` (with
nulls); group columns of dtype ``object``, ``str``, ``string``, ``string[pyarrow]`` and
``category``; ``RangeIndex``, ``DatetimeIndex`` (its frequency too), ``PeriodIndex`` and
``MultiIndex``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta import DeltaTransformer, ValidationError
from strokedelta.cli import main
from strokedelta.io.tables import read_table, write_table

VALUES = [5, 7, None, 4, 9, 12, 3, 8]
GROUPS = list("abaabbab")
#: value dtype -> dtype of its deltas with first="keep" and with first="drop" (the dropped rows
#: are missing: plain int64 turns nullable, every other dtype already holds missing values)
DTYPES = {
    "int64": ("int64", "Int64"),
    "Int8": ("Int8", "Int8"),
    "Int64": ("Int64", "Int64"),
    "Float64": ("Float64", "Float64"),
    "float64": ("float64", "float64"),
    "int64[pyarrow]": ("int64[pyarrow]", "int64[pyarrow]"),
    "double[pyarrow]": ("double[pyarrow]", "double[pyarrow]"),
}
GROUP_DTYPES = ["object", "str", "string", "string[pyarrow]", "category"]
INDEXES = {
    "range": lambda n: pd.RangeIndex(10, 10 + n),
    "datetime": lambda n: pd.date_range("2024-01-01", periods=n, freq="D", name="day"),
    "period": lambda n: pd.period_range("2024-01", periods=n, freq="M", name="month"),
    "multi": lambda n: pd.MultiIndex.from_arrays(
        [np.repeat(["u", "v"], [n // 2, n - n // 2]), np.arange(n)], names=["run", "t"]
    ),
}


def make_frame(dtype: str, index: str, group_dtype: str = "object") -> pd.DataFrame:
    values = VALUES if dtype != "int64" else [v if v is not None else 6 for v in VALUES]
    x = pd.array(values, dtype=dtype)
    y = pd.array([2 * v if v is not None else None for v in values], dtype=dtype)
    if dtype == "int64":
        y = pd.array(np.asarray(y, dtype=np.int64), dtype="int64")
    group = pd.Series(GROUPS, dtype=group_dtype).array
    return pd.DataFrame({"id": group, "x": x, "y": y}, index=INDEXES[index](len(values)))


CASES = [(d, i) for d in DTYPES for i in INDEXES]


# ----------------------------------------------------------------------------- transformer
def group_dtype_of(dtype: str, index: str) -> str:
    """Every group dtype meets every value dtype and every index type across the table."""
    return GROUP_DTYPES[CASES.index((dtype, index)) % len(GROUP_DTYPES)]


def check_transformer(frame: pd.DataFrame, first: str, expected: str, **params) -> None:
    original = frame.copy()
    coder = DeltaTransformer(columns=["x", "y"], group="id", first=first, na="keep", **params)
    deltas = coder.fit_transform(frame)
    assert [str(t) for t in deltas[["x", "y"]].dtypes] == [expected, expected]
    assert deltas["id"].dtype == frame["id"].dtype
    pd.testing.assert_index_equal(deltas.index, frame.index, exact=True)
    pd.testing.assert_frame_equal(coder.inverse_transform(deltas), frame, check_exact=True)
    pd.testing.assert_frame_equal(frame, original, check_exact=True)  # input untouched
    if first == "drop":  # another frame than the transformed one: placed by index label
        kept = deltas.dropna()
        assert len(kept) < len(deltas)
        back = coder.inverse_transform(kept)
        pd.testing.assert_frame_equal(back, frame.loc[kept.index], check_exact=True)


@pytest.mark.parametrize(("dtype", "index"), CASES)
@pytest.mark.parametrize("first", ["keep", "drop"])
def test_transformer_keeps_dtype_index_and_values(dtype, index, first):
    frame = make_frame(dtype, index, group_dtype_of(dtype, index))
    check_transformer(frame, first, DTYPES[dtype][first == "drop"])


@pytest.mark.parametrize("group_dtype", GROUP_DTYPES)
def test_transformer_keeps_every_group_dtype(group_dtype):
    frame = make_frame("int64[pyarrow]", "multi", group_dtype)
    check_transformer(frame, "drop", "int64[pyarrow]", order=2)


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "int64[pyarrow]", "double[pyarrow]"])
def test_pd_na_follows_the_na_policy_like_nan(dtype):
    frame = make_frame(dtype, "range")
    as_nan = frame.assign(x=frame["x"].astype("float64"), y=frame["y"].astype("float64"))
    with pytest.raises(ValidationError, match=r"^column 'x' must hold no missing values .*row 12"):
        DeltaTransformer(columns=["x", "y"], group="id").fit(frame)
    for first in ("keep", "drop"):
        coder = DeltaTransformer(columns=["x", "y"], group="id", first=first, na="keep")
        nullable = coder.fit_transform(frame)
        reference = DeltaTransformer(columns=["x", "y"], group="id", first=first, na="keep")
        floats = reference.fit_transform(as_nan)
        for name in ("x", "y"):
            assert nullable[name].isna().tolist() == floats[name].isna().tolist()
            got = nullable[name].astype("float64").to_numpy()
            np.testing.assert_array_equal(got, floats[name].to_numpy())


# ------------------------------------------------------------------------------ table files
@pytest.mark.parametrize(("dtype", "index"), CASES)
def test_parquet_keeps_every_dtype_and_index(tmp_path, dtype, index):
    frame = make_frame(dtype, index, group_dtype_of(dtype, index))
    path = tmp_path / "t.parquet"
    write_table(frame, path)
    pd.testing.assert_frame_equal(read_table(path), frame, check_exact=True)
    if index == "datetime":
        assert read_table(path).index.freqstr == "D"


def test_csv_keeps_values_and_what_text_can_carry(tmp_path):
    path = tmp_path / "t.csv"
    for dtype in ("int64", "float64"):  # numpy numbers and text groups come back as they were
        frame = make_frame(dtype, "range").reset_index(drop=True)
        write_table(frame, path)
        pd.testing.assert_frame_equal(read_table(path), frame, check_exact=True, check_dtype=False)
        assert [str(t) for t in read_table(path)[["x", "y"]].dtypes] == [dtype, dtype]
    frame = make_frame("Int64", "datetime", "category")
    write_table(frame, path)  # CSV holds no dtypes and no index: values only
    back = read_table(path)
    assert back.index.equals(pd.RangeIndex(len(frame)))
    assert str(back["x"].dtype) == "float64"
    assert str(back["id"].dtype) == "str"
    np.testing.assert_array_equal(back["x"].to_numpy(), frame["x"].astype("float64").to_numpy())


# ------------------------------------------------------------------------------------- CLI
def run(*args: object) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("dtype", "index"), CASES)
def test_cli_round_trips_parquet_exactly(tmp_path: Path, dtype, index):
    frame = make_frame(dtype, index, group_dtype_of(dtype, index))
    source, deltas, back = tmp_path / "in.parquet", tmp_path / "d.parquet", tmp_path / "b.parquet"
    write_table(frame, source)
    options = ("--columns", "x,y", "--group", "id", "--na", "keep")
    run("delta", source, deltas, *options)
    coder = DeltaTransformer(columns=["x", "y"], group="id", na="keep")
    pd.testing.assert_frame_equal(read_table(deltas), coder.fit_transform(frame), check_exact=True)
    run("integrate", deltas, back, *options)
    pd.testing.assert_frame_equal(read_table(back), frame, check_exact=True)


@pytest.mark.parametrize("group_dtype", GROUP_DTYPES)
def test_cli_keeps_every_group_dtype(tmp_path: Path, group_dtype):
    frame = make_frame("Int64", "period", group_dtype)
    source, deltas, back = tmp_path / "in.parquet", tmp_path / "d.parquet", tmp_path / "b.parquet"
    write_table(frame, source)
    options = ("--columns", "x,y", "--group", "id", "--na", "keep", "--order", "2")
    run("delta", source, deltas, *options)
    run("integrate", deltas, back, *options)
    pd.testing.assert_frame_equal(read_table(back), frame, check_exact=True)


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_cli_round_trips_csv_where_text_carries_the_dtype(tmp_path: Path, dtype):
    frame = make_frame(dtype, "range").reset_index(drop=True)
    source, deltas, back = tmp_path / "in.csv", tmp_path / "d.csv", tmp_path / "b.csv.gz"
    write_table(frame, source)
    options = ("--columns", "x,y", "--group", "id", "--na", "keep", "--lag", "2")
    run("delta", source, deltas, *options)
    run("integrate", deltas, back, *options)
    pd.testing.assert_frame_equal(read_table(back), read_table(source), check_exact=True)
