"""Sketch-RNN ``.npz`` files (keys ``train``, ``valid``, ``test``), read without running code.

Each key is a 1-D object array of stroke-3 ``(n, 3)`` arrays (int16, or float64 in one public
file). Object arrays are stored as pickles, and ``np.load(allow_pickle=True)`` runs whatever
callable a pickle names. This reader never does: it opens the zip itself, parses every
``.npy`` header, and unpickles object arrays with :class:`SafeUnpickler`, whose ``find_class``
admits only the few names that numpy's array pickles use, each replaced by a checker of the
exact arguments numpy writes (:mod:`strokedelta.io._npz_pickle`). Anything else raises
:class:`~strokedelta.UnsafeFileError` naming the file, the key and the forbidden global,
before anything is called. Members are read in bounded pieces, checked against the limits
and against the sizes their headers declare (:mod:`strokedelta.io._npz_zip`).

Writing produces int16 elements (refusing values that do not fit, with the range found) or
float64 elements for float data, pickled so that both this reader and magenta's
``np.load(path, allow_pickle=True, encoding="latin1")`` read them.

This module registers the ``npz`` format; read and write it with
:func:`strokedelta.io.read_drawings` and :func:`strokedelta.io.write_drawings`.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.io import read_drawings, write_drawings
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]]]])
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.npz"
>>> write_drawings(d, path)
>>> back = read_drawings(path)
>>> back.meta["split"].tolist(), back[0].dtype.name
(['train', 'train'], 'int16')
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._validation import check_choice, check_int
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io._npz_pickle import ALLOWED_GLOBALS, SafeUnpickler
from strokedelta.io._npz_zip import open_npz, read_split
from strokedelta.io.read_report import ReadReport, check_errors, raise_or_record
from strokedelta.io.registry import DrawingsFormat, in_chunks, refuse_empty_drawings, register
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch.drawings import SPLITS, Drawings, check_split_labels
from strokedelta.sketch.stroke3_checks import stroke3_problems

__all__ = ["ALLOWED_GLOBALS", "DEFAULT_CHUNK", "NpzWriter", "SafeUnpickler", "iter_npz"]

#: Drawings per chunk when reading (the file is read whole; chunks are slices of it).
DEFAULT_CHUNK = 100_000

#: The time stamp of every member written (zip's earliest): outputs depend on the data only.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

#: numpy's own array constructor, named in the pickles this module writes.
_RECONSTRUCT = np._core.multiarray._reconstruct  # type: ignore[attr-defined]


def _split_drawings(
    array: np.ndarray, path: str, key: str, errors: str, report: ReadReport | None
) -> tuple[Ragged, np.ndarray]:
    """Flatten one split's object array into a Ragged; returns (strokes, kept indices)."""
    if array.dtype != object or array.ndim != 1:
        raise FormatError(
            f"key {key} must be a 1-D object array of (n, 3) stroke-3 arrays; "
            f"got {array.dtype} {array.shape}",
            path=path,
        )
    shapes_ok = np.fromiter(map(_is_stroke3, array), dtype=bool, count=len(array))
    keep = np.flatnonzero(shapes_ok)
    for i in np.flatnonzero(~shapes_ok).tolist():
        got = array[i]
        what = f"{got.dtype} {got.shape}" if isinstance(got, np.ndarray) else type(got).__name__
        raise_or_record(
            FormatError(
                f"key {key}: expected an (n, 3) numeric array; got {what}", path=path, record=i
            ),
            errors,
            report,
        )
    good = list(array[keep])
    lengths = np.fromiter(map(len, good), dtype=np.int64, count=len(good))
    values = np.concatenate(good) if good else np.zeros((0, 3), np.int16)
    return Ragged(values, offsets_from_lengths(lengths)), keep


def _is_stroke3(item: Any) -> bool:
    return (
        isinstance(item, np.ndarray)
        and item.ndim == 2
        and item.shape[1] == 3
        and item.dtype.kind in "iuf"
    )


