"""The per-category step of a build: merge the spills, cut the splits, write, summarise.

:func:`collect_category` reads the spills the per-file step left for one category one run of
rank-key buckets at a time (:mod:`~strokedelta.datasets.spills`; at most
:data:`~strokedelta.datasets.spills.GROUP_AT` drawings loaded at once), which sees the
category's drawings in rank order without holding them all. A first pass counts the drawings
without repeats (skipped when the category is one run: it is kept); then the best-ranked
drawings the splits and ``--limit`` allow are cut by their position in the rank order: the
lowest-ranked to test, the next to valid, the next to train. The same cut is made however many
runs there are. The category's files are written (Parquet streamed in row groups; npz and
bitmaps from the whole splits when the category is one run, else run by run, the same bytes,
so that memory never holds more than a run: the npz members go through temporary files) and
its counts, shortfall, exact moments
per split (:class:`~strokedelta.sketch.moments.DeltaMoments`, merged run by run) and the SHA-256
of each file are returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta.datasets import spills
from strokedelta.datasets._columns import repeated_string
from strokedelta.datasets.outputs import (
    Parts,
    category_stem,
    sha256_of,
    write_bitmap_parts,
    write_category_files,
    write_npz_parts,
)
from strokedelta.datasets.scan import Candidates
from strokedelta.datasets.spec import BuildSpec
from strokedelta.datasets.spills import bucket_counts, load_buckets, plan_groups
from strokedelta.exceptions import ValidationError
from strokedelta.io import open_writer
from strokedelta.ragged import Ragged
from strokedelta.sketch import SPLITS, Drawings
from strokedelta.sketch.moments import DeltaMoments

__all__ = ["CategoryJob", "CategoryResult", "collect_category"]


@dataclass(frozen=True)
class CategoryJob:
    """One category of a build: its spills (by input rank), how many drawings passed."""

    word: str
    spills: tuple[str, ...]
    available: int
    spec: BuildSpec
    out: str


@dataclass
class CategoryResult:
    """What one category became."""

    word: str
    available: int
    counts: dict[str, int]
    asked: dict[str, int]
    limited: int
    moments: dict[str, DeltaMoments]
    files: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0

    @property
    def shortfall(self) -> dict[str, int]:
        """Drawings asked for but missing, per split (all zero when the category was big)."""
        return {s: self.asked[s] - self.counts[s] for s in SPLITS}

    def to_dict(self) -> dict[str, Any]:
        train = self.moments["train"]
        return {
            "available": self.available,
            "duplicates": self.duplicates,
            "counts": self.counts,
            "shortfall": self.shortfall,
            "scale_factor": train.scale_factor,
            "moments": {s: m.to_dict() for s, m in self.moments.items()},
            "files": sorted(self.files),
        }


class _Ranked:
    """A category's drawings in rank order without repeats, one run of buckets at a time.

    Building it is the first pass: each run is loaded once to count its drawings and repeats
    and to find the dtype every run is cast to (that of the whole category); a category that is
    a single run stays loaded for the second pass.
    """

    def __init__(self, word: str, paths: tuple[str, ...]) -> None:
        self.word, self.paths = word, paths
        self.groups = plan_groups(bucket_counts(paths), spills.GROUP_AT)
        self.kept: Drawings | None = None
        self.template = _EMPTY
        sizes, dtypes, self.duplicates = [], [], 0
        for lo, hi in self.groups:
            drawings, repeats = self._load(lo, hi)
            self.duplicates += repeats
            sizes.append(len(drawings))
            if drawings is not _EMPTY:
                dtypes.append(drawings.strokes.values.dtype)
                if self.template is _EMPTY:
                    self.template = drawings[:0]
            if len(self.groups) == 1:
                self.kept = drawings
        self.starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.int16)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def _load(self, lo: int, hi: int) -> tuple[Drawings, int]:
        merged = Candidates()
        for part in load_buckets(self.paths, lo, hi):
            merged.extend(part)
        if not merged.size:
            return _EMPTY, 0
        drawings, repeats = _unique(merged.best(None))
        _refuse_empty(drawings, self.word)
        return drawings, repeats

    def pieces(self, a: int, b: int) -> Iterator[Drawings]:
        """The drawings of ranks ``a`` to ``b - 1``, in rank order, run by run."""
        for i, (lo, hi) in enumerate(self.groups):
            s, e = int(self.starts[i]), int(self.starts[i + 1])
            if e <= a or s >= b or s == e:
                continue
            drawings = self.kept if self.kept is not None else self._load(lo, hi)[0]
            piece = drawings[max(a, s) - s : min(b, e) - s]
            values = piece.strokes.values
            if values.dtype != self.dtype:
                piece = self._cast(piece)
            yield piece

    def _cast(self, piece: Drawings) -> Drawings:
        values = piece.strokes.values.astype(self.dtype)
        return _bare(Ragged(values, piece.strokes.offsets), piece.meta)

    def empty(self) -> Drawings:
        """No drawings, in the category's layout (an empty split)."""
        return self._cast(self.template)


