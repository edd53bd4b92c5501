"""Line-by-line validation of Quick, Draw! ndjson: the exact reason a line is refused.

The fast parsers of :mod:`strokedelta.io.quickdraw_ndjson` give up on a chunk with anything
unusual; this module then reads that chunk's lines one at a time with :func:`json.loads` and
names the first problem of each bad line (bad JSON, NaN / Infinity, strings or booleans for
numbers, x / y / t of different lengths, empty drawings and strokes, mixed raw / simplified
strokes, wrongly typed metadata).

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
from typing import Any

import numpy as np

__all__ = ["STRING_COLUMNS", "BadRecord", "parse_record"]

STRING_COLUMNS = ("key_id", "word", "countrycode", "timestamp")


class BadRecord(Exception):
    """One line's problem (the reader turns it into a FormatError naming file and line)."""


def _reject_constant(name: str) -> Any:
    raise BadRecord(f"{name} is not a valid number (JSON has no NaN or Infinity)")


def parse_record(line: bytes, width: int | None) -> tuple[dict[str, Any], list[Any], int] | None:
    """Validate one line: ``(metadata, drawing, lists per stroke)``, None for a blank line.

    ``width`` is the number of lists per stroke fixed by earlier lines (None: not yet).
    Raises :class:`BadRecord` with the reason.
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRecord(f"not valid UTF-8 text at byte {exc.start}") from None
    if not text.strip():
        return None
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BadRecord(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise BadRecord(f"expected a JSON object; got {_json_type(obj)}")
    if "drawing" not in obj:
        raise BadRecord("no 'drawing' field")
    drawing = obj["drawing"]
    if not isinstance(drawing, list):
        raise BadRecord(f"drawing must be a list of strokes; got {_json_type(drawing)}")
    if not drawing:
        raise BadRecord("empty drawing (no strokes)")
    for k, stroke in enumerate(drawing):
        _check_stroke(k, stroke, width)
        width = len(stroke)
    return _check_meta(obj), drawing, len(drawing[0])


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
                raise BadRecord(f"stroke {k}: {name} must hold numbers; got {json.dumps(v)}")
            if isinstance(v, float) and not np.isfinite(v):
                raise BadRecord(f"stroke {k}: {name} must be finite; got {v}")
            if name == "t" and isinstance(v, float) and not v.is_integer():
                raise BadRecord(f"stroke {k}: t must hold integer milliseconds; got {v}")
            if isinstance(v, int) and abs(v) >= 2**63:
                raise BadRecord(f"stroke {k}: {name} does not fit a 64-bit integer; got {v}")


def _check_meta(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in STRING_COLUMNS:
        value = obj.get(name)
        if name == "key_id" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise BadRecord(f"{name} must be a string; got {json.dumps(value)}")
        out[name] = value
    recognized = obj.get("recognized")
    if recognized is not None and not isinstance(recognized, bool):
        raise BadRecord(f"recognized must be true or false; got {json.dumps(recognized)}")
    out["recognized"] = recognized
    return out


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
