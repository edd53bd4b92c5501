"""Safe file handling shared by every reader and writer: atomic outputs and input opening.

Outputs go to a temporary file beside the target and are renamed into place only when writing
succeeded, so a crash never leaves a half-written file and never clobbers an existing one. The
temporary file is named ``.{target}.strokedelta-tmp-{pid}-{random}``; it is removed on every exit
Python sees (an exception, ``KeyboardInterrupt``, ``SystemExit``, interpreter exit), and one left
behind by a killed run is removed by the next run that writes the same target
(:func:`clean_stale_temps`).

Inputs are checked before they are opened: a FIFO, a device or a socket (or a link to one, such as
``/dev/zero``) is refused (:func:`check_input_file`), and an output that is one of the inputs of
the same command, through symbolic or hard links too, is refused before any work
(:func:`check_output_is_not_input`).

Examples
--------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_path(target) as tmp:
...     _ = tmp.write_text("hello")
>>> target.read_text()
'hello'
>>> check_output_is_not_input([target], [target])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
strokedelta.exceptions.FileAccessError: ...out.txt: is the same file as the input ...out.txt;
    refusing to overwrite an input (write to another file)
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import gzip
import io
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from strokedelta._compressed import open_gzip
from strokedelta.exceptions import FileAccessError, FormatError
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits

__all__ = [
    "STALE_TEMP_SECONDS",
    "TEMP_MARK",
    "atomic_path",
    "cannot_open",
    "check_input_file",
    "check_output_is_not_input",
    "clean_stale_temps",
    "open_binary_input",
    "open_text_input",
    "suffix_of",
]

#: What every temporary output's name holds: ``.{target}.strokedelta-tmp-{pid}-{random}``.
TEMP_MARK = ".strokedelta-tmp-"
#: A temporary output not modified for this long is stale even if its process id is alive
#: (the id may have been reused since); one being written is modified as it grows.
STALE_TEMP_SECONDS = 24 * 3600

_NAME_KEEP = 200  # of the target's name in its temporary's name (file names stop at 255 bytes)
_ACTIVE: set[str] = set()  # the temporary files this process is writing now


def suffix_of(path: str | os.PathLike[str]) -> str:
    """Return the lower-case format suffix, keeping ``.gz`` compounds (``.csv.gz``).

    Examples
    --------
    >>> suffix_of("Cat.NDJSON.gz")
    '.ndjson.gz'
    >>> suffix_of("-")
    '-'
    """
    text = str(path)
    if text == "-":
        return "-"
    suffixes = [s.lower() for s in Path(text).suffixes]
    if len(suffixes) >= 2 and suffixes[-1] == ".gz":
        return "".join(suffixes[-2:])
    return suffixes[-1] if suffixes else ""


def cannot_open(exc: OSError, path: str | os.PathLike[str]) -> FileAccessError:
    """The error for an input that cannot be opened, with the operating system's reason.

    The reason is the system's text for ``exc.errno`` where there is one (libraries such as
    pyarrow put their own sentences in ``strerror``); the error keeps that ``errno``.

    Examples
    --------
    >>> cannot_open(FileNotFoundError(2, "Failed to open local file"), "cat.bin")
    FileAccessError('cat.bin: cannot open file: No such file or directory')
    """
    reason = os.strerror(exc.errno) if exc.errno else (exc.strerror or str(exc))
    error = FileAccessError(f"cannot open file: {reason}", path=str(path))
    error.errno = exc.errno
    return error


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_input_file(path: str | os.PathLike[str]) -> None:
    """Refuse an input that is not a regular file, before anything opens it.

    A FIFO would block the open or stream forever, a device such as ``/dev/zero`` never ends;
    links are followed, so a link to one is refused too. ``-`` (stdin) and paths that do not
    exist pass (opening them gives the reason).

    Raises
    ------
    FileAccessError
        Naming the file and what it is; for a directory its ``errno`` is ``EISDIR`` (the CLI
        treats that as a usage error).

    Examples
    --------
    >>> check_input_file("/dev/zero")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.FileAccessError: /dev/zero: is a character device, not a regular
        file; refusing to read it
    """
    text = str(path)
    if text == "-":
        return
    try:
        mode = os.stat(text).st_mode
    except (OSError, ValueError):
        return
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "not a regular file")
    if stat.S_ISDIR(mode):
        kind = "a directory"
    real = os.path.realpath(text)
    via = f" ({real}, through a link)" if os.path.islink(text) and real != text else ""
    error = FileAccessError(f"is {kind}{via}, not a regular file; refusing to read it", path=text)
    if stat.S_ISDIR(mode):
        error.errno = errno.EISDIR
    raise error


def _stream_stat(name: str) -> os.stat_result | None:
    """The stat of stdin (an input ``-``) or stdout (an output ``-``) when it is a file."""
    stream = sys.stdin if name == "stdin" else sys.stdout
    try:
        found = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    return found if stat.S_ISREG(found.st_mode) else None


def _same_file(output: str, source: str) -> bool:
    out_stat = _stream_stat("stdout") if output == "-" else None
    in_stat = _stream_stat("stdin") if source == "-" else None
    if output == "-" or source == "-":
        with contextlib.suppress(OSError, ValueError):
            out_stat = out_stat or (os.stat(output) if output != "-" else None)
            in_stat = in_stat or (os.stat(source) if source != "-" else None)
        return bool(out_stat and in_stat and os.path.samestat(out_stat, in_stat))
    try:
        return os.path.samefile(output, source)
    except (OSError, ValueError):  # one of them does not exist (yet): compare where they lead
        return os.path.realpath(output) == os.path.realpath(source)


def check_output_is_not_input(
    outputs: Iterable[str | os.PathLike[str] | None],
    inputs: Iterable[str | os.PathLike[str] | None],
) -> None:
    """Refuse, before any work, an output that is one of the inputs.

    Two paths are the same file when both exist and are one file (same device and inode, so
    through symbolic and hard links), or when they resolve to the same path. ``-`` is stdin
    among the inputs and stdout among the outputs (compared when they are redirected files);
    ``None`` entries are ignored.

    Raises
    ------
    FileAccessError
        Naming the output and the input it would destroy.

    Examples
    --------
    >>> check_output_is_not_input(["out.csv", None], ["in.csv", "-"])
    """
    sources = [str(p) for p in inputs if p is not None]
    for output in (str(p) for p in outputs if p is not None):
        for source in sources:
            if _same_file(output, source):
                shown = "stdin" if source == "-" else source
                raise FileAccessError(
                    f"is the same file as the input {shown}; refusing to overwrite an input "
                    "(write to another file)",
                    path="stdout" if output == "-" else output,
                )


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _temp_prefix(target: Path) -> str:
    return f".{target.name[:_NAME_KEEP]}{TEMP_MARK}"


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a zombie does not count)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, as another user's process
        return True
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        return state not in ("Z", "X")
    return True


def _is_stale(entry: os.DirEntry[str], pid: int) -> bool:
    if os.path.abspath(entry.path) in _ACTIVE:
        return False
    if pid == os.getpid() or not _pid_alive(pid):
        return True
    with contextlib.suppress(OSError):
        return time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS
    return False


def clean_stale_temps(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files that killed runs left beside ``target``; return them.

    A temporary of ``target`` (``.{name}.strokedelta-tmp-{pid}-{random}``) is stale when its
    process is no longer alive on this machine, or it was not modified for
    :data:`STALE_TEMP_SECONDS`; one that this process is writing never is. Files that cannot be
    removed are left alone (cleaning never fails a write).
    """
    target = Path(target)
    directory = target.parent
    prefix = _temp_prefix(target)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        pid_text, dash, _ = entry.name[len(prefix) :].partition("-")
        if not (entry.name.startswith(prefix) and dash and pid_text.isdigit()):
            continue
        if _is_stale(entry, int(pid_text)):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@atexit.register
