"""The Dask engine: the per-chunk codecs run over partitions and files on a Dask scheduler.

:func:`delta_dask_frame` delta-codes (or integrates) columns of a ``dask.dataframe.DataFrame``
with :class:`~strokedelta.DeltaTransformer` per partition (:mod:`.dataframe`);
:func:`convert_files` converts many drawings files in parallel with
:func:`strokedelta.io.convert_drawings` over a ``dask.bag`` (:mod:`.files`);
:func:`describe_files_dask` computes a dataset's statistics file by file (:mod:`.stats`). All run
on dask's
local threads by default, on a :func:`local_client` (``LocalCluster``) or on a remote scheduler
through :func:`client_for` (:mod:`.cluster`). No home-made pool or scheduler.

Dask and its distributed scheduler are the optional extra ``strokedelta[dask]``; without them,
importing this package raises :class:`~strokedelta.exceptions.MissingDependencyError` naming it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from strokedelta._lazy import lazy_attributes
from strokedelta.exceptions import MissingDependencyError

try:  # the optional extra strokedelta[dask]: one clear error instead of a bare ImportError
    import dask.bag  # noqa: F401
    import distributed  # noqa: F401
except ImportError as exc:
    raise MissingDependencyError("dask", extra="dask") from exc

from strokedelta.distributed.cluster import client_for, local_client
from strokedelta.distributed.datasets import DaskEngine
from strokedelta.distributed.files import convert_files, convert_many
from strokedelta.distributed.stats import describe_files_dask

if TYPE_CHECKING:  # at run time __getattr__ imports it: dask.dataframe and scikit-learn take
    from strokedelta.distributed.dataframe import delta_dask_frame  # a second to import

__getattr__, __dir__ = lazy_attributes(
    globals(), {"delta_dask_frame": "strokedelta.distributed.dataframe"}
)

__all__ = [
    "DaskEngine",
    "client_for",
    "convert_files",
    "convert_many",
    "delta_dask_frame",
    "describe_files_dask",
    "local_client",
]