def _check_limits(
    strokes: Ragged, kept: np.ndarray, path: str, key: str, limits: ReadLimits
) -> None:
    """Refuse a drawing with more points or strokes (pen-up rows) than ``limits`` allow."""
    lengths = strokes.lengths
    ups = np.concatenate([[0], np.cumsum(strokes.values[:, 2] == 1)])
    per_drawing = {
        "max_points": (lengths, "points"),
        "max_strokes": (ups[strokes.offsets[1:]] - ups[strokes.offsets[:-1]], "strokes"),
    }
    for name, (counts, noun) in per_drawing.items():
        if len(counts) and counts.max() > getattr(limits, name):
            i = int(np.argmax(counts > getattr(limits, name)))
            text = f"key {key}: drawing has {int(counts[i])} {noun}"
            limits.check(name, int(counts[i]), text, path=path, record=int(kept[i]))


def iter_npz(
    path: Any,
    *,
    split: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Drawings]:
    """Yield a Sketch-RNN ``.npz``'s drawings in chunks, read safely (no code from it runs).

    The ``npz`` format's registered reader (see :func:`strokedelta.io.iter_drawings`).

    Parameters
    ----------
    path : str or Path
    split : {"train", "valid", "test"}, optional
        Read one split; by default all splits present, in that order.
    chunk_size : int
        Drawings per chunk (the file is read whole; chunks are slices of it).
    errors : {"raise", "skip"}
        Stop at (or skip and count) drawings that are not ``(n, 3)`` arrays, hold pen values
        other than 0 / 1, NaN / infinity, or no points. A broken archive or member is an
        error either way.
    report : ReadReport, optional
        Receives the skipped drawings and their reasons.
    limits : ReadLimits
        Each member's declared and actual size (``max_decompressed_bytes``, ``max_ratio``),
        its pickle (``max_pickle_bytes``), and each drawing (``max_points``, ``max_strokes``).

    Yields
    ------
    Drawings
        ``meta`` has a ``split`` column.

    Raises
    ------
    UnsafeFileError
        A pickle asks for anything beyond numpy arrays.
    FileAccessError
        The file cannot be opened.
    FormatError
        Not a zip, a malformed member (bad CRC, lying size, encrypted, unknown compression,
        duplicate name, truncated), or a bad drawing (naming key and record).
    ResourceLimitError
        A member, its pickle or a drawing is over a limit.
    """
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    errors = check_errors(errors)
    if split is not None:
        check_choice("split", split, SPLITS)
    yield from in_chunks(_read_npz(str(path), split, errors, report, limits), chunk_size)


def _read_npz(
    name: str,
    split: str | None,
    errors: str,
    report: ReadReport | None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Drawings:
    """Read the splits of a Sketch-RNN ``.npz`` (all present, or ``split``) into one Drawings."""
    with open_npz(name) as archive:
        members = {i.filename[:-4]: i for i in archive.infolist() if i.filename.endswith(".npy")}
        keys = [split] if split is not None else [k for k in SPLITS if k in members]
        if not keys or any(k not in members for k in keys):
            raise FormatError(
                f"has keys {sorted(members)}; expected {'/'.join(SPLITS)}"
                if split is None
                else f"has no key {split!r}; keys are {sorted(members)}",
                path=name,
            )
        parts = [
            _read_key(archive, members[key], name, key, errors, report, limits) for key in keys
        ]
    return parts[0] if len(parts) == 1 else Drawings.concat(parts)


def _read_key(
    archive: Any,
    info: Any,
    name: str,
    key: str,
    errors: str,
    report: ReadReport | None,
    limits: ReadLimits,
) -> Drawings:
    """One split: its member read and checked, bad drawings raised or skipped."""
    array = read_split(archive, info, name, key, limits)
    strokes, kept = _split_drawings(array, name, key, errors, report)
    _check_limits(strokes, kept, name, key, limits)
    bad, messages = stroke3_problems(strokes, allow_empty=False)
    for i, message in zip(bad.tolist(), messages):
        raise_or_record(
            FormatError(f"key {key}: {message}", path=name, record=int(kept[i])), errors, report
        )
    if len(bad):
        mask = np.ones(len(strokes), dtype=bool)
        mask[bad] = False
        strokes = strokes[mask]
    meta = pd.DataFrame({"split": pd.Series([key] * len(strokes), dtype="str")})
    return Drawings(strokes, meta)


# ----------------------------------------------------------------------------- writing
_PurePickler: Any = pickle._Pickler


class _CompatPickler(_PurePickler):
    """Pickles arrays naming ``numpy.core.multiarray._reconstruct``, as numpy 1.x does.

    numpy 2 writes ``numpy._core...``, which numpy < 1.26 (magenta's era) cannot import;
    numpy 2 still reads the classic name, so this keeps the files loadable everywhere.
    """

    def save_global(self, obj: Any, name: str | None = None) -> None:
        if obj is _RECONSTRUCT:
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


def _element_dtype(values: np.ndarray) -> np.dtype[Any]:
    if values.dtype.kind == "f":
        return np.dtype(np.float64)
    if len(values) and (values.min() < -32768 or values.max() > 32767):
        raise ValidationError(
            f"stroke-3 values must fit int16 to write a Sketch-RNN .npz; got "
            f"{values.min()}..{values.max()}: clamp them (preprocess.clamp) or convert to "
            "float first"
        )
    return np.dtype(np.int16)


def _object_array(strokes: Ragged) -> np.ndarray:
    dtype = _element_dtype(strokes.values)
    values = strokes.values.astype(dtype, copy=False)
    pieces = np.split(values, strokes.offsets[1:-1]) if len(strokes) else []
    return np.fromiter(pieces, dtype=object, count=len(pieces))


def _npy_bytes(array: np.ndarray) -> bytes:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|O", "fortran_order": False, "shape": array.shape}
    )
    body = io.BytesIO()
    _CompatPickler(body, protocol=3).dump(array)
    return header.getvalue() + body.getvalue()


