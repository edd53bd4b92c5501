"""The registry of drawings formats: one :class:`DrawingsFormat` record per format.

Each format module (``quickdraw_ndjson``, ``quickdraw_bin``, ``sketchrnn_npz``, ``parquet``)
builds its record and calls :func:`register` when it is imported; the generic functions of
:mod:`strokedelta.io.drawings_files` find a file's record with :func:`format_for` and never name
a format. Adding a format is one new module that registers itself, plus its import in
``strokedelta/io/__init__.py``.

Examples
--------
>>> ndjson = format_for("cat.ndjson.gz")
>>> ndjson.name, ndjson.keeps_time, ndjson.keeps_splits, ndjson.streams
('ndjson', True, True, True)
>>> [f.name for f in formats() if not f.keeps_splits]
['bin']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from strokedelta._files import suffix_of
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.sketch import Drawings

__all__ = [
    "DrawingsFormat",
    "DrawingsWriter",
    "format_for",
    "formats",
    "in_chunks",
    "refuse_empty_drawings",
    "register",
    "suffixes",
]

#: The path that stands for standard input.
STDIN = "-"


class _Sliceable(Protocol):
    """Anything with ``len`` and slicing: Drawings, Ragged, sequences."""

    def __len__(self) -> int: ...  # pragma: no cover

    def __getitem__(self, index: slice, /) -> Any: ...  # pragma: no cover


_Items = TypeVar("_Items", bound=_Sliceable)


class DrawingsWriter(Protocol):
    """What a format's writer is: ``write`` batches, ``count`` drawings written."""

    count: int

    def write(self, drawings: Drawings) -> None: ...  # pragma: no cover

    def close(self) -> None: ...  # pragma: no cover

    def abort(self) -> None: ...  # pragma: no cover


@dataclass(frozen=True)
class DrawingsFormat:
    """One format of drawings files: how to recognise, read and write it, and what it keeps.

    Parameters
    ----------
    name : str
        Short name (``format_of`` returns it).
    description : str
        What the format is, for tables and help.
    suffixes : tuple of str
        Lower-case extensions, as listed in ``READ_FORMATS`` and ``WRITE_FORMATS``.
    read_chunks : callable
        ``read_chunks(path, *, errors, report, limits[, chunk_size][, split])`` yields the file's
        :class:`Drawings` in chunks (``chunk_size`` drawings or lines; the format's default
        when not given). ``split`` is passed only when ``selects_split``.
    writer : callable
        ``writer(path, **options)`` returns a :class:`DrawingsWriter` writing to ``path`` (a
        temporary file renamed into place on success); called with ``gzip=True`` when the
        target's suffix ends in ``.gz``.
    empty : callable
        ``empty(path)`` is what reading gives when the file, or the split asked for, holds no
        drawings: the file's layout where the format records one.
    streams : bool
        Memory is bounded by a chunk when reading; otherwise the file is parsed whole and its
        chunks are slices of it (reading the whole file then takes one chunk).
    keeps_time : bool
        Raw data's per-point times are written and read back.
    keeps_splits : bool
        The ``split`` column is written and read back; writing drawings with splits to a
        format without it is refused unless ``merge_splits=True``
        (:func:`strokedelta.io.open_writer`).
    selects_split : bool
        ``read_chunks`` takes ``split=`` and reads that split only; otherwise the generic
        reader keeps the rows whose ``split`` column equals it.
    aliases : tuple of str
        Further extensions accepted but not listed (``.pq`` for Parquet).
    reads_stdin : bool
        ``-`` reads this format from standard input.
    """

    name: str
    description: str
    suffixes: tuple[str, ...]
    read_chunks: Callable[..., Iterator[Drawings]]
    writer: Callable[..., DrawingsWriter]
    empty: Callable[[Any], Drawings]
    streams: bool
    keeps_time: bool
    keeps_splits: bool
    selects_split: bool = False
    aliases: tuple[str, ...] = ()
    reads_stdin: bool = False

    def recognised(self) -> tuple[str, ...]:
        """Every path suffix this format answers to (``-`` for standard input included)."""
        return (*self.suffixes, *self.aliases, *((STDIN,) if self.reads_stdin else ()))


