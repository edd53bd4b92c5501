"""Statistics of a dataset on Dask: one ``dask.bag`` task per file, merged in file order.

Each task is :func:`strokedelta.io.summarize_file`, the per-file function of the single
engine (mergeable summaries: exact counts, length histograms and integer sums of ``dx``,
``dy`` and their squares); the client merges the files' summaries in the order of the files
with :func:`strokedelta.io.file_stats.describe_merged`, as :func:`strokedelta.io.describe_files`
does, so every count and the scale factor are identical to the bit on both engines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dask.bag as db

from strokedelta.io import ReadReport, dataset_files, summarize_file
from strokedelta.io.file_stats import describe_merged
from strokedelta.io.read_report import check_errors
from strokedelta.limits import ReadLimits

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["describe_files_dask"]


def describe_files_dask(
    sources: Any,
    *,
    by: Any = ("split", "word"),
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    chunk_size: int | None = None,
    limits: ReadLimits | None = None,
    client: Client | None = None,
) -> dict[str, Any]:
    """:func:`strokedelta.io.describe_files` with one Dask task per file.

    Parameters
    ----------
    sources, by, split, errors, report, chunk_size, limits
        As for :func:`strokedelta.io.describe_files`.
    client : distributed.Client, optional
        The cluster (:func:`local_client`, :func:`client_for`); default dask's local threads.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.io import describe_files, write_drawings
    >>> from strokedelta.sketch import Drawings
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("a", "b"):
    ...     write_drawings(Drawings.from_polylines([[[[0, 3], [0, 4]]]]), folder / f"{name}.npz")
    >>> describe_files_dask([folder]) == describe_files([folder])
    True
    """
    errors = check_errors(errors)
    files = dataset_files(sources)
    tasks = db.from_sequence(files, partition_size=1).map(
        summarize_file, by=by, split=split, errors=errors, chunk_size=chunk_size, limits=limits
    )
    parts = tasks.compute(scheduler=client if client is not None else "threads")
    return describe_merged(list(parts), by, report)
