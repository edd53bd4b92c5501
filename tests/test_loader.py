"""load_dataset: magenta's Sketch-RNN load_dataset on any files with splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from torch.utils.data import DataLoader

from strokedelta.datasets.loader import load_dataset
from strokedelta.exceptions import ValidationError
from strokedelta.io import read_drawings, write_drawings
from strokedelta.sketch import Drawings
from strokedelta.sketch.dataset import collate_stroke5

DATA = Path(__file__).resolve().parents[1] / "data"


def magenta_scale_factor(train: np.ndarray, max_len: int) -> float:
    """magenta's preprocess + calculate_normalizing_scale_factor, written out (float32)."""
    kept = [np.array(np.maximum(np.minimum(s, 1000), -1000), dtype=np.float32) for s in train]
    kept = [s for s in kept if len(s) <= max_len]
    data = np.concatenate([s[:, :2].reshape(-1) for s in kept])  # x0, y0, x1, y1, ... as its loop
    return float(np.std(data))


def test_aaron_sheep_as_magenta_loads_it(real_data):
    path = real_data / "aaron_sheep.npz"
    raw = np.load(path, encoding="latin1", allow_pickle=True)
    data = load_dataset(path)
    assert (len(data.train), len(data.valid), len(data.test)) == (7400, 300, 300)
    assert data.max_len == 250
    assert data.dropped == {"train": 0, "valid": 0, "test": 0}
    assert data.scale_factor == pytest.approx(magenta_scale_factor(raw["train"], 250), rel=1e-6)
    assert round(data.scale_factor, 4) == 18.5198
    for name in ("train", "valid", "test"):
        got = getattr(data, name)
        assert got.attrs["scale_factor"] == data.scale_factor
        want = np.concatenate(raw[name]).astype(np.float64)
        want[:, :2] = np.clip(want[:, :2], -1000, 1000) / data.scale_factor
        np.testing.assert_array_equal(got.strokes.values, want)


def test_max_len_drops_long_drawings_from_every_split(real_data):
    path = real_data / "aaron_sheep.npz"
    raw = np.load(path, encoding="latin1", allow_pickle=True)
    data = load_dataset([path], max_len=100)
    for name in ("train", "valid", "test"):
        lengths = np.array([len(s) for s in raw[name]])
        assert data.dropped[name] == int((lengths > 100).sum()) > 0
        assert len(getattr(data, name)) == int((lengths <= 100).sum())
        assert int(getattr(data, name).lengths.max()) <= 100
    assert data.scale_factor == pytest.approx(magenta_scale_factor(raw["train"], 100), rel=1e-6)


@pytest.fixture(scope="module")
def split_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("loader")
    paths = []
    for word in ("cat", "sheep"):
        d = read_drawings(DATA / f"quickdraw_{word}_sample.ndjson")
        d.meta["split"] = np.array(["train", "train", "valid", "test", "train"] * 5, dtype=object)
        (folder / f"word={word}").mkdir()
        paths.append(folder / f"word={word}" / "part-0.parquet")
        write_drawings(d, paths[-1])
    return paths


def test_a_parquet_dataset_folder_joins_its_files_in_order(split_files):
    data = load_dataset(split_files[0].parent.parent)
    by_file = load_dataset(split_files)
    both = Drawings.concat([read_drawings(p) for p in split_files])
    train = both[(both.meta["split"] == "train").to_numpy()]
    scale = float(np.std(train.strokes.values[:, :2].astype(np.float64)))
    assert data.scale_factor == by_file.scale_factor == scale
    assert len(data.train) == 30
    assert len(data.valid) == len(data.test) == 10
    assert data.train.meta["word"].tolist() == ["cat"] * 15 + ["sheep"] * 15
    np.testing.assert_array_equal(
        data.train.strokes.values[:, :2], train.strokes.values[:, :2] / scale
    )
    np.testing.assert_array_equal(by_file.test.strokes.values, data.test.strokes.values)


def test_stroke_datasets_pad_to_max_len_and_augment_train_only(split_files):
    data = load_dataset(split_files, max_len=120)
    train, valid, test = data.stroke_datasets(augment_scale=0.1, seed=2)
    assert train.augment_scale == 0.1
    assert valid.augment_scale == test.augment_scale == 0.0
    batch = next(iter(DataLoader(valid, batch_size=4, collate_fn=collate_stroke5)))
    assert tuple(batch.strokes.shape) == (4, 121, 5)


def test_bad_inputs_are_named(split_files, tmp_path):
    plain = tmp_path / "plain.ndjson"
    plain.write_text((DATA / "quickdraw_cat_sample.ndjson").read_text())
    with pytest.raises(ValidationError, match=r"plain\.ndjson must carry train/valid/test splits"):
        load_dataset(plain)
    with pytest.raises(
        ValidationError, match="the train split must hold a drawing of at most max_len=2"
    ):
        load_dataset(split_files, max_len=2)
    with pytest.raises(ValidationError, match="paths must name at least one dataset file"):
        load_dataset([])
    with pytest.raises(ValidationError, match="limit must be a finite number > 0"):
        load_dataset(split_files, limit=0)
