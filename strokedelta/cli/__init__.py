"""The ``strokedelta`` command line: a thin click group over the library.

Each submodule holds the commands of one area and lists them in ``COMMANDS``. The group imports
a submodule only when one of its commands runs (or its own ``--help`` is asked for):
:data:`COMMAND_TABLE` names each command's module and one-line summary, so ``strokedelta
--help`` lists every command without importing scikit-learn, torch or matplotlib, and
``strokedelta stats`` loads only what ``stats`` needs. ``tests/test_cli_lazy.py`` checks the
table against the modules.

Examples
--------
>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(main, ["--help"], terminal_width=200)
>>> all(summary in result.output for _, summary in COMMAND_TABLE.values())
True
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import click

from strokedelta._version import __version__

__all__ = ["COMMAND_TABLE", "main"]

#: Command name -> (its module, its one-line summary: the first line of its docstring).
COMMAND_TABLE: dict[str, tuple[str, str]] = {
    "convert": (
        "strokedelta.cli.convert",
        "Convert drawings from SOURCES to TARGET; formats come from the extensions.",
    ),
    "dataset": (
        "strokedelta.cli.dataset",
        "Build training sets from whole categories.",
    ),
    "delta": (
        "strokedelta.cli.series",
        "Replace COLUMNS of table IN by their differences and write table OUT.",
    ),
    "demo": (
        "strokedelta.cli.demo",
        "Run the whole demo and write a report with tables and pictures.",
    ),
    "experiment": (
        "strokedelta.cli.demo",
        "Run one experiment and write its CSV table and PNG pictures.",
    ),
    "integrate": (
        "strokedelta.cli.series",
        "Integrate COLUMNS of table IN (differences) back to absolute values; write table OUT.",
    ),
    "predict": (
        "strokedelta.cli.models",
        "Predict absolute values with a saved MODEL for DATA; write them to OUT.",
    ),
    "rasterize": (
        "strokedelta.cli.render",
        "Rasterize drawings of SOURCE into fixed-size images.",
    ),
    "render": (
        "strokedelta.cli.render",
        "Draw drawings of SOURCE (any drawings format) into TARGET, an .svg or .png file.",
    ),
    "stats": (
        "strokedelta.cli.convert",
        "Summarise drawings per split and per word: counts, lengths, scale factor.",
    ),
    "train": (
        "strokedelta.cli.models",
        "Train a linear regressor on a CSV / Parquet table DATA and save it to MODEL.",
    ),
    "train-sketch": (
        "strokedelta.cli.models",
        "Train a next-point model on the drawings in DATA (any drawings format); save to MODEL.",
    ),
}


def _load(commands: dict[str, click.Command], name: str | None = None) -> None:
    """Import the module of command ``name`` (of every command when None) into ``commands``.

    A module of the table that does not exist (yet) adds nothing: its command is then "No such
    command"; ``tests/test_cli_lazy.py`` fails on it.
    """
    for command, (module, _) in COMMAND_TABLE.items():
        if (name is None or command == name) and not dict.__contains__(commands, command):
            try:
                found = importlib.import_module(module)
            except ModuleNotFoundError as error:
                if error.name != module:
                    raise
                continue
            for loaded in found.COMMANDS:
                dict.__setitem__(commands, loaded.name, loaded)


class _LazyCommands(dict[str, click.Command]):
    """``main.commands``: reading a command imports its module; ``items`` and ``values`` import
    every command module first; the names (iterating, ``len``, ``in``) import nothing."""

    def __getitem__(self, name: str) -> click.Command:
        _load(self, name)
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        _load(self, name)
        return dict.get(self, name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def _names(self) -> list[str]:
        return sorted(set(COMMAND_TABLE) | set(dict.keys(self)))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def keys(self) -> Any:
        return self._names()

    def values(self) -> Any:
        _load(self)
        return dict.values(self)

    def items(self) -> Any:
        _load(self)
        return dict.items(self)


class LazyGroup(click.Group):
    """A click group that imports a command's module when the command is used.

    Names and summaries come from :data:`COMMAND_TABLE`; commands added with ``add_command``
    work as in any group.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands(self.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, whole summaries, without importing the commands."""
        rows = []
        for name in self.list_commands(ctx):
            if name in COMMAND_TABLE:
                rows.append((name, COMMAND_TABLE[name][1]))
            else:
                command = self.commands[name]
                rows.append((name, command.get_short_help_str(limit=1000)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    from strokedelta.cli._common import handle_signals  # io and numpy: only when a command runs

    handle_signals(ctx)
