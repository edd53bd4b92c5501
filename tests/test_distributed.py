"""The Dask engine: delta_dask_frame against the pandas transformer, convert_files, clients."""

from __future__ import annotations

import os
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strokedelta.distributed import client_for, convert_files, delta_dask_frame, local_client
from strokedelta.exceptions import DeltaOverflowError, FormatError, ValidationError
from strokedelta.io import read_drawings
from strokedelta.sketch.simplify import simplify_drawings
from strokedelta.transformer import DeltaTransformer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "quickdraw_cat_sample.ndjson"


def interleaved(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Groups interleaved at random, a non-default index, ints, floats and a passenger column."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": rng.choice(["a", "b", "c", "d", "e"], n),
            "x": rng.integers(-10_000, 10_000, n),
            "y": rng.random(n) * 100 + 1,
            "note": np.arange(n) * 7,
        },
        index=pd.Index(np.arange(n) * 3 + 100, name="row"),
    )


def pandas_deltas(frame: pd.DataFrame, **params: object) -> pd.DataFrame:
    return DeltaTransformer(columns=["x", "y"], **params).fit_transform(frame)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ delta_dask_frame
@pytest.mark.parametrize(("order", "lag"), [(1, 1), (2, 1), (1, 3), (2, 2)])
@pytest.mark.parametrize("group", ["id", None])
def test_matches_pandas_row_for_row_and_round_trips(group, order, lag):
    frame = dd.from_pandas(interleaved(), npartitions=3)
    source = frame.compute()
    deltas = delta_dask_frame(frame, ["x", "y"], group=group, order=order, lag=lag)
    assert deltas.npartitions == 3
    assert deltas.divisions == frame.divisions
    got = deltas.compute()
    pd.testing.assert_frame_equal(got, pandas_deltas(source, group=group, order=order, lag=lag))
    back = delta_dask_frame(deltas, ["x", "y"], group=group, order=order, lag=lag, inverse=True)
    restored = back.compute()
    assert restored.index.equals(source.index)
    assert restored["x"].dtype == np.int64
    np.testing.assert_array_equal(restored["x"].to_numpy(), source["x"].to_numpy())  # exact
    # Floats: within 1e-12 of the largest running sum (order 2 integrates twice), as pandas.
    scale = np.abs(source["y"].to_numpy()).sum()
    np.testing.assert_allclose(restored["y"], source["y"], rtol=1e-12, atol=1e-12 * scale)
    pd.testing.assert_series_equal(restored["note"], source["note"])
    pd.testing.assert_series_equal(restored["id"], source["id"])


def test_one_sequence_carries_order_2_lag_2_across_partition_boundaries():
    squares = pd.DataFrame({"x": np.arange(9) ** 2})
    frame = dd.from_pandas(squares, npartitions=3)
    assert frame.map_partitions(len).compute().tolist() == [3, 3, 3]
    deltas = delta_dask_frame(frame, "x", order=2, lag=2)
    # d1 = [0, 1, 4, 8, 12, 16, 20, 24, 28]; d2 keeps its first 2 and differences the rest:
    # rows 3 and 6 open a partition yet use the rows before them.
    assert deltas.compute()["x"].tolist() == [0, 1, 4, 7, 8, 8, 8, 8, 8]
    back = delta_dask_frame(deltas, "x", order=2, lag=2, inverse=True).compute()
    assert back["x"].tolist() == (np.arange(9) ** 2).tolist()


def test_one_sequence_float_inverse_within_1e_12():
    rng = np.random.default_rng(3)
    steps = pd.DataFrame(
        {"v": rng.random(5_000) + 0.5}
    )  # positive steps: relative error is meaningful
    frame = dd.from_pandas(steps, npartitions=7)
    got = delta_dask_frame(frame, "v", inverse=True).compute()["v"].to_numpy()
    np.testing.assert_allclose(got, np.cumsum(steps["v"].to_numpy()), rtol=1e-12)


@pytest.mark.parametrize("group", ["id", None])
def test_empty_and_short_partitions(group):
    """Partitions shorter than order * lag (and empty ones) still see the rows before them."""
    table = interleaved(60, seed=5)
    table["i"] = np.arange(60)
    frame = dd.from_pandas(table, npartitions=6)
    frame = frame[(frame["i"] < 10) | (frame["i"] >= 29)]  # partition 1 empty, partition 2 one row
    frame = frame[(frame["i"] < 20) | (frame["i"] >= 29) | (frame["i"] == 25)]
    assert frame.map_partitions(len).compute().tolist() == [10, 0, 1, 10, 10, 10]
    source = frame.compute()
    deltas = delta_dask_frame(frame, ["x", "y"], group=group, order=2, lag=2)
    pd.testing.assert_frame_equal(
        deltas.compute(), pandas_deltas(source, group=group, order=2, lag=2)
    )
    back = delta_dask_frame(deltas, ["x", "y"], group=group, order=2, lag=2, inverse=True).compute()
    assert back["x"].tolist() == source["x"].tolist()


