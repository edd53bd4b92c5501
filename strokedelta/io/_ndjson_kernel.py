"""A compiled scanner for the JSON subset Quick, Draw! ndjson lines use.

One pass over a chunk's bytes (numba) finds, for every line, the spans of the string fields
(``key_id``, ``word``, ``countrycode``, ``timestamp``, ``split``), ``recognized``, and the
nested number lists of ``drawing``: the strokes per drawing, the lists per stroke, the numbers
per list and every number (integers parsed in place, other numbers kept as text spans for
numpy's exact float parser). It is strict JSON where it matters (number grammar, no leading
zeros, quotes, string escapes; strings holding escapes are flagged for the caller to decode)
and gives up (returns a non-zero status) on anything it does not handle (escaped keys, nested
values in unknown fields, a drawing given twice, ...), in which case the caller falls back to a
general parser. Validation of the content (equal lengths, no empty strokes, known splits) is
done by the caller on the flat arrays.

The compiled loops read a chunk that ends with a newline (:func:`scan_chunk` scans a copy with
one appended when it does not): a run of digits, whitespace or string bytes stops at that byte
at the latest, so the loops over a drawing's bytes need no end-of-buffer checks. Where eight
bytes remain, a number of up to seven digits and the plain bytes of a string are found eight
bytes at a time in a uint64 (no branch per byte); anything else goes byte by byte.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numba.extending import intrinsic

from strokedelta.io._ndjson_lines import STRING_COLUMNS

__all__ = [
    "FIELDS",
    "SMALL_COORDINATE",
    "SPLIT_FIELD",
    "byte_counts",
    "scan_chunk",
    "stroke3_int32",
]

#: String fields whose spans are recorded, in column order (``split``: strokedelta's own field,
#: the drawing's train / valid / test split); then recognized and drawing.
FIELDS = (*STRING_COLUMNS, "split")
_N_FIELDS = len(FIELDS)
#: The column of ``split`` in the scanner's spans.
SPLIT_FIELD = FIELDS.index("split")
_RECOGNIZED, _DRAWING = _N_FIELDS, _N_FIELDS + 1
_NAMES = (*FIELDS, "recognized", "drawing")
_NAME_BYTES = np.frombuffer("".join(_NAMES).encode(), dtype=np.uint8).copy()
_NAME_OFFSETS = np.cumsum([0] + [len(n) for n in _NAMES]).astype(np.int64)
#: By length, the first name of that length (-1: none): where :func:`_key_code` starts.
_FIRST_OF_SIZE = np.array(
    [
        next((k for k, name in enumerate(_NAMES) if len(name) == size), -1)
        for size in range(max(len(name) for name in _NAMES) + 1)
    ],
    dtype=np.int64,
)
# (global arrays are compile-time constants of the kernels; as default arguments they would
# make every process miss numba's on-disk cache and compile them again)

OK, BAIL = 0, 1

_QUOTE, _BACKSLASH, _COLON, _COMMA = 34, 92, 58, 44
_LBRACKET, _RBRACKET, _LBRACE, _RBRACE = 91, 93, 123, 125
_NEWLINE, _MINUS, _PLUS, _DOT = 10, 45, 43, 46
#: The characters JSON allows after a backslash, besides ``u`` and four hex digits.
_ESCAPES = np.zeros(256, dtype=np.bool_)
_ESCAPES[np.frombuffer(b'"\\/bfnrt', dtype=np.uint8)] = True
_HEX = np.zeros(256, dtype=np.bool_)
_HEX[np.frombuffer(b"0123456789abcdefABCDEF", dtype=np.uint8)] = True
#: The bytes that end a run of plain string bytes: the quote, the backslash, control characters.
_STRING_STOP = np.zeros(256, dtype=np.bool_)
_STRING_STOP[:32] = True
_STRING_STOP[[_QUOTE, _BACKSLASH]] = True
# Eight bytes at a time in a uint64 (SWAR): "0" in every byte and the masks that flag each
# non-digit in the high bit of its byte; the multipliers that add up the digits (10 * pairs,
# 100 * quads, 10000 * halves: D. Lemire's eight-digit parse); bytes that flag quotes,
# backslashes and control bytes (the "has a zero byte" test, exact for the lowest flag).
_ZEROS = np.uint64(0x3030303030303030)
_OVER9 = np.uint64(0x4646464646464646)  # "9" + 0x46 = 0x7F: bytes above "9" reach the high bit
_HIGH = np.uint64(0x8080808080808080)
_LOW4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_LOW8 = np.uint64(0xFF)
_ONES, _SPACES = np.uint64(0x0101010101010101), np.uint64(0x2020202020202020)
_QUOTES, _BACKSLASHES = np.uint64(0x2222222222222222), np.uint64(0x5C5C5C5C5C5C5C5C)
_BIT7, _BIT15 = np.uint64(0x80), np.uint64(0x8000)
_PAIRS, _QUADS = np.uint64(0x00FF00FF00FF00FF), np.uint64(0x0000FFFF0000FFFF)
_TIMES_PAIRS, _TIMES_QUADS, _TIMES_HALVES = (
    np.uint64(10 * 2**8 + 1),
    np.uint64(100 * 2**16 + 1),
    np.uint64(10000 * 2**32 + 1),
)
_U1, _U2, _U3, _U4, _U5, _U6, _U7 = (np.uint64(v) for v in range(1, 8))
_U8, _U16, _U24, _U32, _U40, _U48, _U56, _U64 = (np.uint64(v) for v in range(8, 72, 8))


@numba.njit(cache=True)
def _ws(buf: np.ndarray, i: int, n: int) -> int:
    while i < n and buf[i] <= 32 and (buf[i] == 32 or buf[i] == 9 or buf[i] == 13):
        i += 1
    return i


@numba.njit(cache=True)
def _skip_ws(buf: np.ndarray, i: int) -> int:
    """:func:`_ws` in a chunk that ends with a newline (not whitespace here: the loop stops)."""
    while buf[i] <= 32 and (buf[i] == 32 or buf[i] == 9 or buf[i] == 13):
        i += 1
    return i


def _cttz(typingctx: Any, x: Any) -> Any:  # pragma: no cover - compiled
    """``_trailing_zeros(x)``: the number of trailing zero bits of a uint64 ``x`` (64 for 0),
    as an int64 (LLVM's ``cttz``, one instruction)."""
    if x != numba.uint64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.cttz(args[0], numba.core.cgutils.false_bit)

    return numba.int64(x), codegen


_trailing_zeros: Any = intrinsic(_cttz)


@numba.njit(cache=True)
def _load8(buf: np.ndarray, i: int) -> np.uint64:
    """``buf[i:i + 8]`` (in bounds) as a little-endian uint64."""
    u = np.uint64(i)  # an unsigned index: no wraparound code, the loads merge into one
    return (
        np.uint64(buf[u])
        | (np.uint64(buf[u + _U1]) << _U8)
        | (np.uint64(buf[u + _U2]) << _U16)
        | (np.uint64(buf[u + _U3]) << _U24)
        | (np.uint64(buf[u + _U4]) << _U32)
        | (np.uint64(buf[u + _U5]) << _U40)
        | (np.uint64(buf[u + _U6]) << _U48)
        | (np.uint64(buf[u + _U7]) << _U56)
    )


@numba.njit(cache=True)
def _string_stops8(buf: np.ndarray, i: int) -> np.uint64:
    """The high bit of ``buf[i:i + 8]``'s (in bounds) first quote, backslash or control byte
    (with possibly more bits above it; 0: none)."""
    word = _load8(buf, i)
    quote = word ^ _QUOTES
    backslash = word ^ _BACKSLASHES
    zero_quote = (quote - _ONES) & ~quote
    zero_backslash = (backslash - _ONES) & ~backslash
    control = (word - _SPACES) & ~word
    return (zero_quote | zero_backslash | control) & _HIGH


@numba.njit(cache=True)
def _non_digits(word: np.uint64) -> np.uint64:
    """The high bit of the lowest byte of ``word`` that is not an ASCII digit (0: none), maybe
    with more bits above it: a byte above "9" sets the sum's high bit (or carries, and then
    the difference's), a byte below "0" the difference's; digits below it carry nothing."""
    return ((word + _OVER9) | (word - _ZEROS)) & _HIGH


@numba.njit(cache=True)
def _digits8(buf: np.ndarray, i: int) -> tuple[int, np.int64, np.int64]:
    """A plain integer at ``buf[i:i + 8]`` (in bounds), without a branch per byte: (its number
    of digits, its value, the byte after it) for one to seven digits and no leading zero, and
    ``(0, 0, 0)`` for anything else (no digit, a leading zero, eight digits or more)."""
    word = _load8(buf, i)
    stop = _non_digits(word)
    # no digit (bit 7), eight digits or more, or a leading zero ("0", then a digit)
    if (stop & _BIT7) != 0 or stop == 0 or ((word & _LOW8) == 48 and (stop & _BIT15) == 0):
        return 0, np.int64(0), np.int64(0)
    length = _trailing_zeros(stop) >> 3  # the first non-digit's index
    bits = np.uint64(8 * length)
    v = (word ^ _ZEROS) << (_U64 - bits)  # the digits (0 to 9) in the high bytes, zeros below
    v = ((v & _LOW4) * _TIMES_PAIRS) >> _U8
    v = ((v & _PAIRS) * _TIMES_QUADS) >> _U16
    v = ((v & _QUADS) * _TIMES_HALVES) >> _U32
    return length, np.int64(v), np.int64((word >> bits) & _LOW8)


@numba.njit(cache=True)
def _string_end(buf: np.ndarray, i: int, n: int) -> tuple[int, bool]:
    """``buf[i]`` is the opening quote: (index of the closing quote, whether it holds escapes).

    The index is -1 for a control character, a bad escape or a missing closing quote.
    """
    i += 1
    escaped = False
    while i < n:
        if i + 8 <= n:
            stops = _string_stops8(buf, i)
            if stops == 0:
                i += 8
                continue
            i += _trailing_zeros(stops) >> 3
        elif not _STRING_STOP[buf[i]]:
            i += 1
            continue
        c = buf[i]
        if c == _QUOTE:
            return i, escaped
        if c < 32:
            return -1, escaped
        escaped = True  # a backslash
        if i + 1 >= n:
            return -1, escaped
        if buf[i + 1] == 117:  # \uXXXX
            if i + 5 >= n:
                return -1, escaped
            for j in range(i + 2, i + 6):
                if not _HEX[buf[j]]:
                    return -1, escaped
            i += 6
            continue
        if not _ESCAPES[buf[i + 1]]:
            return -1, escaped
        i += 2
    return -1, escaped


@numba.njit(cache=True)
def _key_code(buf: np.ndarray, start: int, end: int, names: np.ndarray, offsets: np.ndarray) -> int:
    size = end - start
    if size >= _FIRST_OF_SIZE.shape[0] or _FIRST_OF_SIZE[size] < 0:
        return -1
    for k in range(_FIRST_OF_SIZE[size], offsets.shape[0] - 1):
        if offsets[k + 1] - offsets[k] != size:
            continue
        same = True
        for j in range(size):
            if buf[start + j] != names[offsets[k] + j]:
                same = False
                break
        if same:
            return k
    return -1


@numba.njit(cache=True)
def _digits_end(buf: np.ndarray, i: int, n: int) -> int:
    """The end of the run of digits at ``i`` (eight bytes at a time while eight remain)."""
    while i + 8 <= n:
        stop = _non_digits(_load8(buf, i))
        if stop != 0:
            return i + (_trailing_zeros(stop) >> 3)
        i += 8
    while i < n and 48 <= buf[i] <= 57:
        i += 1
    return i


@numba.njit(cache=True)
def _number(buf: np.ndarray, i: int, n: int) -> int:
    """The end of the JSON number at ``i`` (at most 32 characters); -1 on bad syntax."""
    start = i
    if i < n and buf[i] == _MINUS:
        i += 1
    if i >= n or buf[i] < 48 or buf[i] > 57:
        return -1
    if buf[i] == 48 and i + 1 < n and 48 <= buf[i + 1] <= 57:
        return -1  # leading zero
    i = _digits_end(buf, i, n)
    if i < n and buf[i] == _DOT:
        i += 1
        if i >= n or buf[i] < 48 or buf[i] > 57:
            return -1
        i = _digits_end(buf, i, n)
    if i < n and (buf[i] == 101 or buf[i] == 69):  # e E
        i += 1
        if i < n and (buf[i] == _PLUS or buf[i] == _MINUS):
            i += 1
        if i >= n or buf[i] < 48 or buf[i] > 57:
            return -1
        i = _digits_end(buf, i, n)
    if i - start > 32:
        return -1
    return i


@numba.njit(cache=True)
def _skip_literal(buf: np.ndarray, i: int, n: int) -> int:
    """Skip ``true`` / ``false`` / ``null`` / a number / a string; -1 for anything else."""
    c = buf[i]
    if c == _QUOTE:
        end, _ = _string_end(buf, i, n)
        return -1 if end < 0 else end + 1
    if c == 116 and i + 4 <= n and buf[i + 1] == 114 and buf[i + 2] == 117 and buf[i + 3] == 101:
        return i + 4
    if (
        c == 102
        and i + 5 <= n
        and buf[i + 1] == 97
        and buf[i + 2] == 108
        and buf[i + 3] == 115
        and buf[i + 4] == 101
    ):
        return i + 5
    if c == 110 and i + 4 <= n and buf[i + 1] == 117 and buf[i + 2] == 108 and buf[i + 3] == 108:
        return i + 4
    return _number(buf, i, n)


@numba.njit(cache=True, nogil=True)
def byte_counts(buf: np.ndarray) -> np.ndarray:
    """How often each byte value occurs (``np.bincount`` without the int64 copy).

    Four tables, one per byte of every four, then summed: a run of equal bytes (``,`` and
    digits) would otherwise wait on the counter it just wrote.
    """
    lanes = np.zeros((4, 256), dtype=np.int64)
    n = buf.shape[0]
    whole = n - n % 4
    for i in range(0, whole, 4):
        lanes[0, buf[i]] += 1
        lanes[1, buf[i + 1]] += 1
        lanes[2, buf[i + 2]] += 1
        lanes[3, buf[i + 3]] += 1
    for i in range(whole, n):
        lanes[0, buf[i]] += 1
    return lanes.sum(axis=0)


@numba.njit(cache=True)
def _drawing(
    buf: np.ndarray,
    i: int,
    n: int,
    width: int,
    coords: np.ndarray,
    stroke_points: np.ndarray,
    float_index: np.ndarray,
    float_start: np.ndarray,
    float_len: np.ndarray,
    points: int,
    strokes: int,
    floats: int,
) -> tuple[int, int, int, int, int, int]:
    """Parse ``[[[x...],[y...](,[t...])], ...]`` at ``buf[i] == '['`` into ``coords``.

    Returns ``(end, width, points, strokes, floats, n_strokes)``; ``end`` is -1 when the
    drawing is malformed or not the shape the fast path handles (the caller gives up).
    ``buf`` ends with a newline, where every loop here stops.
    """
    max_points = coords.shape[1]
    i = _skip_ws(buf, i + 1)
    count_strokes = 0
    while True:  # strokes
        if buf[i] != _LBRACKET or strokes >= stroke_points.shape[0]:
            return -1, width, points, strokes, floats, 0
        i = _skip_ws(buf, i + 1)
        lists = 0
        length = 0
        while True:  # coordinate lists: x, y, then t for raw data
            if buf[i] != _LBRACKET or lists >= 3:
                return -1, width, points, strokes, floats, 0
            i = _skip_ws(buf, i + 1)
            count = 0
            if buf[i] == _RBRACKET:
                i += 1
            else:
                while True:  # numbers
                    pos = points + count
                    if pos >= max_points:
                        return -1, width, points, strokes, floats, 0
                    if i + 8 <= n:  # the common case: 1 to 7 digits, then "," or "]"
                        size, plain, after = _digits8(buf, i)
                        if after == _COMMA:
                            coords[lists, pos] = plain
                            count += 1
                            i = _skip_ws(buf, i + size + 1)
                            continue
                        if after == _RBRACKET:
                            coords[lists, pos] = plain
                            count += 1
                            i += size + 1
                            break
                    j = i  # anything else: byte by byte
                    c = buf[j]
                    negative = c == _MINUS
                    if negative:
                        j += 1
                        c = buf[j]
                    first = j
                    value = 0
                    while 48 <= c <= 57:
                        value = value * 10 + (c - 48)
                        j += 1
                        c = buf[j]
                    digits = j - first
                    if (
                        digits == 0
                        or digits > 15
                        or (digits > 1 and buf[first] == 48)
                        or c == _DOT
                        or c == 101  # e
                        or c == 69  # E
                    ):  # not a plain integer: the full grammar, kept as text
                        j = _number(buf, i, n)
                        if j < 0 or floats >= float_index.shape[0]:
                            return -1, width, points, strokes, floats, 0
                        coords[lists, pos] = 0
                        float_index[floats] = lists * max_points + pos
                        float_start[floats] = i
                        float_len[floats] = j - i
                        floats += 1
                        c = buf[j]
                    else:
                        coords[lists, pos] = -value if negative else value
                    count += 1
                    if c == _COMMA:
                        i = _skip_ws(buf, j + 1)
                        continue
                    if c == _RBRACKET:
                        i = j + 1
                        break
                    i = _skip_ws(buf, j)
                    if buf[i] == _COMMA:
                        i = _skip_ws(buf, i + 1)
                        continue
                    if buf[i] == _RBRACKET:
                        i += 1
                        break
                    return -1, width, points, strokes, floats, 0
            if count == 0 or (lists > 0 and count != length):
                return -1, width, points, strokes, floats, 0
            length = count
            lists += 1
            i = _skip_ws(buf, i)
            if buf[i] == _COMMA:
                i = _skip_ws(buf, i + 1)
                continue
            if buf[i] == _RBRACKET:
                i += 1
                break
            return -1, width, points, strokes, floats, 0
        if lists < 2 or (width != 0 and lists != width):
            return -1, width, points, strokes, floats, 0
        width = lists
        stroke_points[strokes] = length
        strokes += 1
        points += length
        count_strokes += 1
        i = _skip_ws(buf, i)
        if buf[i] == _COMMA:
            i = _skip_ws(buf, i + 1)
            continue
        if buf[i] == _RBRACKET:
            return i + 1, width, points, strokes, floats, count_strokes
        return -1, width, points, strokes, floats, 0


def scan_chunk(
    buf: np.ndarray,
    width: int,
    max_rows: int,
    max_points: int,
    max_strokes: int,
    max_floats: int,
) -> tuple[Any, ...]:
    """Scan the lines of ``buf`` (uint8); see the module docstring.

    ``width`` is the number of lists per stroke fixed by earlier chunks (0: not yet known);
    ``max_*`` are upper bounds of the counts (the caller derives them from byte counts).

    Returns ``(status, width, spans, escaped, recognized, row_strokes, stroke_points, coords,
    float_index, float_start, float_len, n_rows, n_strokes, n_points, n_floats)``: ``coords``
    is ``(3, max_points)`` x / y / t by point; the numbers at the flat positions
    ``float_index`` of ``coords`` were not integers and are text spans to parse; ``escaped``
    flags the string spans that hold backslash escapes (still to decode).

    Examples
    --------
    >>> line = np.frombuffer(b'{"word":"cat","drawing":[[[1,-2],[3,4.5]]]}', dtype=np.uint8)
    >>> found = scan_chunk(line, 0, 2, 8, 8, 2)
    >>> found[0] == OK, found[11:]  # rows, strokes, points, numbers left as text
    (True, (1, 1, 2, 1))
    >>> found[7][:2, :2].tolist(), found[9][:1].tolist()  # x and y; where "4.5" starts
    ([[1, -2], [3, 0]], [36])
    """
    n = buf.shape[0]
    if n and buf[n - 1] != _NEWLINE:  # the loops' stop at the end (same spans, same results)
        buf = np.concatenate([buf, np.array([_NEWLINE], dtype=np.uint8)])
    if buf.flags.writeable:  # one compiled signature (the caller's buffers are read-only)
        buf = buf.view()
        buf.flags.writeable = False
    return _scan_chunk(buf, width, max_rows, max_points, max_strokes, max_floats)


@numba.njit(cache=True, nogil=True)
def _scan_chunk(
    buf: np.ndarray,
    width: int,
    max_rows: int,
    max_points: int,
    max_strokes: int,
    max_floats: int,
) -> tuple[Any, ...]:
    """:func:`scan_chunk` on a buffer that is empty or ends with a newline."""
    n = buf.shape[0]
    spans = np.full((max_rows, _N_FIELDS, 2), -1, dtype=np.int64)
    escaped = np.zeros((max_rows, _N_FIELDS), dtype=np.bool_)
    recognized = np.full(max_rows, -1, dtype=np.int8)
    row_strokes = np.zeros(max_rows, dtype=np.int64)
    stroke_points = np.empty(max_strokes, dtype=np.int64)
    coords = np.empty((3, max_points), dtype=np.int64)
    float_index = np.empty(max_floats, dtype=np.int64)
    float_start = np.empty(max_floats, dtype=np.int64)
    float_len = np.empty(max_floats, dtype=np.int64)
    rows = 0
    strokes = 0
    points = 0
    floats = 0
    status = OK
    i = 0
    while i < n:
        i = _ws(buf, i, n)
        if i >= n:
            break
        if buf[i] == _NEWLINE:
            i += 1
            continue
        if buf[i] != _LBRACE or rows >= max_rows:
            status = BAIL
            break
        i = _ws(buf, i + 1, n)
        seen_drawing = False
        bad = False
        while True:  # "key": value pairs
            if i >= n or buf[i] != _QUOTE:
                bad = True
                break
            key_end, key_escaped = _string_end(buf, i, n)
            if key_end < 0 or key_escaped:  # an escaped key may spell a known field
                bad = True
                break
            code = _key_code(buf, i + 1, key_end, _NAME_BYTES, _NAME_OFFSETS)
            i = _ws(buf, key_end + 1, n)
            if i >= n or buf[i] != _COLON:
                bad = True
                break
            i = _ws(buf, i + 1, n)
            if i >= n:
                bad = True
                break
            if code == _DRAWING:
                if seen_drawing or buf[i] != _LBRACKET:
                    bad = True
                    break
                seen_drawing = True
                end, width, points, strokes, floats, count = _drawing(
                    buf,
                    i,
                    n,
                    width,
                    coords,
                    stroke_points,
                    float_index,
                    float_start,
                    float_len,
                    points,
                    strokes,
                    floats,
                )
                if end < 0:
                    bad = True
                    break
                row_strokes[rows] = count
                i = end
            elif code == _RECOGNIZED:  # true, false or null
                end = _skip_literal(buf, i, n)
                if end < 0 or (buf[i] != 116 and buf[i] != 102 and buf[i] != 110):
                    bad = True
                    break
                recognized[rows] = 1 if buf[i] == 116 else (0 if buf[i] == 102 else -1)
                i = end
            elif code >= 0:  # a string field, or null
                if buf[i] == _QUOTE:
                    end, has_escapes = _string_end(buf, i, n)
                    if end < 0:
                        bad = True
                        break
                    spans[rows, code, 0] = i + 1
                    spans[rows, code, 1] = end
                    escaped[rows, code] = has_escapes
                    i = end + 1
                elif buf[i] == 110:
                    end = _skip_literal(buf, i, n)
                    if end < 0:
                        bad = True
                        break
                    spans[rows, code, 0] = -1
                    escaped[rows, code] = False
                    i = end
                else:
                    bad = True
                    break
            else:  # an unknown field: plain values only
                end = _skip_literal(buf, i, n)
                if end < 0:
                    bad = True
                    break
                i = end
            i = _ws(buf, i, n)
            if i < n and buf[i] == _COMMA:
                i = _ws(buf, i + 1, n)
                continue
            if i < n and buf[i] == _RBRACE:
                i += 1
                break
            bad = True
            break
        if bad or not seen_drawing:
            status = BAIL
            break
        i = _ws(buf, i, n)
        if i < n and buf[i] != _NEWLINE:
            status = BAIL
            break
        rows += 1
    return (
        status,
        width,
        spans,
        escaped,
        recognized,
        row_strokes,
        stroke_points,
        coords,
        float_index,
        float_start,
        float_len,
        rows,
        strokes,
        points,
        floats,
    )


#: Coordinates below this size (in absolute value) give int32 coordinates and deltas.
SMALL_COORDINATE = 1 << 30


@numba.njit(cache=True, nogil=True)
def stroke3_int32(
    coords: np.ndarray, stroke_offsets: np.ndarray, point_offsets: np.ndarray, out: np.ndarray
) -> bool:
    """Absolute integer ``x, y`` (rows 0 and 1 of ``coords``) to int32 stroke-3 rows in ``out``
    (first point of a drawing absolute, then deltas; pen 1 on each stroke's last point), as
    :meth:`FlatPolylines.to_stroke3` gives them; False (``out`` unfinished) when a coordinate
    is not below :data:`SMALL_COORDINATE`, where that path's dtype rules decide."""
    for d in range(point_offsets.shape[0] - 1):
        px = 0
        py = 0
        for i in range(point_offsets[d], point_offsets[d + 1]):
            x = coords[0, i]
            y = coords[1, i]
            if (
                x >= SMALL_COORDINATE
                or x <= -SMALL_COORDINATE
                or y >= SMALL_COORDINATE
                or y <= -SMALL_COORDINATE
            ):
                return False
            out[i, 0] = x - px
            out[i, 1] = y - py
            out[i, 2] = 0
            px = x
            py = y
    for k in range(1, stroke_offsets.shape[0]):
        out[stroke_offsets[k] - 1, 2] = 1
    return True
