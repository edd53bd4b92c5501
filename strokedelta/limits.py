"""Resource limits of the readers: how big one drawing, line, member or nesting may be.

Every reader checks its input against a :class:`ReadLimits` **before** allocating for it, so a
hostile or broken file fails fast, in bounded memory, with
:class:`~strokedelta.exceptions.ResourceLimitError` (exit status 3 from the CLI). The defaults
are far above anything in the Quick, Draw! and Sketch-RNN datasets (the largest raw drawing there
has a few thousand points) and far below what exhausts a laptop. Raise one with
``ReadLimits(max_points=...)`` in Python or ``--limit max_points=...`` on the command line.

Examples
--------
>>> limits = ReadLimits(max_points=10)
>>> limits.check("max_points", 12, "drawing has 12 points", path="cat.ndjson", line=4)
Traceback (most recent call last):
...
strokedelta.exceptions.ResourceLimitError: cat.ndjson, line 4: drawing has 12 points, over the
    limit max_points=10 (raise it with --limit max_points=N or ReadLimits(max_points=N))
>>> ReadLimits.parse(["max_points=20", "max_depth=8"]).max_points
20
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from strokedelta._validation import check_int, fail
from strokedelta.exceptions import ResourceLimitError

__all__ = ["DEFAULT_LIMITS", "ReadLimits"]

_MIB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """The limits every reader enforces.

    Parameters
    ----------
    max_points : int
        Points in one drawing (all strokes together).
    max_strokes : int
        Strokes in one drawing.
    max_line_bytes : int
        Bytes in one line of a text format (one ndjson drawing, one CSV row). The largest
        raw Quick, Draw! line is tens of KB; parsing a line with :func:`json.loads` takes up to
        about 20 times its size in memory, so 16 MiB keeps one line under ~350 MB.
    max_decompressed_bytes : int
        Bytes one compressed stream or archive member may expand to (gzip, npz members).
    max_ratio : int
        How many times its compressed size a stream or member may expand to, once it has
        expanded past 64 MiB (real ndjson and npz compress 3-15x; bombs 1000x and more).
    max_depth : int
        Nesting depth of JSON values (a drawing is 4 deep: drawing, stroke, axis, value).
    max_pickle_bytes : int
        Bytes of one pickled object array (an npz member), checked before unpickling.
    max_columns : int
        Columns of one table (CSV header, Parquet schema). pandas spends time and memory on
        every column even with no rows, so a header of a huge number of short names is slow
        to read; the default is Excel's column limit.
    """

    max_points: int = 10_000_000
    max_strokes: int = 1_000_000
    max_line_bytes: int = 16 * _MIB
    max_decompressed_bytes: int = 64 * 1024 * _MIB
    max_ratio: int = 1000
    max_depth: int = 32
    max_pickle_bytes: int = 4 * 1024 * _MIB
    max_columns: int = 16_384

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            check_int(field.name, getattr(self, field.name), minimum=1)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The limit names, as ``--limit NAME=N`` takes them."""
        return tuple(field.name for field in dataclasses.fields(cls))

    @classmethod
    def parse(cls, items: Iterable[str], base: ReadLimits | None = None) -> ReadLimits:
        """Limits from ``NAME=N`` texts (the CLI's ``--limit``), the others from ``base``.

        Examples
        --------
        >>> ReadLimits.parse(["max_lines=3"])
        Traceback (most recent call last):
        ...
        strokedelta.exceptions.ValidationError: --limit must be NAME=N with NAME one of
            max_points, max_strokes, max_line_bytes, max_decompressed_bytes, max_ratio,
            max_depth, max_pickle_bytes, max_columns; got 'max_lines=3'
        """
        changes: dict[str, int] = {}
        for item in items:
            name, _, value = item.partition("=")
            name = name.strip().replace("-", "_")
            if name not in cls.names() or not value.strip().isdigit():
                expected = "be NAME=N with NAME one of " + ", ".join(cls.names())
                raise fail("--limit", expected, repr(item))
            changes[name] = int(value)
        return dataclasses.replace(base or DEFAULT_LIMITS, **changes)

    def check(self, name: str, value: int, what: str, **where: Any) -> None:
        """Raise ResourceLimitError when ``value`` exceeds the limit ``name``.

        ``what`` says what was found (``"drawing has 12 points"``); ``where`` names the place
        (``path``, ``line``, ``record``) as :class:`~strokedelta.exceptions.FormatError` does.
        """
        limit = getattr(self, name)
        if value > limit:
            raise ResourceLimitError(what, limit=name, value=limit, **where)


#: The limits used when a reader is given none.
DEFAULT_LIMITS = ReadLimits()
