"""Training straight from a Parquet dataset larger than memory: torch ``IterableDataset`` s that
read row groups, shuffle through a seeded buffer and shard across workers and ranks.

A source is a drawings Parquet file, a folder of them (searched recursively, e.g. the
partitioned ``word=WORD/part-0.parquet`` dataset ``strokedelta dataset build --format parquet``
writes) or a list of both. Files are taken in the order of their paths, row groups in file
order: that order, filtered by ``split`` and ``words``, is the **dataset order**. A plan made
at construction (footers, plus the ``split`` / ``word`` columns when filtering) knows how many
drawings each row group keeps, so nothing else is read before iterating.

The dataset yields whole batches (use ``DataLoader(dataset, batch_size=None, ...)``).
A *stream* is one ``DataLoader`` worker of one rank: stream ``rank + world_size * worker`` of
``S = world_size * num_workers``.

``shuffle=False``
    Batch ``k`` is drawings ``[k * batch_size, (k + 1) * batch_size)`` of the dataset order.
    Stream ``s`` makes batches ``k = s, s + S, ...``, reading only the row groups they touch,
    and the ``DataLoader`` hands the workers' batches out in turn, so rank ``r`` sees batches
    ``r, r + world_size, ...`` in that order. **Same** as the in-memory path: with one rank,
    the batches are identical, in the same order, to ``DataLoader(StrokeDataset(all),
    batch_size, collate_fn=collate_stroke5)`` over the drawings read whole, whatever
    ``num_workers`` is.
``shuffle=True``
    Row groups are permuted by ``(seed, epoch)``; stream ``s`` reads groups ``s, s + S, ...``
    of the permutation (each row group is read once an epoch), through a buffer of
    ``buffer_size`` drawings: each batch is a uniformly random subset of the buffer, drawn by a
    generator seeded with ``(seed, epoch, s, S)``. **Same** here means: every kept drawing
    exactly once an epoch over all ranks and workers (the in-memory path's multiset), and the
    same batches again for the same ``seed``, epoch, ``world_size`` and ``num_workers``. Call
    :meth:`ParquetStream.set_epoch` each epoch for a new order.

Augmentation (strokes) draws from a generator seeded with the seed, the epoch and the batch's
place, so it too is reproducible.

Examples
--------
>>> import tempfile, pathlib
>>> from torch.utils.data import DataLoader
>>> from strokedelta.io import open_writer
>>> from strokedelta.sketch.dataset import collate_stroke5
>>> path = pathlib.Path(tempfile.mkdtemp()) / "d.parquet"
>>> with open_writer(path, row_group_size=2) as w:
...     w.write(Drawings.from_polylines([[[[0, i], [0, 1]]] for i in range(5)]))
>>> data = ParquetStrokeDataset(path, max_len=2, batch_size=2)
>>> len(data), [b.lengths.tolist() for b in DataLoader(data, None, collate_fn=collate_stroke5)]
(3, [[2, 2], [2, 2], [2]])
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch.utils.data import IterableDataset, get_worker_info

from strokedelta._validation import check_int, fail
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io.parquet import iter_row_groups, row_group_sizes
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.sketch import SPLITS, Drawings
from strokedelta.sketch.dataset import (
    Stroke3Batch,
    augmented_batch,
    check_augmentation,
    distributed_position,
)

__all__ = ["ParquetStream", "ParquetStrokeDataset", "Piece", "dataset_files", "plan_pieces"]


@dataclass(frozen=True)
class Piece:
    """One row group of a file, how many of its drawings the filters keep, and the word of its
    ``word=WORD`` folder (None outside a partitioned dataset)."""

    path: str
    group: int
    kept: int
    folder_word: str | None = None


def dataset_files(source: Any) -> list[Path]:
    """The Parquet files of ``source`` (a file, a folder searched recursively, or a list of
    both), in dataset order: folders' files sorted by path, hidden files left out."""
    sources = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    if not sources:
        raise fail("source", "name at least one Parquet file or folder", "nothing")
    files: list[Path] = []
    for item in map(Path, sources):
        if item.is_dir():
            found = sorted(p for p in item.rglob("*.parquet") if not p.name.startswith("."))
            if not found:
                raise ValidationError(f"{item}: no .parquet file in this folder")
            files += found
        elif item.is_file():
            files.append(item)
        else:
            raise ValidationError(f"{item}: no such file or folder")
    return files


