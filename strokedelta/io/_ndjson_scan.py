"""The fastest ndjson parse path: a chunk scanned by the compiled scanner into Drawings.

:func:`strokedelta.io._ndjson_kernel.scan_chunk` finds every number and string span in one
pass; this module gathers them into flat arrays with numpy (fractions are parsed by numpy's exact
float parser, strings become Arrow string columns, the few strings with escapes are decoded by
:func:`json.loads`; a ``split`` column only when a line of the chunk has a ``split`` field)
and returns None whenever anything is off or a drawing is over a limit, so that the
line-by-line parser names the line and the problem.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from strokedelta.io._ndjson_build import SAFE_INT, ChunkState, build_drawings
from strokedelta.io._ndjson_kernel import (
    OK,
    SPLIT_FIELD,
    byte_counts,
    scan_chunk,
    stroke3_int32,
)
from strokedelta.io._ndjson_lines import STRING_COLUMNS
from strokedelta.io._ndjson_spans import gather_fields
from strokedelta.limits import ReadLimits
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch.drawings import META_COLUMNS, SPLITS, Drawings
from strokedelta.sketch.formats import FlatPolylines

__all__ = ["DRAWING_DEPTH", "parse_compiled"]

#: How deeply a line nests: the object, the drawing, a stroke, a list of numbers.
DRAWING_DEPTH = 4


def parse_compiled(
    data: bytes, n_lines: int, state: ChunkState, limits: ReadLimits
) -> Drawings | None:
    """Parse a chunk of ``n_lines`` lines with the compiled scanner; None when it gives up,
    the data is bad or a drawing is over a limit."""
    ascii = data.isascii()
    if limits.max_depth < DRAWING_DEPTH or not (ascii or _is_utf8(data)):
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    counts = byte_counts(buf)
    brackets, commas = int(counts[ord("[")]), int(counts[ord(",")])
    max_floats = int(counts[ord(".")] + counts[ord("e")] + counts[ord("E")]) + 1
    (
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
    ) = scan_chunk(
        buf,
        state.width or 0,
        n_lines + 1,
        (commas + brackets) // 2 + 1,
        brackets + 1,
        max_floats,
    )
    if status != OK or rows > n_lines or rows == 0:
        return None
    row_strokes, stroke_points = row_strokes[:rows], stroke_points[:strokes]
    stroke_offsets = offsets_from_lengths(stroke_points)
    row_offsets = offsets_from_lengths(row_strokes)
    row_points = np.diff(stroke_offsets[row_offsets])
    if row_strokes.max() > limits.max_strokes or row_points.max() > limits.max_points:
        return None
    if floats:
        texts = _gather_bytes(buf, float_start[:floats], float_len[:floats])
        try:
            parsed = texts.astype(np.float64)
        except ValueError:
            return None
        coords = coords.astype(np.float64)
        coords.reshape(-1)[float_index[:floats]] = parsed
    xy = coords[:2, :points].T
    if floats and not (np.isfinite(xy).all() and (np.abs(xy) < SAFE_INT).all()):
        return None  # integers have at most 15 digits: only parsed floats need the check
    time = None
    if width == 3:
        t = coords[2, :points]
        if t.dtype.kind == "f" and (
            not np.array_equal(t, np.round(t)) or np.abs(t).max() >= SAFE_INT
        ):
            return None
        time = t.astype(np.int64)
    state.width = width
    meta = _meta(buf, spans[:rows], escaped[:rows], recognized[:rows], ascii)
    if meta is None:
        return None
    if width == 2 and not floats:  # simplified drawings: one compiled pass to int32 stroke-3
        point_offsets = stroke_offsets[row_offsets]
        values = np.empty((points, 3), dtype=np.int32)
        if stroke3_int32(coords, stroke_offsets, point_offsets, values):
            # valid by construction, as build_drawings' result (tests compare the two)
            return Drawings._trusted(Ragged(values, point_offsets), meta, None, {})
    flat = FlatPolylines(np.ascontiguousarray(xy), time, stroke_offsets, row_offsets)
    return build_drawings(flat, meta)


def _meta(
    buf: np.ndarray, spans: np.ndarray, escaped: np.ndarray, flags: np.ndarray, ascii: bool
) -> pd.DataFrame | None:
    """The metadata columns of the scanned rows; None for text the line parser must judge."""
    fields = list(range(len(STRING_COLUMNS)))
    has_split = bool((spans[:, SPLIT_FIELD, 0] >= 0).any())  # strokedelta's own split field
    if has_split:
        fields.append(SPLIT_FIELD)
    texts = _field_texts(buf, spans[:, fields], escaped[:, fields], ascii)
    if texts is None:
        return None
    columns: dict[str, Any] = dict(zip(STRING_COLUMNS, texts))
    if (flags >= 0).all():
        columns["recognized"] = flags.astype(bool)
    else:
        column = pd.array(flags == 1, dtype="boolean")
        column[flags < 0] = pd.NA
        columns["recognized"] = column
    meta = pd.DataFrame({c: columns[c] for c in META_COLUMNS})
    if has_split:
        split = texts[-1]
        if not split.dropna().isin(SPLITS).all():
            return None  # the line-by-line parser names the line with an unknown split
        meta["split"] = split
    return meta


def _gather_bytes(buf: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Byte spans as a fixed-width ``S`` array (zero padded), without a loop per span."""
    width = max(int(length.max()) if len(length) else 1, 1)
    columns = np.arange(width)
    inside = columns < length[:, None]
    matrix = np.zeros((len(start), width), dtype=np.uint8)
    matrix[inside] = buf[(start[:, None] + columns)[inside]]
    return matrix.view(f"S{width}").ravel()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _unescape(buf: np.ndarray, spans: np.ndarray) -> list[str] | None:
    """Decode string spans holding escapes; None for a lone surrogate (not Unicode text)."""
    quoted = b'","'.join(buf[start:end].tobytes() for start, end in spans.tolist())
    try:
        texts = json.loads(b'["' + quoted + b'"]')
        "".join(texts).encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return None
    return list(texts)


