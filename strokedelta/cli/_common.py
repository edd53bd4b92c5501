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

Output conventions (``.notes/cli_conventions.md``): stdout carries one ``wrote PATH (WHAT)``
line per file written (:func:`wrote`) or the text a command exists to print (``stats``);
everything else (progress bars, notes, warnings, skip counts, errors) goes to stderr.
:func:`output_options` adds ``-q/--quiet`` and ``-v/--verbose`` to a command; the helpers
below read them from the click context, so a command never passes them around.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from strokedelta._files import check_input_file, check_output_is_not_input
from strokedelta.cli._engine import engine_client, engine_options
from strokedelta.exceptions import (
    FileAccessError,
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
    "debug",
    "device_option",
    "engine_client",
    "engine_options",
    "epsilon_option",
    "errors_option",
    "handle_signals",
    "limit_option",
    "note",
    "one_line_errors",
    "output_options",
    "prepare_folders",
    "progress_enabled",
    "seed_option",
    "skip_summary",
    "split_columns",
    "split_option",
    "stack_options",
    "summary",
    "verbosity",
    "warn",
    "wrote",
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
    inputs: Iterable[Any] = (),
    outputs: Iterable[Any] = (),
    *,
    input_files: bool = True,
    folders: Iterable[Any] = (),
) -> None:
    """Check a command's files before any work: every input a regular file (or ``-``), no
    output one of the inputs (:func:`strokedelta._files.check_output_is_not_input`), and the
    folder of every output, and every folder in ``folders`` (an ``--out``), created now or
    refused with one line (:func:`prepare_folders`). Pass EVERY path the command will write.

    ``input_files=False`` skips the first check (inputs the command reads later, or not files).
    """
    sources = [p for p in inputs if p is not None]
    if input_files:
        for path in sources:
            check_input_file(path)
    outputs = [p for p in outputs if p is not None]
    check_output_is_not_input(outputs, sources)
    prepare_folders(
        [*(Path(p).parent for p in outputs if str(p) != "-"), *(f for f in folders if f)]
    )


def prepare_folders(folders: Iterable[Any]) -> None:
    """Create each folder (with its parents, as ``--out`` does) before any work, or refuse.

    Raises
    ------
    FileAccessError
        Naming the folder and why it cannot be made (a file in the way, no permission).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> prepare_folders([root / "a" / "b"]); (root / "a" / "b").is_dir()
    True
    >>> (root / "f").write_text("x")
    1
    >>> prepare_folders([root / "f" / "c"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    strokedelta.exceptions.FileAccessError: .../f/c: cannot create this output folder: a part...
    """
    for folder in (Path(f) for f in folders):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
            if isinstance(exc, NotADirectoryError):
                reason = "a part of it is a file, not a folder"
            raise FileAccessError(
                f"cannot create this output folder: {reason}; nothing was done", path=str(folder)
            ) from None


_VERBOSITY = "strokedelta.verbosity"  # key in ctx.meta (shared by a group and its commands)


def verbosity() -> int:
    """-1 under ``--quiet``, 1 under ``--verbose``, else 0 (also outside a click command).

    Examples
    --------
    >>> verbosity()
    0
    """
    ctx = click.get_current_context(silent=True)
    return 0 if ctx is None else int(ctx.meta.get(_VERBOSITY, 0))


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value:
        return
    level = -1 if param.name == "quiet" else 1
    if ctx.meta.get(_VERBOSITY, level) != level:
        raise click.UsageError("--quiet and --verbose exclude each other", ctx=ctx)
    ctx.meta[_VERBOSITY] = level
    if level > 0:
        start, name = time.perf_counter(), ctx.command_path
        ctx.call_on_close(lambda: debug(f"{name}: {time.perf_counter() - start:.2f} s"))


def output_options(func: F) -> F:
    """Add ``-q/--quiet`` and ``-v/--verbose`` to a command (put it above ``@one_line_errors``).

    The values are not passed to the function: :func:`wrote`, :func:`summary`,
    :func:`note`, :func:`debug` and :func:`progress_enabled` read them from the context.
    """
    quiet = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_set_verbosity,
        help="Nothing on stdout, no progress bars; warnings and errors still go to stderr.",
    )
    verbose = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=_set_verbosity,
        help="More diagnostics on stderr (what was read, the time taken).",
    )
    return quiet(verbose(func))


def wrote(path: Any, what: str) -> None:
    """Report one written output: ``wrote PATH (WHAT)`` on stdout, unless ``--quiet``.

    For ``-`` (the data itself went to stdout) the line goes to stderr, under ``--verbose``.

    Examples
    --------
    >>> wrote("deltas.csv", "5000 rows")
    wrote deltas.csv (5000 rows)
    """
    if str(path) == "-":
        debug(f"wrote stdout ({what})")
    elif verbosity() >= 0:
        click.echo(f"wrote {path} ({what})")


def summary(text: str) -> None:
    """Print a result summary (a key table, a score line) on stdout, unless ``--quiet``."""
    if verbosity() >= 0:
        click.echo(text)


def note(text: str) -> None:
    """A diagnostic on stderr (a notice, a choice made), unless ``--quiet``."""
    if verbosity() >= 0:
        click.echo(text, err=True)


def debug(text: str) -> None:
    """A diagnostic on stderr under ``--verbose`` only (what was read, timings)."""
    if verbosity() > 0:
        click.echo(text, err=True)


def warn(text: str) -> None:
    """A warning on stderr, always (also under ``--quiet``): data skipped, a fallback."""
    click.echo(text, err=True)


def progress_enabled() -> bool:
    """Whether to show progress bars: stderr is a terminal and not ``--quiet``."""
    return verbosity() >= 0 and sys.stderr.isatty()


@contextlib.contextmanager
def skip_summary(errors: str) -> Iterator[ReadReport]:
    """A :class:`ReadReport` for a command; under ``--errors skip`` its summary (how many
    drawings were skipped and why) goes to stderr when the command ends, also when it fails."""
    report = ReadReport()
    try:
        yield report
    finally:
        if errors == "skip":
            warn(report.summary())


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
epsilon_option = click.option(
    "--epsilon",
    type=float,
    default=2.0,
    show_default=True,
    help="RDP tolerance in pixels for --simplify.",
)
