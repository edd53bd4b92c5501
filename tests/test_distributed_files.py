"""``convert`` of many files and ``stats`` of a dataset on a real 2-worker ``LocalCluster``:
the same bytes and the same numbers, to the bit, as the single-process engine."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.distributed import convert_many, describe_files_dask, local_client
from strokedelta.exceptions import FormatError, ResourceLimitError, ValidationError
from strokedelta.io import (
    ReadReport,
    convert_drawings,
    describe_files,
    read_drawings,
    summarize_file,
    write_drawings,
)
from strokedelta.sketch import SPLITS, Drawings


def synthetic(n: int, seed: int, word: str | None = "cat") -> Drawings:
    rng = np.random.default_rng(seed)
    polylines = [
        [rng.integers(0, 256, size=(2, int(rng.integers(1, 6)))).tolist() for _ in range(2)]
        for _ in range(n)
    ]
    columns = {"key_id": [str(seed * 1000 + i) for i in range(n)]}
    if word is not None:
        columns["word"] = [word] * n
    columns["split"] = rng.choice(list(SPLITS), size=n).tolist()
    return Drawings.from_polylines(polylines, pd.DataFrame(columns, dtype="str"))


@pytest.fixture(scope="module")
def client():
    """One LocalCluster with 2 workers for the whole module."""
    with local_client(n_workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Synthetic files in three formats, with splits and two words, plus a dataset folder."""
    folder = tmp_path_factory.mktemp("inputs")
    paths = []
    for k, (suffix, word) in enumerate(
        [(".npz", None), (".ndjson.gz", "cat"), (".parquet", "dog")]
    ):
        paths.append(folder / f"part{k}{suffix}")
        write_drawings(synthetic(40 + k, k, word), paths[-1])
    dataset = folder / "dataset"
    for word in ("ant", "bee"):  # a partitioned Parquet dataset: the word is the folder's
        (dataset / f"word={word}").mkdir(parents=True)
        write_drawings(
            synthetic(20, len(word) + ord(word[0]), None),
            dataset / f"word={word}" / "part-0.parquet",
        )
    return paths, dataset


@pytest.mark.parametrize("to", [".parquet", ".ndjson.gz", ".npz", ".ndjson"])
def test_convert_many_gives_the_single_engine_bytes(client, files, tmp_path, to):
    paths, _ = files
    done = convert_many(paths, tmp_path / "dask", to=to, client=client, max_len=8)
    for source, (out, count, points) in zip(paths, done):
        single = tmp_path / "single" / out.name
        single.parent.mkdir(exist_ok=True)
        assert (count, points) == convert_drawings(
            source, single, transform=lambda d: d[d.lengths <= 8]
        )
        assert out.read_bytes() == single.read_bytes(), out.name


def test_convert_many_to_bin_needs_merge_splits(client, files, tmp_path):
    paths, _ = files
    with pytest.raises(ValidationError, match=r"merge_splits=True \(--merge-splits\)"):
        convert_many(paths[:1], tmp_path, to=".bin", client=client)
    done = convert_many(paths[:1], tmp_path, to=".bin", client=client, merge_splits=True)
    assert [(p.name, n) for p, n, _ in done] == [("part0.bin", 40)]


def test_stats_of_files_and_a_dataset_are_identical_on_both_engines(client, files):
    paths, dataset = files
    single = describe_files([*paths, dataset])
    dask = describe_files_dask([*paths, dataset], client=client)
    assert dask == single
    assert json.dumps(dask) == json.dumps(single)  # floats to the bit
    assert single["files"] == 5
    assert list(single["split"]) == list(SPLITS)
    assert list(single["word"]) == ["all", "ant", "bee", "cat", "dog"]  # the npz has no word
    assert single["word"]["ant"]["drawings"] == 20
    assert sum(g["drawings"] for g in single["split"].values()) == 40 + 41 + 42 + 20 + 20
    parts = [*paths, *sorted(dataset.rglob("*.parquet"))]
    train = np.concatenate([_train_offsets(p) for p in parts])
    assert single["split"]["train"]["scale_factor"] == pytest.approx(
        float(np.std(train)), rel=1e-12
    )


def _train_offsets(path):
    d = read_drawings(path, split="train")
    return d.strokes.values[:, :2].astype(float).ravel()


def test_real_stats_are_identical_on_both_engines(client, real_data):
    sources = [real_data / n for n in ("aaron_sheep.npz", "quickdraw_cat_simplified.ndjson")]
    single = describe_files(sources)
    assert describe_files_dask(sources, client=client) == single
    assert single["split"]["train"]["drawings"] == 7400
    assert single["split"]["train"]["scale_factor"] == pytest.approx(18.5198, abs=1e-4)
    assert single["word"]["cat"]["drawings"] == 25


def test_skipped_drawings_are_reported_from_the_workers(client, tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"drawing":[[[1],[2]]]}\n{"drawing":[]}\n')
    report = ReadReport()
    info = describe_files_dask([bad, bad], client=client, errors="skip", report=report)
    assert info["split"]["all"]["drawings"] == 2
    assert report.skipped == 2
    assert "empty drawing" in report.summary()


