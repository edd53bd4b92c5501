"""The per-category step of a build: merge the spills, cut the splits, write, summarise.

:func:`collect_category` reads the spills the per-file step left for one category (in the order
of the inputs' ranks; the result does not depend on it), keeps the best-ranked drawings the
splits and ``--limit`` allow, gives the lowest-ranked to test, the next to valid and the next to
train, writes the category's files and returns its counts, shortfall, exact moments per split
(:class:`~strokedelta.sketch.moments.DeltaMoments`) and the SHA-256 of each file written.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta.datasets.outputs import sha256_of, write_category_files
from strokedelta.datasets.scan import Candidates
from strokedelta.datasets.spec import BuildSpec
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


def _load(spills: tuple[str, ...]) -> Candidates:
    merged = Candidates()
    for name in sorted(spills):
        with open(name, "rb") as handle:
            part = pickle.load(handle)  # this build's own work files
        merged.extend(part)
    return merged


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


def collect_category(job: CategoryJob) -> CategoryResult:
    """Cut one category into its splits and write its files into ``job.out``."""
    spec = job.spec
    ranked, duplicates = _unique(_load(job.spills).best(None))
    if spec.keep is not None:
        ranked = ranked[: spec.keep]
    pool = len(ranked)  # min(available, the splits' need, --limit)
    available = job.available - duplicates
    limit = spec.filters.limit
    limited = 0 if limit is None else max(0, available - limit)
    n_train, n_valid, n_test = spec.splits.sizes(pool)
    asked = dict(zip(SPLITS, spec.splits.asked(pool)))
    counts = {"train": n_train, "valid": n_valid, "test": n_test}
    bounds = np.cumsum([0, n_test, n_valid, n_train])
    order = {"test": (bounds[0], bounds[1]), "valid": (bounds[1], bounds[2])}
    order["train"] = (bounds[2], bounds[3])
    parts: dict[str, Drawings] = {}
    moments: dict[str, DeltaMoments] = {}
    for split in SPLITS:  # train, valid, test: the order Sketch-RNN stores them
        a, b = order[split]
        part = ranked[a:b]
        moments[split] = DeltaMoments.from_drawings(part) if len(part) else DeltaMoments()
        meta = part.meta.copy()
        meta["split"] = pd.array([split] * len(part), dtype="string")
        parts[split] = Drawings(part.strokes, meta)
    folder = Path(job.out)
    written = write_category_files(
        parts,
        folder,
        job.word,
        spec.format,
        row_group_size=spec.row_group_size,
        size=spec.bitmap_size,
    )
    files = {p.relative_to(folder).as_posix(): sha256_of(p) for p in written}
    result = CategoryResult(job.word, available, counts, asked, limited, moments, files)
    result.duplicates = duplicates
    return result
