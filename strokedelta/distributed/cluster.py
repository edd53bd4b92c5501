"""Dask clusters to run the engine on: an in-process ``LocalCluster`` or a remote scheduler."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

import dask
from distributed import Client, LocalCluster

from strokedelta._validation import check_choice, check_int, fail

__all__ = ["client_for", "local_client"]


@contextlib.contextmanager
def local_client(
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = False,
    start_method: str | None = None,
) -> Iterator[Client]:
    """A ``distributed.LocalCluster`` and its ``Client``, both closed on exit.

    ``processes=False`` keeps the workers in this process (in-memory transport, no ports, fast
    start); ``processes=True`` starts worker processes by ``start_method``: by default
    ``"fork"`` on Linux (a worker inherits what this process imported: distributed, pandas,
    numba, strokedelta), ``"spawn"`` elsewhere (a fresh interpreter that imports all of it
    again; ``scripts/bench_dataset.py --start-methods`` times both). Fork copies only the calling
    thread: pass ``"spawn"`` when this process already runs threads of its own that hold locks
    (OpenMP pools, a server). The scheduler's HTTP endpoint (distributed always starts one)
    takes a free localhost port.

    Examples
    --------
    >>> import dask.bag as db
    >>> with local_client(n_workers=1) as client:
    ...     db.from_sequence([1, 2, 3]).map(lambda v: v * 2).compute(scheduler=client)
    [2, 4, 6]
    """
    check_int("n_workers", n_workers, minimum=1)
    check_int("threads_per_worker", threads_per_worker, minimum=1)
    if start_method is None:
        start_method = "fork" if sys.platform.startswith("linux") else "spawn"
    check_choice("start_method", start_method, ("fork", "spawn", "forkserver"))
    # distributed spawns its worker processes with MALLOC_TRIM_THRESHOLD_=65536, which also
    # fixes glibc's mmap threshold at 128 KiB: every array over it is then a fresh mmap whose
    # pages each chunk faults in again (more system time than the work itself on a build's
    # chunks). The workers keep this process's allocator settings, as the single engine has.
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    settings = {
        "distributed.nanny.pre-spawn-environ": environ,
        "distributed.worker.multiprocessing-method": start_method,
        # the workers' statistical profiler walks every thread's stack 100 times a second,
        # for the dashboard's profile page: CPU a build on a few local cores has none to spare
        "distributed.worker.profile.enabled": False,
    }
    with dask.config.set(settings):
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=processes,
            dashboard_address="127.0.0.1:0",  # None would still bind port 8787: clashes
            # a failed task comes back to the client as its exception (one line in the CLI);
            # the workers' own "Compute Failed" ERROR log would print its traceback as well
            silence_logs=logging.CRITICAL,
        )
    with cluster, Client(cluster) as client:
        yield client


def client_for(address: str, *, timeout: float = 10.0) -> Client:
    """A ``distributed.Client`` connected to the scheduler at ``address`` (close it when done).

    Raises ``OSError`` when no scheduler answers within ``timeout`` seconds.

    Examples
    --------
    >>> client_for("")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: address must be a scheduler address such as
        'tcp://10.0.0.5:8786'; got ''
    """
    if not isinstance(address, str) or not address.strip():
        raise fail("address", "be a scheduler address such as 'tcp://10.0.0.5:8786'", repr(address))
    return Client(address, timeout=timeout)