def test_the_cli_on_a_scheduler_matches_the_single_engine(client, files, tmp_path):
    paths, dataset = files
    runner = CliRunner()
    address = client.scheduler.address
    args = ["stats", *map(str, [*paths, dataset]), "--json"]
    single = runner.invoke(main, args)
    dask = runner.invoke(main, [*args, "--engine", "dask", "--scheduler", address])
    assert single.exit_code == dask.exit_code == 0, dask.output
    assert dask.stdout == single.stdout
    assert json.loads(single.stdout)["words"]["bee"]["drawings"] == 20
    args = ["convert", *map(str, paths), "--to", ".parquet"]
    one = runner.invoke(main, [*args, str(tmp_path / "one")])
    two = runner.invoke(
        main, [*args, str(tmp_path / "two"), "--engine", "dask", "--scheduler", address]
    )
    assert one.exit_code == two.exit_code == 0, two.output
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "part0.parquet",
        "part1.parquet",
        "part2.parquet",
    ]
    for out in (tmp_path / "one").iterdir():
        assert out.read_bytes() == (tmp_path / "two" / out.name).read_bytes()
    assert two.stdout == one.stdout.replace(str(tmp_path / "one"), str(tmp_path / "two"))


def test_per_file_results_and_errors_survive_pickling(files, tmp_path):
    """What a worker process sends back: summaries, reports and errors, attributes and all."""
    paths, _ = files
    result = summarize_file(paths[1])
    assert pickle.loads(pickle.dumps(result))[0] == result[0]
    limit = ResourceLimitError(
        "drawing has 9 points", limit="max_points", value=5, path="a", line=2
    )
    back = pickle.loads(pickle.dumps(limit))
    assert (type(back), str(back), back.limit, back.value, back.line, back.message) == (
        ResourceLimitError,
        str(limit),
        "max_points",
        5,
        2,
        limit.message,
    )


def test_a_bad_file_on_the_cluster_names_file_and_line(client, tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"drawing":[[[1],[2]]]}\n{"drawing":[[[1,2],[2]]]}\n')
    with pytest.raises(FormatError, match=r"bad.ndjson, line 2: stroke 0: x and y have different"):
        describe_files_dask([bad], client=client)
    with pytest.raises(FormatError, match=r"bad.ndjson, line 2: stroke 0: x and y have different"):
        convert_many([bad], tmp_path / "out", client=client)
    assert not (tmp_path / "out" / "bad.parquet").exists()


def test_a_bad_file_on_the_cluster_is_one_line_in_the_cli(client, tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"drawing":[[[1],[2]]]}\n{"split":"dev","drawing":[[[1],[2]]]}\n')
    address = client.scheduler.address
    for args in (["stats", bad], ["convert", bad, tmp_path / "out", "--to", ".parquet"]):
        result = CliRunner().invoke(
            main, [*map(str, args), "--engine", "dask", "--scheduler", address]
        )
        assert result.exit_code == 1
        assert result.output == (
            f'Error: {bad}, line 2: split must be one of train, valid, test or null; got "dev"\n'
        )
    assert not (tmp_path / "out" / "bad.parquet").exists()


def test_skipped_records_of_convert_are_counted_on_the_cluster(client, tmp_path):
    """``convert --engine dask --errors skip``: the same stderr line as the single engine."""
    one, two = tmp_path / "one.ndjson", tmp_path / "two.ndjson"
    one.write_text('{"drawing":[[[1],[2]]]}\n{"drawing":[]}\n{"drawing":[[[3],[4]]]}\n')
    two.write_text('{"drawing":[[[1,2],[2]]]}\n{"drawing":[]}\nnot json\n{"drawing":[[[5],[6]]]}\n')
    report = ReadReport()
    done = convert_many([one, two], tmp_path / "lib", client=client, errors="skip", report=report)
    assert [n for _, n, _ in done] == [2, 1]
    assert report.skipped == 4
    runner = CliRunner()
    args = ["convert", str(one), str(two), "--to", ".ndjson", "--errors", "skip"]
    single = runner.invoke(main, [*args, str(tmp_path / "s")])
    dask = runner.invoke(
        main,
        [*args, str(tmp_path / "d"), "--engine", "dask", "--scheduler", client.scheduler.address],
    )
    assert single.exit_code == dask.exit_code == 0, dask.output
    assert dask.stderr == single.stderr
    assert single.stderr.startswith("skipped 4 drawings: 2 x empty drawing (no strokes) (first: ")
    assert single.stderr.count("\n") == 1
    assert f"(first: {one}, line 2)" in single.stderr
    assert f"{two}, line 1" in single.stderr
    assert report.summary() + "\n" == single.stderr
    for name in ("one.ndjson", "two.ndjson"):
        assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "s" / name).read_bytes()


def test_fraction_splits_on_the_cluster_give_the_single_engine_bytes(client, files, tmp_path):
    from strokedelta.datasets import build_dataset

    paths, _ = files
    for fmt in ("npz", "parquet"):
        options = {"format": fmt, "splits": "0.6,0.2,0.2", "row_group_size": 7}
        one = build_dataset(paths, tmp_path / f"single-{fmt}", **options)
        two = build_dataset(
            paths, tmp_path / f"dask-{fmt}", engine="dask", client=client, **options
        )
        assert one == two
        assert one["categories"]["dog"]["counts"] == {"train": 26, "valid": 8, "test": 8}
        for name in one["files"]:
            single = (tmp_path / f"single-{fmt}" / name).read_bytes()
            assert (tmp_path / f"dask-{fmt}" / name).read_bytes() == single, name
