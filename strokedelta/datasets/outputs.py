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
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._files import atomic_path
from strokedelta.datasets._npz_stream import MemberWriter, object_member_buffer
from strokedelta.io import open_writer, write_drawings
from strokedelta.render.raster import rasterize
from strokedelta.sketch import SPLITS, Drawings

__all__ = [
    "Parts",
    "category_stem",
    "sha256_of",
    "write_bitmap_parts",
    "write_category_files",
    "write_npz_parts",
]

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


def _int16_rows(part: Drawings, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The part's points as int16 and its drawings' row bounds (an npz build's points are
    int16 already); points beyond int16 are refused by the project's writer, naming the range."""
    values = part.strokes.values
    if values.dtype != np.int16 and len(values) and (values.min() < -32768 or values.max() > 32767):
        write_drawings(part, path)  # raises
    offsets = part.strokes.offsets
    return values.astype(np.int16, copy=False), offsets[:-1], offsets[1:]


def _member(key: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_EPOCH)
    info.external_attr = 0o600 << 16
    return info


def _write_npz(parts: dict[str, Drawings], path: Path) -> list[Path]:
    """Keys train, valid, test of int16 (n, 3) arrays, entries stamped 1980-01-01."""
    rows = {key: _int16_rows(parts[key], path) for key in SPLITS}  # refused before writing
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        for key in SPLITS:
            archive.writestr(_member(key), object_member_buffer(*rows[key]))
    return [path]


#: A split given part by part: its number of drawings and the parts, in order.
Parts = dict[str, tuple[int, Iterable[Drawings]]]


def write_npz_parts(parts: Parts, folder: Path, word: str) -> list[Path]:
    """``WORD.npz`` as :func:`write_category_files` writes it (the same bytes), one part of a
    split in memory at a time: each member is streamed into a temporary file beside the
    archive (:class:`~strokedelta.datasets._npz_stream.MemberWriter`), then copied in with its
    size known, as ``writestr`` adds it."""
    path = folder / f"{category_stem(word)}.npz"
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        for key in SPLITS:
            count, pieces = parts[key]
            with tempfile.TemporaryFile(dir=folder) as member:
                writer = MemberWriter(member, count)
                for piece in pieces:
                    writer.write(*_int16_rows(piece, path))
                writer.close()
                info = _member(key)
                info.file_size = member.tell()
                member.seek(0)
                with archive.open(info, "w") as target:
                    shutil.copyfileobj(member, target, 1 << 20)
    return [path]


def write_bitmap_parts(parts: Parts, folder: Path, word: str, size: int) -> list[Path]:
    """``WORD.npy``, ``WORD.split.npy`` and ``WORD.meta.parquet`` as :func:`write_category_files`
    writes them (the same bytes), one part of a split in memory at a time (the parts'
    metadata with their ``split`` column): the images appended to the ``.npy`` after its
    header."""
    stem = category_stem(word)
    paths = [folder / f"{stem}.npy", folder / f"{stem}.split.npy", folder / f"{stem}.meta.parquet"]
    counts = [parts[split][0] for split in SPLITS]
    np.save(paths[1], np.repeat(np.arange(len(SPLITS), dtype=np.int8), counts))
    header = {"descr": "|u1", "fortran_order": False, "shape": (sum(counts), size * size)}
    with open(paths[0], "wb") as images, _MetaWriter(paths[2]) as meta:
        np.lib.format.write_array_header_1_0(images, header)
        for split in SPLITS:
            for piece in parts[split][1]:
                images.write(rasterize(piece, size=size).data)
                meta.add(piece.meta)
    return paths


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
    with _MetaWriter(paths[2]) as meta:
        meta.add(drawings.meta)
    return paths


#: Rows per row group of a bitmap set's ``.meta.parquet``.
META_ROWS = 65_536


class _MetaWriter:
    """Metadata frames appended in order to one Parquet file (zstd) in row groups of exactly
    :data:`META_ROWS` rows (the last one shorter): the same bytes whether the rows come whole
    or part by part, holding at most one row group."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: list[Any] = []
        self.held = 0
        self.writer: Any = None

    def __enter__(self) -> _MetaWriter:
        return self

    def add(self, meta: pd.DataFrame) -> None:
        import pyarrow as pa

        self.pending.append(pa.Table.from_pandas(meta, preserve_index=False))
        self.held += len(meta)
        while self.held >= META_ROWS:
            self._flush(META_ROWS)

    def _flush(self, rows: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.concat_tables(self.pending) if len(self.pending) > 1 else self.pending[0]
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self.writer.write_table(table.slice(0, rows), row_group_size=META_ROWS)
        rest = table.slice(rows)
        self.pending, self.held = ([rest], len(rest)) if len(rest) else ([], 0)

    def __exit__(self, *failure: object) -> None:
        if self.pending and (self.held or self.writer is None):
            self._flush(self.held)  # the last rows (or, with none at all, the layout alone)
        if self.writer is not None:
            self.writer.close()


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