#: Formats in registration order, by name.
_REGISTERED: dict[str, DrawingsFormat] = {}


def register(fmt: DrawingsFormat) -> DrawingsFormat:
    """Add ``fmt`` to the registry (a format module calls this once, at import).

    Raises
    ------
    ValidationError
        When its name or one of its suffixes is registered already.
    """
    taken = {s: f.name for f in _REGISTERED.values() for s in f.recognised()}
    clash = sorted(set(fmt.recognised()) & set(taken))
    if fmt.name in _REGISTERED or clash:
        owner = fmt.name if fmt.name in _REGISTERED else taken[clash[0]]
        raise ValidationError(
            f"format {fmt.name!r} must have a new name and new suffixes; got "
            f"{clash or fmt.name!r}, registered by {owner!r}"
        )
    _REGISTERED[fmt.name] = fmt
    return fmt


def formats() -> tuple[DrawingsFormat, ...]:
    """Every registered format, in registration order."""
    return tuple(_REGISTERED.values())


def suffixes() -> tuple[str, ...]:
    """The listed suffixes of every format, in registration order."""
    return tuple(s for f in _REGISTERED.values() for s in f.suffixes)


def format_for(path: Any) -> DrawingsFormat:
    """The registered format of ``path``, from its extension (``-`` is standard input).

    Raises
    ------
    FormatError
        When no format answers to the extension.

    Examples
    --------
    >>> format_for("x.PQ").name
    'parquet'
    >>> format_for("notes.txt")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.FormatError: notes.txt: unknown drawings format '.txt';
        use .ndjson, .ndjson.gz, .bin, .npz, .parquet
    """
    suffix = suffix_of(path)
    for fmt in _REGISTERED.values():
        if suffix in fmt.recognised():
            return fmt
    raise FormatError(
        f"unknown drawings format {suffix!r}; use " + ", ".join(suffixes()), path=str(path)
    )


def in_chunks(items: _Items, size: int) -> Iterator[_Items]:
    """Yield ``items`` in slices of at most ``size`` (itself when it fits; nothing if empty).

    The chunked reader of a format that parses a whole file at once.

    Examples
    --------
    >>> list(in_chunks("abcde", 2)), list(in_chunks("abc", 5)), list(in_chunks("", 5))
    (['ab', 'cd', 'e'], ['abc'], [])
    """
    if len(items) <= size:
        if len(items):
            yield items
        return
    for start in range(0, len(items), size):
        yield items[start : start + size]


def refuse_empty_drawings(drawings: Drawings, fmt: str, *, start: int = 0) -> None:
    """Refuse a drawing without points: every reader refuses (or skips) one, so no writer
    writes one (a Sketch-RNN ``.npz`` entry of shape ``(0, 3)`` breaks magenta's loader).

    ``start`` is the index in the output of the first of ``drawings`` (a streaming writer's
    count so far); the error names the first empty drawing by that index and its ``key_id``.

    Raises
    ------
    ValidationError
        A drawing has no points.

    Examples
    --------
    >>> import pandas as pd
    >>> from strokedelta.ragged import Ragged
    >>> d = Drawings(Ragged(np.array([[1, 2, 1]]), [0, 1, 1]), pd.DataFrame({"key_id": ["7", "8"]}))
    >>> refuse_empty_drawings(d, "npz", start=10)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: cannot write drawing 11 (key_id 8) as npz: it has no
        points (filter empty drawings out first)
    """
    empty = drawings.strokes.lengths == 0
    if not empty.any():
        return
    at = int(np.argmax(empty))
    key = ""
    if "key_id" in drawings.meta.columns and not pd.isna(drawings.meta["key_id"].iloc[at]):
        key = f" (key_id {drawings.meta['key_id'].iloc[at]})"
    raise ValidationError(
        f"cannot write drawing {start + at}{key} as {fmt}: it has no points "
        "(filter empty drawings out first)"
    )
