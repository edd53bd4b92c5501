"""The Dask engine of :func:`strokedelta.datasets.build_dataset`: the same steps as dask.bag tasks.

:class:`DaskEngine` maps the per-file step (:func:`strokedelta.datasets.scan.scan_file`) and the
per-category step (:func:`strokedelta.datasets.collect.collect_category`) with ``dask.bag``, one
task per item, on a ``distributed.Client`` (:func:`~strokedelta.distributed.local_client`,
:func:`~strokedelta.distributed.client_for`) or dask's local threads. Importing this module
registers it as ``engine="dask"``. The steps are pure functions of their inputs merged in a
fixed order, so the dataset's bytes are those of the single engine. The workers read the inputs
and write into the output's folder themselves: on a remote cluster both must be on a file
system every worker sees.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.datasets import build_dataset
>>> from strokedelta.io import write_drawings
>>> from strokedelta.sketch import Drawings
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_drawings(Drawings.from_polylines([[[[0, 1], [0, i]]] for i in range(10)]),
...                folder / "cat.ndjson")
>>> a = build_dataset([folder / "cat.ndjson"], folder / "a", splits="6,2,2")
>>> b = build_dataset([folder / "cat.ndjson"], folder / "b", splits="6,2,2", engine="dask")
>>> a == b, (folder / "a/cat.npz").read_bytes() == (folder / "b/cat.npz").read_bytes()
(True, True)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import dask.bag as db

from strokedelta.datasets import register_engine

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DaskEngine"]


class DaskEngine:
    """Map a build's steps with ``dask.bag`` (one task per file or category).

    Parameters
    ----------
    client : distributed.Client, optional
        The cluster to run on; default dask's local threads.
    workers : int, optional
        Ignored (the client's cluster decides); accepted so every engine takes the same options.
    progress : bool
        Show distributed's progress bar on stderr (with a client).
    """

    def __init__(
        self, client: Client | None = None, workers: int | None = None, progress: bool = False
    ) -> None:
        self.client = client
        self.progress = progress

    def map(self, func: Callable[[Any], Any], items: Sequence[Any], desc: str = "") -> list[Any]:
        """``[func(item) for item in items]`` as dask.bag tasks, results in order."""
        if not items:
            return []
        bag = db.from_sequence(list(items), partition_size=1).map(func)
        if self.client is None:
            return list(bag.compute(scheduler="threads"))
        if self.progress and sys.stderr.isatty():
            from distributed import progress  # only drawn on a terminal

            future = self.client.compute(bag)
            progress(future)
            return list(future.result())
        return list(bag.compute(scheduler=self.client))


register_engine("dask", DaskEngine)
