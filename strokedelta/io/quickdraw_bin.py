"""Quick, Draw! binary ``.bin`` files: vectorised reading and writing.

Each drawing is ``key_id`` uint64, ``countrycode`` 2 bytes, ``recognized`` int8, ``timestamp``
uint32 (seconds since 1970, UTC), ``n_strokes`` uint16, then per stroke ``n_points`` uint16,
``n_points`` x bytes and ``n_points`` y bytes; little-endian, to the end of the file.

Record boundaries depend on the record before, so one compiled pass (numba) finds where every
drawing and stroke starts; every field and every point is then gathered with numpy fancy
indexing, with no Python loop per drawing or point. Writing scatters into one byte buffer the
same way.

What the format cannot hold: ``word`` (Google stores one word per file; it is not read back),
the fraction of a second of ``timestamp`` (read back as ``"YYYY-MM-DD HH:MM:SS UTC"``) and
coordinates outside 0..255 (refused: simplify first).

Reading trusts nothing in the file: a record whose counts run past the end of the file (a cut
file, trailing garbage, a wrong ``n_strokes`` or ``n_points``) is a
:class:`~strokedelta.FormatError` naming the record and its byte offset, and ends the file
(with ``errors="skip"`` it is one skipped drawing and the drawings before it are kept);
drawings without strokes, strokes without points, ``recognized`` other than 0 / 1 and
non-ASCII country codes are bad records. The file's size (``max_decompressed_bytes``) and each
drawing's strokes and points (``max_strokes``, ``max_points``) are checked before anything is
allocated for them (:class:`~strokedelta.limits.ReadLimits`).

This module registers the ``bin`` format; read and write it with
:func:`strokedelta.io.read_drawings` and :func:`strokedelta.io.write_drawings`.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.io import read_drawings, write_drawings
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 255], [10, 10]], [[7], [8]]]])
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cat.bin"
>>> write_drawings(d, path)
>>> back = read_drawings(path)
>>> back[0].tolist(), back.meta["key_id"].tolist()
([[0, 10, 0], [255, 0, 1], [-248, -2, 1]], ['0'])
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from strokedelta._files import open_binary_input
from strokedelta._validation import check_int
from strokedelta.exceptions import (
    FileAccessError,
    FormatError,
    ResourceLimitError,
    ValidationError,
)
from strokedelta.io._bin_scan import HEADER, OK, record_problems, scan, stop_error
from strokedelta.io._bounded import regular_size
from strokedelta.io.read_report import ReadReport, check_errors, raise_or_record
from strokedelta.io.registry import DrawingsFormat, in_chunks, register
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch.drawings import Drawings
from strokedelta.sketch.formats import stroke_offsets
from strokedelta.sketch.stroke3_checks import stroke3_problems

__all__ = ["DEFAULT_CHUNK", "BinWriter", "iter_bin"]

DEFAULT_CHUNK = 100_000


def _gather(buf: np.ndarray, starts: np.ndarray, offset: int, width: int) -> np.ndarray:
    """``width`` bytes at ``starts + offset`` of every record, as a (n, width) uint8 array."""
    return buf[(starts + offset)[:, None] + np.arange(width)]


def _parse_bin(
    buf: np.ndarray,
    path: str,
    errors: str,
    report: ReadReport | None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Drawings:
    """Parse the bytes of a ``.bin`` file (a uint8 array) into :class:`Drawings`.

    A record that cannot be delimited (its header or strokes run past the end of the file)
    ends the file: with ``errors="skip"`` the bytes from its start to the end count as one
    skipped drawing and the drawings before it are kept.

    Raises
    ------
    FormatError
        A truncated file or a malformed drawing, naming the record (0-based) and the byte.
    ResourceLimitError
        A drawing with more strokes or points than ``limits`` allow (whatever ``errors`` is).
    """
    empty = np.zeros(0, dtype=np.int64)
    strokes_cap, points_cap = limits.max_strokes, limits.max_points
    found = scan(buf, len(buf) + 1, strokes_cap, points_cap, empty, empty, empty, empty)
    status, n_rec, n_strokes = found[:3]
    stop = None if status == OK else stop_error(found, len(buf), path, limits)
    if isinstance(stop, ResourceLimitError):
        raise stop
    rec_start = np.zeros(n_rec, dtype=np.int64)
    rec_strokes = np.zeros(n_rec, dtype=np.int64)
    stroke_start = np.zeros(n_strokes, dtype=np.int64)
    stroke_points = np.zeros(n_strokes, dtype=np.int64)
    scan(buf, n_rec, strokes_cap, points_cap, rec_start, rec_strokes, stroke_start, stroke_points)
    country = _gather(buf, rec_start, 8, 2)
    recognized = buf[rec_start + 10]
    problems = record_problems(rec_strokes, stroke_points, recognized, country, errors)
    if errors == "raise" and problems:
        first = min(problems)
        raise FormatError(problems[first], path=path, record=first)
    keep = np.ones(n_rec, dtype=bool)
    for i in sorted(problems):
        raise_or_record(FormatError(problems[i], path=path, record=i), errors, report)
        keep[i] = False
    if stop is not None:
        raise_or_record(stop, errors, report)
    if not n_rec:
        return _no_drawings(path)
    drawings = _build(buf, rec_start, rec_strokes, stroke_start, stroke_points)
    bad, messages = stroke3_problems(drawings.strokes, allow_empty=False)
    for i, message in zip(bad.tolist(), messages):
        if keep[i]:
            raise_or_record(FormatError(message, path=path, record=i), errors, report)
            keep[i] = False
    return drawings if keep.all() else drawings[keep]


def _build(
    buf: np.ndarray,
    rec_start: np.ndarray,
    rec_strokes: np.ndarray,
    stroke_start: np.ndarray,
    stroke_points: np.ndarray,
) -> Drawings:
    """Gather the fields and points of the delimited records (at least one) into Drawings."""
    key_id = _gather(buf, rec_start, 0, 8).view("<u8").ravel()
    country = _gather(buf, rec_start, 8, 2)
    recognized = buf[rec_start + 10]
    seconds = _gather(buf, rec_start, 11, 4).view("<u4").ravel()
    point_offsets = offsets_from_lengths(stroke_points)
    n_points = int(point_offsets[-1])
    pos = np.arange(n_points) - np.repeat(point_offsets[:-1], stroke_points)
    x_at = np.repeat(stroke_start + 2, stroke_points) + pos
    y_at = x_at + np.repeat(stroke_points, stroke_points)
    points = np.empty((n_points, 2), dtype=np.int16)
    points[:, 0] = buf[x_at]
    points[:, 1] = buf[y_at]
    pen = np.zeros(n_points, dtype=np.int16)
    pen[point_offsets[1:][stroke_points > 0] - 1] = 1
    drawing_offsets = point_offsets[offsets_from_lengths(rec_strokes)]
    meta = _meta(key_id, country, recognized, seconds)
    return Drawings.from_absolute(Ragged(points, drawing_offsets), pen, meta)


def _meta(
    key_id: np.ndarray, country: np.ndarray, recognized: np.ndarray, seconds: np.ndarray
) -> pd.DataFrame:
    """The metadata of at least one record (non-ASCII country codes decode as U+FFFD)."""
    codes = np.ascontiguousarray(country).view("S2").ravel()
    countries = np.char.decode(np.char.rstrip(codes, b"\x00"), "ascii", errors="replace")
    stamps = np.datetime_as_string(seconds.astype("datetime64[s]"))
    return pd.DataFrame(
        {
            "key_id": pd.Series(key_id.astype(str), dtype="str"),
            "countrycode": pd.Series(countries, dtype="str"),
            "recognized": recognized.astype(bool),
            "timestamp": pd.Series(
                np.char.add(np.char.replace(stamps, "T", " "), " UTC"), dtype="str"
            ),
        }
    )


def _read_bounded(handle: Any, size: int, path: str, limits: ReadLimits) -> np.ndarray:
    """The ``size`` bytes of a regular file as a uint8 array, after checking the size.

    The file is read whole (records are delimited by a compiled pass over all of it), so
    its size is bounded by ``max_decompressed_bytes``; it is read into one buffer of that size
    (fewer bytes if the file shrank meanwhile, never more).
    """
    limits.check("max_decompressed_bytes", size, f"file has {size} bytes", path=path)
    buf = np.empty(size, dtype=np.uint8)
    view, got = buf.data, 0
    while got < size:
        n = handle.readinto(view[got:])
        if not n:
            break
        got += n
    return buf[:got]


def iter_bin(
    path: Any,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Drawings]:
    """Yield a ``.bin`` file's drawings in chunks of ``chunk_size`` (the file is parsed once).

    The ``bin`` format's registered reader (see :func:`strokedelta.io.iter_drawings`). The
    file is read whole, so its size is bounded by ``limits.max_decompressed_bytes`` (checked
    before reading); ``max_strokes`` and ``max_points`` bound each drawing (checked from its
    counts, before anything is allocated for it). An empty file has no drawings.

    Raises
    ------
    FileAccessError
        The file cannot be opened.
    FormatError
        A truncated file or a malformed drawing, naming the record (0-based) and the byte.
    ResourceLimitError
        The file or one drawing is over a limit.
    """
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    errors = check_errors(errors)
    name = str(path)
    size = regular_size(name)
    with open_binary_input(path) as handle:
        try:
            buf = _read_bounded(handle, size, name, limits)
        except OSError as exc:
            raise FileAccessError(f"cannot read file: {exc.strerror or exc}", path=name) from None
    yield from in_chunks(_parse_bin(buf, name, errors, report, limits), chunk_size)


# ----------------------------------------------------------------------------- writing
def _timestamps(meta: pd.DataFrame) -> np.ndarray:
    if "timestamp" not in meta.columns:
        return np.zeros(len(meta), dtype="<u4")
    text = meta["timestamp"].astype("string").str.removesuffix(" UTC")
    try:
        when = pd.to_datetime(text, format="ISO8601", utc=True)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            f"timestamp must be 'YYYY-MM-DD HH:MM:SS[.f] UTC' to write .bin; {exc}"
        ) from None
    elapsed = (when - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    seconds = elapsed.fillna(0).to_numpy(dtype=np.int64)
    if ((seconds < 0) | (seconds >= 2**32)).any():
        raise ValidationError("timestamp must lie in 1970..2106 to fit .bin's uint32 seconds")
    return seconds.astype("<u4")


def _key_ids(meta: pd.DataFrame) -> np.ndarray:
    if "key_id" not in meta.columns:
        return np.zeros(len(meta), dtype="<u8")
    text = meta["key_id"].astype("string").fillna("0").to_numpy(dtype=str)
    ok = np.char.isdigit(text) & (np.char.str_len(text) <= 20)
    if ok.all():
        try:
            return text.astype("<u8")
        except (ValueError, OverflowError):
            ok = np.array([v.isdigit() and int(v) < 2**64 for v in text.tolist()])
    bad = int(np.argmax(~ok))
    raise ValidationError(
        f"key_id must be an unsigned 64-bit integer to write .bin; got "
        f"{str(text[bad])!r} at drawing {bad}"
    )


def _countries(meta: pd.DataFrame) -> np.ndarray:
    if "countrycode" not in meta.columns:
        return np.zeros((len(meta), 2), dtype=np.uint8)
    text = meta["countrycode"].astype("string").fillna("").to_numpy(dtype=str)
    if len(text) and (np.char.str_len(text) > 2).any():
        bad = int(np.argmax(np.char.str_len(text) > 2))
        raise ValidationError(
            f"countrycode must have at most 2 letters to write .bin; got "
            f"{str(text[bad])!r} at drawing {bad}"
        )
    try:
        codes = np.char.encode(text, "ascii") if len(text) else np.zeros(0, "S2")
    except UnicodeEncodeError:
        raise ValidationError("countrycode must be ASCII letters to write .bin") from None
    return np.frombuffer(codes.astype("S2").tobytes(), dtype=np.uint8).reshape(-1, 2)


def _encode_bin(drawings: Drawings) -> bytes:
    """The ``.bin`` bytes of ``drawings`` (absolute coordinates must be integers in 0..255).

    Raises
    ------
    ValidationError
        Coordinates outside 0..255 or fractional, more than 65535 strokes or points, an
        empty drawing, or metadata that does not fit the format.
    """
    points = drawings.absolute().values
    if len(points) and (points.dtype.kind == "f" and not np.array_equal(points, np.round(points))):
        raise ValidationError(
            "points must be integers in 0..255 to write .bin (Quick, Draw! "
            "simplified data); got fractions: simplify first"
        )
    if len(points) and (points.min() < 0 or points.max() > 255):
        raise ValidationError(
            f"points must be integers in 0..255 to write .bin; got "
            f"{points.min()}..{points.max()}: simplify or rescale first"
        )
    if (drawings.lengths == 0).any():
        raise ValidationError(
            f"cannot write drawing {int(np.argmax(drawings.lengths == 0))} "
            "to .bin: it has no points"
        )
    bounds = stroke_offsets(drawings.pen, drawings.strokes.offsets)
    n_points = np.diff(bounds)
    first_stroke = np.searchsorted(bounds, drawings.strokes.offsets)
    n_strokes = np.diff(first_stroke)
    if len(n_points) and n_points.max() > 65535:
        raise ValidationError("a stroke has more than 65535 points; .bin cannot hold it")
    if len(n_strokes) and n_strokes.max() > 65535:
        raise ValidationError("a drawing has more than 65535 strokes; .bin cannot hold it")
    meta = drawings.meta
    stroke_bytes = 2 + 2 * n_points
    rec_bytes = (
        HEADER + np.add.reduceat(stroke_bytes, first_stroke[:-1])
        if len(n_strokes)
        else (np.zeros(0, dtype=np.int64))
    )
    rec_start = offsets_from_lengths(rec_bytes)
    buf = np.zeros(int(rec_start[-1]), dtype=np.uint8)
    starts = rec_start[:-1]
    cols = np.arange
    buf[starts[:, None] + cols(8)] = _key_ids(meta).astype("<u8").view(np.uint8).reshape(-1, 8)
    buf[starts[:, None] + 8 + cols(2)] = _countries(meta)
    if "recognized" in meta.columns:
        buf[starts + 10] = meta["recognized"].fillna(False).to_numpy(dtype=bool)
    buf[starts[:, None] + 11 + cols(4)] = _timestamps(meta).view(np.uint8).reshape(-1, 4)
    buf[starts[:, None] + 15 + cols(2)] = n_strokes.astype("<u2").view(np.uint8).reshape(-1, 2)
    # stroke k of drawing d starts after the header and the strokes before it in d
    within = offsets_from_lengths(stroke_bytes)
    stroke_at = np.repeat(starts + HEADER - within[first_stroke[:-1]], n_strokes) + within[:-1]
    buf[stroke_at[:, None] + cols(2)] = n_points.astype("<u2").view(np.uint8).reshape(-1, 2)
    pos = np.arange(len(points)) - np.repeat(bounds[:-1], n_points)
    x_at = np.repeat(stroke_at + 2, n_points) + pos
    buf[x_at] = points[:, 0]
    buf[x_at + np.repeat(n_points, n_points)] = points[:, 1]
    return buf.tobytes()


class BinWriter:
    """Append drawings to an open ``.bin`` file: the ``bin`` format's registered writer.

    Use it through :func:`strokedelta.io.open_writer`, which makes the output atomic.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._handle: IO[bytes] = open(self.path, "wb")  # noqa: SIM115

    def write(self, drawings: Drawings) -> None:
        """Write one batch of drawings."""
        self._handle.write(_encode_bin(drawings))
        self.count += len(drawings)

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    abort = close


def _no_drawings(path: Any) -> Drawings:
    """What reading gives when there are no drawings: int16 points, no columns."""
    return Drawings(Ragged(np.zeros((0, 3), dtype=np.int16), [0]))


register(
    DrawingsFormat(
        name="bin",
        description="Quick, Draw! binary",
        suffixes=(".bin",),
        read_chunks=iter_bin,
        writer=BinWriter,
        empty=_no_drawings,
        streams=False,
        keeps_time=False,
        keeps_splits=False,
    )
)
