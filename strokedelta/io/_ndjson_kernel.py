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
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from strokedelta.io._ndjson_lines import STRING_COLUMNS

__all__ = [
    "FIELDS",
    "SMALL_COORDINATE",
    "SPLIT_FIELD",
    "byte_counts",
    "gather_spans",
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


@numba.njit(cache=True, inline="always")
def _ws(buf: np.ndarray, i: int, n: int) -> int:
    while i < n and (buf[i] == 32 or buf[i] == 9 or buf[i] == 13):
        i += 1
    return i


@numba.njit(cache=True)
def _string_end(buf: np.ndarray, i: int, n: int) -> tuple[int, bool]:
    """``buf[i]`` is the opening quote: (index of the closing quote, whether it holds escapes).

    The index is -1 for a control character, a bad escape or a missing closing quote.
    """
    i += 1
    escaped = False
    while i < n:
        c = buf[i]
        if c == _QUOTE:
            return i, escaped
        if c < 32:
            return -1, escaped
        if c == _BACKSLASH:
            escaped = True
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
            continue
        i += 1
    return -1, escaped


@numba.njit(cache=True)
def _key_code(buf: np.ndarray, start: int, end: int, names: np.ndarray, offsets: np.ndarray) -> int:
    size = end - start
    for k in range(offsets.shape[0] - 1):
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
def _number(buf: np.ndarray, i: int, n: int) -> tuple[int, int, bool]:
    """Parse a JSON number at ``i``: (end, integer value, is_integer); end -1 on bad syntax."""
    start = i
    negative = False
    if i < n and buf[i] == _MINUS:
        negative = True
        i += 1
    if i >= n or buf[i] < 48 or buf[i] > 57:
        return -1, 0, False
    if buf[i] == 48 and i + 1 < n and 48 <= buf[i + 1] <= 57:
        return -1, 0, False  # leading zero
    value = 0
    digits = 0
    while i < n and 48 <= buf[i] <= 57:
        value = value * 10 + (buf[i] - 48)
        digits += 1
        i += 1
    integer = True
    if i < n and buf[i] == _DOT:
        integer = False
        i += 1
        if i >= n or buf[i] < 48 or buf[i] > 57:
            return -1, 0, False
        while i < n and 48 <= buf[i] <= 57:
            i += 1
    if i < n and (buf[i] == 101 or buf[i] == 69):  # e E
        integer = False
        i += 1
        if i < n and (buf[i] == _PLUS or buf[i] == _MINUS):
            i += 1
        if i >= n or buf[i] < 48 or buf[i] > 57:
            return -1, 0, False
        while i < n and 48 <= buf[i] <= 57:
            i += 1
    if integer and digits > 15:
        integer = False  # beyond exact float64 range: parse as text (the caller checks)
    if i - start > 32:
        return -1, 0, False
    return i, (-value if negative else value), integer


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
    end, _, _ = _number(buf, i, n)
    return end


@numba.njit(cache=True, nogil=True)
def byte_counts(buf: np.ndarray) -> np.ndarray:
    """How often each byte value occurs (``np.bincount`` without the int64 copy)."""
    counts = np.zeros(256, dtype=np.int64)
    for i in range(buf.shape[0]):
        counts[buf[i]] += 1
    return counts


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
    """
    max_points = coords.shape[1]
    i = _ws(buf, i + 1, n)
    count_strokes = 0
    while True:  # strokes
        if i >= n or buf[i] != _LBRACKET or strokes >= stroke_points.shape[0]:
            return -1, width, points, strokes, floats, 0
        i = _ws(buf, i + 1, n)
        lists = 0
        length = 0
        while True:  # coordinate lists: x, y, then t for raw data
            if i >= n or buf[i] != _LBRACKET or lists >= 3:
                return -1, width, points, strokes, floats, 0
            i = _ws(buf, i + 1, n)
            count = 0
            if i < n and buf[i] == _RBRACKET:
                i += 1
            else:
                while True:  # numbers
                    pos = points + count
                    if pos >= max_points:
                        return -1, width, points, strokes, floats, 0
                    j = i
                    negative = j < n and buf[j] == _MINUS
                    if negative:
                        j += 1
                    value = 0
                    digits = 0
                    while j < n and 48 <= buf[j] <= 57:
                        value = value * 10 + (buf[j] - 48)
                        digits += 1
                        j += 1
                    simple = (
                        0 < digits <= 15
                        and not (digits > 1 and buf[j - digits] == 48)
                        and not (j < n and (buf[j] == _DOT or buf[j] == 101 or buf[j] == 69))
                    )
                    if simple:
                        end = j
                        coords[lists, pos] = -value if negative else value
                    else:
                        end, _, _ = _number(buf, i, n)
                        if end < 0 or floats >= float_index.shape[0]:
                            return -1, width, points, strokes, floats, 0
                        coords[lists, pos] = 0
                        float_index[floats] = lists * max_points + pos
                        float_start[floats] = i
                        float_len[floats] = end - i
                        floats += 1
                    count += 1
                    i = _ws(buf, end, n)
                    if i < n and buf[i] == _COMMA:
                        i = _ws(buf, i + 1, n)
                        continue
                    if i < n and buf[i] == _RBRACKET:
                        i += 1
                        break
                    return -1, width, points, strokes, floats, 0
            if count == 0 or (lists > 0 and count != length):
                return -1, width, points, strokes, floats, 0
            length = count
            lists += 1
            i = _ws(buf, i, n)
            if i < n and buf[i] == _COMMA:
                i = _ws(buf, i + 1, n)
                continue
            if i < n and buf[i] == _RBRACKET:
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
        i = _ws(buf, i, n)
        if i < n and buf[i] == _COMMA:
            i = _ws(buf, i + 1, n)
            continue
        if i < n and buf[i] == _RBRACKET:
            return i + 1, width, points, strokes, floats, count_strokes
        return -1, width, points, strokes, floats, 0


@numba.njit(cache=True, nogil=True)
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
    """
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


@numba.njit(cache=True, nogil=True)
def gather_spans(
    buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, offsets: np.ndarray, out: np.ndarray
) -> None:
    """Copy the byte spans ``buf[starts[r]:starts[r] + lengths[r]]`` to ``out[offsets[r]:]``."""
    for r in range(starts.shape[0]):
        start = starts[r]
        at = offsets[r]
        for k in range(lengths[r]):
            out[at + k] = buf[start + k]
