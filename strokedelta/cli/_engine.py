"""The ``--engine single|dask [--scheduler ADDRESS | --workers N]`` options and the client they
open, shared by every command that can run on a Dask cluster (``dataset build``, ``convert``,
``stats``). Re-exported by :mod:`strokedelta.cli._common`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["engine_client", "engine_options"]


def _check_engine(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None and ctx.params.get("engine", "single") != "dask":
        raise click.BadParameter("needs --engine dask", ctx=ctx, param=param)
    return value


def engine_options(func: F) -> F:
    """Add ``--engine single|dask`` and, for dask, ``--scheduler ADDRESS`` or ``--workers N``.

    The command receives ``engine``, ``scheduler`` and ``workers``; open the engine with
    :func:`engine_client`.
    """
    engine = click.option(
        "--engine",
        type=click.Choice(["single", "dask"]),
        default="single",
        show_default=True,
        is_eager=True,  # parsed first, so --scheduler / --workers can check it
        help="Run in this process (threads), or as dask.bag tasks on a Dask cluster.",
    )
    scheduler = click.option(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        callback=_check_engine,
        help="With --engine dask: the scheduler to use, e.g. tcp://10.0.0.5:8786 "
        "(default: a LocalCluster on this machine).",
    )
    workers = click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        callback=_check_engine,
        help="With --engine dask and no --scheduler: LocalCluster worker processes [default: 2].",
    )
    return engine(scheduler(workers(func)))


@contextlib.contextmanager
def engine_client(engine: str, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """The ``distributed.Client`` of :func:`engine_options`' choice (``None`` for single).

    ``--scheduler`` connects to that scheduler; otherwise a ``LocalCluster`` of ``--workers``
    worker processes (2 by default) starts and stops with the command.
    """
    if engine != "dask":
        yield None
        return
    if scheduler is not None and workers is not None:
        raise click.UsageError("--scheduler and --workers exclude each other")
    from strokedelta.distributed import client_for, local_client  # heavy optional extra: dask

    if scheduler is not None:
        with client_for(scheduler) as client:
            yield client
        return
    with local_client(n_workers=workers or 2, processes=True) as client:
        yield client
