"""Shared pieces of the CLI: one-line error handling and the options several commands take."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from strokedelta.exceptions import MissingDependencyError, ResourceLimitError, StrokeDeltaError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "EXIT_CODES",
    "OneLineError",
    "device_option",
    "errors_option",
    "one_line_errors",
    "seed_option",
    "split_columns",
    "split_option",
    "stack_options",
]


#: The exit status of each kind of failure, most specific first (the one place the CLI maps the
#: exception tree to exit codes). Usage errors are click's own (status 2).
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ResourceLimitError, 3),
    (MissingDependencyError, 1),
    (StrokeDeltaError, 1),
    (OSError, 1),
)


class OneLineError(click.ClickException):
    """A failure shown as ``Error: MESSAGE`` on stderr, exiting with ``exit_code``."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click's is a class default


def _exit_code(exc: BaseException) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(exc, kind))


def one_line_errors(func: F) -> F:
    """Turn library errors (and OS errors) into ``Error: ...`` on stderr and the status of
    :data:`EXIT_CODES`, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StrokeDeltaError as exc:
            raise OneLineError(str(exc), _exit_code(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            raise OneLineError(f"{where}{exc.strerror or exc}", _exit_code(exc)) from None

    return wrapper  # type: ignore[return-value]


def stack_options(*decorators: Callable[[Any], Any]) -> Callable[[F], F]:
    """One decorator applying click arguments/options listed in the order ``--help`` shows them."""

    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def split_columns(value: str | None) -> list[str] | None:
    """Parse a comma-separated column list (``"x,y"`` -> ``["x", "y"]``)."""
    if value is None:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise click.BadParameter("must name at least one column", param_hint="--columns")
    return names


errors_option = click.option(
    "--errors",
    type=click.Choice(["raise", "skip"]),
    default="raise",
    show_default=True,
    help="On a bad record: stop with one line naming it, or skip it and report how many.",
)
device_option = click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="Where torch runs: auto picks cuda when available.",
)
seed_option = click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for everything random."
)
split_option = click.option(
    "--split",
    type=click.Choice(["train", "valid", "test"]),
    default=None,
    help="Only this split (the key of a Sketch-RNN .npz, or a file's 'split' column).",
)
