"""Splits survive every format: ndjson (plain and gzip), npz and Parquet keep them through every
pair of conversions; ``.bin`` cannot hold them and refuses unless told to merge them."""

from __future__ import annotations

import gzip
import itertools

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.exceptions import ValidationError
from strokedelta.io import convert_drawings, read_drawings, write_drawings
from strokedelta.sketch import SPLITS, Drawings

KEEPING = (".ndjson", ".ndjson.gz", ".npz", ".parquet")
ALL = (*KEEPING, ".bin")


def synthetic(n: int = 30, seed: int = 0) -> Drawings:
    """Integer drawings in 0..255 with key_ids, words and interleaved splits."""
    rng = np.random.default_rng(seed)
    polylines = []
    for _ in range(n):
        strokes = []
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(1, 6))
            strokes.append(rng.integers(0, 256, size=(2, k)).tolist())
        polylines.append(strokes)
    meta = pd.DataFrame(
        {
            "key_id": pd.Series([str(10**15 + i) for i in range(n)], dtype="str"),
            "word": pd.Series(rng.choice(["cat", "dog"], size=n), dtype="str"),
            "split": pd.Series(rng.choice(list(SPLITS), size=n, p=[0.5, 0.25, 0.25]), dtype="str"),
        }
    )
    return Drawings.from_polylines(polylines, meta)


def per_split(d: Drawings) -> dict[str, list[list[int]]]:
    """Each split's drawings, in order, as lists (dtype-free)."""
    labels = d.meta["split"].to_numpy(dtype=object)
    return {s: [d[int(i)].tolist() for i in np.flatnonzero(labels == s)] for s in SPLITS}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """The synthetic set written once in every split-keeping format."""
    folder = tmp_path_factory.mktemp("sources")
    d = synthetic()
    paths = {}
    for suffix in KEEPING:
        paths[suffix] = folder / f"set{suffix}"
        write_drawings(d, paths[suffix])
    return d, paths


@pytest.mark.parametrize(("source", "target"), list(itertools.product(KEEPING, ALL)))
def test_convert_keeps_splits_through_every_pair(sources, tmp_path, source, target):
    original, paths = sources
    out = tmp_path / f"out{target}"
    if target == ".bin":
        with pytest.raises(ValidationError, match=r"pass merge_splits=True \(--merge-splits\)"):
            convert_drawings(paths[source], out)
        assert list(tmp_path.iterdir()) == []
        convert_drawings(paths[source], out, merge_splits=True)
        merged = read_drawings(out)
        assert "split" not in merged.meta.columns
        read = read_drawings(paths[source])
        assert merged.to_polylines() == read.to_polylines()  # every drawing, in file order
        return
    assert convert_drawings(paths[source], out)[0] == len(original)
    back = read_drawings(out)
    assert per_split(back) == per_split(original)
    if target != ".npz" and source != ".npz":  # npz regroups by split; the others keep order
        assert back.meta["split"].tolist() == original.meta["split"].tolist()
        assert back.meta["key_id"].tolist() == original.meta["key_id"].tolist()


def test_ndjson_lines_carry_a_split_field(sources):
    _, paths = sources
    lines = paths[".ndjson"].read_text().splitlines()
    assert lines[0].startswith('{"word":"')
    assert all(
        '"split":"' in line and line.index('"split"') < line.index('"drawing"') for line in lines
    )
    with gzip.open(paths[".ndjson.gz"], "rt") as handle:
        assert handle.read().splitlines() == lines


def test_written_files_depend_on_the_data_only(sources, tmp_path):
    original, paths = sources
    for suffix in KEEPING:
        write_drawings(original, tmp_path / f"again{suffix}")
        assert (tmp_path / f"again{suffix}").read_bytes() == paths[suffix].read_bytes(), suffix


def test_drawings_without_splits_go_to_train_in_npz(tmp_path):
    d = synthetic(6)
    plain = Drawings(d.strokes, d.meta.drop(columns="split"))
    write_drawings(plain, tmp_path / "p.ndjson")
    assert "split" not in read_drawings(tmp_path / "p.ndjson").meta.columns
    convert_drawings(tmp_path / "p.ndjson", tmp_path / "p.npz")
    assert read_drawings(tmp_path / "p.npz").meta["split"].tolist() == ["train"] * 6
    convert_drawings(tmp_path / "p.ndjson", tmp_path / "p.bin")  # nothing to merge
    assert len(read_drawings(tmp_path / "p.bin")) == 6


def test_bin_refuses_on_the_command_line_in_one_line(sources, tmp_path):
    _, paths = sources
    result = CliRunner().invoke(main, ["convert", str(paths[".npz"]), str(tmp_path / "o.bin")])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path / 'o.bin'}: the bin format cannot keep the drawings' splits "
        "(train / valid / test); pass merge_splits=True (--merge-splits) to write them as one "
        "set, or write .ndjson, .npz or .parquet\n"
    )
    assert list(tmp_path.iterdir()) == []
    args = ["convert", str(paths[".npz"]), str(tmp_path / "o.bin"), "--merge-splits"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert len(read_drawings(tmp_path / "o.bin")) == 30


def _npz_arrays(path):
    with np.load(path, allow_pickle=True, encoding="latin1") as data:
        return {key: list(data[key]) for key in data.files}


def test_aaron_sheep_npz_to_ndjson_to_npz_keeps_every_split(real_data, tmp_path):
    source = real_data / "aaron_sheep.npz"
    runner = CliRunner()
    for args in (
        [source, tmp_path / "all.ndjson"],
        [tmp_path / "all.ndjson", tmp_path / "back.npz"],
    ):
        result = runner.invoke(main, ["convert", *map(str, args)])
        assert result.exit_code == 0, result.output
    before, after = _npz_arrays(source), _npz_arrays(tmp_path / "back.npz")
    assert [len(after[k]) for k in SPLITS] == [7400, 300, 300]
    assert list(after) == list(SPLITS)
    for key in SPLITS:
        assert len(before[key]) == len(after[key])
        assert all(
            a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(before[key], after[key])
        ), key


def test_aaron_sheep_keeps_its_splits_through_parquet_and_gzip_ndjson(real_data, tmp_path):
    source = real_data / "aaron_sheep.npz"
    convert_drawings(source, tmp_path / "a.parquet")
    convert_drawings(tmp_path / "a.parquet", tmp_path / "b.ndjson.gz")
    convert_drawings(tmp_path / "b.ndjson.gz", tmp_path / "back.npz")
    before, after = _npz_arrays(source), _npz_arrays(tmp_path / "back.npz")
    for key in SPLITS:
        assert len(before[key]) == len(after[key])
        assert all(np.array_equal(a, b) for a, b in zip(before[key], after[key])), key


def test_one_split_goes_to_bin_without_merging(sources, tmp_path):
    original, paths = sources
    convert_drawings(paths[".parquet"], tmp_path / "t.bin", split="test")
    expected = original[(original.meta["split"] == "test").to_numpy()]
    assert read_drawings(tmp_path / "t.bin").to_polylines() == expected.to_polylines()