def _remove_active_temps() -> None:
    """At interpreter exit, remove temporary outputs whose writer never finished."""
    for name in list(_ACTIVE):
        with contextlib.suppress(OSError):
            os.unlink(name)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception (``KeyboardInterrupt`` and ``SystemExit`` too) the temporary file is
    removed and ``target`` is left untouched. Stale temporaries of ``target`` from killed runs
    are removed first (:func:`clean_stale_temps`).
    """
    target = Path(target)
    if target.is_dir():  # the rename would fail at the end, naming the temporary file
        error = FileAccessError(
            "is a directory, not a file; refusing to write it", path=str(target)
        )
        error.errno = errno.EISDIR
        raise error
    directory = target.parent
    clean_stale_temps(target)
    prefix = f"{_temp_prefix(target)}{os.getpid()}-"
    try:
        fd, name = tempfile.mkstemp(prefix=prefix, dir=directory)
    except OSError as exc:  # name the target, not the temporary file nobody asked for
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    name = os.path.abspath(name)
    _ACTIVE.add(name)
    try:
        os.close(fd)
        tmp = Path(name)
        yield tmp
        os.chmod(tmp, _new_file_mode())  # mkstemp makes 0600; give the usual umask mode
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise
    finally:
        _ACTIVE.discard(name)


@contextlib.contextmanager
def open_binary_input(
    path: str | os.PathLike[str], *, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[IO[bytes]]:
    """Open an input for binary reading: ``-`` is stdin, ``*.gz`` is decompressed.

    Decompression is bounded by ``limits`` (:func:`strokedelta._compressed.open_gzip`).

    Raises
    ------
    FileAccessError
        When the file does not exist or cannot be opened (an :class:`OSError`), or is not a
        regular file (:func:`check_input_file`).
    FormatError
        When it is a corrupt gzip stream.
    """
    text = str(path)
    if text == "-":
        yield sys.stdin.buffer
        return
    check_input_file(text)
    try:
        raw: Any = open(text, "rb")  # noqa: SIM115
    except OSError as exc:
        raise cannot_open(exc, text) from None
    if text.lower().endswith(".gz"):
        raw = open_gzip(raw, text, limits)
    with raw:
        try:
            yield raw
        except (gzip.BadGzipFile, EOFError) as exc:
            raise FormatError(f"corrupt gzip stream: {exc}", path=text) from None


@contextlib.contextmanager
def open_text_input(
    path: str | os.PathLike[str], *, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[IO[str]]:
    """Open a UTF-8 text input: ``-`` is stdin, ``*.gz`` is decompressed.

    Raises
    ------
    FileAccessError
        When the file does not exist or cannot be opened (an :class:`OSError`).
    FormatError
        When it is a corrupt gzip stream.
    """
    if str(path) == "-":
        yield sys.stdin
        return
    with (
        open_binary_input(path, limits=limits) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle,
    ):
        yield handle
