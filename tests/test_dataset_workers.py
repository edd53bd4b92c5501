"""StrokeDataset's augmentation with DataLoader workers: fresh every epoch and in every worker
without any call, reproducible for a seed, with persistent workers, pinned memory, a
DistributedSampler and the spawn start method. Synthetic drawings: no data folder needed."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler

from strokedelta import Ragged
from strokedelta.sketch import Drawings
from strokedelta.sketch import dataset as dataset_module
from strokedelta.sketch.dataset import StrokeDataset, collate_stroke5
from strokedelta.synthetic import synthetic_drawings

NO_ACCELERATOR = "ignore:'pin_memory' argument is set as true but no accelerator:UserWarning"


@pytest.fixture(scope="module")
def drawings() -> Drawings:
    return synthetic_drawings(48, seed=0)


def make(drawings: Drawings, seed: int = 0) -> StrokeDataset:
    longest = int(drawings.lengths.max())
    return StrokeDataset(drawings, max_len=longest, augment_scale=0.2, drop_prob=0.2, seed=seed)


def run(dataset: StrokeDataset, epochs: int = 2, torch_seed: int = 0, **options) -> list:
    """Every batch of ``epochs`` epochs (padded stroke-5 tensors), one list per epoch."""
    loader = DataLoader(
        dataset,
        batch_size=8,
        collate_fn=collate_stroke5,
        generator=torch.Generator().manual_seed(torch_seed),
        **options,
    )
    return [[batch.strokes for batch in loader] for _ in range(epochs)]


def same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


def check_fresh_and_reproducible(drawings: Drawings, **options) -> list:
    first = run(make(drawings), **options)
    assert len(first) == 2
    assert len(first[0]) == 6
    assert not any(torch.equal(x, y) for x, y in zip(first[0], first[1]))  # every batch new
    again = run(make(drawings), **options)
    assert same(first[0], again[0])
    assert same(first[1], again[1])
    assert not same(first[0], run(make(drawings, seed=1), **options)[0])
    return first


def test_two_workers_draw_afresh_every_epoch_and_reproduce_with_the_seed(drawings):
    check_fresh_and_reproducible(drawings, num_workers=2)


def test_the_main_process_draws_afresh_every_epoch_too(drawings):
    check_fresh_and_reproducible(drawings, num_workers=0)


def test_every_worker_draws_its_own_numbers():
    one = np.array([[0, 0, 0]] + [[3, 1, 0]] * 8 + [[2, 2, 1]])
    copies = Drawings(Ragged.from_list([one] * 16))  # every batch holds the same drawings
    batches = run(
        StrokeDataset(copies, max_len=10, augment_scale=0.2, drop_prob=0.3), 1, num_workers=2
    )[0]
    assert len(batches) == 2  # batch 0 from worker 0, batch 1 from worker 1
    assert not torch.equal(batches[0], batches[1])


@pytest.mark.filterwarnings(NO_ACCELERATOR)
def test_persistent_workers_and_pinned_memory(drawings):
    check_fresh_and_reproducible(drawings, num_workers=2, persistent_workers=True, pin_memory=True)


def test_a_distributed_sampler_gets_fresh_draws_per_rank_and_epoch(drawings):
    def ranks(seed: int) -> list[list]:
        out = []
        for rank in (0, 1):
            dataset = make(drawings, seed)
            sampler = DistributedSampler(dataset, num_replicas=2, rank=rank, seed=7)
            loader = DataLoader(
                dataset,
                batch_size=8,
                sampler=sampler,
                num_workers=2,
                collate_fn=collate_stroke5,
                generator=torch.Generator().manual_seed(0),
            )
            epochs = []
            for epoch in range(2):
                sampler.set_epoch(epoch)  # the sampler's shuffle, as in every DDP loop
                epochs.append([batch.strokes for batch in loader])
            out.append(epochs)
        return out

    first, again = ranks(0), ranks(0)
    for rank in (0, 1):
        assert len(first[rank][0]) == 3
        assert same(first[rank][0], again[rank][0])
        assert same(first[rank][1], again[rank][1])
    # the same drawing in epoch 0 and epoch 1 (the shuffle moves it) is augmented differently
    flat = torch.cat(first[0][0] + first[1][0])
    assert len(torch.unique(flat.reshape(len(flat), -1), dim=0)) == len(flat)


def test_the_distributed_rank_is_part_of_the_seed(drawings, monkeypatch):
    base = make(drawings).batch(range(8)).strokes.values
    monkeypatch.setattr(dataset_module, "distributed_position", lambda: (1, 2))
    other = make(drawings).batch(range(8)).strokes.values
    assert base.shape != other.shape or not np.array_equal(base, other)


def test_set_epoch_makes_an_epoch_independent_of_the_ones_before(drawings):
    straight = make(drawings)
    straight.set_epoch(3)
    resumed = make(drawings)
    run(resumed, 1)  # some other epoch first
    resumed.set_epoch(3)
    assert same(run(straight, 1)[0], run(resumed, 1)[0])


@pytest.mark.slow  # two spawned interpreters import torch and strokedelta
def test_the_dataset_pickles_and_spawned_workers_draw_as_forked_ones(drawings):
    dataset = make(drawings)
    back = pickle.loads(pickle.dumps(dataset))
    np.testing.assert_array_equal(
        back.batch(range(8)).strokes.values, make(drawings).batch(range(8)).strokes.values
    )
    forked = run(make(drawings), num_workers=2, persistent_workers=True)
    spawned = run(
        make(drawings), num_workers=2, persistent_workers=True, multiprocessing_context="spawn"
    )
    assert same(forked[0], spawned[0])
    assert same(forked[1], spawned[1])
