"""The torch StrokeDataset and collate_stroke5 on the real Sketch-RNN file."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import REAL_DATA
from torch.utils.data import DataLoader

from strokedelta import Ragged, ValidationError
from strokedelta.io import read_drawings
from strokedelta.sketch import Drawings, stroke5_to_stroke3_batch
from strokedelta.sketch.dataset import Stroke3Batch, StrokeDataset, collate_stroke5
from strokedelta.sketch.scaler import ScaleNormalizer

REAL = REAL_DATA  # tests/conftest.py: ../shared/data/real or $STROKEDELTA_REAL_DATA


@pytest.fixture(scope="module")
def valid() -> Drawings:
    if not REAL.is_dir():
        pytest.skip(f"real data folder not found: {REAL}")
    train = read_drawings(REAL / "aaron_sheep.npz", split="train")
    drawings = read_drawings(REAL / "aaron_sheep.npz", split="valid")
    return ScaleNormalizer().fit(train).transform(drawings)


def first_batch(dataset: StrokeDataset, **options) -> tuple[torch.Tensor, ...]:
    loader = DataLoader(dataset, batch_size=16, collate_fn=collate_stroke5, **options)
    return tuple(next(iter(loader)))


def test_loader_gives_padded_stroke5_that_round_trips(valid):
    dataset = StrokeDataset(valid, max_len=250)
    loader = DataLoader(dataset, batch_size=64, collate_fn=collate_stroke5)
    seen = 0
    for batch in loader:
        strokes, lengths, mask = batch
        assert strokes.dtype == torch.float32
        assert strokes.shape[1:] == (251, 5)
        assert lengths.dtype == torch.int64
        assert mask.dtype == torch.bool
        assert (strokes[:, 0] == torch.tensor([0.0, 0, 1, 0, 0])).all()
        assert torch.equal(mask.sum(dim=1), lengths)
        assert (strokes[~mask][:, 4] == 1).sum() == (~mask).sum() - len(lengths)
        back = stroke5_to_stroke3_batch(strokes.numpy())
        want = valid[seen : seen + len(lengths)].strokes
        np.testing.assert_array_equal(back.offsets, want.offsets)
        np.testing.assert_array_equal(back.values, want.values.astype(np.float32))
        seen += len(lengths)
    assert seen == len(valid) == 300


def test_end_of_sketch_rows_come_after_the_last_point():
    d = Drawings(Ragged(np.array([[1, 2, 0], [3, 4, 1]]), [0, 2]))
    strokes, lengths, mask = collate_stroke5(StrokeDataset(d, max_len=4).batch([0]))
    assert strokes[0].tolist() == [
        [0.0, 0.0, 1.0, 0.0, 0.0],
        [1.0, 2.0, 1.0, 0.0, 0.0],
        [3.0, 4.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
    ]
    assert lengths.tolist() == [2]
    assert mask.tolist() == [[False, True, True, False, False]]


def test_getitem_and_list_collate_agree_with_the_batched_path(valid):
    dataset = StrokeDataset(valid, max_len=250)
    item = dataset[3]
    assert isinstance(item, torch.Tensor)
    assert item.dtype == torch.float32
    np.testing.assert_array_equal(item.numpy(), valid[3].astype(np.float32))
    listed = collate_stroke5([dataset[i] for i in range(5)], max_len=250)
    batched = collate_stroke5(dataset.batch(range(5)))
    for a, b in zip(listed, batched):
        assert torch.equal(a, b)
    shortest = collate_stroke5([dataset[0], dataset[1]])
    assert shortest.strokes.shape[1] == int(valid.lengths[:2].max()) + 1
    assert dataset[-1].shape == (int(valid.lengths[-1]), 3)


def test_augmentation_is_seeded_and_changes_per_epoch(valid):
    def make(seed: int) -> StrokeDataset:
        return StrokeDataset(valid, max_len=250, augment_scale=0.15, drop_prob=0.1, seed=seed)

    a, b, c = make(1), make(1), make(2)
    first_a, first_b, first_c = first_batch(a), first_batch(b), first_batch(c)
    assert all(torch.equal(x, y) for x, y in zip(first_a, first_b))
    assert not torch.equal(first_a[0], first_c[0])
    a.set_epoch(1)
    b.set_epoch(1)
    again_a, again_b = first_batch(a), first_batch(b)
    assert torch.equal(again_a[0], again_b[0])
    assert not torch.equal(again_a[0], first_a[0])
    assert (first_a[1] <= torch.from_numpy(valid.lengths[:16])).all()
    assert (first_a[1] < torch.from_numpy(valid.lengths[:16])).any()


def test_scale_augmentation_stays_within_its_bounds(valid):
    dataset = StrokeDataset(valid[:20], max_len=250, augment_scale=0.2, seed=0)
    out = dataset.batch(range(20)).strokes
    original = valid[:20].strokes.values
    moving = np.abs(original[:, :2]) > 1e-9
    ratio = np.abs(out.values[:, :2][moving] / original[:, :2][moving])
    assert ratio.min() >= 0.8 - 1e-12
    assert ratio.max() <= 1.2 + 1e-12
    np.testing.assert_array_equal(out.values[:, 2], original[:, 2])


def test_worker_processes_give_the_same_batches(valid):
    dataset = StrokeDataset(valid[:64], max_len=250)
    single = first_batch(dataset)
    workers = first_batch(dataset, num_workers=2)
    assert all(torch.equal(x, y) for x, y in zip(single, workers))


def test_dataset_and_collate_errors(valid):
    with pytest.raises(ValidationError, match=r"drawings must have at most max_len=100 points"):
        StrokeDataset(valid, max_len=100)
    with pytest.raises(ValidationError, match=r"drop_prob must be a finite number in \[0, 1\]"):
        StrokeDataset(valid, max_len=250, drop_prob=2)
    with pytest.raises(ValidationError, match=r"augment_scale must be a finite number in \[0, 1\)"):
        StrokeDataset(valid, max_len=250, augment_scale=1)
    with pytest.raises(ValidationError, match="drawings must be a Drawings; got list"):
        StrokeDataset([], max_len=5)  # type: ignore[arg-type]
    with pytest.raises(IndexError, match="drawing index 300 out of range for 300 drawings"):
        StrokeDataset(valid, max_len=250)[300]
    with pytest.raises(ValidationError, match=r"batch\[0\] must have shape \(n, 3\)"):
        collate_stroke5([np.zeros((4, 2))])
    with pytest.raises(ValidationError, match="batch must hold at least one drawing"):
        collate_stroke5([])
    short = Stroke3Batch(Ragged(np.zeros((5, 3)), [0, 5]), max_len=3)
    with pytest.raises(ValidationError, match="max_len must be >= the longest drawing"):
        collate_stroke5(short)
