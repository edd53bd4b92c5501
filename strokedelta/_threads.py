"""Whether strokedelta may run its work in several threads at once.

Readers and writers call numba kernels (the ``.bin`` and ndjson scanners, the delta codec) from
several threads: the ndjson reader parses two chunks at a time and
:func:`strokedelta.io.convert_drawings` writes one chunk while it reads the next. Every kernel is a
serial numba function (none is a ``parallel=True`` numba kernel, whose ``workqueue`` threading
layer would abort the process when two threads launch kernels at once), so that is always safe;
``STROKEDELTA_IO_THREADS=0`` forces one thread.

Examples
--------
>>> isinstance(threads_allowed(), bool)
True
"""

from __future__ import annotations

import os

__all__ = ["threads_allowed"]


def threads_allowed() -> bool:
    """Whether readers and writers may work in several threads at once: unless
    ``STROKEDELTA_IO_THREADS=0``."""
    return os.environ.get("STROKEDELTA_IO_THREADS", "1") != "0"
