"""A torch ``Dataset`` of drawings and the collate function that pads them to stroke-5.

:class:`StrokeDataset` serves stroke-3 drawings with optional Sketch-RNN augmentation (random
anisotropic scale, then point dropout). Given a batch of indices (``DataLoader`` calls
``__getitems__``) it augments the whole batch in a few numpy calls and hands a
:class:`Stroke3Batch` to :func:`collate_stroke5`, which pads it to stroke-5 with
:func:`~strokedelta.sketch.formats.stroke3_to_stroke5_batch`: no Python loop per drawing.

Normalise the drawings first (:class:`~strokedelta.sketch.preprocess.ScaleNormalizer`); the
dataset does not change their scale. For a Parquet dataset larger than memory,
:class:`strokedelta.datasets.ParquetStrokeDataset` streams row groups and yields the same
batches (unshuffled) as this dataset over the drawings read whole.

Randomness: every batch draws from its own ``numpy.random.default_rng`` seeded with the dataset's
``seed``, the distributed rank, the epoch of :meth:`StrokeDataset.set_epoch`, the stream and a
counter of the stream's batches. The stream is the main process, or a ``DataLoader`` worker named
by torch's seed for it (``get_worker_info().seed``: the loader's base seed, drawn anew from
torch's generator every epoch, plus the worker id). So every epoch and every worker gets fresh
draws without any call: non-persistent workers start each epoch with a new torch seed, while
the main process and persistent workers keep counting. A run is reproducible for a given
``seed``, torch seed (``torch.manual_seed`` or the loader's ``generator``, which also fixes the
shuffling), sampler and number of workers.

Examples
--------
>>> import numpy as np
>>> from torch.utils.data import DataLoader
>>> from strokedelta import Ragged
>>> from strokedelta.sketch import Drawings
>>> d = Drawings(Ragged(np.array([[1, 1, 0], [2, 0, 1], [5, 5, 1]]), [0, 2, 3]))
>>> loader = DataLoader(StrokeDataset(d, max_len=3), batch_size=2, collate_fn=collate_stroke5)
>>> batch = next(iter(loader))
>>> tuple(batch.strokes.shape), batch.lengths.tolist()
((2, 4, 5), [2, 1])
>>> batch.strokes[1].tolist()
[[0.0, 0.0, 1.0, 0.0, 0.0], [5.0, 5.0, 0.0, 1.0, 0.0],
 [0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from strokedelta._validation import check_array, check_int, check_number, fail
from strokedelta.ragged import Ragged
from strokedelta.sketch.augment import drop_points, random_scale
from strokedelta.sketch.drawings import Drawings, check_drawings
from strokedelta.sketch.formats import stroke3_to_stroke5_batch

__all__ = [
    "Stroke3Batch",
    "Stroke5Batch",
    "StrokeDataset",
    "augmented_batch",
    "check_augmentation",
    "collate_stroke5",
    "distributed_position",
]


@dataclass(frozen=True)
class Stroke3Batch:
    """Drawings of one batch as a stroke-3 :class:`Ragged`, and the padding length to use."""

    strokes: Ragged
    max_len: int | None = None


class Stroke5Batch(NamedTuple):
    """A padded stroke-5 batch (torch tensors).

    Attributes
    ----------
    strokes : Tensor, float32, shape (B, max_len + 1, 5)
        Start token ``[0, 0, 1, 0, 0]``, the points, then end-of-sketch rows ``[0, 0, 0, 0, 1]``.
    lengths : Tensor, int64, shape (B,)
        Points per drawing (the start token not counted).
    mask : Tensor, bool, shape (B, max_len + 1)
        True on rows that hold a real point.
    """

    strokes: torch.Tensor
    lengths: torch.Tensor
    mask: torch.Tensor


def check_augmentation(augment_scale: float, drop_prob: float) -> tuple[float, float]:
    """Sketch-RNN's augmentation settings, checked: ``augment_scale`` in [0, 1) and
    ``drop_prob`` in [0, 1] (the datasets of memory and of Parquet check them alike).

    Examples
    --------
    >>> check_augmentation(0.15, 0)
    (0.15, 0.0)
    >>> check_augmentation(1, 0)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: augment_scale must be a finite number in [0, 1); got 1
    """
    scale = check_number("augment_scale", augment_scale, minimum=0)
    if scale >= 1:
        raise fail("augment_scale", "be a finite number in [0, 1)", augment_scale)
    prob = check_number("drop_prob", drop_prob, minimum=0)
    if prob > 1:
        raise fail("drop_prob", "be a finite number in [0, 1]", drop_prob)
    return scale, prob


def augmented_batch(
    drawings: Drawings,
    max_len: int,
    augment_scale: float,
    drop_prob: float,
    rng: np.random.Generator | None,
) -> Stroke3Batch:
    """``drawings`` scaled at random (``augment_scale > 0``), then thinned (``drop_prob > 0``),
    both drawing from ``rng``, as one float64 :class:`Stroke3Batch` padded to ``max_len``.

    Examples
    --------
    >>> d = Drawings(Ragged(np.array([[1, 1, 0], [2, 0, 1]]), [0, 2]))
    >>> augmented_batch(d, 4, 0.0, 0.0, None).strokes.values.tolist()
    [[1.0, 1.0, 0.0], [2.0, 0.0, 1.0]]
    """
    if augment_scale > 0:
        drawings = random_scale(drawings, augment_scale, rng)
    if drop_prob > 0:
        drawings = drop_points(drawings, drop_prob, rng)
    values = drawings.strokes.values.astype(np.float64, copy=False)
    return Stroke3Batch(Ragged(values, drawings.strokes.offsets), max_len)


class StrokeDataset(Dataset):
    """Drawings as a torch map-style dataset of stroke-3 ``float32`` tensors.

    Parameters
    ----------
    drawings : Drawings
        The drawings (normalised already, if wanted); each must have at most ``max_len`` points.
    max_len : int
        Padding length of the stroke-5 batches (Sketch-RNN's ``Nmax``).
    augment_scale : float
        Half-width ``e`` of the random anisotropic scale ``U[1 - e, 1 + e]`` (0 = off).
    drop_prob : float
        Probability of dropping each interior stroke point (0 = off).
    seed : int
        Seed of the augmentation.

    Notes
    -----
    Augmentation is fresh every epoch and in every worker without any call (see the module
    docstring). :meth:`set_epoch` is optional, for loops that call it on a
    ``DistributedSampler`` anyway: it makes epoch ``e``'s draws depend on ``e`` alone, not on the
    batches before it (in the main process and in workers started after the call; persistent
    workers keep the copy they started with). The rank of ``torch.distributed`` at construction
    is part of the seed, so the ranks of a distributed run draw differently.

    Examples
    --------
    >>> from strokedelta import Ragged
    >>> d = Drawings(Ragged(np.array([[1, 1, 0], [2, 0, 1]]), [0, 2]))
    >>> StrokeDataset(d, max_len=5)[0].tolist()
    [[1.0, 1.0, 0.0], [2.0, 0.0, 1.0]]
    """

    def __init__(
        self,
        drawings: Drawings,
        max_len: int,
        *,
        augment_scale: float = 0.0,
        drop_prob: float = 0.0,
        seed: int = 0,
    ) -> None:
        drawings = check_drawings(drawings)
        self.max_len = check_int("max_len", max_len, minimum=1)
        too_long = np.flatnonzero(drawings.lengths > self.max_len)
        if len(too_long):
            first = int(too_long[0])
            raise fail(
                "drawings",
                f"have at most max_len={self.max_len} points (filter_length first)",
                f"{len(too_long)} longer, e.g. drawing {first} with "
                f"{int(drawings.lengths[first])} points",
            )
        self.augment_scale, self.drop_prob = check_augmentation(augment_scale, drop_prob)
        self.seed = check_int("seed", seed, minimum=0)
        self.drawings = drawings
        self.epoch = 0
        self._rank = distributed_position()[0]
        self._stream: tuple[int, ...] = ()
        self._calls = 0

    def __len__(self) -> int:
        return len(self.drawings)

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch mixed into the augmentation seed and restart the batch counter, so
        epoch ``epoch`` draws the same whatever came before it (optional: see Notes)."""
        self.epoch = check_int("epoch", epoch, minimum=0)
        self._stream, self._calls = (), 0

    def _rng(self) -> np.random.Generator:
        """The generator of the next batch: a new stream (a worker's torch seed) restarts the
        counter."""
        info = get_worker_info()
        stream = (0,) if info is None else (1, int(info.seed))
        if stream != self._stream:
            self._stream, self._calls = stream, 0
        self._calls += 1
        return np.random.default_rng([self.seed, self._rank, self.epoch, *stream, self._calls])

    def batch(self, indices: Sequence[int] | np.ndarray) -> Stroke3Batch:
        """The (augmented) drawings at ``indices`` as one float64 stroke-3 batch."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(self.drawings)
        if len(idx) and (idx.min() < -n or idx.max() >= n):
            bad = int(idx[(idx < -n) | (idx >= n)][0])
            raise IndexError(f"drawing index {bad} out of range for {n} drawings")
        chosen = self.drawings[idx % n if n else idx]
        rng = self._rng() if self.augment_scale > 0 or self.drop_prob > 0 else None
        return augmented_batch(chosen, self.max_len, self.augment_scale, self.drop_prob, rng)

    def __getitems__(self, indices: Sequence[int]) -> Stroke3Batch:
        """Batched fetch used by ``DataLoader``: the batch is augmented in one go."""
        return self.batch(indices)

    def __getitem__(self, index: int) -> torch.Tensor:
        """One drawing as a float32 ``(n, 3)`` stroke-3 tensor (augmented if enabled)."""
        return torch.from_numpy(self.batch([index]).strokes.values.astype(np.float32))


def distributed_position() -> tuple[int, int]:
    """This process's ``(rank, world_size)`` in ``torch.distributed``; ``(0, 1)`` when it is
    not initialised.

    Examples
    --------
    >>> distributed_position()
    (0, 1)
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return int(torch.distributed.get_rank()), int(torch.distributed.get_world_size())
    return 0, 1


def _as_ragged(batch: Any) -> tuple[Ragged, int | None]:
    if isinstance(batch, Stroke3Batch):
        return batch.strokes, batch.max_len
    if isinstance(batch, Ragged):
        return batch, None
    if isinstance(batch, Sequence) and not isinstance(batch, (str, bytes)):
        arrays = [
            check_array(
                f"batch[{i}]",
                item.detach().cpu().numpy() if isinstance(item, torch.Tensor) else item,
                ndim=2,
                columns=3,
                kinds="iuf",
            )
            for i, item in enumerate(batch)
        ]
        if not arrays:
            raise fail("batch", "hold at least one drawing", "an empty list")
        return Ragged.from_list(arrays, dtype=np.float64), None
    raise fail(
        "batch", "be a Stroke3Batch, a Ragged or a list of (n, 3) arrays", type(batch).__name__
    )


def collate_stroke5(batch: Any, max_len: int | None = None) -> Stroke5Batch:
    """Pad a batch of stroke-3 drawings to stroke-5 ``float32`` tensors, vectorised.

    Parameters
    ----------
    batch : Stroke3Batch, Ragged or list of (n, 3) arrays / tensors
        What :class:`StrokeDataset` yields (``__getitems__`` or ``__getitem__``).
    max_len : int, optional
        Padding length; default the batch's own (the dataset's ``max_len``), else the longest.

    Returns
    -------
    Stroke5Batch
        ``(strokes (B, max_len + 1, 5) float32, lengths (B,) int64, mask (B, max_len + 1) bool)``.

    Examples
    --------
    >>> out = collate_stroke5([np.array([[3, 4, 1]])], max_len=2)
    >>> out.strokes.tolist(), out.lengths.tolist(), out.mask.tolist()
    ([[[0.0, 0.0, 1.0, 0.0, 0.0], [3.0, 4.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]]],
     [1], [[False, True, False]])
    """
    strokes, own = _as_ragged(batch)
    width = own if max_len is None else max_len
    padded, lengths, mask = stroke3_to_stroke5_batch(strokes, width)
    return Stroke5Batch(
        torch.from_numpy(np.ascontiguousarray(padded, dtype=np.float32)),
        torch.from_numpy(lengths.astype(np.int64)),
        torch.from_numpy(mask),
    )