def _folder_word(path: Path) -> str | None:
    for part in reversed(path.parent.parts):
        if part.startswith("word="):
            return part[len("word=") :]
    return None


def _column(path: Path, group: int, name: str) -> np.ndarray | None:
    """One metadata column of one row group (None when the file has no such column)."""
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
        if name not in handle.schema_arrow.names:
            return None
        values = handle.read_row_group(group, columns=[name]).column(0)
    except (OSError, ValueError) as exc:
        message = f"row group {group}: cannot read column {name!r}: {exc}"
        raise FormatError(message, path=str(path)) from None
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)


def _keep(split: Any, words: Any, columns: tuple[Any, Any, Any], rows: int, path: Any) -> Any:
    """Which rows of a row group the ``split`` and ``words`` filters keep (``columns``: its
    split and word columns, None where absent, and the word of its folder)."""
    split_column, word_column, folder_word = columns
    keep = np.ones(rows, dtype=bool)
    if split is not None:
        if split_column is None:
            raise ValidationError(f"{path}: has no 'split' column to select split={split!r}")
        keep &= np.asarray(split_column, dtype=object) == split
    if words is not None:
        if word_column is None and folder_word is None:
            raise ValidationError(f"{path}: has no 'word' column (nor a word=WORD folder)")
        column = np.full(rows, folder_word, dtype=object) if word_column is None else word_column
        keep &= np.isin(np.asarray(column, dtype=object), list(words))
    return keep


def plan_pieces(
    source: Any,
    *,
    split: str | None = None,
    words: Sequence[str] | None = None,
    limits: ReadLimits | None = None,
) -> list[Piece]:
    """The row groups of ``source`` in dataset order, with the drawings each keeps.

    Only footers are read, plus the ``split`` / ``word`` columns when they filter.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.io import open_writer
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "word=cat"
    >>> folder.mkdir()
    >>> d = Drawings.from_polylines([[[[0], [0]]]] * 3)
    >>> d.meta["split"] = ["train", "test", "train"]
    >>> with open_writer(folder / "part-0.parquet", row_group_size=2) as w:
    ...     w.write(d)
    >>> [(p.group, p.kept, p.folder_word) for p in plan_pieces(folder.parent, split="train")]
    [(0, 1, 'cat'), (1, 1, 'cat')]
    """
    if split is not None and split not in SPLITS:
        raise fail("split", "be one of " + ", ".join(map(repr, SPLITS)), repr(split))
    wanted = None if words is None else frozenset(str(w) for w in words)
    limits = DEFAULT_LIMITS if limits is None else limits
    pieces = []
    for path in dataset_files(source):
        folder_word = _folder_word(path)
        for group, rows in enumerate(row_group_sizes(path, limits=limits).tolist()):
            kept = rows
            if split is not None or wanted is not None:
                split_column = _column(path, group, "split") if split is not None else None
                word_column = _column(path, group, "word") if wanted is not None else None
                columns = (split_column, word_column, folder_word)
                mask = _keep(split, wanted, columns, rows, path)
                kept = int(mask.sum())
            if kept:
                pieces.append(Piece(str(path), group, kept, folder_word))
    return pieces


