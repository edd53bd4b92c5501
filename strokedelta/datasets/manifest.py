"""The ``manifest.json`` of a dataset: how it was built and what it holds, byte-stable.

It records the equivalent command and the parameters, the inputs, per category the drawings
available after the filters, the counts per split, the shortfall against what was asked, the
exact moments per split and the train scale factor; what each filter removed (per category and
in total); the pooled train scale factor (from the merged exact sums); the versions of the
libraries that wrote the files; and the SHA-256 of every file. It holds no time, host or engine,
so two builds of the same inputs with the same parameters write the same manifest.
"""

from __future__ import annotations

import json
import platform
import shlex
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow

from strokedelta._files import atomic_path
from strokedelta._version import __version__
from strokedelta.datasets.collect import CategoryResult
from strokedelta.datasets.scan import FILTER_NAMES
from strokedelta.datasets.spec import BuildSpec
from strokedelta.sketch import SPLITS
from strokedelta.sketch.moments import DeltaMoments

__all__ = ["MANIFEST", "command_of", "manifest_of", "write_manifest"]

#: The manifest's file name in a dataset folder.
MANIFEST = "manifest.json"
#: The manifest's layout version.
LAYOUT_VERSION = 1


def command_of(spec: BuildSpec, inputs: list[Path]) -> str:
    """The ``strokedelta dataset build`` command line equivalent to ``spec`` (OUT left out).

    Examples
    --------
    >>> from strokedelta.datasets.spec import BuildSpec, parse_splits
    >>> command_of(BuildSpec(parse_splits("7,1,1")), [Path("a b.ndjson")])
    "strokedelta dataset build 'a b.ndjson' OUT --format npz --splits 7,1,1 --seed 0"
    """
    f = spec.filters
    words: list[str] = [
        "strokedelta",
        "dataset",
        "build",
        *map(str, inputs),
        "OUT",
        "--format",
        spec.format,
        "--splits",
        spec.splits.text(),
        "--seed",
        str(spec.seed),
    ]
    if f.words is not None:
        words += ["--words", ",".join(sorted(f.words))]
    if f.countries is not None:
        words += ["--country", ",".join(sorted(f.countries))]
    words += ["--recognized"] if f.recognized else []
    words += ["--simplify", "--epsilon", str(f.epsilon)] if f.simplify else []
    words += ["--min-len", str(f.min_len)] if f.min_len is not None else []
    words += ["--max-len", str(f.max_len)] if f.max_len is not None else []
    words += ["--limit", str(f.limit)] if f.limit is not None else []
    if spec.format == "parquet":
        words += ["--row-group-size", str(spec.row_group_size)]
    if spec.format == "bitmap":
        words += ["--size", str(spec.bitmap_size)]
    return shlex.join(words)


def _versions() -> dict[str, str]:
    return {
        "strokedelta": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
    }


def manifest_of(
    spec: BuildSpec,
    inputs: list[Path],
    read: int,
    removed: dict[str, dict[str, int]],
    results: list[CategoryResult],
) -> dict[str, Any]:
    """The manifest of a finished build (categories and files in sorted order)."""
    categories = {}
    for result in sorted(results, key=lambda r: r.word):
        info = result.to_dict()
        info["removed"] = {name: removed.get(name, {}).get(result.word, 0) for name in FILTER_NAMES}
        info["removed"]["limit"] = result.limited
        info["removed"]["duplicates"] = result.duplicates
        categories[result.word] = info
    totals_removed = {
        name: sum(c["removed"][name] for c in categories.values()) for name in FILTER_NAMES
    }
    # drawings of categories that no drawing survived are only in the per-filter counts
    for name, per_word in removed.items():
        totals_removed[name] = max(totals_removed[name], sum(per_word.values()))
    pooled = DeltaMoments.sum(r.moments["train"] for r in results)
    files = {name: digest for r in results for name, digest in r.files.items()}
    return {
        "layout_version": LAYOUT_VERSION,
        "command": command_of(spec, inputs),
        "parameters": {
            "format": spec.format,
            "splits": spec.splits.text(),
            "split_kind": "counts" if spec.splits.counts is not None else "fractions",
            "split_method": spec.splits.method(),
            "seed": spec.seed,
            "filters": spec.filters.to_dict(),
            "row_group_size": spec.row_group_size,
            "bitmap_size": spec.bitmap_size,
        },
        "sources": [{"path": str(p), "bytes": p.stat().st_size} for p in inputs],
        "totals": {
            "read": read,
            "available": sum(r.available for r in results),
            "counts": {s: sum(r.counts[s] for r in results) for s in SPLITS},
            "shortfall": {s: sum(r.shortfall[s] for r in results) for s in SPLITS},
            "removed": totals_removed,
        },
        "scale_factor": {
            "pooled": pooled.scale_factor,
            "per_category": {
                r.word: r.moments["train"].scale_factor for r in categories_of(results)
            },
        },
        "categories": categories,
        "versions": _versions(),
        "files": dict(sorted(files.items())),
    }


def categories_of(results: list[CategoryResult]) -> list[CategoryResult]:
    """The results in category order."""
    return sorted(results, key=lambda r: r.word)


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Write the manifest as indented JSON with sorted keys (atomic)."""
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
