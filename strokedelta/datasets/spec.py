"""What a dataset build asks for: the splits, the filters, the output format.

:func:`parse_splits` reads ``"70000,2500,2500"`` (drawings per category for train, valid, test)
or ``"0.9,0.05,0.05"`` (fractions of each category); :class:`Splits` turns the drawings a
category has into the size of each split, filling **test first, then valid, then train**, so a
small category keeps full test and valid sets. :class:`Filters` holds the drawing filters and
:class:`BuildSpec` everything a build's per-file and per-category steps need (it is small and
pickles, so it travels to Dask workers as it is).

Examples
--------
>>> parse_splits("70000,2500,2500").sizes(5200)
(200, 2500, 2500)
>>> parse_splits("0.9,0.05,0.05").sizes(1001)
(901, 50, 50)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from strokedelta._validation import check_choice, check_int, check_number, fail

__all__ = ["FORMATS", "BuildSpec", "Filters", "Splits", "parse_splits"]

#: The output formats of a build.
FORMATS = ("npz", "parquet", "bitmap")


@dataclass(frozen=True)
class Splits:
    """Split sizes per category: ``counts`` (train, valid, test) or ``fractions`` (exact).

    Examples
    --------
    >>> Splits(counts=(10, 2, 2)).sizes(3), Splits(counts=(10, 2, 2)).need
    ((0, 1, 2), 14)
    """

    counts: tuple[int, int, int] | None = None
    fractions: tuple[Fraction, Fraction, Fraction] | None = None

    @property
    def need(self) -> int | None:
        """The most drawings a category can use (``None`` for fractions: all of them)."""
        return None if self.counts is None else sum(self.counts)

    def sizes(self, pool: int) -> tuple[int, int, int]:
        """(train, valid, test) sizes for a category with ``pool`` usable drawings."""
        if self.counts is not None:
            train, valid, test = self.counts
            n_test = min(test, pool)
            n_valid = min(valid, pool - n_test)
            return min(train, pool - n_test - n_valid), n_valid, n_test
        assert self.fractions is not None
        f_train, f_valid, f_test = self.fractions
        half = Fraction(1, 2)
        n_test = min(pool, int(pool * f_test + half))
        n_valid = min(pool - n_test, int(pool * f_valid + half))
        rest = pool - n_test - n_valid
        n_train = rest if sum(self.fractions) == 1 else min(rest, int(pool * f_train + half))
        return n_train, n_valid, n_test

    def asked(self, pool: int) -> tuple[int, int, int]:
        """The sizes asked for (counts), or those fractions give (never a shortfall)."""
        return self.counts if self.counts is not None else self.sizes(pool)

    def method(self) -> str:
        """How the splits are cut, in words (the manifest's ``split_method``)."""
        rank = (
            "by rank (a keyed hash of the seed and the drawing's key_id, or its file and "
            "position): the lowest-ranked go to test, the next to valid, the next to train"
        )
        if self.counts is not None:
            return f"counts per category, {rank}; a small category fills test, then valid"
        return (
            "exact counts from fractions of each category's pool P (its drawings after the "
            "filters, repeats and --limit): test round(P * test), valid round(P * valid), "
            "train the rest (round(P * train) when the fractions sum to less than 1), rounding "
            f"halves up, cut {rank}; the category is read in bounded runs of rank buckets"
        )

    def text(self) -> str:
        """As given on the command line."""
        values = self.counts if self.counts is not None else self.fractions
        return ",".join(str(v) if isinstance(v, int) else str(float(v)) for v in values or ())


def parse_splits(value: Any) -> Splits:
    """Read ``"TRAIN,VALID,TEST"``: three counts (integers) or three fractions summing to <= 1.

    Examples
    --------
    >>> parse_splits((7, 1, 1)).counts
    (7, 1, 1)
    >>> parse_splits("0.5,0.6,0")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: splits must be three fractions summing to at most 1;
        got '0.5,0.6,0'
    """
    if isinstance(value, Splits):
        return value
    parts = value.split(",") if isinstance(value, str) else list(value)
    shown = repr(value if isinstance(value, str) else ",".join(map(str, parts)))
    if len(parts) != 3:
        raise fail("splits", "be three numbers TRAIN,VALID,TEST such as 70000,2500,2500", shown)
    texts = [str(p).strip() for p in parts]
    if all(t.isdigit() for t in texts):
        if not any(int(t) for t in texts):
            raise fail("splits", "keep some drawings", shown)
        return Splits(counts=(int(texts[0]), int(texts[1]), int(texts[2])))
    try:
        fractions = tuple(Fraction(t) for t in texts)
    except (ValueError, ZeroDivisionError):
        raise fail(
            "splits", "be three counts or three fractions such as 0.9,0.05,0.05", shown
        ) from None
    if any(f < 0 or f > 1 for f in fractions) or sum(fractions) > 1:
        raise fail("splits", "be three fractions summing to at most 1", shown)
    if sum(fractions) == 0:
        raise fail("splits", "keep some drawings", shown)
    return Splits(fractions=(fractions[0], fractions[1], fractions[2]))


def _names(name: str, value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    names = frozenset(str(v).strip() for v in items if str(v).strip())
    if not names:
        raise fail(name, "name at least one value", repr(value))
    return names


@dataclass(frozen=True)
class Filters:
    """Which drawings a build keeps, applied in this order, each counted in the manifest.

    ``words`` (the category), ``countries`` (``countrycode``), ``recognized``, ``simplify``
    (Google's recipe with RDP tolerance ``epsilon``), ``min_len`` / ``max_len`` (stroke-3 rows
    after simplification) and ``limit`` (the best-ranked drawings per category).
    """

    words: Collection[str] | None = None
    countries: Collection[str] | None = None
    recognized: bool = False
    simplify: bool = False
    epsilon: float = 2.0
    min_len: int | None = None
    max_len: int | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", _names("words", self.words))
        object.__setattr__(self, "countries", _names("countries", self.countries))
        check_number("epsilon", self.epsilon, minimum=0)
        for name in ("min_len", "max_len"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), minimum=0)
        if self.min_len is not None and self.max_len is not None and self.min_len > self.max_len:
            raise fail("min_len", f"be <= max_len ({self.max_len})", self.min_len)
        if self.limit is not None:
            check_int("limit", self.limit, minimum=1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, sets as sorted lists."""
        out = asdict(self)
        for name in ("words", "countries"):
            out[name] = None if out[name] is None else sorted(out[name])
        return out


@dataclass(frozen=True)
class BuildSpec:
    """Everything the per-file and per-category steps of a build need."""

    splits: Splits
    format: str = "npz"
    seed: int = 0
    filters: Filters = field(default_factory=Filters)
    row_group_size: int = 10_000
    bitmap_size: int = 28

    def __post_init__(self) -> None:
        check_choice("format", self.format, FORMATS)
        check_int("seed", self.seed, minimum=0)
        check_int("row_group_size", self.row_group_size, minimum=1)
        check_int("bitmap_size", self.bitmap_size, minimum=1)

    @property
    def keep(self) -> int | None:
        """The most drawings per category worth keeping while scanning (``None``: all)."""
        bounds = [b for b in (self.splits.need, self.filters.limit) if b is not None]
        return min(bounds) if bounds else None