class ParquetStream(IterableDataset):
    """Batches of drawings streamed from a Parquet dataset (see the module docstring).

    Subclasses turn each batch of :class:`~strokedelta.sketch.Drawings` into what they serve
    (:meth:`convert`).

    Parameters
    ----------
    source : path or list of paths
        Drawings Parquet files and folders of them.
    batch_size : int
        Drawings per batch.
    shuffle : bool
        Shuffle row groups and drawings (a buffer of ``buffer_size``), seeded by ``seed`` and
        the epoch.
    buffer_size : int
        Drawings held by the shuffle buffer of each stream (memory: about this many drawings
        plus a row group).
    seed : int
        Seed of the shuffle and of any augmentation.
    split : {"train", "valid", "test"}, optional
        Keep only this split (the ``split`` column).
    words : list of str, optional
        Keep only these categories (the ``word`` column, or the ``word=WORD`` folder).
    drop_last : bool
        Drop each stream's last partial batch (with ``shuffle=False``: the dataset's).
    rank, world_size : int, optional
        This process's place in a distributed run (default: ``torch.distributed``'s, or 0 of 1).
    limits : ReadLimits, optional
        Reader limits (:data:`strokedelta.limits.DEFAULT_LIMITS`).
    """

    def __init__(
        self,
        source: Any,
        *,
        batch_size: int,
        shuffle: bool = False,
        buffer_size: int = 10_000,
        seed: int = 0,
        split: str | None = None,
        words: Sequence[str] | None = None,
        drop_last: bool = False,
        rank: int | None = None,
        world_size: int | None = None,
        limits: ReadLimits | None = None,
    ) -> None:
        self.batch_size = check_int("batch_size", batch_size, minimum=1)
        self.buffer_size = check_int("buffer_size", buffer_size, minimum=1)
        self.seed = check_int("seed", seed, minimum=0)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.split = split
        self.words = None if words is None else frozenset(str(w) for w in words)
        self.limits = DEFAULT_LIMITS if limits is None else limits
        own_rank, own_world = distributed_position()
        self.world_size = check_int(
            "world_size", own_world if world_size is None else world_size, minimum=1
        )
        self.rank = check_int("rank", own_rank if rank is None else rank, minimum=0)
        if self.rank >= self.world_size:
            raise fail("rank", f"be < world_size ({self.world_size})", self.rank)
        self.pieces = plan_pieces(source, split=split, words=words, limits=self.limits)
        self.epoch = 0

    @property
    def n_drawings(self) -> int:
        """Drawings the filters keep, over all ranks."""
        return sum(p.kept for p in self.pieces)

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch mixed into the shuffle and augmentation seeds (call it before each
        epoch's ``iter(loader)``, as for a ``DistributedSampler``; persistent workers keep
        the epoch they started with)."""
        self.epoch = check_int("epoch", epoch, minimum=0)

    def _global_batches(self) -> int:
        n, size = self.n_drawings, self.batch_size
        return n // size if self.drop_last else -(-n // size)

    def __len__(self) -> int:
        """Batches this rank gets in an epoch (``shuffle=False``; with shuffle it depends on
        ``num_workers``, and ``len`` raises TypeError as for any IterableDataset)."""
        if self.shuffle:
            raise TypeError("the number of shuffled batches depends on num_workers")
        total = self._global_batches()
        return max(0, -(-(total - self.rank) // self.world_size))

    def _stream(self) -> tuple[int, int]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (int(info.id), int(info.num_workers))
        return self.rank + self.world_size * worker, self.world_size * workers

    def _read(self, piece: Piece) -> Drawings:
        (drawings,) = iter_row_groups(piece.path, [piece.group], limits=self.limits)
        if self.split is None and self.words is None:
            return drawings
        meta = drawings.meta
        split_column = meta["split"].to_numpy(object) if "split" in meta else None
        word_column = meta["word"].to_numpy(object) if "word" in meta else None
        columns = (split_column, word_column, piece.folder_word)
        return drawings[_keep(self.split, self.words, columns, len(drawings), piece.path)]

    def _ordered(self, stream: int, streams: int) -> Iterator[tuple[int, Drawings]]:
        """Batches ``stream, stream + streams, ...`` of the dataset order."""
        ends = np.cumsum([p.kept for p in self.pieces])
        starts = ends - np.array([p.kept for p in self.pieces], dtype=np.int64)
        cache: dict[int, Drawings] = {}
        for k in range(stream, self._global_batches(), streams):
            low, high = k * self.batch_size, min((k + 1) * self.batch_size, int(ends[-1]))
            first = int(np.searchsorted(ends, low, side="right"))
            last = int(np.searchsorted(ends, high - 1, side="right"))
            for old in [i for i in cache if i < first]:
                del cache[old]
            parts = []
            for i in range(first, last + 1):
                if i not in cache:
                    cache[i] = self._read(self.pieces[i])
                lo, hi = max(low - int(starts[i]), 0), min(high - int(starts[i]), len(cache[i]))
                parts.append(cache[i][lo:hi])
            yield k, parts[0] if len(parts) == 1 else Drawings.concat(parts)

    def _shuffled(self, stream: int, streams: int) -> Iterator[tuple[int, Drawings]]:
        """The stream's row groups of the epoch's permutation, through the shuffle buffer."""
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.pieces))
        rng = np.random.default_rng([self.seed, self.epoch, stream, streams])
        size, count = self.batch_size, 0
        pool: Drawings | None = None
        for index in order[stream::streams].tolist():
            piece = self._read(self.pieces[index])
            pool = piece if pool is None else Drawings.concat([pool, piece])
            if len(pool) < self.buffer_size + size:
                continue
            mixed = rng.permutation(len(pool))
            taken = (len(pool) - self.buffer_size) // size * size
            for first in range(0, taken, size):
                yield count, pool[mixed[first : first + size]]
                count += 1
            pool = pool[np.sort(mixed[taken:])]
        if pool is not None and len(pool):
            mixed = rng.permutation(len(pool))
            stop = len(pool) // size * size if self.drop_last else len(pool)
            for first in range(0, stop, size):
                yield count, pool[mixed[first : first + size]]
                count += 1

    def drawing_batches(self) -> Iterator[Drawings]:
        """This stream's batches as :class:`Drawings` (what :meth:`convert` receives)."""
        for _, batch in self._numbered():
            yield batch

    def _numbered(self) -> Iterator[tuple[int, Drawings]]:
        if not self.pieces:
            return iter(())
        stream, streams = self._stream()
        return (self._shuffled if self.shuffle else self._ordered)(stream, streams)

    def convert(self, drawings: Drawings, rng: np.random.Generator) -> Any:
        """One batch of drawings as what the dataset serves (the subclass's job)."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        stream, streams = self._stream()
        for number, batch in self._numbered():
            key = [self.seed, self.epoch, number] + ([stream, streams] if self.shuffle else [])
            yield self.convert(batch, np.random.default_rng(key))


class ParquetStrokeDataset(ParquetStream):
    """Stroke-3 batches from a Parquet dataset: the streaming twin of
    :class:`~strokedelta.sketch.StrokeDataset`, yielding the same :class:`Stroke3Batch` its
    ``__getitems__`` gives (collate with :func:`~strokedelta.sketch.collate_stroke5`).

    Parameters
    ----------
    source, batch_size, shuffle, buffer_size, seed, split, words, drop_last, rank, world_size, \
