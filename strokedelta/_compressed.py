"""Bounded decompression: gzip streams counted against the readers' limits as they expand.

:func:`open_gzip` wraps an open file in a buffered reader that inflates it with :mod:`zlib`,
member after member (as :mod:`gzip` does), while counting the bytes it produces. It stops with
:class:`~strokedelta.exceptions.ResourceLimitError` as soon as the stream expands past
``limits.max_decompressed_bytes``, or, once past 64 MiB, to more than ``limits.max_ratio`` times
the compressed bytes read so far (a compression bomb is refused after 64 MiB, in bounded
memory). Every failure of the stream (bad magic, corrupt deflate data, a bad CRC or length,
truncation, garbage after the last member) is a :class:`~strokedelta.exceptions.FormatError`
naming the file and the compressed byte offset, never a bare :mod:`zlib` or :mod:`gzip` error.

Examples
--------
>>> import gzip, io
>>> raw = io.BytesIO(gzip.compress(b"cat\\n") + gzip.compress(b"dog\\n"))
>>> open_gzip(raw, "two.gz").read()
b'cat\\ndog\\n'
>>> open_gzip(io.BytesIO(b"\\x1f\\x8b\\x08garbage"), "bad.gz").read()
Traceback (most recent call last):
...
strokedelta.exceptions.FormatError: bad.gz: corrupt gzip stream at byte 3: unknown header flags set
"""

from __future__ import annotations

import io
import zlib
from typing import IO

from strokedelta.exceptions import FormatError
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits

__all__ = ["RATIO_FLOOR", "open_gzip"]

#: The ratio limit applies once a stream has expanded past this many bytes.
RATIO_FLOOR = 64 << 20
_MAGIC = b"\x1f\x8b"
_BLOCK = 1 << 16  # compressed bytes read at a time


class _GzipStream(io.RawIOBase):
    """The decompressed bytes of a (multi-member) gzip file, counted against the limits."""

    def __init__(self, raw: IO[bytes], path: str, limits: ReadLimits) -> None:
        self._raw = raw
        self._path = path
        self._limits = limits
        self._inflate: zlib._Decompress | None = None
        self._input = b""  # compressed bytes read but not yet consumed
        self._read = 0  # compressed bytes read from the file
        self._out = 0  # decompressed bytes produced
        self._done = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()

    def _consumed(self) -> int:
        return self._read - len(self._input)

    def _fill(self) -> bool:
        """Read more compressed bytes; False at the end of the file."""
        block = self._raw.read(_BLOCK)
        self._read += len(block)
        self._input += block
        return bool(block)

    def _fail(self, problem: str, offset: int) -> FormatError:
        return FormatError(f"corrupt gzip stream at byte {offset}: {problem}", path=self._path)

    def _truncated(self, part: str) -> FormatError:
        return FormatError(
            f"truncated gzip stream: the file ends at byte {self._read}, inside a gzip {part}",
            path=self._path,
        )

    def _next_member(self) -> bool:
        """Start the next member (after any zero padding); False at a clean end of file."""
        while True:
            if self._inflate is not None:  # zero padding may follow a member, as in gzip
                self._input = self._input.lstrip(b"\x00")
            if len(self._input) >= len(_MAGIC) or not self._fill():
                break
        if not self._input:
            return False
        if not self._input.startswith(_MAGIC):
            if _MAGIC.startswith(self._input):
                raise self._truncated("header")
            if self._read == len(self._input):
                found = self._input[:2]
                raise FormatError(
                    f"not a gzip file: it starts with {found!r}, not b'\\x1f\\x8b'",
                    path=self._path,
                )
            problem = f"unexpected bytes {self._input[:8]!r} after the end of a gzip member"
            raise self._fail(problem, self._consumed())
        self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        size = len(buffer)
        while not self._done and size:
            if (self._inflate is None or self._inflate.eof) and not self._next_member():
                self._done = True
                break
            at_end = not self._input and not self._fill()
            out = self._inflate_some(min(size, self._room()))  # at the end: what zlib holds
            if out:
                buffer[: len(out)] = out
                return len(out)
            if at_end and not (self._inflate is not None and self._inflate.eof):
                raise self._truncated("member")
        return 0

    def _room(self) -> int:
        """How many bytes may still be produced: one past the limit, to detect crossing it."""
        return max(self._limits.max_decompressed_bytes - self._out + 1, 1)

    def _inflate_some(self, size: int) -> bytes:
        inflate = self._inflate
        assert inflate is not None
        start, before = self._consumed(), inflate.copy()
        try:
            out = inflate.decompress(self._input, size)
        except zlib.error as exc:
            raise self._fail(*self._locate(before, self._input, start, exc)) from None
        self._input = inflate.unused_data if inflate.eof else inflate.unconsumed_tail
        self._out += len(out)
        self._check_limits()
        return out

    def _locate(
        self, inflate: zlib._Decompress, data: bytes, start: int, exc: zlib.error
    ) -> tuple[str, int]:
        """Replay ``data`` a byte at a time on a copy taken before: the exact failing byte."""
        for k in range(len(data)):
            try:
                inflate.decompress(data[k : k + 1])
            except zlib.error as again:
                return _reason(again), start + k
            if inflate.eof:
                break
        return _reason(exc), start

    def _check_limits(self) -> None:
        where = {"path": self._path}
        consumed = max(self._consumed(), 1)
        self._limits.check(
            "max_decompressed_bytes",
            self._out,
            f"the gzip stream expands to more than {self._out - 1} bytes",
            **where,
        )
        if self._out > RATIO_FLOOR:
            self._limits.check(
                "max_ratio",
                self._out // consumed,
                f"the gzip stream expands {self._out // consumed} times "
                f"({self._out} bytes from the first {consumed} compressed bytes)",
                **where,
            )


def _reason(exc: zlib.error) -> str:
    """zlib's reason without its prefix (``Error -3 while decompressing data: ``)."""
    return str(exc).split(": ", 1)[-1]


def open_gzip(raw: IO[bytes], path: str, limits: ReadLimits = DEFAULT_LIMITS) -> io.BufferedReader:
    """The decompressed content of the gzip file ``raw`` (named ``path`` in errors).

    Closing the result closes ``raw``. Reading raises FormatError for a corrupt or truncated
    stream and ResourceLimitError past ``limits.max_decompressed_bytes`` or ``max_ratio``.
    """
    return io.BufferedReader(_GzipStream(raw, str(path), limits), buffer_size=_BLOCK)
