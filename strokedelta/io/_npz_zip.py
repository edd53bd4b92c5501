"""Reading the ``.npy`` members of an ``.npz`` archive in bounded memory, never trusting it.

zipfile raises a dozen kinds of errors on a broken archive (``BadZipFile``, ``RuntimeError``
for an encrypted member, ``NotImplementedError`` for an unknown method, ``zlib.error``,
``EOFError``, ``struct.error``, ...): every one becomes a
:class:`~strokedelta.FormatError` naming the file and the member. A member is read through
zipfile's stream in pieces, each counted against :class:`~strokedelta.limits.ReadLimits`
(``max_decompressed_bytes``, ``max_ratio``, ``max_pickle_bytes``) as it arrives; the sizes its
header declares are checked before reading too, and compared with what arrived.
"""

from __future__ import annotations

import contextlib
import io
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from strokedelta._files import cannot_open
from strokedelta.exceptions import FormatError
from strokedelta.io._bounded import check_expansion, regular_size
from strokedelta.io._npz_pickle import SafeUnpickler
from strokedelta.limits import ReadLimits

__all__ = ["open_npz", "read_split"]

#: What zipfile (and the decompressors under it) raise on a broken archive or member.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    struct.error,
    RuntimeError,
    NotImplementedError,
    ValueError,
    UnicodeDecodeError,
    OSError,
    OverflowError,
    IndexError,
    KeyError,
)

#: Compression methods read: numpy writes stored (savez) and deflated (savez_compressed) only.
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}

#: Bytes asked of zipfile's stream at a time (deflate returns at most this many per call).
_PIECE = 1 << 20


def _reason(exc: BaseException) -> str:
    """``zipfile.BadZipFile: Bad CRC-32 ...``: the exception's qualified name and text."""
    kind = type(exc)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    text = " ".join(str(exc).split())
    text = text if len(text) <= 300 else text[:297] + "..."
    return f"{name}: {text}" if text else name


@contextlib.contextmanager
def open_npz(name: str) -> Iterator[zipfile.ZipFile]:
    """Open ``name`` as a zip archive whose member names are unique.

    Raises
    ------
    FileAccessError
        The file cannot be opened or is not a regular file.
    FormatError
        Not a zip archive (or a corrupt central directory), or a name used twice.
    """
    regular_size(name)
    try:
        handle = open(name, "rb")  # noqa: SIM115  (closed below)
    except OSError as exc:
        raise cannot_open(exc, name) from None
    with handle:
        try:
            archive = zipfile.ZipFile(handle)
        except ZIP_ERRORS as exc:
            raise FormatError(f"cannot open as .npz: {_reason(exc)}", path=name) from None
        with archive:
            counts = Counter(info.filename for info in archive.infolist())
            twice = sorted(n for n, c in counts.items() if c > 1)
            if twice:
                raise FormatError(
                    f"member {twice[0]} appears {counts[twice[0]]} times (duplicate names: "
                    "which one is meant cannot be told)",
                    path=name,
                )
            yield archive


class _Member(io.RawIOBase):
    """zipfile's stream of one member, counted against the limits as it is read."""

    def __init__(self, raw: IO[bytes], info: zipfile.ZipInfo, where: str, limits: ReadLimits):
        super().__init__()
        self.raw, self.info, self.where, self.limits = raw, info, where, limits
        self.total = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = _PIECE if size is None or size < 0 else min(size, _PIECE)
        try:
            data = self.raw.read(want)
        except ZIP_ERRORS as exc:
            raise FormatError(
                f"member {self.info.filename} cannot be read: {_reason(exc)}", path=self.where
            ) from None
        self.total += len(data)
        what = f"member {self.info.filename}"
        check_expansion(self.limits, self.total, self.info.compress_size, what, path=self.where)
        if self.total > self.info.file_size:
            raise FormatError(
                f"{what} expands beyond its declared size of {self.info.file_size} bytes",
                path=self.where,
            )
        return data

    def read_all(self, what: str) -> bytes:
        """The rest of the member, ``what`` (its pickle) bounded by max_pickle_bytes."""
        out = io.BytesIO()
        start, limit = self.total, self.limits.max_pickle_bytes
        while True:
            piece = self.read(_PIECE)
            if not piece:
                break
            out.write(piece)
            text = f"{what} has more than {limit} bytes"
            self.limits.check("max_pickle_bytes", self.total - start, text, path=self.where)
        if self.total != self.info.file_size:
            raise FormatError(
                f"member {self.info.filename} holds {self.total} bytes but declares "
                f"{self.info.file_size} (a lying size or a truncated archive)",
                path=self.where,
            )
        return out.getvalue()


def _check_info(info: zipfile.ZipInfo, where: str, limits: ReadLimits) -> None:
    """Refuse from the central directory alone: encryption, methods, declared sizes."""
    what = f"member {info.filename}"
    if info.flag_bits & 0x1:
        raise FormatError(f"{what} is encrypted; .npz members cannot be", path=where)
    if info.compress_type not in _METHODS:
        raise FormatError(
            f"{what} uses compression method {info.compress_type}; only stored (0) and "
            "deflated (8), which numpy writes, are read",
            path=where,
        )
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise FormatError(
            f"{what} is stored (not compressed) but declares {info.compress_size} bytes "
            f"stored and {info.file_size} bytes of content",
            path=where,
        )
    check_expansion(limits, info.file_size, info.compress_size, what, path=where)


def _npy_header(stream: _Member, where: str) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """The shape and dtype of a ``.npy`` header (version 1 or 2) read from ``stream``."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy version {version[0]}.{version[1]}")
    except FormatError:
        raise
    except Exception as exc:  # numpy's header parsing raises ValueError, SyntaxError, ...
        raise FormatError(f"not a valid .npy member: {_reason(exc)}", path=where) from None
    if not all(type(n) is int and n >= 0 for n in shape):
        raise FormatError(f"not a valid .npy member: shape {shape}", path=where)
    return shape, dtype


def read_split(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, key: str, limits: ReadLimits
) -> np.ndarray:
    """The 1-D object array of member ``info`` (the split ``key`` of file ``name``).

    Raises
    ------
    UnsafeFileError
        The pickle asks for anything beyond numpy arrays.
    FormatError
        A broken member (naming it), a header that is not a 1-D object array, a corrupt
        pickle, or an unpickled array that is not the header's.
    ResourceLimitError
        The member or its pickle is over a limit.
    """
    where = f"{name}, key {key}"
    _check_info(info, where, limits)
    try:
        raw = archive.open(info)
    except ZIP_ERRORS as exc:
        raise FormatError(
            f"member {info.filename} cannot be opened: {_reason(exc)}", path=where
        ) from None
    with raw, _Member(raw, info, where, limits) as stream:
        shape, dtype = _npy_header(stream, where)
        if not dtype.hasobject or len(shape) != 1:
            raise FormatError(
                f"key {key} must be a 1-D object array of (n, 3) stroke-3 arrays; "
                f"got {dtype} {shape}",
                path=name,
            )
        what = f"the pickle of member {info.filename}"
        rest = info.file_size - stream.total
        limits.check("max_pickle_bytes", rest, f"{what} has {rest} bytes", path=where)
        data = stream.read_all(what)
    array = SafeUnpickler(io.BytesIO(data), where).load()
    if not isinstance(array, np.ndarray) or array.dtype != object or array.shape != shape:
        got = (
            f"{array.dtype} {array.shape}"
            if isinstance(array, np.ndarray)
            else type(array).__name__
        )
        raise FormatError(
            f"the pickle holds {got}, not the header's object array of shape {shape}",
            path=where,
        )
    return array