limits
        See :class:`ParquetStream`.
    max_len : int
        Padding length (Sketch-RNN's ``Nmax``); a longer drawing is a ValidationError naming
        its file (filter the dataset first, e.g. ``dataset build --max-len``).
    augment_scale, drop_prob : float
        Sketch-RNN augmentation as in :class:`~strokedelta.sketch.StrokeDataset` (0 = off).
    """

    def __init__(
        self,
        source: Any,
        max_len: int,
        *,
        batch_size: int,
        augment_scale: float = 0.0,
        drop_prob: float = 0.0,
        **options: Any,
    ) -> None:
        self.max_len = check_int("max_len", max_len, minimum=1)
        self.augment_scale, self.drop_prob = check_augmentation(augment_scale, drop_prob)
        super().__init__(source, batch_size=batch_size, **options)

    def _read(self, piece: Piece) -> Drawings:
        drawings = super()._read(piece)
        too_long = np.flatnonzero(drawings.lengths > self.max_len)
        if len(too_long):
            raise ValidationError(
                f"{piece.path}, row group {piece.group}: {len(too_long)} drawings have more "
                f"than max_len={self.max_len} points (the first has "
                f"{int(drawings.lengths[too_long[0]])}); filter the dataset first"
            )
        return drawings

    def convert(self, drawings: Drawings, rng: np.random.Generator) -> Stroke3Batch:
        return augmented_batch(drawings, self.max_len, self.augment_scale, self.drop_prob, rng)