@pytest.mark.parametrize("group", ["id", None])
def test_unknown_divisions(group):
    frame = dd.from_pandas(interleaved(90, seed=4), npartitions=3).clear_divisions()
    deltas = delta_dask_frame(frame, ["x", "y"], group=group, lag=2)
    assert not deltas.known_divisions
    expected = pandas_deltas(frame.compute(), group=group, lag=2)
    pd.testing.assert_frame_equal(deltas.compute(), expected)


def test_dtypes_are_the_same_in_every_partition():
    table = pd.DataFrame(
        {
            "u": np.array([250, 3, 7, 255, 0, 9], dtype=np.uint8),
            "m": pd.array([1, 5, 2, 8, 3, 3], dtype="Int64"),
            "f": np.array([0.5, 1.5, 1.0, 4.0, 2.0, 2.5], dtype=np.float32),
        }
    )
    frame = dd.from_pandas(table, npartitions=2)
    deltas = delta_dask_frame(frame, ["u", "m", "f"])
    assert deltas.dtypes.to_dict() == {"u": np.int64, "m": pd.Int64Dtype(), "f": np.float32}
    got = deltas.compute()
    assert got.dtypes.to_dict() == deltas.dtypes.to_dict()
    assert got["u"].tolist() == [250, -247, 4, 248, -255, 9]  # widened, never wrapped
    back = delta_dask_frame(deltas, ["u", "m", "f"], inverse=True).compute()
    assert back["u"].tolist() == table["u"].tolist()
    assert back["m"].tolist() == table["m"].tolist()
    assert back["f"].tolist() == table["f"].tolist()


@settings(max_examples=12, deadline=None)
@given(
    values=st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=40),
    keys=st.lists(st.sampled_from("pqr"), min_size=40, max_size=40),
    parts=st.integers(1, 5),
    order=st.integers(1, 3),
    lag=st.integers(1, 3),
    grouped=st.booleans(),
)
def test_property_round_trip_and_agreement(values, keys, parts, order, lag, grouped):
    table = pd.DataFrame({"g": keys[: len(values)], "x": values})
    frame = dd.from_pandas(table, npartitions=parts)
    group = "g" if grouped else None
    deltas = delta_dask_frame(frame, "x", group=group, order=order, lag=lag)
    expected = DeltaTransformer(columns=["x"], group=group, order=order, lag=lag)
    assert deltas.compute()["x"].tolist() == expected.fit_transform(table)["x"].tolist()
    back = delta_dask_frame(deltas, "x", group=group, order=order, lag=lag, inverse=True)
    assert back.compute()["x"].tolist() == values


# ---------------------------------------------------------------------------------- errors
@pytest.fixture
def small() -> dd.DataFrame:
    table = pd.DataFrame({"g": list("abab"), "x": [1, 2, 3, 4], "s": list("pqrs")})
    return dd.from_pandas(table, npartitions=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"columns": ["z"]}, r"frame must have the column\(s\) 'z'; got columns \['g', 'x', 's'\]"),
        ({"columns": "x", "group": "h"}, r"frame must have the column\(s\) 'h'"),
        ({"columns": "x", "order": 0}, r"order must be an integer >= 1; got 0"),
        ({"columns": "x", "lag": -1}, r"lag must be an integer >= 1; got -1"),
        ({"columns": "s"}, r"column 's' must have a numeric dtype; got str"),
        ({"columns": ["x", "x"]}, r"columns must be unique; got \['x', 'x'\]"),
        ({"columns": ["x", "g"], "group": "g"}, r"columns must not include the group column 'g'"),
        ({"columns": "x", "inverse": 1}, r"inverse must be True or False; got 1"),
    ],
)
def test_bad_arguments_fail_before_any_work(small, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        delta_dask_frame(small, **kwargs)


def test_not_a_dask_frame_and_reserved_column(small):
    with pytest.raises(ValidationError, match=r"frame must be a dask DataFrame; got DataFrame"):
        delta_dask_frame(small.compute(), "x")
    clash = small.assign(__strokedelta_row__=1)
    with pytest.raises(
        ValidationError, match=r"must not have a column named '__strokedelta_row__'"
    ):
        delta_dask_frame(clash, "x")


@pytest.mark.parametrize("group", ["g", None])
def test_missing_values_fail_at_compute_naming_the_row(group):
    table = pd.DataFrame({"g": list("abab"), "x": [1.0, 2.0, np.nan, 4.0]}, index=[10, 11, 12, 13])
    frame = dd.from_pandas(table, npartitions=2)
    lazy = delta_dask_frame(frame, "x", group=group)
    with pytest.raises(ValidationError, match=r"column 'x' must hold no missing values .*row 12"):
        lazy.compute()
    lazy = delta_dask_frame(frame, "x", group=group, inverse=True)
    with pytest.raises(ValidationError, match=r"column 'x' must hold no missing deltas.*row 12"):
        lazy.compute()


def test_carry_that_overflows_int64_raises():
    frame = dd.from_pandas(pd.DataFrame({"x": [2**62, 2**62]}), npartitions=2)
    with pytest.raises(DeltaOverflowError, match="integer cumulative sum overflows int64"):
        delta_dask_frame(frame, "x", inverse=True).compute()


# ----------------------------------------------------------------------------- convert_files
@pytest.fixture
def three_files(tmp_path: Path) -> list[Path]:
    lines = SAMPLE.read_text().splitlines()
    paths = []
    for i in range(3):
        path = tmp_path / "in" / f"cat{i}.ndjson"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines[i * 4 : i * 4 + 4]) + "\n")
        paths.append(path)
    return paths


