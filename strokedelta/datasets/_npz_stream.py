"""The ``.npy`` member of a Sketch-RNN ``.npz``, an object array of int16 ``(n, 3)`` arrays,
written by one compiled pass: the pickle opcodes Python's C pickler writes, without it.

Why not the C pickler: ``pickle.dumps`` of an object array calls numpy's ``__reduce__`` for
every element (a tuple of tuples, a bytes copy, memo entries): 5.9 to 8.8 us a drawing against
0.7 us for this pass on this project's 2 shared cores, less and more loaded (``python
scripts/bench_dataset.py --stages`` prints both); it was the largest cost of writing a category.

The stream is simple and fixed: protocol 3 (no frames), the classic global
``numpy.core.multiarray._reconstruct`` that numpy < 2 (magenta's) imports, one element after
another with running memo numbers (``BINPUT`` below 256, then ``LONG_BINPUT``), the list in
batches of 1000 (``APPEND`` for a single element), ``b""`` memoised once (it is a singleton)
and the element dtype memoised by its first use. :func:`object_member` gives exactly
``np.lib.format``'s 1.0 header followed by the C pickler's bytes with the name rewritten: what
``np.save`` wrote with numpy 1.x (numpy 2's ``np.save`` pickles with protocol 4 and the name
``numpy._core``, which numpy < 2 cannot import). ``tests/test_npz_stream.py`` checks this byte
for byte and that ``np.load(path, encoding="latin1", allow_pickle=True)`` reads it; and it
checks itself once per process against the C pickler on a sample with every opcode form:
should a numpy or Python version pickle arrays differently, it uses the C pickler.

Examples
--------
>>> import numpy as np, pickle
>>> flat = np.arange(12, dtype=np.int16).reshape(4, 3)
>>> data = object_member(flat, np.array([0, 1, 1]), np.array([1, 1, 4]))
>>> arrays = pickle.loads(data[data.index(b"\\n") + 1 :])  # after the npy header
>>> [a.tolist() for a in arrays]
[[[0, 1, 2]], [], [[3, 4, 5], [6, 7, 8], [9, 10, 11]]]
"""

from __future__ import annotations

import functools
import io
import itertools
import pickle
import pickletools
import sys
from typing import Any

import numba
import numpy as np

__all__ = ["MemberWriter", "c_pickler_member", "object_member", "object_member_buffer"]

#: numpy 2 names its array rebuilder ``numpy._core...``; numpy < 2 needs the classic name,
#: which numpy 2 still reads.
_NEW_GLOBAL = b"cnumpy._core.multiarray\n_reconstruct\n"
_OLD_GLOBAL = b"cnumpy.core.multiarray\n_reconstruct\n"
_MINUS_ONE = b"J\xff\xff\xff\xff"
#: The object array's header up to its shape; then its dtype('O') and the list.
_HEAD = (
    b"\x80\x03"
    + _OLD_GLOBAL
    + b"q\x00cnumpy\nndarray\nq\x01K\x00\x85q\x02C\x01bq\x03\x87q\x04Rq\x05(K\x01"
)
_DTYPE_O = (
    b"\x85q\x06cnumpy\ndtype\nq\x07X\x02\x00\x00\x00O8q\x08\x89\x88\x87q\tRq\n"
    b"(K\x03X\x01\x00\x00\x00|q\x0bNNN" + _MINUS_ONE * 2 + b"K?tq\x0cb\x89]q\r"
)
#: The first element's dtype('<i2') (memo 18 to 22), later elements fetch memo 20.
_DTYPE_I2 = np.frombuffer(
    b"h\x07X\x02\x00\x00\x00i2q\x12\x89\x88\x87q\x13Rq\x14(K\x03X\x01\x00\x00\x00<q\x15NNN"
    + _MINUS_ONE * 2
    + b"K\x00tq\x16b",
    dtype=np.uint8,
).copy()
_FIRST_MEMO, _DTYPE_MEMO, _BATCH = 14, 20, 1000