def _field_texts(
    buf: np.ndarray, spans: np.ndarray, escaped: np.ndarray, ascii: bool
) -> list[pd.Series] | None:
    """Byte spans (``(rows, fields, 2)``: start, end; start -1 = null) as pandas string columns
    over Arrow buffers, all fields gathered in one pass (:mod:`strokedelta.io._ndjson_spans`).

    Spans flagged in ``escaped`` are decoded by :func:`json.loads` (the scanner checked their
    escapes). None when the bytes are not valid UTF-8 or an escape is a lone surrogate; an
    ASCII chunk needs no check (spans end at ASCII quotes).
    """
    import pyarrow as pa

    rows = spans.shape[0]
    present = spans[:, :, 0] >= 0
    starts = np.ascontiguousarray(spans[:, :, 0])
    lengths = np.where(present, spans[:, :, 1] - starts, 0)
    offsets = np.zeros((rows + 1, spans.shape[1]), dtype=np.int64)
    np.cumsum(lengths, axis=0, out=offsets[1:])
    bases = np.zeros(spans.shape[1] + 1, dtype=np.int64)
    np.cumsum(offsets[-1], out=bases[1:])
    text = np.empty(int(bases[-1]), dtype=np.uint8)
    gather_fields(buf, starts, lengths, offsets, bases, text)
    columns = []
    for k in range(spans.shape[1]):
        valid = present[:, k]
        validity = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
        array = pa.LargeStringArray.from_buffers(
            rows,
            pa.py_buffer(np.ascontiguousarray(offsets[:, k])),
            pa.py_buffer(text[bases[k] : bases[k + 1]]),
            validity,
            int(rows - valid.sum()),
        )
        if not ascii:
            try:
                array.validate(full=True)
            except pa.ArrowInvalid:
                return None
        column = array.to_pandas()
        if escaped[:, k].any():
            where = np.flatnonzero(escaped[:, k])
            decoded = _unescape(buf, spans[where, k])
            if decoded is None:
                return None
            column.iloc[where] = decoded
        columns.append(column)
    return columns
