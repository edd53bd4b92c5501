"""Shared pieces of the CLI: the exit-code contract, one-line errors, signals, path checks and
the options several commands take.

The exit status of every command (the README's "Exit codes"):

====  =====================================================================================
0     success
1     bad data or a refused file: one line ``Error: FILE, POSITION: PROBLEM``
2     a usage error: click's own, and a directory given where a file is expected
3     a resource limit hit (:class:`~strokedelta.ResourceLimitError`), naming the limit and
      the ``--limit NAME=N`` that raises it
130   interrupted (Ctrl-C); 143 for SIGTERM, 129 for SIGHUP. Temporary files are removed.
====  =====================================================================================
"""

from __future__ import annotations

import contextlib
import errno
import functools
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import click

from strokedelta._files import check_input_file, check_output_is_not_input
from strokedelta.exceptions import (
    MissingDependencyError,
    ResourceLimitError,
    StrokeDeltaError,
    ValidationError,
)
from strokedelta.io import ReadReport
from strokedelta.limits import ReadLimits

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "EXIT_CODES",
    "USAGE_ERRNOS",
    "OneLineError",
    "Terminated",
    "check_paths",
    "device_option",
    "errors_option",
    "handle_signals",
    "limit_option",
    "one_line_errors",
    "seed_option",
    "skip_summary",
    "split_columns",
    "split_option",
    "stack_options",
]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM or SIGHUP arrives (see :func:`handle_signals`),
    so that ``finally`` blocks run and temporary files are removed, as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"terminated by {signal.Signals(signum).name}")


#: The exit status of each kind of failure, most specific first (the one place the CLI maps the
#: exception tree to exit codes). Usage errors are click's own (status 2); see also
#: :data:`USAGE_ERRNOS`. :class:`Terminated` exits with 128 + the signal's number.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ResourceLimitError, 3),
    (MissingDependencyError, 1),
    (StrokeDeltaError, 1),
    (OSError, 1),
    (KeyboardInterrupt, 130),
)

#: OS errors that mean the command line named the wrong kind of thing (a directory given as a
#: file): usage errors, status 2.
USAGE_ERRNOS = frozenset({errno.EISDIR})


class OneLineError(click.ClickException):
    """A failure shown as ``Error: MESSAGE`` on stderr, exiting with ``exit_code``."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click's is a class default


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, OSError) and exc.errno in USAGE_ERRNOS:
        return 2
    if isinstance(exc, Terminated):
        return 128 + exc.signum
    return next(code for kind, code in EXIT_CODES if isinstance(exc, kind))


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def one_line_errors(func: F) -> F:
    """Turn library errors, OS errors and interrupts into ``Error: ...`` on stderr (one line)
    and the status of :data:`EXIT_CODES`, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StrokeDeltaError as exc:
            raise OneLineError(_one_line(str(exc)), _exit_code(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            text = _one_line(f"{where}{exc.strerror or exc}")
            raise OneLineError(text, _exit_code(exc)) from None
        except KeyboardInterrupt as exc:
            text = str(exc) if isinstance(exc, Terminated) else "interrupted"
            raise OneLineError(f"{text}; no output was written", _exit_code(exc)) from None

    return wrapper  # type: ignore[return-value]


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(signum)


def handle_signals(ctx: click.Context) -> None:
    """Make SIGTERM and SIGHUP raise :class:`Terminated` in the main thread until ``ctx``
    closes, so a terminated command exits cleanly (temporary files removed, status 128 + N).

    A signal that was ignored when the command started (``nohup``) stays ignored; outside the
    main thread nothing changes.
    """
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous = signal.getsignal(signum)
            if previous is None or previous == signal.SIG_IGN:  # not Python's, or nohup
                continue
            signal.signal(signum, _raise_terminated)
        except ValueError:  # not the main thread
            return
        ctx.call_on_close(functools.partial(signal.signal, signum, previous))


def check_paths(
    inputs: Iterable[Any] = (), outputs: Iterable[Any] = (), *, input_files: bool = True
) -> None:
    """Check a command's files before any work: every input a regular file (or ``-``) and no
    output one of the inputs (:func:`strokedelta._files.check_output_is_not_input`).

    ``input_files=False`` skips the first check (inputs the command reads later, or not files).
    """
    sources = [p for p in inputs if p is not None]
    if input_files:
        for path in sources:
            check_input_file(path)
    check_output_is_not_input(outputs, sources)


@contextlib.contextmanager
def skip_summary(errors: str) -> Iterator[ReadReport]:
    """A :class:`ReadReport` for a command; under ``--errors skip`` its summary (how many
    drawings were skipped and why) goes to stderr when the command ends, also when it fails."""
    report = ReadReport()
    try:
        yield report
    finally:
        if errors == "skip":
            click.echo(report.summary(), err=True)


def _parse_limits(ctx: click.Context, param: click.Parameter, value: Any) -> ReadLimits | None:
    if not value:
        return None
    try:
        return ReadLimits.parse(value)
    except ValidationError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


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
limit_option = click.option(
    "--limit",
    "limits",
    metavar="NAME=N",
    multiple=True,
    callback=_parse_limits,
    help="Change a reader limit (repeatable), e.g. --limit max_points=50000000. Names: "
    + ", ".join(ReadLimits.names())
    + ".",
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
