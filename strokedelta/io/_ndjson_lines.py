"""Line-by-line validation of Quick, Draw! ndjson: the exact reason a line is refused.

The fast parsers of :mod:`strokedelta.io.quickdraw_ndjson` give up on a chunk with anything
unusual; this module then reads that chunk's lines one at a time with :func:`json.loads` and
names the first problem of each bad line (bad JSON, NaN / Infinity, strings or booleans for
numbers, x / y / t of different lengths, empty drawings and strokes, mixed raw / simplified
strokes, coordinates whose differences overflow, wrongly typed metadata, a ``split`` other than
train / valid / test, text that is not Unicode). The limits of nesting depth, strokes
and points are checked before the work they bound: the depth before :func:`json.loads` recurses,
the counts before any array is built. Nothing here loads numba: a small file is parsed by this
module alone (see :data:`strokedelta.io.quickdraw_ndjson.FAST_MIN_BYTES`).

Examples
--------
>>> meta, drawing, width = parse_record(b'{"key_id": 5, "drawing": [[[1, 2], [3, 4]]]}', None)
>>> meta["key_id"], drawing, width
('5', [[[1, 2], [3, 4]]], 2)
>>> parse_record(b'{"drawing": [[[1, 2], [3]]]}', None)
Traceback (most recent call last):
...
strokedelta.io._ndjson_lines.BadRecord: stroke 0: x and y have different lengths (2 and 1)
"""

from __future__ import annotations

import json
import re
import sys
from itertools import chain
from typing import Any

import numpy as np

from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.sketch.drawings import SPLITS
from strokedelta.sketch.formats import flatten_polylines
from strokedelta.sketch.stroke3_checks import EMPTY_DRAWING, point_problems

__all__ = ["STRING_COLUMNS", "BadRecord", "LimitHit", "nesting_depth", "parse_record"]

#: The string fields of a Quick, Draw! line, in column order.
STRING_COLUMNS = ("key_id", "word", "countrycode", "timestamp")


#: No coordinate below this size can make a difference overflow (int64 or float64).
_OVERFLOW_FLOOR = 2**62


class BadRecord(Exception):
    """One line's problem (the reader turns it into a FormatError naming file and line)."""


class LimitHit(BadRecord):
    """One line is over a limit (the reader turns it into a ResourceLimitError)."""

    def __init__(self, limit: str, value: int, what: str) -> None:
        super().__init__(what)
        self.limit = limit
        self.value = value
        self.what = what


#: A JSON string as a nesting count sees it: a backslash escapes the next byte, whatever it is.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def nesting_depth(line: bytes) -> int:
    """How deeply arrays and objects nest in ``line``, brackets inside strings ignored.

    For valid JSON this is its nesting depth; for any text it is at least the depth a JSON
    parser reaches before it stops (an unterminated string hides the rest of the line).

    Examples
    --------
    >>> nesting_depth(b'{"a": [[1], "[[["]}')
    3
    >>> nesting_depth(b'[["a", [2]], "[[[')
    3
    """
    bare = _STRING.sub(b"", line)
    open_string = bare.find(b'"')
    if open_string >= 0:  # every string before it was removed: this one never closes
        bare = bare[:open_string]
    steps = _OPEN[np.frombuffer(bare, dtype=np.uint8)].astype(np.int64)
    return max(0, int(np.cumsum(steps).max(initial=0)))


def _reject_constant(name: str) -> Any:
    raise BadRecord(f"{name} is not a valid number (JSON has no NaN or Infinity)")