def _int(value: int) -> bytes:
    """A non-negative int below 2**31 as the pickler writes it."""
    if value < 256:
        return b"K" + value.to_bytes(1, "little")
    if value < 65536:
        return b"M" + value.to_bytes(2, "little")
    return b"J" + value.to_bytes(4, "little")


@numba.njit(cache=True, inline="always")
def _u32(out: np.ndarray, pos: int, value: int) -> int:
    for k in range(4):
        out[pos + k] = (value >> (8 * k)) & 255
    return pos + 4


@numba.njit(cache=True, inline="always")
def _put(out: np.ndarray, pos: int, memo: int) -> int:
    if memo < 256:
        out[pos] = 113  # q BINPUT
        out[pos + 1] = memo
        return pos + 2
    out[pos] = 114  # r LONG_BINPUT
    return _u32(out, pos + 1, memo)


@numba.njit(cache=True, inline="always")
def _get(out: np.ndarray, pos: int, memo: int) -> int:
    if memo < 256:
        out[pos] = 104  # h BINGET
        out[pos + 1] = memo
        return pos + 2
    out[pos] = 106  # j LONG_BINGET
    return _u32(out, pos + 1, memo)


@numba.njit(cache=True, inline="always")
def _int_op(out: np.ndarray, pos: int, value: int) -> int:
    if value < 256:
        out[pos] = 75  # K BININT1
        out[pos + 1] = value
        return pos + 2
    if value < 65536:
        out[pos] = 77  # M BININT2
        out[pos + 1] = value & 255
        out[pos + 2] = value >> 8
        return pos + 3
    out[pos] = 74  # J BININT
    return _u32(out, pos + 1, value)


@numba.njit(cache=True, nogil=True)
def _elements(
    data: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    dtype_block: np.ndarray,
    out: np.ndarray,
    pos: int,
    first: int,
    total: int,
    memo: int,
    empty: int,
) -> tuple[int, int, int]:
    """Write list items ``first`` to ``first + len(starts) - 1`` of ``total`` (rows
    ``starts[i]:stops[i]`` of ``data``, 6 bytes a row) from ``pos``, the memo numbers going on
    from ``memo`` (``empty``: the memo number of ``b""``, -1 before it is written); returns
    (end, next memo number, empty's memo number)."""
    count = starts.shape[0]
    for i in range(count):
        g = first + i  # the item's place in the whole list: batches of _BATCH, dtype once
        if total > 1 and g % _BATCH == 0:
            out[pos] = 40  # ( MARK
            pos += 1
        pos = _get(out, pos, 0)
        pos = _get(out, pos, 1)
        out[pos] = 75  # K 0
        out[pos + 1] = 0
        out[pos + 2] = 133  # TUPLE1
        pos = _put(out, pos + 3, memo)
        pos = _get(out, pos, 3)
        out[pos] = 135  # TUPLE3
        pos = _put(out, pos + 1, memo + 1)
        out[pos] = 82  # R REDUCE
        pos = _put(out, pos + 1, memo + 2)
        out[pos] = 40  # ( MARK
        out[pos + 1] = 75  # K 1
        out[pos + 2] = 1
        rows = stops[i] - starts[i]
        pos = _int_op(out, pos + 3, rows)
        out[pos] = 75  # K 3
        out[pos + 1] = 3
        out[pos + 2] = 134  # TUPLE2
        pos = _put(out, pos + 3, memo + 3)
        memo += 4
        if g == 0:
            for k in range(dtype_block.shape[0]):
                out[pos + k] = dtype_block[k]
            pos += dtype_block.shape[0]
            memo += 5
        else:
            pos = _get(out, pos, _DTYPE_MEMO)
        out[pos] = 137  # NEWFALSE
        pos += 1
        size = rows * 6
        if size == 0 and empty >= 0:
            pos = _get(out, pos, empty)
        else:
            if size < 256:
                out[pos] = 67  # C SHORT_BINBYTES
                out[pos + 1] = size
                pos += 2
            else:
                out[pos] = 66  # B BINBYTES
                pos = _u32(out, pos + 1, size)
            at = starts[i] * 6
            for k in range(size):
                out[pos + k] = data[at + k]
            pos += size
            if size == 0:
                empty = memo
            pos = _put(out, pos, memo)
            memo += 1
        out[pos] = 116  # t TUPLE
        pos = _put(out, pos + 1, memo)
        memo += 1
        out[pos] = 98  # b BUILD
        pos += 1
        if total > 1 and (g % _BATCH == _BATCH - 1 or g == total - 1):
            out[pos] = 101  # e APPENDS
            pos += 1
    if total == 1 and count == 1:
        out[pos] = 97  # a APPEND
        pos += 1
    return pos, memo, empty


