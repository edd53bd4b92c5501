"""Safe file handling shared by every reader and writer: atomic outputs and input opening.

Outputs go to a temporary file beside the target and are renamed into place only when writing
succeeded, so a crash never leaves a half-written file and never clobbers an existing one.

Examples
--------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_path(target) as tmp:
...     _ = tmp.write_text("hello")
>>> target.read_text()
'hello'
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from strokedelta.exceptions import FileAccessError, FormatError

__all__ = ["atomic_path", "cannot_open", "open_binary_input", "open_text_input", "suffix_of"]


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
    pyarrow put their own sentences in ``strerror``).

    Examples
    --------
    >>> cannot_open(FileNotFoundError(2, "Failed to open local file"), "cat.bin")
    FileAccessError('cat.bin: cannot open file: No such file or directory')
    """
    reason = os.strerror(exc.errno) if exc.errno else (exc.strerror or str(exc))
    return FileAccessError(f"cannot open file: {reason}", path=str(path))


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:  # name the target, not the temporary file nobody asked for
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _new_file_mode())  # mkstemp makes 0600; give the usual umask mode
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def open_binary_input(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open an input for binary reading: ``-`` is stdin, ``*.gz`` is decompressed.

    Raises
    ------
    FileAccessError
        When the file does not exist or cannot be opened (an :class:`OSError`).
    FormatError
        When it is a corrupt gzip stream.
    """
    text = str(path)
    if text == "-":
        yield sys.stdin.buffer
        return
    try:
        raw: Any = gzip.open(text, "rb") if text.lower().endswith(".gz") else open(text, "rb")  # noqa: SIM115
    except OSError as exc:
        raise cannot_open(exc, text) from None
    with raw:
        try:
            yield raw
        except (gzip.BadGzipFile, EOFError) as exc:
            raise FormatError(f"corrupt gzip stream: {exc}", path=text) from None


@contextlib.contextmanager
def open_text_input(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
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
        open_binary_input(path) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle,
    ):
        yield handle
