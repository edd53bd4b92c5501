"""ParquetStrokeDataset: the same batches as the in-memory StrokeDataset, across DataLoader
workers and ranks; a seeded shuffle that covers every drawing once an epoch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from strokedelta.datasets.streaming import ParquetStrokeDataset, plan_pieces
from strokedelta.exceptions import ValidationError
from strokedelta.io import open_writer, read_drawings
from strokedelta.sketch import Drawings, stroke5_to_stroke3_batch
from strokedelta.sketch.dataset import StrokeDataset, collate_stroke5

DATA = Path(__file__).resolve().parents[1] / "data"
WORDS = ("cat", "sheep")


def write_dataset(folder: Path, parts: dict[str, Drawings], row_group_size: int) -> Drawings:
    """Write a partitioned dataset; return its drawings in dataset order."""
    for word, drawings in parts.items():
        (folder / f"word={word}").mkdir(parents=True)
        with open_writer(
            folder / f"word={word}" / "part-0.parquet", row_group_size=row_group_size
        ) as w:
            w.write(drawings)
    return Drawings.concat(
        [read_drawings(folder / f"word={w}" / "part-0.parquet") for w in sorted(parts)]
    )


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, Drawings]:
    parts = {}
    for word in WORDS:
        d = read_drawings(DATA / f"quickdraw_{word}_sample.ndjson")
        d.meta["split"] = np.array(["train", "valid", "test", "train", "train"] * 5, dtype=object)
        parts[word] = d
    folder = tmp_path_factory.mktemp("stream")
    return folder, write_dataset(folder, parts, row_group_size=7)


def batches(loader) -> list[tuple[torch.Tensor, ...]]:
    return [tuple(b) for b in loader]


def assert_same_batches(got, want) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want):
        for x, y in zip(a, b):
            assert torch.equal(x, y)


def in_memory(drawings: Drawings, batch_size: int, max_len: int) -> list:
    data = StrokeDataset(drawings, max_len=max_len)
    return batches(DataLoader(data, batch_size=batch_size, collate_fn=collate_stroke5))


def rows(loaded) -> list[bytes]:
    """Every drawing of some stroke-5 batches as bytes, sorted (a multiset)."""
    out = []
    for strokes, _, _ in loaded:
        back = stroke5_to_stroke3_batch(strokes.numpy())
        out += [back[i].tobytes() for i in range(len(back))]
    return sorted(out)


@pytest.mark.parametrize("workers", [0, 2])
def test_unshuffled_batches_equal_the_in_memory_path(dataset, workers):
    folder, drawings = dataset
    max_len = int(drawings.lengths.max())
    stream = ParquetStrokeDataset(folder, max_len, batch_size=6)
    loader = DataLoader(stream, batch_size=None, collate_fn=collate_stroke5, num_workers=workers)
    got = batches(loader)
    assert len(got) == len(stream) == 9  # 50 drawings: 8 batches of 6 and one of 2
    assert_same_batches(got, in_memory(drawings, 6, max_len))


def test_ranks_take_every_other_batch_in_order(dataset):
    folder, drawings = dataset
    want = in_memory(drawings, 4, 200)
    for rank in (0, 1):
        stream = ParquetStrokeDataset(folder, 200, batch_size=4, rank=rank, world_size=2)
        got = batches(DataLoader(stream, batch_size=None, collate_fn=collate_stroke5))
        assert len(got) == len(stream) == (7 if rank == 0 else 6)
        assert_same_batches(got, want[rank::2])


def test_filters_equal_the_filtered_in_memory_path(dataset):
    folder, drawings = dataset
    keep = (drawings.meta["split"] == "train").to_numpy() & (
        drawings.meta["word"] == "sheep"
    ).to_numpy()
    stream = ParquetStrokeDataset(folder, 200, batch_size=5, split="train", words=["sheep"])
    assert stream.n_drawings == int(keep.sum()) == 15
    got = batches(DataLoader(stream, batch_size=None, collate_fn=collate_stroke5))
    assert_same_batches(got, in_memory(drawings[keep], 5, 200))
    assert [p.folder_word for p in plan_pieces(folder, words=["cat"])] == ["cat"] * 4


def test_shuffle_covers_every_drawing_once_and_repeats_with_the_seed(dataset):
    folder, drawings = dataset
    everything = rows(in_memory(drawings, 50, 200))

    def epoch(seed: int, number: int, workers: int = 2) -> list:
        stream = ParquetStrokeDataset(
            folder, 200, batch_size=4, shuffle=True, buffer_size=10, seed=seed
        )
        stream.set_epoch(number)
        return batches(
            DataLoader(stream, batch_size=None, collate_fn=collate_stroke5, num_workers=workers)
        )

    first = epoch(seed=3, number=0)
    assert rows(first) == everything
    assert_same_batches(epoch(seed=3, number=0), first)
    second = epoch(seed=3, number=1)
    assert rows(second) == everything
    assert not all(torch.equal(a[0], b[0]) for a, b in zip(first, second))
    assert rows(epoch(seed=4, number=0, workers=0)) == everything
    in_order = rows(in_memory(drawings, 4, 200)[:3])
    assert rows(first[:3]) != in_order  # the first batches are not the dataset's first rows


def test_shuffled_ranks_split_the_drawings(dataset):
    folder, drawings = dataset
    seen = []
    for rank in (0, 1, 2):
        stream = ParquetStrokeDataset(
            folder, 200, batch_size=3, shuffle=True, rank=rank, world_size=3
        )
        seen += rows(DataLoader(stream, batch_size=None, collate_fn=collate_stroke5))
    assert sorted(seen) == rows(in_memory(drawings, 50, 200))
    with pytest.raises(TypeError, match="depends on num_workers"):
        len(stream)


def test_drop_last_and_augmentation_are_reproducible(dataset):
    folder, _drawings = dataset
    plain = ParquetStrokeDataset(folder, 200, batch_size=8, drop_last=True)
    assert len(plain) == 6
    assert [len(b) for b in plain.drawing_batches()] == [8] * 6
    augmented = ParquetStrokeDataset(folder, 200, batch_size=8, augment_scale=0.2, seed=5)
    one, two = list(augmented), list(augmented)
    assert all(np.array_equal(a.strokes.values, b.strokes.values) for a, b in zip(one, two))
    unscaled = next(iter(plain)).strokes.values
    assert not np.allclose(one[0].strokes.values[:, :2], unscaled[:, :2])
    np.testing.assert_array_equal(one[0].strokes.values[:, 2], unscaled[:, 2])


def test_bad_sources_and_long_drawings_are_named(dataset, tmp_path):
    folder, _drawings = dataset
    with pytest.raises(ValidationError, match=r"no \.parquet file in this folder"):
        ParquetStrokeDataset(tmp_path, 10, batch_size=2)
    with pytest.raises(ValidationError, match="no such file or folder"):
        ParquetStrokeDataset(tmp_path / "nope", 10, batch_size=2)
    with pytest.raises(ValidationError, match="split must be one of"):
        ParquetStrokeDataset(folder, 10, batch_size=2, split="dev")
    with pytest.raises(ValidationError, match="rank must be < world_size"):
        ParquetStrokeDataset(folder, 10, batch_size=2, rank=2, world_size=2)
    short = ParquetStrokeDataset(folder, 10, batch_size=2)
    with pytest.raises(
        ValidationError, match=r"word=cat.*row group 0: \d+ drawings have more than max_len=10"
    ):
        next(iter(short))


def test_real_sheep_streamed_with_two_workers_equals_in_memory(real_data, tmp_path):
    train = read_drawings(real_data / "aaron_sheep.npz", split="train")[:3000]
    drawings = write_dataset(tmp_path, {"sheep": train}, row_group_size=500)
    stream = ParquetStrokeDataset(tmp_path, 250, batch_size=100)
    loader = DataLoader(stream, batch_size=None, collate_fn=collate_stroke5, num_workers=2)
    assert_same_batches(batches(loader), in_memory(drawings, 100, 250))