def _header(count: int) -> bytes:
    header = io.BytesIO()
    shape = {"descr": "|O", "fortran_order": False, "shape": (count,)}
    np.lib.format.write_array_header_1_0(header, shape)
    return header.getvalue()


def _head(count: int) -> bytes:
    return _header(count) + _HEAD + _int(count) + _DTYPE_O


def _tail(memo: int) -> bytes:
    return (
        b"t" + (b"q" + bytes([memo]) if memo < 256 else b"r" + memo.to_bytes(4, "little")) + b"b."
    )


def _stream(flat: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> memoryview:
    count = len(starts)
    head = _head(count)
    data = flat.reshape(-1).view(np.uint8)
    size = len(head) + len(_DTYPE_I2) + 80 * count + 6 * int((stops - starts).sum()) + 16
    out = np.empty(size, dtype=np.uint8)
    out[: len(head)] = np.frombuffer(head, dtype=np.uint8)
    pos, memo, _ = _elements(
        data, starts, stops, _DTYPE_I2, out, len(head), 0, count, _FIRST_MEMO, -1
    )
    tail = _tail(memo)
    out[pos : pos + len(tail)] = np.frombuffer(tail, dtype=np.uint8)
    return out[: pos + len(tail)].data


class MemberWriter:
    """:func:`object_member`'s bytes for ``count`` elements written to ``handle`` part by part:
    :meth:`write` each run of elements in order, then :meth:`close` (memory: one part).

    Examples
    --------
    >>> import io
    >>> flat = np.arange(12, dtype=np.int16).reshape(4, 3)
    >>> handle = io.BytesIO()
    >>> writer = MemberWriter(handle, 3)
    >>> writer.write(flat, np.array([0, 1]), np.array([1, 1]))
    >>> writer.write(flat, np.array([1]), np.array([4]))
    >>> writer.close()
    >>> handle.getvalue() == object_member(flat, np.array([0, 1, 1]), np.array([1, 1, 4]))
    True
    """

    def __init__(self, handle: Any, count: int) -> None:
        self.handle, self.count, self.done = handle, count, 0
        self.memo, self.empty = _FIRST_MEMO, -1
        self.exact = _stream_is_exact()
        self.pieces: list[np.ndarray] = []  # only when the compiled stream cannot be used
        if self.exact:
            handle.write(_head(count))

    def write(self, flat: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> None:
        """Elements ``flat[starts[i]:stops[i]]`` (an int16 ``(n, 3)`` array), the next ones."""
        flat, starts, stops = _checked(flat, starts, stops)
        if self.done + len(starts) > self.count:
            raise ValueError(f"MemberWriter was told of {self.count} elements; got more")
        rows = stops - starts
        if not self.exact or (len(rows) and rows.max() >= 2**31 // 6):
            if self.exact and self.done:
                raise ValueError("an element too long for the compiled stream after others")
            self.exact = False
            self.pieces += [flat[a:b].copy() for a, b in zip(starts.tolist(), stops.tolist())]
        elif len(starts):
            size = len(_DTYPE_I2) + 80 * len(starts) + 6 * int(rows.sum()) + 16
            out = np.empty(size, dtype=np.uint8)
            data = flat.reshape(-1).view(np.uint8)
            pos, self.memo, self.empty = _elements(
                data, starts, stops, _DTYPE_I2, out, 0, self.done, self.count, self.memo, self.empty
            )
            self.handle.write(out[:pos].data)
        self.done += len(starts)

    def close(self) -> None:
        """Write the end (every element must have been written)."""
        if self.done != self.count:
            raise ValueError(f"MemberWriter was told of {self.count} elements; got {self.done}")
        if self.exact:
            self.handle.write(_tail(self.memo))
        else:
            self.handle.write(c_pickler_member(self.pieces))


def c_pickler_member(pieces: list[np.ndarray]) -> bytes:
    """The reference: the npy header and Python's C pickler's protocol-3 bytes of an object
    array of ``pieces``, the rebuilder's name rewritten (it comes once, before any data)."""
    array = np.empty(len(pieces), dtype=object)
    array[:] = pieces
    data = pickle.dumps(array, protocol=3)
    end = 0
    for op, _, position in pickletools.genops(io.BytesIO(data)):
        if op.name in ("BINBYTES", "SHORT_BINBYTES", "STOP"):
            end = int(position or 0)
            break
    return _header(len(pieces)) + data[:end].replace(_NEW_GLOBAL, _OLD_GLOBAL, 1) + data[end:]


@functools.cache
def _stream_is_exact() -> bool:
    """Whether this process's numpy and pickle give the bytes :func:`_stream` writes, on a
    sample with every opcode form (long memo numbers, 2- and 4-byte ints and lengths, repeated
    empty elements, two batches)."""
    if sys.byteorder != "little":
        return False
    rows = np.array([0, 1, 0, 300, 70000, *([2] * 1001), 0], dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(rows)])
    flat = (np.arange(int(bounds[-1]) * 3) % 65536 - 32768).astype(np.int16).reshape(-1, 3)
    pieces = [flat[a:b] for a, b in itertools.pairwise(bounds)]
    ours = _stream(flat, bounds[:-1], bounds[1:])
    return ours == c_pickler_member(pieces) and all(
        _stream(flat, bounds[:k], bounds[1 : k + 1]) == c_pickler_member(pieces[:k])
        for k in (0, 1, 2)
    )


def object_member(flat: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> bytes:
    """The ``.npy`` bytes of an object array whose element ``i`` is ``flat[starts[i]:stops[i]]``
    (``flat``: a C-contiguous int16 ``(n, 3)`` array), exactly as numpy's header and the C
    pickler (protocol 3, classic rebuilder name) would give them."""
    return bytes(object_member_buffer(flat, starts, stops))


def object_member_buffer(flat: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> memoryview:
    """:func:`object_member`'s bytes as a buffer, without the copy into ``bytes`` (a 70,000
    drawing train split is some 30 MB, copied while holding the GIL)."""
    flat, starts, stops = _checked(flat, starts, stops)
    rows = stops - starts
    if not _stream_is_exact() or (len(rows) and rows.max() >= 2**31 // 6):
        pieces = [flat[a:b] for a, b in zip(starts.tolist(), stops.tolist())]
        return memoryview(c_pickler_member(pieces))
    return _stream(flat, starts, stops)


def _checked(
    flat: np.ndarray, starts: np.ndarray, stops: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat = np.ascontiguousarray(flat, dtype=np.int16)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    stops = np.ascontiguousarray(stops, dtype=np.int64)
    rows = stops - starts
    if (
        flat.ndim != 2
        or flat.shape[1] != 3
        or len(starts) != len(stops)
        or (len(rows) and (rows.min() < 0 or starts.min() < 0 or stops.max() > len(flat)))
    ):
        raise ValueError("object_member needs an int16 (n, 3) array and valid row bounds")
    return flat, starts, stops
