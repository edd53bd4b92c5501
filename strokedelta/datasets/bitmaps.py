"""Bitmaps for classifier training: a torch map-style :class:`BitmapDataset` (Google's
``numpy_bitmap`` ``.npy`` files, memory-mapped, or drawings rasterized on the fly) and its
streaming twin :class:`ParquetBitmapDataset` over a Parquet dataset.

Each item is ``(image, label)``: the image a ``(1, size, size)`` tensor, ``float32`` in
``[0, 1]`` (``dtype="float32"``) or the raw ``uint8`` grey levels (``dtype="uint8"``), white
strokes on black; the label the ``int64`` index of the drawing's word (category) in
``classes`` (sorted words unless given). Images of drawings are drawn by
:func:`strokedelta.render.rasterize` (Google's recipe), so a drawings-backed dataset gives the
same pixels as the ``.npy`` that ``strokedelta rasterize`` or ``dataset build --format bitmap``
writes.

Examples
--------
>>> from torch.utils.data import DataLoader
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 255], [0, 255]]], [[[0, 255], [0, 0]]]])
>>> d.meta["word"] = ["line", "flat"]
>>> data = BitmapDataset.from_drawings(d)
>>> data.classes, len(data)
(['flat', 'line'], 2)
>>> images, labels = next(iter(DataLoader(data, batch_size=2)))
>>> tuple(images.shape), images.dtype, labels.tolist()
((2, 1, 28, 28), torch.float32, [1, 0])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from strokedelta._validation import check_array, check_choice, fail
from strokedelta.datasets.streaming import ParquetStream, Piece
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.render import Rasterizer
from strokedelta.sketch import SPLITS, Drawings
from strokedelta.sketch.drawings import check_drawings

__all__ = ["BitmapDataset", "ParquetBitmapDataset", "labels_of"]

DTYPES = ("float32", "uint8")


def labels_of(words: Any, classes: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """The ``int64`` index of each word in ``classes`` (default: the sorted distinct words).

    Examples
    --------
    >>> labels_of(["dog", "cat", "dog"])
    (array([1, 0, 1]), ['cat', 'dog'])
    """
    words = np.asarray(words, dtype=object).astype(str)
    classes = sorted(set(words.tolist())) if classes is None else [str(c) for c in classes]
    index = {word: i for i, word in enumerate(classes)}
    missing = sorted(set(words.tolist()) - set(index))
    if missing:
        raise fail("classes", "hold every word of the data", f"no {missing[:3]!r}")
    return np.array([index[w] for w in words.tolist()], dtype=np.int64), classes


def _as_tensor(images: np.ndarray, size: int, dtype: str) -> torch.Tensor:
    batch = torch.from_numpy(np.ascontiguousarray(images).reshape(-1, 1, size, size))
    return batch if dtype == "uint8" else batch.to(torch.float32).div_(255.0)


class BitmapDataset(Dataset):
    """Grey images and integer labels, as a torch map-style dataset.

    Build it with :meth:`from_npy` (Google's ``numpy_bitmap`` files) or :meth:`from_drawings`
    (rasterized on the fly), or directly from arrays.

    Parameters
    ----------
    images : array, shape (N, size * size) or (N, size, size), uint8
        The images (a memory map works: rows are read when asked for).
    labels : array, shape (N,), int
        Class index of each image.
    classes : list of str
        The word of each class index.
    dtype : {"float32", "uint8"}
        Images as floats in ``[0, 1]`` or as the stored grey levels.
    """

    def __init__(
        self, images: Any, labels: Any, classes: Sequence[str], *, dtype: str = "float32"
    ) -> None:
        self.dtype = check_choice("dtype", dtype, DTYPES)
        self.labels = check_array("labels", labels, ndim=1, kinds="iu").astype(np.int64)
        self.classes = [str(c) for c in classes]
        self._drawings: Drawings | None = None
        self._rasterizer: Rasterizer | None = None
        if images is None:  # drawings rasterized on the fly (from_drawings)
            return
        if (
            not isinstance(images, np.ndarray)
            or images.dtype != np.uint8
            or images.ndim not in (2, 3)
        ):
            got = getattr(images, "shape", type(images).__name__)
            raise fail("images", "be a uint8 array (N, size * size) or (N, size, size)", got)
        side = round(np.sqrt(images[0].size)) if len(images) else 0
        if images.ndim == 2 and side * side != images.shape[1]:
            raise fail("images", "have square rows (size * size pixels)", images.shape)
        if len(images) != len(self.labels):
            raise fail("labels", f"have one label per image ({len(images)})", len(self.labels))
        self.images: Any = images.reshape(len(images), -1) if images.ndim == 3 else images
        self.size = side if len(images) else 0
        self._check_labels()

    def _check_labels(self) -> None:
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.classes)):
            raise fail("labels", f"be class indices in [0, {len(self.classes)})", "others")

    @classmethod
    def from_drawings(
        cls,
        drawings: Drawings,
        *,
        size: int = 28,
        line_width: float = 16.0,
        padding: float = 16.0,
        classes: Sequence[str] | None = None,
        labels: Any = None,
        dtype: str = "float32",
    ) -> BitmapDataset:
        """Drawings rasterized when asked for (a batch at a time), labelled by their
        ``word`` column (or ``labels``, with ``classes``)."""
        drawings = check_drawings(drawings)
        if labels is None:
            if "word" not in drawings.meta:
                raise fail("drawings", "have a 'word' column (or pass labels=)", "none")
            labels, classes = labels_of(drawings.meta["word"], classes)
        elif classes is None:
            raise fail("classes", "be given with labels", None)
        out = cls(None, labels, classes, dtype=dtype)
        if len(out.labels) != len(drawings):
            raise fail("labels", f"have one label per drawing ({len(drawings)})", len(out.labels))
        out._check_labels()
        out._drawings = drawings
        out._rasterizer = Rasterizer(size, line_width=line_width, padding=padding)
        out.size = out._rasterizer.size
        return out

    @classmethod
    def from_npy(
        cls,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        *,
        split: str | None = None,
        classes: Sequence[str] | None = None,
        dtype: str = "float32",
    ) -> BitmapDataset:
        """Google's ``numpy_bitmap`` files (``WORD.npy``: ``(N, 784)`` uint8), memory-mapped
        and joined; the label of a file is its name (``cat.npy`` -> ``cat``; Google's
        ``full_numpy_bitmap_cat.npy`` too). A folder stands for its ``.npy`` files, sorted
        (``.split.npy`` left out). ``split`` keeps the rows of that split, from the
        ``WORD.split.npy`` beside each file (``dataset build --format bitmap``)."""
        items = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
        files = [f for item in items for f in (_npy_in(item) if item.is_dir() else [item])]
        if not files:
            raise fail("paths", "name at least one .npy file", "nothing")
        if split is not None:
            check_choice("split", split, SPLITS)
        parts, words = [], []
        for path in files:
            images = _load_images(path)
            if split is not None:
                images = images[_split_rows(path, len(images), split)]
            parts.append(images)
            words += [_word_of(path)] * len(images)
        labels, classes = labels_of(words, classes)
        if len({p.shape[1] for p in parts}) > 1:
            raise fail("paths", "hold images of one size", sorted({p.shape[1] for p in parts}))
        images = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return cls(images, labels, classes, dtype=dtype)

    def __len__(self) -> int:
        return len(self.labels)

    def images_at(self, indices: Any) -> np.ndarray:
        """The ``uint8`` images at ``indices``, ``(B, size * size)``."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(self)
        if len(idx) and (idx.min() < -n or idx.max() >= n):
            raise IndexError(
                f"image index {int(idx[(idx < -n) | (idx >= n)][0])} out of range for {n}"
            )
        if self._drawings is not None:
            return self._rasterizer(self._drawings[idx % n])  # type: ignore[misc]
        return np.asarray(self.images[idx % n])

    def __getitems__(self, indices: Sequence[int]) -> list[tuple[torch.Tensor, int]]:
        """A batch at once (``DataLoader`` calls it): one rasterize call for drawings."""
        images = _as_tensor(self.images_at(indices), self.size, self.dtype)
        labels = self.labels[np.asarray(indices, dtype=np.int64)].tolist()
        return list(zip(images, labels))

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        """``(image (1, size, size), label)``."""
        return self.__getitems__([index])[0]


def _npy_in(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.glob("*.npy") if not p.name.endswith(".split.npy"))
    if not found:
        raise ValidationError(f"{folder}: no .npy file in this folder")
    return found


def _load_images(path: Path) -> np.ndarray:
    try:
        images = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise FormatError(f"cannot read as .npy: {exc}", path=str(path)) from None
    if images.dtype != np.uint8 or images.ndim != 2:
        raise FormatError(
            f"must hold a (N, size * size) uint8 array; got {images.dtype} {images.shape}",
            path=str(path),
        )
    return images


def _split_rows(path: Path, count: int, split: str) -> np.ndarray:
    beside = path.with_name(path.name[: -len(".npy")] + ".split.npy")
    if not beside.is_file():
        raise ValidationError(f"{path}: no {beside.name} beside it to select split={split!r}")
    codes = np.load(beside, allow_pickle=False)
    if codes.shape != (count,):
        raise FormatError(f"has {codes.shape} split codes for {count} images", path=str(beside))
    return np.flatnonzero(codes == SPLITS.index(split))


def _word_of(path: Path) -> str:
    stem = path.name[: -len(".npy")] if path.name.endswith(".npy") else path.stem
    return stem.removeprefix("full_numpy_bitmap_")


class ParquetBitmapDataset(ParquetStream):
    """Image and label batches rasterized from a Parquet dataset larger than memory.

    Yields ``(images (B, 1, size, size), labels (B,))`` (use ``DataLoader(dataset,
    batch_size=None)``); batching, shuffling, sharding and the meaning of "the same batches"
    are those of :class:`~strokedelta.datasets.streaming.ParquetStream`. Unshuffled, the
    batches equal those of ``DataLoader(BitmapDataset.from_drawings(all, classes=...),
    batch_size)``.

    Parameters
    ----------
    source : path or list of paths
        Drawings Parquet files and folders of them.
    batch_size : int
        Images per batch.
    size, line_width, padding : see :func:`strokedelta.render.rasterize`.
    classes : list of str, optional
        The word of each label; default the sorted ``words`` when given, else the sorted
        words of the dataset (its ``word=WORD`` folders, else its ``word`` columns).
    dtype : {"float32", "uint8"}
        As for :class:`BitmapDataset`.
    **options
        ``shuffle``, ``buffer_size``, ``seed``, ``split``, ``words``, ``drop_last``, ``rank``,
        ``world_size``, ``limits`` of :class:`~strokedelta.datasets.streaming.ParquetStream`.
    """

    def __init__(
        self,
        source: Any,
        *,
        batch_size: int,
        size: int = 28,
        line_width: float = 16.0,
        padding: float = 16.0,
        classes: Sequence[str] | None = None,
        dtype: str = "float32",
        **options: Any,
    ) -> None:
        self.dtype = check_choice("dtype", dtype, DTYPES)
        self.rasterizer = Rasterizer(size, line_width=line_width, padding=padding)
        super().__init__(source, batch_size=batch_size, **options)
        if classes is None and self.words is not None:
            classes = sorted(self.words)
        elif classes is None:
            found = {p.folder_word for p in self.pieces if p.folder_word is not None}
            for piece in (p for p in self.pieces if p.folder_word is None):
                found |= _words_only(piece.path, piece.group)
            classes = sorted(found)
        self.classes = [str(c) for c in classes]

    def _read(self, piece: Piece) -> Drawings:
        drawings = super()._read(piece)
        if "word" not in drawings.meta:
            if piece.folder_word is None:
                raise ValidationError(
                    f"{piece.path}: has no 'word' column (nor a word=WORD folder)"
                )
            drawings = drawings[:]
            drawings.meta["word"] = piece.folder_word
        return drawings

    def convert(
        self, drawings: Drawings, rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        labels, _ = labels_of(drawings.meta["word"].to_numpy(object), self.classes)
        images = _as_tensor(self.rasterizer(drawings), self.rasterizer.size, self.dtype)
        return images, torch.from_numpy(labels)


def _words_only(path: str, group: int) -> set[str]:
    """The distinct words of one row group (its ``word`` column)."""
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    if "word" not in handle.schema_arrow.names:
        raise ValidationError(f"{path}: has no 'word' column (nor a word=WORD folder)")
    column = handle.read_row_group(group, columns=["word"]).column(0)
    return {str(w) for w in column.to_pylist()}
