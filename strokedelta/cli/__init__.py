"""The ``strokedelta`` command line: a thin click group over the library.

Each submodule holds the commands of one area and lists them in ``COMMANDS``.
"""

from __future__ import annotations

import click

from strokedelta._version import __version__
from strokedelta.cli import convert, demo, models, render, series
from strokedelta.cli._common import handle_signals

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="strokedelta")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Delta coding of sketch strokes and series, and delta linear regressors.

    Exit status: 0 success, 1 bad data or a refused file, 2 usage error, 3 a resource limit
    (raise it with --limit NAME=N), 130 interrupted.

    \b
    Example:
        strokedelta delta data/series.csv deltas.csv --columns x,y --group id
    """
    handle_signals(ctx)


for _module in (series, convert, render, models, demo):
    for _command in _module.COMMANDS:
        main.add_command(_command)
