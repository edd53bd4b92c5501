"""Issue 11's correctness gaps: fraction splits in bounded memory (the same bytes whatever the
buffer, run, chunk sizes and file order), drawings without points refused by every writer,
and the acceptance on the real sample files as a user runs it."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from strokedelta.cli import main
from strokedelta.datasets import build_dataset, collect, scan, spills
from strokedelta.exceptions import ValidationError
from strokedelta.io import iter_drawings, read_drawings, write_drawings
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings

SIMPLIFIED = ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_simplified.ndjson")


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="strokedelta")


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _drawings(n: int, word: str, seed: int, start: int) -> Drawings:
    rng = np.random.default_rng(seed)
    polylines = [
        [[rng.integers(0, 256, k).tolist(), rng.integers(0, 256, k).tolist()]]
        for k in rng.integers(1, 7, n)
    ]
    meta = pd.DataFrame({"key_id": [str(start + i) for i in range(n)], "word": [word] * n})
    return Drawings.from_polylines(polylines, meta)


@pytest.fixture(scope="module")
def cats(tmp_path_factory) -> list[Path]:
    """600 cats in two files of two formats (30 of them repeated in both) and 120 dogs."""
    folder = tmp_path_factory.mktemp("cats")
    many = _drawings(600, "cat", 0, 10**15)
    write_drawings(many[np.arange(400)], folder / "cat_a.ndjson")
    write_drawings(many[np.arange(370, 600)], folder / "cat_b.parquet")
    write_drawings(_drawings(120, "dog", 1, 2 * 10**15), folder / "dog.ndjson.gz")
    return [folder / "cat_a.ndjson", folder / "cat_b.parquet", folder / "dog.ndjson.gz"]


@pytest.mark.parametrize("fmt", ["npz", "parquet", "bitmap"])
def test_fraction_splits_are_bounded_and_give_the_same_bytes(cats, tmp_path, monkeypatch, fmt):
    options = {"format": fmt, "splits": "0.8,0.1,0.1", "row_group_size": 97}
    whole = build_dataset(cats, tmp_path / "whole", **options)
    assert whole["categories"]["cat"]["counts"] == {"train": 480, "valid": 60, "test": 60}
    assert whole["categories"]["cat"]["removed"]["duplicates"] == 30
    appended, loaded = [], []
    append, load = spills.append_spill, spills.load_buckets

    def recording_append(path, candidates):
        appended.append(candidates.size)
        append(path, candidates)

    def recording_load(paths, lo, hi):
        parts = load(paths, lo, hi)
        loaded.append(sum(p.size for p in parts))
        return parts

    monkeypatch.setattr(spills, "FLUSH_AT", 100)
    monkeypatch.setattr(spills, "GROUP_AT", 120)
    monkeypatch.setattr(spills, "append_spill", recording_append)
    monkeypatch.setattr(collect, "load_buckets", recording_load)
    monkeypatch.setattr(  # other chunk boundaries: 29 drawings a chunk
        scan, "iter_drawings", lambda path, **kw: iter_drawings(path, **{**kw, "chunk_size": 29})
    )
    bounded = build_dataset(list(reversed(cats)), tmp_path / "bounded", **options)
    assert bounded == json.loads((tmp_path / "bounded" / "manifest.json").read_text())
    assert _digests(tmp_path / "bounded") == _digests(tmp_path / "whole")
    # the per-file step held at most FLUSH_AT + one chunk of a category, never the file
    assert max(appended) < 100 + 29
    assert len(appended) > 5
    # the per-category step loaded runs of buckets of about GROUP_AT, never the category
    buckets = 600 / spills.BUCKETS  # drawings a bucket holds on average
    assert max(loaded) <= 120 + 3 * buckets
    assert len(loaded) > 2 * 600 // 120


def test_the_manifest_says_how_fractions_were_cut(cats, tmp_path):
    manifest = build_dataset(cats[2:], tmp_path / "set", splits="0.5,0.25,0.25")
    method = manifest["parameters"]["split_method"]
    assert "round(P * test)" in method
    assert "rank" in method
    counts = build_dataset(cats[2:], tmp_path / "n", splits="100,10,10")
    assert counts["parameters"]["split_method"] != method


def _no_points(with_key: bool = True) -> Drawings:
    strokes = Ragged(np.array([[1, 2, 1], [3, 4, 1]], dtype=np.int16), [0, 1, 1, 2])
    meta = pd.DataFrame({"key_id": ["5", "6", "7"]}) if with_key else None
    return Drawings(strokes, meta)


@pytest.mark.parametrize(
    ("suffix", "name"), [(".npz", "a Sketch-RNN .npz"), (".parquet", "Parquet")]
)
def test_writers_refuse_a_drawing_without_points(tmp_path, suffix, name):
    with pytest.raises(
        ValidationError, match=rf"cannot write drawing 1 \(key_id 6\) as {name}: it has no points"
    ):
        write_drawings(_no_points(), tmp_path / f"out{suffix}")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValidationError, match=rf"cannot write drawing 1 as {name}: it has no"):
        write_drawings(_no_points(with_key=False), tmp_path / f"out{suffix}")
    good = _no_points()[np.array([0, 2])]
    write_drawings(good, tmp_path / f"out{suffix}")
    assert read_drawings(tmp_path / f"out{suffix}").strokes.equals(good.strokes)


def test_the_streaming_writers_name_the_drawing_by_its_place_in_the_file(tmp_path):
    from strokedelta.io import open_writer

    for suffix in (".npz", ".parquet"):
        target = tmp_path / f"out{suffix}"
        with (
            pytest.raises(ValidationError, match="cannot write drawing 4 "),
            open_writer(target) as writer,
        ):
            writer.write(_no_points()[np.array([0, 2, 0])])
            writer.write(_no_points())
        assert list(tmp_path.iterdir()) == []


def test_a_dataset_refuses_a_drawing_without_points(tmp_path, monkeypatch):
    good = _drawings(20, "cat", 2, 10**15)
    write_drawings(good, tmp_path / "cat.ndjson")
    head = good[np.arange(19)].strokes  # the last drawing loses its points
    empty = Drawings(Ragged(head.values, [*head.offsets, head.offsets[-1]]), good.meta)
    monkeypatch.setattr(scan, "iter_drawings", lambda path, **kw: iter([empty]))
    with pytest.raises(ValidationError, match=rf"drawing {10**15 + 19} of category 'cat'"):
        build_dataset([tmp_path / "cat.ndjson"], tmp_path / "set", splits="0.5,0.25,0.25")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.ndjson"]


def _bad_inputs(folder: Path, real: Path) -> dict[str, Path]:
    """An empty file, a truncated gzip, a good file, a folder, in ``folder``."""
    cat = folder / "cat.ndjson"
    cat.write_bytes((real / SIMPLIFIED[0]).read_bytes())
    (folder / "empty.ndjson").write_bytes(b"")
    packed = gzip.compress(cat.read_bytes())
    (folder / "cut.ndjson.gz").write_bytes(packed[: len(packed) // 2])
    (folder / "folder.npy").mkdir()
    return {"cat": cat, "empty": folder / "empty.ndjson", "cut": folder / "cut.ndjson.gz"}


BUILD_CASES = {
    "empty file": (["{empty}"], "the filters left no drawings; nothing was written"),
    "truncated gz": (["{cut}"], "cut.ndjson.gz: truncated gzip stream: the file ends at byte"),
    "1,2": (["{cat}", "--splits", "1,2"], "splits must be three numbers TRAIN,VALID,TEST"),
    "sum over 1": (["{cat}", "--splits", "0.5,0.6,0.1"], "summing to at most 1; got '0.5,"),
    "negative": (["{cat}", "--splits", "-1,2,3"], "summing to at most 1; got '-1,2,3'"),
    "abc": (["{cat}", "--splits", "abc"], "splits must be three numbers TRAIN,VALID,TEST"),
    "no drawing asked": (["{cat}", "--splits", "0,0,0"], "splits must keep some drawings"),
    "nan": (["{cat}", "--splits", "nan,0,0"], "three counts or three fractions"),
}


@pytest.mark.parametrize("case", sorted(BUILD_CASES))
def test_bad_input_to_dataset_build_is_one_line_and_leaves_nothing(real_data, tmp_path, case):
    paths = _bad_inputs(tmp_path, real_data)
    before = sorted(p.name for p in tmp_path.iterdir())
    args, message = BUILD_CASES[case]
    argv = [a.format(**paths) for a in args]
    result = run("dataset", "build", argv[0], tmp_path / "out", *argv[1:])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output, no temp folder


def test_unknown_format_is_a_usage_error_without_output(real_data, tmp_path):
    paths = _bad_inputs(tmp_path, real_data)
    result = run("dataset", "build", paths["cat"], tmp_path / "out", "--format", "svg")
    assert result.exit_code == 2
    assert "Error: Invalid value for '--format': 'svg' is not one of" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["convert", "rasterize"])
def test_a_truncated_gzip_is_one_line_and_leaves_nothing(real_data, tmp_path, command):
    paths = _bad_inputs(tmp_path, real_data)
    before = sorted(p.name for p in tmp_path.iterdir())
    target = tmp_path / ("out.npz" if command == "convert" else "out.npy")
    result = run(command, paths["cut"], target)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "cut.ndjson.gz: truncated gzip stream" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_converting_several_files_writes_all_of_them_or_none(real_data, tmp_path):
    paths = _bad_inputs(tmp_path, real_data)
    before = sorted(p.name for p in tmp_path.iterdir())
    sheep = real_data / SIMPLIFIED[1]
    for out in (tmp_path / "new", tmp_path / "folder.npy"):  # a new folder, an existing one
        result = run("convert", paths["cat"], sheep, paths["cut"], out, "--to", ".npz")
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert "cut.ndjson.gz: truncated gzip stream" in result.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == before
        assert not out.exists() or list(out.iterdir()) == []
    result = run("convert", paths["cat"], sheep, tmp_path / "new", "--to", ".npz")
    assert result.exit_code == 0, result.output
    names = ["cat.npz", "quickdraw_sheep_simplified.npz"]
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == names
    assert result.stdout == "".join(
        f"wrote {tmp_path / 'new' / name} (25 drawings, {points} points)\n"
        for name, points in zip(names, (1362, 1712))
    )
