"""One call from dataset files to normalised train / valid / test drawings, as magenta's
Sketch-RNN ``load_dataset`` does.

magenta (``sketch_rnn_train.load_dataset`` with ``utils.DataLoader``) loads each ``.npz`` of
``data_set``, joins the files' ``train``, ``valid`` and ``test`` keys, takes ``max_seq_len``
as the longest drawing of all three, drops drawings longer than it (``preprocess``), clamps
``dx`` and ``dy`` to ``[-1000, 1000]`` (its ``limit``), computes the normalising scale factor
on the train set alone (``np.std`` of every ``dx`` and ``dy`` pooled) and divides all three
sets by it. :func:`load_dataset` does the same on any drawings files that carry splits (npz
keys, a ``split`` column in ndjson or Parquet, a Parquet dataset folder), with a ``max_len``
of your choice. Differences: the std is computed in float64 (magenta: float32, a relative
difference of about 1e-7), and drawings stay in file order (magenta sorts each set by length,
which random batches do not see).

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.io import write_drawings
>>> d = Drawings.from_polylines([[[[1, 3], [1, 3]]], [[[0, 0, 8], [0, 2, 2]]], [[[0], [6]]]])
>>> d.meta["split"] = ["train", "train", "test"]
>>> path = pathlib.Path(tempfile.mkdtemp()) / "d.ndjson"
>>> write_drawings(d, path)
>>> data = load_dataset(path, max_len=2)
>>> len(data.train), len(data.valid), len(data.test), data.dropped
(1, 0, 1, {'train': 1, 'valid': 0, 'test': 0})
>>> data.scale_factor, data.train[0].tolist()
(0.5, [[2.0, 2.0, 0.0], [4.0, 4.0, 1.0]])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from strokedelta._validation import check_int, check_number, fail
from strokedelta.datasets.streaming import dataset_files
from strokedelta.io import read_drawings
from strokedelta.limits import ReadLimits
from strokedelta.sketch import SPLITS, Drawings, clamp_offsets, fit_scale_factor, normalize
from strokedelta.sketch.dataset import StrokeDataset

__all__ = ["LoadedDataset", "load_dataset"]


class LoadedDataset(NamedTuple):
    """What :func:`load_dataset` returns.

    Attributes
    ----------
    train, valid, test : Drawings
        float64 drawings divided by ``scale_factor`` (``attrs["scale_factor"]`` records it).
    scale_factor : float
        The pooled std of the train set's ``dx`` and ``dy`` (after clamping).
    max_len : int
        The longest drawing kept (the padding length, Sketch-RNN's ``Nmax``).
    dropped : dict
        Drawings longer than ``max_len`` dropped from each split.
    """

    train: Drawings
    valid: Drawings
    test: Drawings
    scale_factor: float
    max_len: int
    dropped: dict[str, int]

    def stroke_datasets(
        self, *, augment_scale: float = 0.0, drop_prob: float = 0.0, seed: int = 0
    ) -> tuple[StrokeDataset, StrokeDataset, StrokeDataset]:
        """The three sets as :class:`~strokedelta.sketch.StrokeDataset` s padded to
        ``max_len``; augmentation on train only (as magenta's valid and test loaders)."""
        train = StrokeDataset(
            self.train, self.max_len, augment_scale=augment_scale, drop_prob=drop_prob, seed=seed
        )
        return (
            train,
            StrokeDataset(self.valid, self.max_len),
            StrokeDataset(self.test, self.max_len),
        )


def _widened(drawings: Drawings) -> Drawings:
    """int64 or float64 values, so that files of different dtypes join."""
    values = drawings.strokes.values
    wide = np.int64 if values.dtype.kind in "iu" else np.float64
    if values.dtype == wide:
        return drawings
    return drawings.with_values(values.astype(wide))


def _read_splits(path: Path, errors: str, limits: ReadLimits | None) -> dict[str, Drawings]:
    drawings = read_drawings(path, errors=errors, limits=limits)
    if "split" not in drawings.meta:
        raise fail(
            str(path),
            "carry train/valid/test splits (npz keys or a 'split' column; build a dataset "
            "with `strokedelta dataset build`)",
            "no split column",
        )
    drawings = _widened(drawings)
    column = drawings.meta["split"].to_numpy(object)
    return {s: drawings[column == s] for s in SPLITS}


def load_dataset(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    max_len: int | None = None,
    *,
    limit: float = 1000.0,
    errors: str = "raise",
    limits: ReadLimits | None = None,
) -> LoadedDataset:
    """Read dataset files, join their splits, drop long drawings, normalise by the train set.

    Parameters
    ----------
    paths : path or list of paths
        Files with splits (Sketch-RNN ``.npz``; ndjson or Parquet with a ``split`` column) or
        folders of Parquet files (``dataset build --format parquet``); joined in this order.
    max_len : int, optional
        Drop drawings with more points (each split); default the longest drawing of the three
        splits (magenta's ``max_seq_len``), so nothing is dropped.
    limit : float
        Clamp ``dx`` and ``dy`` to ``[-limit, limit]`` first (magenta: 1000).
    errors, limits
        As for :func:`strokedelta.io.read_drawings`.

    Returns
    -------
    LoadedDataset
        ``train``, ``valid``, ``test`` (float64, divided by the train scale factor),
        ``scale_factor``, ``max_len`` and the counts ``dropped``.
    """
    sources = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not sources:
        raise fail("paths", "name at least one dataset file", "nothing")
    limit = check_number("limit", limit, positive=True)
    parts: dict[str, list[Drawings]] = {s: [] for s in SPLITS}
    for source in sources:
        files = dataset_files(source) if Path(source).is_dir() else [Path(source)]
        for path in files:
            for name, drawings in _read_splits(path, errors, limits).items():
                parts[name].append(drawings)
    joined = {name: Drawings.concat(chunks) for name, chunks in parts.items()}
    longest = max(int(d.lengths.max()) if len(d) else 0 for d in joined.values())
    max_len = longest if max_len is None else check_int("max_len", max_len, minimum=1)
    dropped = {name: int((d.lengths > max_len).sum()) for name, d in joined.items()}
    kept = {name: clamp_offsets(d[d.lengths <= max_len], limit) for name, d in joined.items()}
    if kept["train"].n_points == 0:
        raise fail("the train split", f"hold a drawing of at most max_len={max_len} points", "none")
    scale = fit_scale_factor(kept["train"])
    if scale == 0:
        raise fail("the train split", "have some non-zero dx or dy", "all zero")
    out = {name: normalize(d, scale) for name, d in kept.items()}
    return LoadedDataset(out["train"], out["valid"], out["test"], scale, max_len, dropped)