_EMPTY = Drawings(Ragged(np.zeros((0, 3), np.int16), [0]))


def _refuse_empty(drawings: Drawings, word: str) -> None:
    """A drawing without points breaks every format's loader (readers never give one)."""
    empty = drawings.lengths == 0
    if empty.any():
        key = drawings.meta["key_id"].iloc[int(np.argmax(empty))]
        raise ValidationError(
            f"cannot write drawing {key} of category {word!r} into the dataset: it has no points"
        )


def _unique(candidates: Candidates) -> tuple[Drawings, int]:
    """The ranked drawings without repeats of a ``key_id`` (the same drawing given twice, in
    two files: it would otherwise sit in two splits), and how many repeats went."""
    drawings, keys = candidates.drawings[0], candidates.keys[0]
    repeat = np.zeros(len(keys), dtype=bool)
    repeat[1:] = keys[1:] == keys[:-1]  # equal identities have equal keys, adjacent in rank
    if repeat.any():
        ids = drawings.meta["key_id"].to_numpy(dtype=object)
        # "FILE:POSITION" identities (no key_id) of two same-named files are distinct drawings
        known = np.char.find(ids.astype(str), ":") < 0
        repeat[1:] &= (ids[1:] == ids[:-1]) & known[1:]
    if not repeat.any():
        return drawings, 0
    return drawings[~repeat], int(repeat.sum())


def _bare(strokes: Ragged, meta: pd.DataFrame | None = None) -> Drawings:
    """``Drawings(strokes, meta)`` without re-checking strokes a valid Drawings already held."""
    if strokes.ids is not None:
        strokes = Ragged(strokes.values, strokes.offsets)
    if meta is None:
        meta = pd.DataFrame(index=pd.RangeIndex(len(strokes)))
    elif not isinstance(meta.index, pd.RangeIndex) or meta.index.start != 0:
        meta = meta.reset_index(drop=True)
    return Drawings._trusted(strokes, meta, None, {})


def _labelled(piece: Drawings, split: str) -> Drawings:
    meta = piece.meta.copy()
    meta["split"] = repeated_string(split, len(piece))
    return _bare(piece.strokes, meta)


def _labelled_pieces(pieces: Iterator[Drawings], split: str) -> Iterator[Drawings]:
    for piece in pieces:
        yield _labelled(piece, split)


