"""Where a build's per-file and per-category steps run: engines, found by name.

An engine maps a function over a list and returns the results in the list's order. ``"single"``
(:class:`ThreadEngine`) runs them in this process on a ``concurrent.futures`` thread pool (the
readers' compiled parsers, zlib, zstd and cairo release the GIL, so the cores work together);
``"dask"`` maps them with ``dask.bag`` on a Dask cluster and is registered by
:mod:`strokedelta.distributed.datasets` when :mod:`strokedelta.distributed` is imported (the
optional extra ``strokedelta[dask]``, which sits above this package). Outputs never depend on
the engine: every step is a pure function of its inputs, merged in a fixed order.

Examples
--------
>>> ThreadEngine(workers=2).map(abs, [-1, 2, -3])
[1, 2, 3]
>>> sorted(ENGINES)[-1]
'single'
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from tqdm import tqdm

from strokedelta._validation import check_int, fail

__all__ = ["ENGINES", "Engine", "ThreadEngine", "engine_for", "register_engine"]


class Engine(Protocol):
    """Anything that maps a function over items, results in the items' order."""

    def map(self, func: Callable[[Any], Any], items: Sequence[Any], desc: str = "") -> list[Any]:
        """``[func(item) for item in items]``, however it runs."""
        ...  # pragma: no cover


class ThreadEngine:
    """Run the steps on a thread pool in this process (``workers``: default, the cores).

    ``progress`` shows a tqdm bar per step on stderr.
    """

    def __init__(self, workers: int | None = None, *, progress: bool = False) -> None:
        if workers is not None:
            check_int("workers", workers, minimum=1)
        self.workers = workers or os.cpu_count() or 1
        self.progress = progress

    def map(self, func: Callable[[Any], Any], items: Sequence[Any], desc: str = "") -> list[Any]:
        bar = tqdm(total=len(items), desc=desc, file=sys.stderr, disable=not self.progress)
        with bar, ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(items)))) as pool:
            out = []
            for result in pool.map(func, items):
                out.append(result)
                bar.update()
        return out


#: Engine factories by name: ``factory(client=..., workers=..., progress=...)``.
ENGINES: dict[str, Callable[..., Engine]] = {"single": ThreadEngine}


def register_engine(name: str, factory: Callable[..., Engine]) -> None:
    """Make ``engine=name`` build its engine with ``factory`` (the Dask package calls this)."""
    ENGINES[name] = factory


def engine_for(engine: str | Engine, **options: Any) -> Engine:
    """The engine an ``engine=`` argument names (an engine object is returned as it is).

    Examples
    --------
    >>> engine_for("spark")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: engine must be one of ...; got 'spark'
    """
    if not isinstance(engine, str):
        if not callable(getattr(engine, "map", None)):
            raise fail("engine", "be an engine name or have a map method", type(engine).__name__)
        return engine
    if engine == "dask" and engine not in ENGINES:
        raise fail(
            "engine",
            "be registered first: import strokedelta.distributed (the strokedelta[dask] "
            "extra) to use 'dask'",
            repr(engine),
        )
    if engine not in ENGINES:
        raise fail("engine", "be one of " + ", ".join(sorted({*ENGINES, "dask"})), repr(engine))
    if engine == "single":
        options.pop("client", None)
    return ENGINES[engine](**options)
