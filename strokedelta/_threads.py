"""Whether strokedelta may run its work in several threads at once.

Readers and writers call numba kernels (the ``.bin`` and ndjson scanners, the delta codec). numba's
``tbb`` and ``omp`` threading layers accept launches from several threads; its fallback
``workqueue`` layer aborts the process when two threads launch parallel kernels at once. So the
ndjson reader parses two chunks at a time and :func:`strokedelta.io.convert_drawings` writes one
chunk while it reads the next only where :func:`threads_allowed` says so.
``STROKEDELTA_IO_THREADS=0`` forces one thread.

Examples
--------
>>> isinstance(threads_allowed(), bool)
True
"""

from __future__ import annotations

import functools
import importlib
import os

__all__ = ["threads_allowed"]

import numba  # a required dependency (see strokedelta._kernels)

#: numba threading layers that accept kernel launches from several threads at once.
_THREAD_SAFE_LAYERS = ("tbb", "omp", "threadsafe", "safe")


@functools.lru_cache(maxsize=1)
def threads_allowed() -> bool:
    """Whether readers and writers may work in several threads at once (decided once).

    False when ``STROKEDELTA_IO_THREADS=0``, when numba's threading layer is ``workqueue``, or
    when numba has no thread-safe layer (neither tbb nor OpenMP imports).
    """
    if os.environ.get("STROKEDELTA_IO_THREADS", "1") == "0":
        return False
    layer = str(getattr(numba.config, "THREADING_LAYER", "default"))
    if layer in _THREAD_SAFE_LAYERS:
        return True
    if layer == "workqueue":
        return False
    for module in ("numba.np.ufunc.tbbpool", "numba.np.ufunc.omppool"):
        try:
            importlib.import_module(module)
        except (ImportError, OSError):
            continue
        return True
    return False
