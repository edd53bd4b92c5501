"""Statistics of drawings files and datasets: per split and per word, exact, file by file.

:func:`dataset_files` turns sources (files, folders such as a partitioned Parquet dataset,
glob patterns) into a sorted list of drawings files; :func:`summarize_file` streams one file
chunk by chunk into mergeable summaries (:func:`strokedelta.sketch.summarize_groups`); and
:func:`describe_files` merges the files' summaries **in the order of the files** and describes
them. The Dask engine (:func:`strokedelta.distributed.describe_files_dask`) maps the same
:func:`summarize_file` over the files and merges the same way, so both engines give the same
numbers to the bit.

A file under a ``word=WORD`` folder (a dataset ``strokedelta dataset build --format parquet``
wrote) whose drawings have no ``word`` column is counted under ``WORD``.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from strokedelta.io import write_drawings
>>> from strokedelta.sketch import Drawings
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> meta = pd.DataFrame({"word": ["cat", "dog"], "split": ["train", "test"]})
>>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]]]], meta)
>>> write_drawings(d, folder / "a.ndjson")
>>> info = describe_files([folder])
>>> info["split"]["test"]["drawings"], info["word"]["cat"]["points"], info["files"]
(1, 2, 1)
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._validation import fail
from strokedelta.exceptions import ValidationError
from strokedelta.io.drawings_files import iter_drawings
from strokedelta.io.read_report import KEEP_EXAMPLES, ReadReport, check_errors
from strokedelta.io.registry import STDIN, format_for
from strokedelta.limits import ReadLimits
from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import Drawings
from strokedelta.sketch.stats import Groups, describe_summaries, merge_groups, summarize_groups

__all__ = ["dataset_files", "describe_files", "describe_merged", "summarize_file"]

_GLOB = frozenset("*?[")


def _drawings_files(folder: Path) -> list[str]:
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            try:
                format_for(name)
            except ValueError:
                continue
            found.append(str(Path(root) / name))
    return sorted(found)


def dataset_files(sources: Any) -> list[str]:
    """The drawings files of ``sources``: files as given, folders and glob patterns expanded.

    A folder gives every file under it with a drawings suffix (recursively, hidden entries
    left out), a pattern (``*``, ``?``, ``[``) its matches; both sorted by path. ``-`` is
    standard input.

    Raises
    ------
    ValidationError
        No sources, or a folder or pattern that names no drawings file.

    Examples
    --------
    >>> dataset_files(["-"])
    ['-']
    """
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    if not items:
        raise fail("sources", "name at least one file, folder or pattern", "nothing")
    files: list[str] = []
    for item in map(str, items):
        if item != STDIN and Path(item).is_dir():
            found = _drawings_files(Path(item))
            if not found:
                raise ValidationError(f"{item}: no drawings file in this folder")
            files += found
        elif item != STDIN and not Path(item).exists() and _GLOB & set(item):
            found = sorted(glob.glob(item, recursive=True))
            if not found:
                raise ValidationError(f"{item}: no file matches this pattern")
            files += found
        else:
            files.append(item)
    return files


def _folder_word(path: str) -> str | None:
    for part in reversed(Path(path).parent.parts):
        if part.startswith("word="):
            return part[len("word=") :]
    return None


def _with_word(chunk: Drawings, word: str | None) -> Drawings:
    if word is None or "word" in chunk.meta.columns:
        return chunk
    meta = chunk.meta.assign(word=pd.Series([word] * len(chunk), dtype="str"))
    return Drawings._trusted(chunk.strokes, meta, chunk.time, chunk.attrs)


def summarize_file(
    path: Any,
    *,
    by: Any = ("split", "word"),
    split: str | None = None,
    errors: str = "raise",
    chunk_size: int | None = None,
    limits: ReadLimits | None = None,
) -> tuple[Groups | None, ReadReport]:
    """One file's summaries per label of every ``by`` column, and what was skipped.

    The per-file task of both engines: the file is read in chunks (as
    :func:`~strokedelta.io.iter_drawings`), each chunk summarised and merged in file order.
    The summaries are None when no drawing was read.
    """
    errors = check_errors(errors)
    report = ReadReport()
    word = _folder_word(str(path))
    total: Groups | None = None
    options: dict[str, Any] = {"split": split, "errors": errors, "report": report}
    for chunk in iter_drawings(path, chunk_size=chunk_size, limits=limits, **options):
        groups = summarize_groups(_with_word(chunk, word), by)
        total = groups if total is None else merge_groups(total, groups)
    return total, report


def _merge_report(into: ReadReport, part: ReadReport) -> None:
    into.skipped += part.skipped
    into.reasons.update(part.reasons)
    for reason, where in part.first_at.items():
        into.first_at.setdefault(reason, where)
    into.examples += part.examples[: max(0, KEEP_EXAMPLES - len(into.examples))]


def describe_merged(
    parts: list[tuple[Groups | None, ReadReport]],
    by: Any,
    report: ReadReport | None,
) -> dict[str, Any]:
    """Merge per-file results in their order and describe them (both engines end here)."""
    total: Groups | None = None
    for groups, part in parts:
        if report is not None:
            _merge_report(report, part)
        if groups is not None:
            total = groups if total is None else merge_groups(total, groups)
    if total is None:  # no drawing at all: every column's one group "all", empty
        total = summarize_groups(_empty(), by)
    return {"files": len(parts), **describe_summaries(total)}


def _empty() -> Drawings:
    return Drawings(Ragged(np.zeros((0, 3), dtype=np.int32), [0]))


def describe_files(
    sources: Any,
    *,
    by: Any = ("split", "word"),
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    chunk_size: int | None = None,
    limits: ReadLimits | None = None,
) -> dict[str, Any]:
    """Statistics of every drawing of ``sources``, per label of each ``by`` column.

    Parameters
    ----------
    sources : path, or list of paths, folders and glob patterns
        See :func:`dataset_files`.
    by : str or sequence of str
        Metadata columns to group by, each its own section (``"all"`` when a column is
        missing). Default: per split and per word.
    split, errors, chunk_size, limits
        As for :func:`strokedelta.io.iter_drawings`.
    report : ReadReport, optional
        Receives what ``errors="skip"`` skipped, over all files.

    Returns
    -------
    dict
        ``files`` (how many), then per ``by`` column ``{label: describe_drawings dict}``.
    """
    files = dataset_files(sources)
    parts = [
        summarize_file(f, by=by, split=split, errors=errors, chunk_size=chunk_size, limits=limits)
        for f in files
    ]
    return describe_merged(parts, by, report)
