"""Cutting a stream of ndjson bytes into chunks of whole lines, in bounded memory.

The stream is read in blocks and cut at newlines into :class:`Chunk` s of at most ``lines``
lines and about ``size`` bytes (a single longer line makes a chunk of its own). A line longer
than ``max_line_bytes`` is never held in memory: the reader gives a :class:`LongLine` in its
place (in file order, so that errors keep their order), and then either stops
(``errors="raise"``: nothing after it is needed) or skips the rest of that line block by block.
Newlines are found with numpy, a block at a time, so millions of blank lines cost no Python
work per line.

Examples
--------
>>> import io
>>> stream = io.BytesIO(b"a\\nbb\\n\\nccc\\n" + b"x" * 20 + b"\\nd")
>>> for item in read_chunks(stream, lines=2, size=100, max_line_bytes=10, errors="skip"):
...     print(item)
Chunk(data=b'a\\nbb\\n', first_line=1, n_lines=2)
Chunk(data=b'\\nccc\\n', first_line=3, n_lines=2)
LongLine(line=5, size=20)
Chunk(data=b'd', first_line=6, n_lines=1)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

__all__ = ["BLOCK", "Chunk", "LongLine", "read_chunks"]

#: Bytes read from the stream at a time.
BLOCK = 1 << 20


@dataclass
class Chunk:
    """Whole lines of the file (the last one may lack its newline at the end of the file)."""

    data: bytes
    first_line: int
    n_lines: int


@dataclass
class LongLine:
    """Line ``line`` is longer than the limit; ``size`` bytes of it were seen (> the limit)."""

    line: int
    size: int


def _read(handle: IO[bytes], size: int) -> bytes:
    read1 = getattr(handle, "read1", None)
    return read1(size) if read1 is not None else handle.read(size)


class _Buffer:
    """Bytes read but not yet handed out (from ``start``, a line start), with their newlines.

    Handing out only moves ``start`` and ``first``; the consumed front is dropped once per
    block read, so many small chunks cost no copying of what is left.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.data = bytearray()
        self.start = 0
        self.all_newlines = np.zeros(0, dtype=np.int64)  # positions in data
        self.first = 0  # index of the first newline at or after start
        self.eof = False

    @property
    def size(self) -> int:
        return len(self.data) - self.start

    def fill(self) -> None:
        block = _read(self.handle, BLOCK)
        if not block:
            self.eof = True
            return
        del self.data[: self.start]
        kept = self.all_newlines[self.first :] - self.start
        self.start = self.first = 0
        found = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + len(self.data)
        self.data += block
        self.all_newlines = np.concatenate([kept, found]) if len(kept) else found

    def count(self) -> int:
        return len(self.all_newlines) - self.first

    def take(self, end: int, lines: int) -> bytes:
        """Hand out the next ``end`` bytes, which hold the next ``lines`` newlines."""
        out = bytes(memoryview(self.data)[self.start : self.start + end])  # one copy
        self.start += end
        self.first += lines
        return out

    def partial(self) -> int:
        """Length of the line after the last newline read (still without its end)."""
        if self.count():
            return len(self.data) - int(self.all_newlines[-1]) - 1
        return self.size

    def skip_line(self) -> None:
        """Drop the line at ``start``, reading (not keeping) up to its newline."""
        while not self.count() and not self.eof:
            self.start = len(self.data)
            self.fill()
        if self.count():
            self.take(int(self.all_newlines[self.first]) + 1 - self.start, 1)
        else:
            self.take(self.size, 0)


def read_chunks(
    handle: IO[bytes], *, lines: int, size: int, max_line_bytes: int, errors: str
) -> Iterator[Chunk | LongLine]:
    """Yield the stream as chunks of whole lines and markers of over-long lines, in order."""
    buffer = _Buffer(handle)
    first_line = 1
    while True:
        while not buffer.eof and (
            not buffer.count() or (buffer.count() < lines and buffer.size < size)
        ):
            if buffer.partial() > max_line_bytes:
                break
            buffer.fill()
        ends = buffer.all_newlines[buffer.first : buffer.first + lines] - buffer.start
        if buffer.eof and buffer.partial() and len(ends) < lines:
            ends = np.append(ends, buffer.size)  # the last line, without its newline
        ends = ends[: max(int(np.searchsorted(ends, size)), 1)]
        lengths = np.diff(ends, prepend=-1) - 1
        long = np.flatnonzero(lengths > max_line_bytes)
        n = int(long[0]) if len(long) else len(ends)
        if n:
            end = int(ends[n - 1]) + 1
            real = n if end <= buffer.size else n - 1
            yield Chunk(buffer.take(min(end, buffer.size), real), first_line, n)
            first_line += n
            continue
        seen = int(lengths[0]) if len(long) else buffer.size
        if seen <= max_line_bytes:
            return  # the end of the stream
        yield LongLine(first_line, seen)
        if errors == "raise":
            return
        buffer.skip_line()
        first_line += 1