def _write_parquet(
    splits: dict[str, Iterator[Drawings]], target: Path, row_group_size: int, empty: Drawings
) -> list[Path]:
    """Stream train, valid, test into one Parquet file, in row groups of ``row_group_size``
    rows counted over the three (the bytes of writing their concatenation in slices)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    pending: list[Drawings] = []
    held = 0
    template: Drawings | None = None
    with open_writer(target, row_group_size=row_group_size) as writer:
        for split in SPLITS:
            for piece in splits[split]:
                piece = _labelled(piece, split)
                template = template if template is not None else piece[:0]
                pending.append(piece)
                held += len(piece)
                while held >= row_group_size:
                    block = Drawings.concat(pending) if len(pending) > 1 else pending[0]
                    writer.write(block[:row_group_size])
                    rest = block[row_group_size:]
                    pending, held = ([rest], len(rest)) if len(rest) else ([], 0)
        if pending:
            writer.write(Drawings.concat(pending) if len(pending) > 1 else pending[0])
        elif template is None:  # no drawing at all: the schema alone
            writer.write(_labelled(empty, "train"))
    return [target]


def _cut(ranked: _Ranked, spec: BuildSpec) -> tuple[dict[str, tuple[int, int]], int]:
    """Rank ranges of each split (test lowest, then valid, then train) and the pool size."""
    pool = len(ranked) if spec.keep is None else min(len(ranked), spec.keep)
    n_train, n_valid, n_test = spec.splits.sizes(pool)
    bounds = np.cumsum([0, n_test, n_valid, n_train]).tolist()
    ranges = {"test": (bounds[0], bounds[1]), "valid": (bounds[1], bounds[2])}
    ranges["train"] = (bounds[2], bounds[3])
    return ranges, pool


def _moments(pieces: Iterator[Drawings], into: list[DeltaMoments]) -> Iterator[Drawings]:
    """``pieces`` as they are, their exact moments summed into ``into[0]`` on the way."""
    for piece in pieces:
        if len(piece):
            into[0] = into[0] + DeltaMoments.from_drawings(piece)
        yield piece


def collect_category(job: CategoryJob) -> CategoryResult:
    """Cut one category into its splits and write its files into ``job.out``."""
    spec = job.spec
    ranked = _Ranked(job.word, job.spills)
    ranges, pool = _cut(ranked, spec)
    available = job.available - ranked.duplicates
    limit = spec.filters.limit
    limited = 0 if limit is None else max(0, available - limit)
    counts = {split: ranges[split][1] - ranges[split][0] for split in SPLITS}
    asked = dict(zip(SPLITS, spec.splits.asked(pool)))
    sums = {split: [DeltaMoments()] for split in SPLITS}
    streams = {s: _moments(ranked.pieces(*ranges[s]), sums[s]) for s in SPLITS}
    folder = Path(job.out)
    stem = category_stem(job.word)
    if spec.format == "parquet":
        target = folder / f"word={stem}" / "part-0.parquet"
        written = _write_parquet(streams, target, spec.row_group_size, ranked.empty())
    elif len(ranked.groups) > 1 and pool:  # more than one run: never the whole category held
        if spec.format == "npz":  # the strokes are all an npz keeps
            written = write_npz_parts(
                {s: (counts[s], streams[s]) for s in SPLITS}, folder, job.word
            )
        else:
            runs: Parts = {s: (counts[s], _labelled_pieces(streams[s], s)) for s in SPLITS}
            written = write_bitmap_parts(runs, folder, job.word, spec.bitmap_size)
    else:
        parts = {}
        for split in SPLITS:  # train, valid, test: the order Sketch-RNN stores them
            pieces = list(streams[split]) or [ranked.empty()]
            whole = Drawings.concat(pieces) if len(pieces) > 1 else pieces[0]
            # the strokes are all an npz keeps; a bitmap set's metadata says each split
            parts[split] = _bare(whole.strokes) if spec.format == "npz" else _labelled(whole, split)
        written = write_category_files(
            parts,
            folder,
            job.word,
            spec.format,
            row_group_size=spec.row_group_size,
            size=spec.bitmap_size,
        )
    files = {p.relative_to(folder).as_posix(): sha256_of(p) for p in written}
    moments = {split: sums[split][0] for split in SPLITS}
    result = CategoryResult(job.word, available, counts, asked, limited, moments, files)
    result.duplicates = ranked.duplicates
    return result
