"""The compiled walk over a ``.bin`` file's records, and what it found wrong.

Record boundaries depend on the record before, so one compiled pass (numba) finds where every
drawing and stroke starts, checking every read against the end of the file and each drawing's
counts against the limits before anything is allocated for it. A file under
:data:`SMALL_SCAN_BYTES` is walked by the same code in Python: loading numba's cached machine
code costs about a second, the Python walk of a small file a few milliseconds.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from strokedelta.exceptions import FormatError, ResourceLimitError
from strokedelta.limits import ReadLimits
from strokedelta.sketch.stroke3_checks import EMPTY_DRAWING

__all__ = ["HEADER", "OK", "SMALL_SCAN_BYTES", "record_problems", "scan", "stop_error"]

#: Files shorter than this are walked in Python (the same code, without compiling it).
SMALL_SCAN_BYTES = 256 << 10

HEADER = 17  # key_id 8 + countrycode 2 + recognized 1 + timestamp 4 + n_strokes 2

# status codes of the scanner
OK, _TRUNCATED_HEADER, _TRUNCATED_STROKE, _TRUNCATED_POINTS = 0, 1, 2, 3
_TOO_MANY_STROKES, _TOO_MANY_POINTS = 4, 5


def scan(
    buf: np.ndarray,
    limit: int,
    max_strokes: int,
    max_points: int,
    rec_start: np.ndarray,
    rec_strokes: np.ndarray,
    stroke_start: np.ndarray,
    stroke_points: np.ndarray,
) -> tuple[int, int, int, int, int, int, int]:
    """Walk the records (at most ``limit``), filling the arrays when they are large enough.

    Compiled for a file of :data:`SMALL_SCAN_BYTES` or more, else in Python; see
    :func:`_walk` for what it returns.
    """
    walk = _walk if buf.shape[0] < SMALL_SCAN_BYTES else _compiled_walk()
    args = (max_strokes, max_points, rec_start, rec_strokes, stroke_start, stroke_points)
    return walk(buf, limit, *args)


@cache
def _compiled_walk() -> Any:
    """:func:`_walk` compiled by numba (cached on disk), on first use."""
    import numba  # here: numba is the heavy dependency, loaded only for a large file

    return numba.njit(cache=True)(_walk)


def _walk(
    buf: np.ndarray,
    limit: int,
    max_strokes: int,
    max_points: int,
    rec_start: np.ndarray,
    rec_strokes: np.ndarray,
    stroke_start: np.ndarray,
    stroke_points: np.ndarray,
) -> tuple[int, int, int, int, int, int, int]:
    """Walk the records (at most ``limit``), filling the arrays when they are large enough.

    Returns ``(status, complete_records, strokes_in_complete_records, record_byte,
    failed_byte, stroke, declared)``. When the walk stops early (a truncated record, a limit)
    the record it stopped in is ``complete_records``, starting at ``record_byte``; the field
    that did not fit starts at ``failed_byte``, in stroke ``stroke`` of the record, which
    declared ``declared`` strokes (header, stroke header), points (points, points limit) or
    strokes (strokes limit). Every read is bounds-checked first (numba does not check).
    """
    size = buf.shape[0]
    fill = rec_start.shape[0] >= limit
    n_fill = stroke_start.shape[0]
    pos = 0
    rec = 0
    stroke = 0
    while pos < size and rec < limit:
        if pos + HEADER > size:
            return _TRUNCATED_HEADER, rec, stroke, pos, pos, 0, size - pos
        count = int(np.int64(buf[pos + 15]) | (np.int64(buf[pos + 16]) << 8))
        if count > max_strokes:
            return _TOO_MANY_STROKES, rec, stroke, pos, pos + 15, 0, count
        end = pos + HEADER
        points = 0
        for k in range(count):
            if end + 2 > size:
                return _TRUNCATED_STROKE, rec, stroke, pos, end, k, count
            n = int(np.int64(buf[end]) | (np.int64(buf[end + 1]) << 8))
            if end + 2 + 2 * n > size:
                return _TRUNCATED_POINTS, rec, stroke, pos, end, k, n
            points += n
            if points > max_points:
                return _TOO_MANY_POINTS, rec, stroke, pos, end, k, points
            if fill and stroke + k < n_fill:
                stroke_start[stroke + k] = end
                stroke_points[stroke + k] = n
            end += 2 + 2 * n
        if fill:
            rec_start[rec] = pos
            rec_strokes[rec] = count
        stroke += count
        pos = end
        rec += 1
    return OK, rec, stroke, pos, pos, 0, 0


def stop_error(found: tuple[int, ...], size: int, path: str, limits: ReadLimits) -> FormatError:
    """The error for a walk that stopped at record ``found[1]`` (see :func:`scan`)."""
    status, rec, _, rec_byte, at, stroke, declared = found
    where: dict[str, Any] = {"path": path, "record": rec}
    if status == _TOO_MANY_STROKES:
        text = f"drawing at byte {rec_byte} has {declared} strokes"
        return ResourceLimitError(text, limit="max_strokes", value=limits.max_strokes, **where)
    if status == _TOO_MANY_POINTS:
        text = f"drawing at byte {rec_byte} has more than {limits.max_points} points"
        return ResourceLimitError(text, limit="max_points", value=limits.max_points, **where)
    hint = "a cut file, or a wrong n_strokes / n_points before this byte"
    if status == _TRUNCATED_HEADER:
        detail = f"{declared} of {HEADER} bytes at byte {rec_byte}: trailing garbage or {hint}"
        text = f"file is truncated: the drawing header is incomplete ({detail})"
        return FormatError(text, **where)
    left = size - at
    if status == _TRUNCATED_STROKE:
        detail = (
            f"the drawing at byte {rec_byte} declares {declared} strokes; stroke {stroke} "
            f"would start at byte {at}, {left} bytes before the end: {hint}"
        )
        return FormatError(
            f"file is truncated inside the drawing: a stroke header is missing ({detail})", **where
        )
    detail = (
        f"stroke {stroke} at byte {at} declares {declared} points ({2 * declared} bytes) but "
        f"{max(left - 2, 0)} remain; the drawing starts at byte {rec_byte}: {hint}"
    )
    return FormatError(
        f"file is truncated inside the drawing: a stroke's points are missing ({detail})", **where
    )


def record_problems(
    rec_strokes: np.ndarray,
    stroke_points: np.ndarray,
    recognized: np.ndarray,
    country: np.ndarray,
    errors: str,
) -> dict[int, str]:
    """Drawings with no strokes, strokes with no points, recognized not 0/1, non-ASCII codes.

    With ``errors="raise"`` only the first record of each kind is looked up (one is raised).
    """
    n_rec = len(rec_strokes)
    stroke_owner = np.repeat(np.arange(n_rec), rec_strokes)
    problems: dict[int, str] = {}
    for mask, message in (
        (rec_strokes == 0, EMPTY_DRAWING),
        (
            np.bincount(stroke_owner[stroke_points == 0], minlength=n_rec) > 0,
            "a stroke has no points",
        ),
        (recognized > 1, "recognized must be 0 or 1"),
        ((country > 127).any(axis=1), "countrycode is not ASCII"),
    ):
        for i in np.flatnonzero(mask)[: 1 if errors == "raise" else None].tolist():
            problems.setdefault(i, message)
    return problems
