"""BitmapDataset (npy files and drawings rasterized on the fly) and ParquetBitmapDataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from strokedelta.datasets.bitmaps import BitmapDataset, ParquetBitmapDataset, labels_of
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io import open_writer, read_drawings
from strokedelta.render import rasterize, rasterize_file
from strokedelta.sketch import Drawings

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = {w: DATA / f"quickdraw_{w}_sample.ndjson" for w in ("cat", "sheep")}


@pytest.fixture(scope="module")
def drawings() -> Drawings:
    return Drawings.concat([read_drawings(path) for path in FILES.values()])


@pytest.fixture(scope="module")
def npy_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("bitmaps")
    paths = [folder / "cat.npy", folder / "full_numpy_bitmap_sheep.npy"]
    for source, target in zip(FILES.values(), paths):
        rasterize_file(source, target)
    return paths


def all_batches(data, **options) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [tuple(b) for b in DataLoader(data, **options)]


def test_drawings_dataset_serves_rasterized_images_and_word_labels(drawings):
    data = BitmapDataset.from_drawings(drawings)
    assert data.classes == ["cat", "sheep"]
    assert len(data) == 50
    image, label = data[30]
    assert image.shape == (1, 28, 28)
    assert image.dtype == torch.float32
    assert label == 1
    want = rasterize(drawings[30:31])[0].reshape(1, 28, 28) / 255.0
    np.testing.assert_allclose(image.numpy(), want, rtol=0, atol=1e-7)
    raw = BitmapDataset.from_drawings(drawings, size=64, dtype="uint8")
    np.testing.assert_array_equal(raw[3][0].numpy().reshape(-1), rasterize(drawings[3:4], 64)[0])
    assert raw[3][0].dtype == torch.uint8


def test_npy_files_give_the_same_batches_as_the_drawings(drawings, npy_files):
    from_files = BitmapDataset.from_npy(npy_files)
    assert isinstance(from_files.images, np.ndarray)
    assert from_files.classes == ["cat", "sheep"]  # full_numpy_bitmap_ prefix dropped
    on_the_fly = BitmapDataset.from_drawings(drawings)
    generator = [torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)]
    a = all_batches(from_files, batch_size=16, shuffle=True, generator=generator[0])
    b = all_batches(on_the_fly, batch_size=16, shuffle=True, generator=generator[1])
    assert len(a) == len(b) == 4
    for (xa, ya), (xb, yb) in zip(a, b):
        assert torch.equal(xa, xb)
        assert torch.equal(ya, yb)
        assert float(xa.min()) == 0.0
        assert float(xa.max()) == 1.0


def test_split_codes_beside_the_npy_select_rows(npy_files, tmp_path):
    images = np.load(npy_files[0])
    target = tmp_path / "cat.npy"
    np.save(target, images)
    codes = np.array([0, 1, 2, 0, 0] * 5, dtype=np.int8)
    np.save(tmp_path / "cat.split.npy", codes)
    valid = BitmapDataset.from_npy(target, split="valid", dtype="uint8")
    assert len(valid) == 5
    np.testing.assert_array_equal(valid.images_at(range(5)), images[codes == 1])
    folder = BitmapDataset.from_npy(tmp_path, split="test")  # cat.npy; cat.split.npy left out
    assert (len(folder), folder.classes) == (5, ["cat"])
    with pytest.raises(ValidationError, match=r"no full_numpy_bitmap_sheep\.split\.npy beside it"):
        BitmapDataset.from_npy(npy_files[1], split="valid")


def test_parquet_bitmaps_equal_the_in_memory_batches(drawings, tmp_path):
    for word in ("cat", "sheep"):
        (tmp_path / f"word={word}").mkdir()
        part = drawings[drawings.meta["word"].to_numpy() == word]
        part = Drawings(part.strokes)  # no word column: the folder names the class
        with open_writer(tmp_path / f"word={word}" / "part-0.parquet", row_group_size=6) as w:
            w.write(part)
    stream = ParquetBitmapDataset(tmp_path, batch_size=8)
    assert stream.classes == ["cat", "sheep"]
    got = all_batches(stream, batch_size=None, num_workers=2)
    want = all_batches(BitmapDataset.from_drawings(drawings), batch_size=8)
    assert len(got) == len(want) == 7
    for (xa, ya), (xb, yb) in zip(got, want):
        assert torch.equal(xa, xb)
        assert torch.equal(ya, yb)
    shuffled = ParquetBitmapDataset(tmp_path, batch_size=8, shuffle=True, seed=1, dtype="uint8")
    labels = torch.cat([y for _, y in all_batches(shuffled, batch_size=None)])
    assert sorted(labels.tolist()) == [0] * 25 + [1] * 25
    assert labels.tolist() != sorted(labels.tolist())


def test_bad_inputs_are_named(drawings, tmp_path):
    with pytest.raises(ValidationError, match="drawings must have a 'word' column"):
        BitmapDataset.from_drawings(Drawings(drawings.strokes))
    with pytest.raises(ValidationError, match="classes must hold every word of the data"):
        labels_of(["cat", "dog"], classes=["cat"])
    floats = tmp_path / "floats.npy"
    np.save(floats, np.zeros((2, 784)))
    with pytest.raises(FormatError, match=r"floats\.npy: must hold a \(N, size \* size\) uint8"):
        BitmapDataset.from_npy(floats)
    broken = tmp_path / "broken.npy"
    broken.write_bytes(b"not numpy")
    with pytest.raises(FormatError, match=r"broken\.npy: cannot read as \.npy"):
        BitmapDataset.from_npy(broken)
    with pytest.raises(ValidationError, match="images must have square rows"):
        BitmapDataset(np.zeros((2, 10), np.uint8), [0, 0], ["a"])
    with pytest.raises(ValidationError, match=r"labels must be class indices in \[0, 1\)"):
        BitmapDataset(np.zeros((2, 4), np.uint8), [0, 1], ["a"])
    with pytest.raises(IndexError, match="image index 5 out of range for 2"):
        BitmapDataset(np.zeros((2, 4), np.uint8), [0, 0], ["a"])[5]


def test_parquet_bitmaps_take_classes_from_the_word_column(drawings, tmp_path):
    path = tmp_path / "mixed.parquet"
    with open_writer(path, row_group_size=20) as w:
        w.write(drawings)
    stream = ParquetBitmapDataset(path, batch_size=50, size=32, dtype="uint8", words=["sheep"])
    assert stream.classes == ["sheep"]
    ((images, labels),) = list(stream)
    assert labels.tolist() == [0] * 25
    sheep = drawings[drawings.meta["word"].to_numpy() == "sheep"]
    np.testing.assert_array_equal(images.numpy().reshape(25, -1), rasterize(sheep, 32))
    assert ParquetBitmapDataset(path, batch_size=4).classes == ["cat", "sheep"]