def parse_record(
    line: bytes, width: int | None, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[dict[str, Any], list[Any], int] | None:
    """Validate one line: ``(metadata, drawing, lists per stroke)``, None for a blank line.

    ``width`` is the number of lists per stroke fixed by earlier lines (None: not yet).
    Raises :class:`BadRecord` with the reason (:class:`LimitHit` for a limit).
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRecord(f"not valid UTF-8 text at byte {exc.start}") from None
    if not text.strip():
        return None
    depth = nesting_depth(line)
    if depth > limits.max_depth:
        raise LimitHit("max_depth", depth, f"JSON values nested {depth} deep")
    obj = _loads(text)
    if not isinstance(obj, dict):
        raise BadRecord(f"expected a JSON object; got {_json_type(obj)}")
    if "drawing" not in obj:
        raise BadRecord("no 'drawing' field")
    drawing = obj["drawing"]
    if not isinstance(drawing, list):
        raise BadRecord(f"drawing must be a list of strokes; got {_json_type(drawing)}")
    if not drawing:
        raise BadRecord(EMPTY_DRAWING)
    _check_counts(drawing, limits)
    for k, stroke in enumerate(drawing):
        _check_stroke(k, stroke, width)
        width = len(stroke)
    _check_differences(drawing)
    return _check_meta(obj), drawing, len(drawing[0])


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BadRecord(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError:  # Python refuses to convert integers of thousands of digits
        digits = sys.get_int_max_str_digits()
        raise BadRecord(f"not valid JSON: a number has more than {digits} digits") from None
    except RecursionError:  # only when max_depth is raised past Python's recursion limit
        raise BadRecord("not valid JSON: nested too deeply for Python's parser") from None


def _check_counts(drawing: list[Any], limits: ReadLimits) -> None:
    """Strokes and points of a drawing against the limits, before anything is built."""
    if len(drawing) > limits.max_strokes:
        raise LimitHit("max_strokes", len(drawing), f"drawing has {len(drawing)} strokes")
    points = sum(
        len(stroke[0])
        for stroke in drawing
        if isinstance(stroke, list) and stroke and isinstance(stroke[0], list)
    )
    if points > limits.max_points:
        raise LimitHit("max_points", points, f"drawing has {points} points")


def _check_stroke(k: int, stroke: Any, width: int | None) -> None:
    shape_ok = (
        isinstance(stroke, list)
        and len(stroke) in (2, 3)
        and all(isinstance(c, list) for c in stroke)
    )
    if not shape_ok:
        raise BadRecord(
            f"stroke {k} must be [[x...], [y...]] or [[x...], [y...], [t...]]; got {_short(stroke)}"
        )
    if width is not None and len(stroke) != width:
        want = "[x, y, t] (raw)" if width == 3 else "[x, y] (simplified)"
        raise BadRecord(f"stroke {k} has {len(stroke)} lists but earlier strokes are {want}")
    for name, values in zip("yt", stroke[1:]):
        if len(values) != len(stroke[0]):
            raise BadRecord(
                f"stroke {k}: x and {name} have different lengths "
                f"({len(stroke[0])} and {len(values)})"
            )
    if not stroke[0]:
        raise BadRecord(f"stroke {k} has no points")
    for name, values in zip("xyt", stroke):
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise BadRecord(f"stroke {k}: {name} must hold numbers; got {_short(v)}")
            if isinstance(v, float) and not np.isfinite(v):
                raise BadRecord(f"stroke {k}: {name} must be finite; got {v}")
            if name == "t" and isinstance(v, float) and not v.is_integer():
                raise BadRecord(f"stroke {k}: t must hold integer milliseconds; got {v}")
            if isinstance(v, int) and abs(v) >= 2**63:
                raise BadRecord(f"stroke {k}: {name} does not fit a 64-bit integer; got {v}")


def _check_differences(drawing: list[Any]) -> None:
    """Refuse coordinates whose stroke-3 deltas overflow (``1e308`` then ``-1e308``).

    Only values of at least 2**62 can overflow (an int64 difference, an infinite float one),
    so the points are only built for a drawing holding such a value.
    """
    values = chain.from_iterable(chain.from_iterable(stroke[:2] for stroke in drawing))
    if max(map(abs, values)) < _OVERFLOW_FLOOR:
        return
    flat = flatten_polylines([drawing])
    bad, messages = point_problems(flat.points, flat.point_offsets)
    if len(bad):
        raise BadRecord(messages[0])


def _check_meta(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in STRING_COLUMNS:
        value = obj.get(name)
        if name == "key_id" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise BadRecord(f"{name} must be a string; got {_short(value)}")
        if value is not None and not _is_unicode(value):
            raise BadRecord(f"{name} must be Unicode text; got a lone surrogate in {_short(value)}")
        out[name] = value
    recognized = obj.get("recognized")
    if recognized is not None and not isinstance(recognized, bool):
        raise BadRecord(f"recognized must be true or false; got {_short(recognized)}")
    out["recognized"] = recognized
    split = obj.get("split")
    if split is not None and split not in SPLITS:
        raise BadRecord(f"split must be one of {', '.join(SPLITS)} or null; got {_short(split)}")
    out["split"] = split
    return out


def _is_unicode(text: str) -> bool:
    """False for text holding a lone surrogate (JSON allows ``"\\ud800"``; UTF-8 does not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_type(value: Any) -> str:
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
