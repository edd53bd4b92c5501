"""The per-file step of a build: read a file in chunks, filter, rank, keep the best candidates.

:func:`scan_file` streams one input through :func:`strokedelta.io.iter_drawings`, gives every
drawing its category (its ``word``, or the file's stem) and its rank key
(:mod:`~strokedelta.datasets.keys`), applies the filters of the :class:`BuildSpec` and keeps,
per category, only the best-ranked drawings a split could use (a bounded buffer trimmed as it
grows, so memory does not grow with the file; fraction splits use every drawing, so their
buffer is appended to the spill whenever it holds :data:`~strokedelta.datasets.spills.FLUSH_AT`
drawings). What it keeps goes to one spill file per category in the build's work folder
(:mod:`~strokedelta.datasets.spills`); it returns only counts and the spill names. The same
function runs in a thread (single engine) or as a ``dask.bag`` task.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta.datasets import spills
from strokedelta.datasets._columns import repeated_string
from strokedelta.datasets._gather import as_int16, take_parts
from strokedelta.datasets.keys import identity_keys, position_keys
from strokedelta.datasets.spec import BuildSpec
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io import iter_drawings
from strokedelta.limits import ReadLimits
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings, simplify_drawings
from strokedelta.sketch.drawings import META_COLUMNS

__all__ = ["FILTER_NAMES", "Candidates", "FileScan", "ScanJob", "scan_file", "stem_of"]

#: Drawings per chunk read (a quarter of the readers' default: the chunk's arrays stay a few
#: MB, so that the heap they leave behind, reused chunk after chunk, does not grow with the
#: input; ``scripts/bench_dataset.py``'s part 3 measures the peak RSS).
SCAN_CHUNK = 5_000

#: The filters in the order they apply (the manifest counts what each removed).
FILTER_NAMES = ("words", "country", "recognized", "length", "duplicates", "limit")


def stem_of(path: str | Path) -> str:
    """A file's name without its drawings suffix: the category of a format without ``word``.

    Examples
    --------
    >>> stem_of("data/full_simplified_cat.ndjson.gz"), stem_of("sheep.npz")
    ('full_simplified_cat', 'sheep')
    """
    name = Path(path).name
    for suffix in (".ndjson.gz", ".ndjson", ".bin", ".npz", ".parquet", ".pq"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


@dataclass(frozen=True)
class ScanJob:
    """One input of a build: its path, its rank among the sorted inputs, where to spill."""

    path: str
    rank: int
    spec: BuildSpec
    work: str
    limits: ReadLimits | None = None


@dataclass
class FileScan:
    """What scanning one file found: drawings read, per category kept and removed, spills."""

    path: str
    read: int = 0
    available: Counter[str] = field(default_factory=Counter)
    removed: dict[str, Counter[str]] = field(default_factory=dict)
    spills: dict[str, str] = field(default_factory=dict)


@dataclass
class Candidates:
    """The drawings of one category kept so far, with their rank keys (ties: rank, position)."""

    drawings: list[Drawings] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)
    ranks: list[np.ndarray] = field(default_factory=list)
    positions: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def add(self, drawings: Drawings, keys: Any, ranks: Any, positions: Any) -> None:
        self.drawings.append(drawings)
        self.keys.append(np.asarray(keys, np.uint64))
        self.ranks.append(np.asarray(ranks, np.int64))
        self.positions.append(np.asarray(positions, np.int64))
        self.size += len(drawings)

    def extend(self, other: Candidates) -> None:
        for parts in zip(other.drawings, other.keys, other.ranks, other.positions):
            self.add(*parts)

    def best(self, keep: int | None, *, ordered: bool = True) -> Candidates:
        """The ``keep`` best-ranked (all when ``None``), in rank order, as one part.

        ``ordered=False`` leaves the order as it is when nothing needs to go (a spill: the
        category's step sorts anyway).
        """
        if not self.size:
            return Candidates()
        if not ordered and (keep is None or self.size <= keep):
            out = Candidates()
            drawings = (
                Drawings.concat(self.drawings) if len(self.drawings) > 1 else self.drawings[0]
            )
            out.add(drawings, *(np.concatenate(p) for p in (self.keys, self.ranks, self.positions)))
            return out
        keys, ranks, positions = (
            np.concatenate(p) for p in (self.keys, self.ranks, self.positions)
        )
        order = np.lexsort((positions, ranks, keys))
        if keep is not None:
            order = order[:keep]
        out = Candidates()
        if len(order) == self.size and not (np.diff(order) != 1).any():  # in order already
            parts = self.drawings  # (a sorted spill): no reordering
            out.add(Drawings.concat(parts) if len(parts) > 1 else parts[0], keys, ranks, positions)
            return out
        out.add(take_parts(self.drawings, order), keys[order], ranks[order], positions[order])
        return out


def _category(chunk: Drawings, path: str) -> tuple[np.ndarray, str | None]:
    """Each drawing's category, and that category when all have the same (the usual)."""
    stem = stem_of(path)
    if "word" not in chunk.meta.columns:
        return np.full(len(chunk), stem, dtype=object), stem
    column = chunk.meta["word"]
    distinct = column.unique()
    if len(distinct) == 1 and isinstance(distinct[0], str):  # one word per file: the usual
        return np.full(len(chunk), distinct[0], dtype=object), distinct[0]
    words = column.astype(object)
    return words.where(words.notna(), stem).to_numpy(dtype=object), None


def _has_ids(chunk: Drawings) -> bool:
    """Whether every drawing of the chunk has a ``key_id``."""
    return "key_id" in chunk.meta.columns and not chunk.meta["key_id"].array.isna().any()


def _keys(chunk: Drawings, job: ScanJob, start: int, has_ids: bool) -> np.ndarray:
    positions = np.arange(start, start + len(chunk), dtype=np.int64)
    if has_ids:
        return identity_keys(chunk.meta["key_id"], job.spec.seed)
    return position_keys(Path(job.path).name, positions, job.spec.seed)


def _needs(chunk: Drawings, column: str, option: str, path: str) -> pd.Series:
    if column not in chunk.meta.columns:
        raise ValidationError(f"{option} needs a {column!r} field; {path} has none")
    return chunk.meta[column]


def _apply(
    name: str,
    keep: np.ndarray,
    mask: np.ndarray,
    words: np.ndarray,
    removed: dict[str, Counter[str]],
) -> np.ndarray:
    dropped = keep & ~mask
    if dropped.any():
        removed.setdefault(name, Counter()).update(words[dropped].tolist())
    return keep & mask


def _meta(
    chunk: Drawings, words: np.ndarray, uniform: str | None, identity: Any, fmt: str
) -> pd.DataFrame:
    """One metadata layout for every input (absent fields are missing values); for an npz
    build only ``key_id`` (a Sketch-RNN file keeps the strokes alone; the identities find
    repeats and name a drawing in an error)."""
    if fmt == "npz":
        return pd.DataFrame({"key_id": identity})
    meta = chunk.meta
    n = len(chunk)
    columns: dict[str, Any] = {}
    for name in META_COLUMNS:
        kind: Any = "boolean" if name == "recognized" else "string"
        if name == "word":
            if uniform is not None:
                columns[name] = repeated_string(uniform, n)
            else:
                columns[name] = pd.array(words, dtype="string")
        elif name == "key_id":
            columns[name] = identity
        elif name in meta.columns:
            columns[name] = meta[name].astype(kind).array
        else:
            columns[name] = pd.array(np.full(n, None, dtype=object), dtype=kind)
    return pd.DataFrame(columns)


def _filtered(chunk: Drawings, job: ScanJob, words: np.ndarray, scan: FileScan) -> np.ndarray:
    """The mask of drawings that pass the filters before simplification."""
    filters = job.spec.filters
    keep = np.ones(len(chunk), dtype=bool)
    if filters.words is not None:
        keep = _apply("words", keep, np.isin(words, list(filters.words)), words, scan.removed)
    if filters.countries is not None:
        codes = _needs(chunk, "countrycode", "--country", job.path).astype(object)
        mask = codes.isin(list(filters.countries)).to_numpy()
        keep = _apply("country", keep, mask, words, scan.removed)
    if filters.recognized:
        flags = _needs(chunk, "recognized", "--recognized", job.path)
        mask = flags.fillna(False).astype(bool).to_numpy()
        keep = _apply("recognized", keep, mask, words, scan.removed)
    return keep


def _prepare(chunk: Drawings, job: ScanJob) -> Drawings:
    filters = job.spec.filters
    # no time channel, no attrs: one layout for all (the reader's strokes are valid already)
    bare = Drawings._trusted(chunk.strokes, chunk.meta.reset_index(drop=True), None, {})
    if filters.simplify:
        bare = simplify_drawings(bare, epsilon=filters.epsilon)
    if bare.strokes.values.dtype.kind not in "iu":
        raise FormatError(
            f"coordinates are {bare.strokes.values.dtype}; a dataset needs integer "
            "coordinates (add --simplify for raw drawings)",
            path=job.path,
        )
    if job.spec.format == "npz":
        return _as_int16(bare)
    return bare


def _as_int16(drawings: Drawings) -> Drawings:
    """The drawings with int16 points when they fit: what a Sketch-RNN file stores, carried
    from the start (half the bytes to reorder, spill and read back). Points that do not fit
    stay as they are, and the npz writer refuses them, naming the range."""
    values = drawings.strokes.values
    narrow = None if values.dtype == np.int16 else as_int16(values)
    if narrow is None:
        return drawings
    return Drawings._trusted(Ragged(narrow, drawings.strokes.offsets), drawings.meta, None, {})


def _scan_chunk(
    chunk: Drawings, job: ScanJob, start: int, scan: FileScan, kept: dict[str, Candidates]
) -> None:
    words, uniform = _category(chunk, job.path)
    has_ids = _has_ids(chunk)
    keys = _keys(chunk, job, start, has_ids)
    if has_ids:
        identity = chunk.meta["key_id"].astype("string").array
    else:
        name = Path(job.path).name
        identity = pd.array([f"{name}:{start + i}" for i in range(len(chunk))], dtype="string")
    keep = _filtered(chunk, job, words, scan)
    index = np.flatnonzero(keep)
    part = _prepare(chunk if len(index) == len(chunk) else chunk[index], job)
    filters = job.spec.filters
    if filters.min_len is not None or filters.max_len is not None:
        n = part.lengths
        ok = np.ones(len(part), dtype=bool)
        if filters.min_len is not None:
            ok &= n >= filters.min_len
        if filters.max_len is not None:
            ok &= n <= filters.max_len
        if not ok.all():
            scan.removed.setdefault("length", Counter()).update(words[index][~ok].tolist())
            part, index = part[ok], index[ok]
    meta = _meta(part, words[index], uniform, identity[index], job.spec.format)
    part = Drawings._trusted(part.strokes, meta, None, {})
    positions = np.arange(start, start + len(chunk), dtype=np.int64)[index]
    kept_words = words[index]
    present = sorted(set(kept_words.tolist()))
    for word in present:
        rows = np.flatnonzero(kept_words == word) if len(present) > 1 else slice(None)
        bucket = kept.setdefault(word, Candidates())
        chosen = part if len(present) == 1 else part[rows]
        scan.available[word] += len(chosen)
        bucket.add(chosen, keys[index][rows], np.full(len(chosen), job.rank), positions[rows])
        limit = job.spec.keep
        if limit is not None and bucket.size > 2 * limit + 10_000:
            kept[word] = bucket.best(limit)
        elif limit is None and bucket.size >= spills.FLUSH_AT:  # fractions: keep all, bounded
            _spill(job, word, bucket, scan)
            kept[word] = Candidates()


def spill_name(rank: int, word: str) -> str:
    """The spill file of one category of one input (names are safe whatever the word)."""
    digest = hashlib.blake2b(word.encode(), digest_size=8).hexdigest()
    return f"{rank:06d}-{digest}.pkl"


def scan_file(job: ScanJob) -> FileScan:
    """Scan one input; spill its best candidates per category into ``job.work``.

    Raises
    ------
    FormatError, ValidationError
        A malformed file (naming file and line), a filter needing a field the file lacks,
        float coordinates without ``simplify``.
    """
    scan = FileScan(path=job.path)
    kept: dict[str, Candidates] = {}
    start = 0
    for chunk in iter_drawings(job.path, limits=job.limits, chunk_size=SCAN_CHUNK):
        _scan_chunk(chunk, job, start, scan, kept)
        start += len(chunk)
    scan.read = start
    for word, bucket in sorted(kept.items()):
        _spill(job, word, bucket.best(job.spec.keep), scan)  # in rank order: bucket order
    return scan


def _spill(job: ScanJob, word: str, bucket: Candidates, scan: FileScan) -> None:
    """Append ``bucket`` to this file's spill of ``word`` (:mod:`~strokedelta.datasets.spills`)."""
    name = Path(job.work) / spill_name(job.rank, word)
    spills.append_spill(name, bucket)
    scan.spills[word] = str(name)
