"""build_dataset: exact seeded splits, filters, the three layouts, the manifest, both engines."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.datasets import build_dataset, parse_splits
from strokedelta.datasets.outputs import sha256_of
from strokedelta.datasets.scan import ScanJob, scan_file
from strokedelta.datasets.spec import BuildSpec
from strokedelta.datasets.spills import BUCKETS, load_buckets
from strokedelta.exceptions import FileAccessError, FormatError, ValidationError
from strokedelta.io import read_drawings, write_drawings
from strokedelta.render.raster import rasterize
from strokedelta.sketch import Drawings
from strokedelta.sketch.moments import DeltaMoments

SIMPLIFIED = ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_simplified.ndjson")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _drawings(n: int, word: str, seed: int = 0, start: int = 10**15) -> Drawings:
    """``n`` integer drawings with Quick, Draw! metadata (key ids start..start+n)."""
    rng = np.random.default_rng(seed)
    polylines = [
        [[rng.integers(0, 256, k).tolist(), rng.integers(0, 256, k).tolist()]]
        for k in rng.integers(1, 9, n)
    ]
    meta = pd.DataFrame(
        {
            "key_id": [str(start + i) for i in range(n)],
            "word": [word] * n,
            "countrycode": rng.choice(["US", "GB", "FR"], n).tolist(),
            "recognized": (rng.random(n) < 0.7).tolist(),
            "timestamp": ["2017-03-02 23:25:10.07453 UTC"] * n,
        }
    )
    return Drawings.from_polylines(polylines, meta)


def test_real_cat_and_sheep_acceptance(real_data, tmp_path):
    sources = [real_data / name for name in SIMPLIFIED]
    first = build_dataset(sources, tmp_path / "a", splits="15,5,5")
    again = build_dataset(list(reversed(sources)), tmp_path / "b", splits="15,5,5")
    assert first == again
    assert _files(tmp_path / "a") == _files(tmp_path / "b")  # byte-identical, any file order
    for word in ("cat", "sheep"):
        assert first["categories"][word]["counts"] == {"train": 15, "valid": 5, "test": 5}
        # magenta's load_dataset code path
        data = np.load(tmp_path / "a" / f"{word}.npz", encoding="latin1", allow_pickle=True)
        assert sorted(data.files) == ["test", "train", "valid"]
        assert [len(data[k]) for k in ("train", "valid", "test")] == [15, 5, 5]
        assert all(a.dtype == np.int16 and a.shape[1] == 3 for a in data["train"])
        back = read_drawings(tmp_path / "a" / f"{word}.npz")  # and the project's safe reader
        train = back[(back.meta["split"] == "train").to_numpy()]
        expected = first["categories"][word]["scale_factor"]
        assert DeltaMoments.from_drawings(train).scale_factor == expected
    source = read_drawings(sources[0])
    built = np.load(tmp_path / "a" / "cat.npz", encoding="latin1", allow_pickle=True)
    originals = {source[i].astype(np.int16).tobytes() for i in range(len(source))}
    assert {a.tobytes() for k in ("train", "valid", "test") for a in built[k]} == originals
    for name, digest in first["files"].items():
        assert sha256_of(tmp_path / "a" / name) == digest


def test_splits_depend_only_on_seed_and_identity(tmp_path):
    cats = _drawings(300, "cat")
    write_drawings(cats, tmp_path / "cat.ndjson")
    order = np.random.default_rng(1).permutation(300)  # the same drawings, shuffled, 3 files
    for i, part in enumerate(np.array_split(order, 3)):
        write_drawings(cats[part], tmp_path / f"cat_part{i}.ndjson")
    write_drawings(cats[order], tmp_path / "cat_shuffled.parquet")
    options = {"splits": "50,10,10", "seed": 7}
    build_dataset([tmp_path / "cat.ndjson"], tmp_path / "one", **options)
    build_dataset(sorted(tmp_path.glob("cat_part*.ndjson")), tmp_path / "three", **options)
    build_dataset([tmp_path / "cat_shuffled.parquet"], tmp_path / "pq", **options)
    expected = (tmp_path / "one" / "cat.npz").read_bytes()
    assert (tmp_path / "three" / "cat.npz").read_bytes() == expected
    assert (tmp_path / "pq" / "cat.npz").read_bytes() == expected
    build_dataset([tmp_path / "cat.ndjson"], tmp_path / "seed8", splits="50,10,10", seed=8)
    assert (tmp_path / "seed8" / "cat.npz").read_bytes() != expected


def test_a_small_category_fills_test_then_valid_then_train(tmp_path):
    write_drawings(_drawings(30, "cat"), tmp_path / "cat.ndjson")
    write_drawings(_drawings(7, "dog", seed=1, start=2 * 10**15), tmp_path / "dog.ndjson")
    manifest = build_dataset(sorted(tmp_path.glob("*.ndjson")), tmp_path / "set", splits="20,5,5")
    assert manifest["categories"]["cat"]["shortfall"] == {"train": 0, "valid": 0, "test": 0}
    dog = manifest["categories"]["dog"]
    assert dog["counts"] == {"train": 0, "valid": 2, "test": 5}
    assert dog["shortfall"] == {"train": 20, "valid": 3, "test": 0}
    assert manifest["totals"]["shortfall"] == {"train": 20, "valid": 3, "test": 0}
    # the drawings kept are the best-ranked: the same test set as a larger request
    bigger = build_dataset([tmp_path / "dog.ndjson"], tmp_path / "big", splits="0,0,5")
    a = np.load(tmp_path / "set" / "dog.npz", allow_pickle=True)["test"]
    b = np.load(tmp_path / "big" / "dog.npz", allow_pickle=True)["test"]
    assert [x.tobytes() for x in a] == [x.tobytes() for x in b]
    assert bigger["categories"]["dog"]["counts"]["test"] == 5


@given(st.integers(0, 10_000), st.sampled_from(["70000,2500,2500", "3,1,1", "0.9,0.05,0.05"]))
def test_split_sizes_never_exceed_the_pool(pool, text):
    splits = parse_splits(text)
    train, valid, test = splits.sizes(pool)
    assert min(train, valid, test) >= 0
    assert train + valid + test <= pool
    if splits.counts is not None:
        _, asked_valid, asked_test = splits.counts
        assert test == min(asked_test, pool)  # test fills first
        assert valid == min(asked_valid, pool - test)
    else:
        assert train + valid + test == pool
        assert abs(test - 0.05 * pool) <= 0.5


def test_filters_count_what_they_removed(tmp_path):
    cats = _drawings(400, "cat")
    dogs = _drawings(200, "dog", seed=3, start=3 * 10**15)
    write_drawings(Drawings.concat([cats, dogs]), tmp_path / "mixed.ndjson")
    manifest = build_dataset(
        [tmp_path / "mixed.ndjson"],
        tmp_path / "set",
        splits="0.8,0.1,0.1",
        words=["cat"],
        countries=["US", "GB"],
        recognized=True,
        min_len=3,
        limit=50,
    )
    meta = cats.meta
    country = meta["countrycode"].isin(["US", "GB"]).to_numpy()
    recognized = meta["recognized"].to_numpy()
    long_enough = cats.lengths >= 3
    removed = manifest["categories"]["cat"]["removed"]
    assert manifest["totals"]["removed"]["words"] == 200
    assert removed["country"] == int((~country).sum())
    assert removed["recognized"] == int((country & ~recognized).sum())
    assert removed["length"] == int((country & recognized & ~long_enough).sum())
    survivors = int((country & recognized & long_enough).sum())
    assert manifest["categories"]["cat"]["available"] == survivors
    assert removed["limit"] == survivors - 50
    assert manifest["categories"]["cat"]["counts"] == {"train": 40, "valid": 5, "test": 5}
    assert list(manifest["categories"]) == ["cat"]


def test_parquet_layout_and_bounded_row_groups(tmp_path):
    write_drawings(_drawings(120, "cat"), tmp_path / "cat.ndjson")
    write_drawings(_drawings(60, "dog", seed=2, start=5 * 10**15), tmp_path / "dog.ndjson")
    manifest = build_dataset(
        sorted(tmp_path.glob("*.ndjson")),
        tmp_path / "set",
        format="parquet",
        splits="0.8,0.1,0.1",
        row_group_size=25,
    )
    part = tmp_path / "set" / "word=cat" / "part-0.parquet"
    assert sorted(manifest["files"]) == ["word=cat/part-0.parquet", "word=dog/part-0.parquet"]
    meta = pq.ParquetFile(part).metadata
    assert max(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) <= 25
    back = read_drawings(part)
    assert set(back.meta["word"]) == {"cat"}
    assert back.meta["split"].value_counts().to_dict() == {"train": 96, "valid": 12, "test": 12}
    npz = build_dataset(sorted(tmp_path.glob("*.ndjson")), tmp_path / "npz", splits="0.8,0.1,0.1")
    arrays = np.load(tmp_path / "npz" / "cat.npz", allow_pickle=True)
    for split in ("train", "valid", "test"):
        rows = back[(back.meta["split"] == split).to_numpy()]
        assert [rows[i].tobytes() for i in range(len(rows))] == [
            a.astype(rows.strokes.values.dtype).tobytes() for a in arrays[split]
        ]
    assert npz["scale_factor"] == manifest["scale_factor"]


def test_bitmap_layout_is_rasterize_in_split_order(tmp_path):
    cats = _drawings(40, "cat")
    write_drawings(cats, tmp_path / "cat.ndjson")
    build_dataset([tmp_path / "cat.ndjson"], tmp_path / "set", format="bitmap", splits="30,5,5")
    images = np.load(tmp_path / "set" / "cat.npy")
    codes = np.load(tmp_path / "set" / "cat.split.npy")
    meta = pd.read_parquet(tmp_path / "set" / "cat.meta.parquet")
    assert images.shape == (40, 784)
    assert images.dtype == np.uint8
    assert codes.tolist() == [0] * 30 + [1] * 5 + [2] * 5
    assert meta["split"].tolist() == ["train"] * 30 + ["valid"] * 5 + ["test"] * 5
    by_key = {k: i for i, k in enumerate(cats.meta["key_id"])}
    order = [by_key[k] for k in meta["key_id"]]
    assert np.array_equal(images, rasterize(cats[np.array(order)]))


def test_position_identity_for_files_without_key_ids(real_data, tmp_path):
    manifest = build_dataset([real_data / "aaron_sheep.npz"], tmp_path / "a", splits="100,20,20")
    assert list(manifest["categories"]) == ["aaron_sheep"]  # the file's stem
    build_dataset([real_data / "aaron_sheep.npz"], tmp_path / "b", splits="100,20,20")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    back = read_drawings(tmp_path / "a" / "aaron_sheep.npz")
    assert back.meta["split"].value_counts().to_dict() == {"train": 100, "valid": 20, "test": 20}


def test_scanning_keeps_only_the_best_ranked(tmp_path):
    write_drawings(_drawings(3000, "cat"), tmp_path / "cat.ndjson")
    spec = BuildSpec(parse_splits("8,1,1"))
    scan = scan_file(ScanJob(str(tmp_path / "cat.ndjson"), 0, spec, str(tmp_path)))
    assert scan.read == 3000
    assert scan.available == {"cat": 3000}
    parts = load_buckets([scan.spills["cat"]], 0, BUCKETS)
    assert sum(p.size for p in parts) == 10  # memory holds the splits' need, not the file
    from strokedelta.datasets.keys import identity_keys

    everything = identity_keys(pd.Series([str(10**15 + i) for i in range(3000)]), 0)
    kept = np.concatenate([p.keys[0] for p in parts])
    assert sorted(kept.tolist()) == sorted(np.sort(everything)[:10].tolist())


def test_dask_local_cluster_gives_the_same_bytes(real_data, tmp_path):
    from strokedelta.distributed import local_client

    sources = [real_data / name for name in SIMPLIFIED]
    write_drawings(_drawings(90, "dog"), tmp_path / "dog.parquet")
    sources.append(tmp_path / "dog.parquet")
    for fmt in ("npz", "parquet"):
        build_dataset(sources, tmp_path / f"single-{fmt}", format=fmt, splits="12,4,4")
    # in-process workers: real workers and scheduler, without 20 s of interpreter start-ups
    # (scripts/bench_dataset.py compares worker processes with the single engine)
    with local_client(n_workers=2, processes=False) as client:
        for fmt in ("npz", "parquet"):
            build_dataset(
                sources,
                tmp_path / f"dask-{fmt}",
                format=fmt,
                splits="12,4,4",
                engine="dask",
                client=client,
            )
    for fmt in ("npz", "parquet"):
        single, dask = _files(tmp_path / f"single-{fmt}"), _files(tmp_path / f"dask-{fmt}")
        assert len(single) == 4
        assert single == dask


def test_bad_inputs_leave_no_output(real_data, tmp_path):
    cat = real_data / SIMPLIFIED[0]
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"word": "cat", "drawing": [[[1, 2], [3]]]}\n')
    out = tmp_path / "out"
    cases = [
        ([tmp_path / "missing.ndjson"], {}, FileAccessError, "missing.ndjson: no such file"),
        ([str(tmp_path / "*.bin")], {}, ValidationError, "no file matches this pattern"),
        ([cat], {"splits": "1,2"}, ValidationError, "splits must be three numbers"),
        ([cat], {"splits": "0.9,0.2,0"}, ValidationError, "summing to at most 1"),
        ([bad], {}, FormatError, "bad.ndjson, line 1"),
        ([real_data / "quickdraw_cat_raw.ndjson"], {}, FormatError, "add --simplify"),
        ([cat], {"words": ["zebra"]}, ValidationError, "the filters left no drawings"),
        ([cat], {"format": "svg"}, ValidationError, "format must be one of"),
    ]
    for sources, options, error, message in cases:
        with pytest.raises(error, match=message):
            build_dataset(sources, out, **options)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ndjson"], message
    with pytest.raises(FileAccessError, match="refusing to write a dataset over an input"):
        build_dataset([tmp_path / "bad.ndjson"], tmp_path)
    out.mkdir()
    with pytest.raises(FileAccessError, match=r"already exists; .* --overwrite"):
        build_dataset([cat], out, splits="1,1,1")
    manifest = build_dataset([cat], out, splits="1,1,1", overwrite=True)
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ndjson", "out"]
    with zipfile.ZipFile(out / "cat.npz") as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_drawing_given_twice_is_kept_once(tmp_path):
    cats = _drawings(50, "cat")
    write_drawings(cats, tmp_path / "cat.ndjson")
    write_drawings(cats[np.arange(20)], tmp_path / "cat_again.parquet")  # 20 repeats
    once = build_dataset([tmp_path / "cat.ndjson"], tmp_path / "once", splits="0.6,0.2,0.2")
    both = build_dataset(
        [tmp_path / "cat.ndjson", tmp_path / "cat_again.parquet"],
        tmp_path / "both",
        splits="0.6,0.2,0.2",
    )
    assert both["categories"]["cat"]["removed"]["duplicates"] == 20
    assert both["categories"]["cat"]["available"] == 50
    assert (tmp_path / "both" / "cat.npz").read_bytes() == (
        tmp_path / "once" / "cat.npz"
    ).read_bytes()
    assert once["categories"]["cat"]["counts"] == {"train": 30, "valid": 10, "test": 10}


def test_npz_builds_narrow_points_to_int16_only_where_they_fit(tmp_path):
    from strokedelta.datasets._gather import as_int16

    edge = np.array([[-32768, 32767, 1]], dtype=np.int32)
    assert as_int16(edge).tolist() == edge.tolist()
    assert as_int16(edge).dtype == np.int16
    assert as_int16(edge + np.array([[0, 1, 0]])) is None
    assert as_int16(edge - np.array([[1, 0, 0]])) is None
    wide = Drawings.from_polylines([[[[0, 40000], [0, 0]]], [[[0, 5], [0, 5]]]])
    write_drawings(wide, tmp_path / "cat.ndjson")
    with pytest.raises(ValidationError, match=r"must fit int16 .*got 0\.\.40000"):
        build_dataset([tmp_path / "cat.ndjson"], tmp_path / "set", splits="1,1,0")
    assert not (tmp_path / "set").exists()


@pytest.mark.parametrize("fmt", ["npz", "bitmap"])
def test_a_category_larger_than_one_run_is_written_run_by_run(fmt, tmp_path, monkeypatch):
    from strokedelta.datasets import collect, spills

    rng = np.random.default_rng(3)
    lines = [[[rng.integers(0, 255, 4).tolist(), rng.integers(0, 255, 4).tolist()]]]
    drawings = Drawings.from_polylines(lines * 60 + [[[[i, 9], [0, i]]] for i in range(60)])
    write_drawings(drawings, tmp_path / "cat.ndjson")
    options = {"splits": "0.8,0.1,0.1", "format": fmt, "seed": 4}
    whole = build_dataset([tmp_path / "cat.ndjson"], tmp_path / "whole", **options)
    streamed: list[str] = []
    for name in ("write_npz_parts", "write_bitmap_parts"):
        real = getattr(collect, name)
        monkeypatch.setattr(
            collect, name, lambda *a, _r=real, **k: streamed.append(1) or _r(*a, **k)
        )
    monkeypatch.setattr(spills, "GROUP_AT", 7)  # 120 drawings: many runs of at most 7
    runs = build_dataset([tmp_path / "cat.ndjson"], tmp_path / "runs", **options)
    assert streamed == [1]
    assert whole["categories"] == runs["categories"]
    same = ["cat.npz"] if fmt == "npz" else ["cat.npy", "cat.split.npy", "cat.meta.parquet"]
    for name in same:  # byte for byte, whether written whole or run by run
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "runs" / name).read_bytes()