def _write_splits(drawings: Drawings, path: Path) -> None:
    """Write the splits of ``drawings`` (its ``split`` column, else all in ``train``).

    Each key holds its drawings in their order in ``drawings``; a drawing without a split in
    a ``split`` column is refused (it would silently join a split).
    """
    if "split" in drawings.meta.columns:
        labels = check_split_labels(drawings.meta["split"], allow_missing=False)
    else:
        labels = np.full(len(drawings), "train")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for key in SPLITS:
            part = drawings.strokes[labels == key]
            # a fixed member time: the same drawings give the same bytes
            member = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_TIME)
            member.external_attr = 0o644 << 16
            archive.writestr(member, _npy_bytes(_object_array(part)))


class NpzWriter:
    """Collect drawings and write them as one ``.npz`` on :meth:`close` (zip needs it all).

    The ``npz`` format's registered writer: use it through :func:`strokedelta.io.open_writer`,
    which makes the output atomic. The ``split`` column chooses each drawing's key (all go to
    ``train`` without one); elements are int16 (refusing values outside int16) or float64.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._parts: list[Drawings] = []

    def write(self, drawings: Drawings) -> None:
        """Add one batch (written on close)."""
        refuse_empty_drawings(drawings, "a Sketch-RNN .npz", start=self.count)
        _element_dtype(drawings.strokes.values)
        if "split" in drawings.meta.columns:
            check_split_labels(drawings.meta["split"], allow_missing=False)
        self._parts.append(drawings)
        self.count += len(drawings)

    def close(self) -> None:
        """Write the file."""
        parts = self._parts or [Drawings(Ragged(np.zeros((0, 3), np.int16), [0]))]
        _write_splits(Drawings.concat(parts) if len(parts) > 1 else parts[0], self.path)

    def abort(self) -> None:
        """Drop what was collected."""
        self._parts = []


def _no_drawings(path: Any) -> Drawings:
    """What reading gives when there are no drawings: int16 points and the ``split`` column."""
    meta = pd.DataFrame({"split": pd.Series([], dtype="str")})
    return Drawings(Ragged(np.zeros((0, 3), np.int16), [0]), meta)


register(
    DrawingsFormat(
        name="npz",
        description="Sketch-RNN stroke-3 splits",
        suffixes=(".npz",),
        read_chunks=iter_npz,
        writer=NpzWriter,
        empty=_no_drawings,
        streams=False,
        keeps_time=False,
        keeps_splits=True,
        selects_split=True,
    )
)