def test_convert_files_writes_one_output_per_input(three_files, tmp_path):
    written = convert_files(three_files, tmp_path / "out")
    assert [p.name for p in written] == ["cat0.parquet", "cat1.parquet", "cat2.parquet"]
    for source, target in zip(three_files, written):
        expected = read_drawings(source)
        assert read_drawings(target).to_polylines() == expected.to_polylines()
    again = convert_files(three_files, tmp_path / "simple", to=".ndjson.gz", simplify=True)
    assert again[0] == tmp_path / "simple" / "cat0.ndjson.gz"
    simplified = simplify_drawings(read_drawings(three_files[1]))
    assert read_drawings(again[1]).to_polylines() == simplified.to_polylines()
    assert convert_files([], tmp_path / "none") == []


def test_convert_files_errors_name_the_file(three_files, tmp_path):
    bad = three_files[0].with_name("broken.ndjson")
    bad.write_text(three_files[0].read_text().splitlines()[0] + "\n{oops\n")
    with pytest.raises(FormatError, match=r"broken\.ndjson, line 2: not valid JSON"):
        convert_files([*three_files, bad], tmp_path / "out")
    assert not (tmp_path / "out" / "broken.parquet").exists()  # written atomically or not at all
    written = convert_files([bad], tmp_path / "skip", errors="skip")
    assert len(read_drawings(written[0])) == 1


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda p, o: convert_files(p, o, to=".csv"),
            ValidationError,
            r"to must be one of .*'\.csv'",
        ),
        (lambda p, o: convert_files(p, o, errors="x"), ValidationError, r"errors must be one of"),
        (lambda p, o: convert_files(str(p[0]), o), ValidationError, r"inputs must be a list of"),
        (
            lambda p, o: convert_files([p[0], p[0].with_suffix(".bin")], o),
            ValidationError,
            r"inputs must have distinct names; got .*cat0\.ndjson and .*cat0\.bin",
        ),
        (
            lambda p, o: convert_files([p[0]], p[0].parent, to=".ndjson"),
            ValidationError,
            r"output_dir must not overwrite an input",
        ),
        (
            lambda p, o: convert_files([p[0].with_suffix(".txt")], o),
            FormatError,
            r"cat0\.txt: unknown drawings format '\.txt'",
        ),
    ],
)
def test_convert_files_bad_arguments(three_files, tmp_path, call, error, message):
    with pytest.raises(error, match=message):
        call(three_files, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------- clients
def test_local_client_runs_frames_and_files(three_files, tmp_path):
    frame = dd.from_pandas(interleaved(120, seed=2), npartitions=3)
    expected = pandas_deltas(frame.compute(), group="id", order=2)
    with local_client(n_workers=2, processes=False) as client:
        deltas = delta_dask_frame(frame, ["x", "y"], group="id", order=2)
        pd.testing.assert_frame_equal(client.compute(deltas).result(), expected)
        written = convert_files(three_files, tmp_path / "out", client=client)
        assert [len(read_drawings(p)) for p in written] == [4, 4, 4]
        with client_for(client.scheduler_info()["address"]) as second:
            assert second.submit(sum, [1, 2, 3]).result() == 6
    assert client.status == "closed"


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_local_client_worker_processes_by_start_method(method):
    import strokedelta.datasets  # noqa: F401  # what a forked worker inherits

    with local_client(n_workers=1, processes=True, start_method=method) as client:
        pid = client.submit(os.getpid, pure=False).result()
        # (eval of a string: a function of this module would import it, and strokedelta, there)
        check = "'strokedelta.datasets' in __import__('sys').modules"
        inherited = client.submit(eval, check, pure=False).result()
    assert pid != os.getpid()  # a process of its own
    assert inherited is (method == "fork")


def test_local_client_refuses_an_unknown_start_method():
    clusters = local_client(processes=True, start_method="thread")
    with pytest.raises(ValidationError, match=r"start_method must be one of .*'thread'"):
        clusters.__enter__()


@pytest.mark.parametrize("address", ["", "  ", None])
def test_client_for_needs_an_address(address):
    with pytest.raises(ValidationError, match=r"address must be a scheduler address"):
        client_for(address)
