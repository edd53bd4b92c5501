"""Writing one category of a dataset: Sketch-RNN ``.npz``, Parquet or Google's bitmap ``.npy``.

Every writer produces the same bytes for the same drawings on every run: the ``.npz`` holds
object arrays of int16 ``(n, 3)`` arrays as Python's C pickler writes them (protocol 3, numpy
1.x's rebuilder name, so magenta's ``np.load(path, encoding="latin1", allow_pickle=True)`` and
:mod:`strokedelta.io.sketchrnn_npz` read them), written by one compiled pass
(:mod:`strokedelta.datasets._npz_stream`), every zip entry stamped 1980-01-01; Parquet goes through
:func:`strokedelta.io.open_writer` with bounded row groups; bitmaps are
:func:`strokedelta.render.raster.rasterize` saved with ``np.save``, beside the split of every
row (``.split.npy``: 0 train, 1 valid, 2 test) and its metadata (``.meta.parquet``).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from strokedelta._files import atomic_path
from strokedelta.datasets._npz_stream import object_member_buffer
from strokedelta.io import open_writer, write_drawings
from strokedelta.render.raster import rasterize
from strokedelta.sketch import SPLITS, Drawings

__all__ = ["category_stem", "sha256_of", "write_category_files"]

#: The timestamp of every zip entry (zip's epoch): no build time in the bytes.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def category_stem(word: str) -> str:
    """The file name of a category (its word; ``/`` and leading dots replaced).

    Examples
    --------
    >>> category_stem("The Eiffel Tower"), category_stem("a/b")
    ('The Eiffel Tower', 'a_b')
    """
    name = "".join("_" if c in "/\\\0" or ord(c) < 32 else c for c in word).lstrip(".")
    return name or "_"


def _write_npz(parts: dict[str, Drawings], path: Path) -> list[Path]:
    """Keys train, valid, test of int16 (n, 3) arrays, entries stamped 1980-01-01."""
    for part in parts.values():
        values = part.strokes.values
        if len(values) and (values.min() < -32768 or values.max() > 32767):
            write_drawings(part, path)  # the project's writer refuses it, naming the range
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        for key in SPLITS:
            strokes = parts[key].strokes
            flat = strokes.values.astype(np.int16, copy=False)
            offsets = strokes.offsets
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_EPOCH)
            info.external_attr = 0o600 << 16
            archive.writestr(info, object_member_buffer(flat, offsets[:-1], offsets[1:]))
    return [path]


def _write_parquet(drawings: Drawings, path: Path, row_group_size: int) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_writer(path, row_group_size=row_group_size) as writer:
        for start in range(0, max(len(drawings), 1), row_group_size):
            writer.write(drawings[start : start + row_group_size])
    return [path]


def _write_bitmap(drawings: Drawings, folder: Path, stem: str, size: int) -> list[Path]:
    images = rasterize(drawings, size=size)
    codes = pd.Categorical(drawings.meta["split"], categories=list(SPLITS)).codes
    paths = [folder / f"{stem}.npy", folder / f"{stem}.split.npy", folder / f"{stem}.meta.parquet"]
    np.save(paths[0], images)
    np.save(paths[1], np.asarray(codes, dtype=np.int8))
    drawings.meta.to_parquet(paths[2], index=False, compression="zstd")
    return paths


def write_category_files(
    parts: dict[str, Drawings], folder: Path, word: str, fmt: str, *, row_group_size: int, size: int
) -> list[Path]:
    """Write one category's splits (each with its ``split`` column), train, valid, test.

    Returns the files written: ``WORD.npz``; ``word=WORD/part-0.parquet``; or ``WORD.npy``,
    ``WORD.split.npy`` and ``WORD.meta.parquet``.
    """
    stem = category_stem(word)
    if fmt == "npz":
        return _write_npz(parts, folder / f"{stem}.npz")
    drawings = Drawings.concat([parts[split] for split in SPLITS])
    if fmt == "parquet":
        target = folder / f"word={stem}" / "part-0.parquet"
        return _write_parquet(drawings, target, row_group_size)
    return _write_bitmap(drawings, folder, stem, size)
