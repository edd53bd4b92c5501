"""The :class:`Drawings` container: many sketches as one ragged stroke-3 batch plus metadata.

Examples
--------
>>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]], [[2], [5]]]])
>>> len(d), d.strokes.lengths.tolist(), d.n_strokes.tolist()
(2, [2, 2], [1, 2])
>>> d[1].tolist()
[[1, 1, 1], [1, 4, 1]]
>>> d.to_polylines()[1]
[[[1], [1]], [[2], [5]]]
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._validation import check_array, fail
from strokedelta.delta import from_deltas, to_deltas
from strokedelta.exceptions import ValidationError
from strokedelta.ragged import Ragged
from strokedelta.sketch.formats import flatten_polylines, stroke_offsets
from strokedelta.sketch.stroke3_checks import stroke3_problems

__all__ = ["META_COLUMNS", "SPLITS", "Drawings", "check_drawings", "check_split_labels"]

#: The metadata columns the Quick, Draw! formats carry (``split`` is added for Sketch-RNN npz).
META_COLUMNS = ("key_id", "word", "countrycode", "recognized", "timestamp")
#: The splits of a training set, in the order Sketch-RNN stores them (the ``split`` column).
SPLITS = ("train", "valid", "test")


def check_split_labels(split: Any, *, allow_missing: bool = True) -> np.ndarray:
    """A ``split`` column as a numpy array of text (``""`` where missing), checked.

    Every label must be one of :data:`SPLITS`; a missing one (None / NaN) is refused unless
    ``allow_missing``.

    Examples
    --------
    >>> check_split_labels(["train", None, "test"]).tolist()
    ['train', '', 'test']
    >>> check_split_labels(["train", "dev"])
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: split must be one of train, valid, test; got 'dev'
        (drawing 1)
    >>> check_split_labels(["train", None], allow_missing=False)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: split must be given for every drawing (or for
        none); got no split for drawing 1
    """
    column = pd.Series(split, dtype="object")
    missing = column.isna().to_numpy()
    if missing.any() and not allow_missing:
        first = int(np.argmax(missing))
        raise fail(
            "split", "be given for every drawing (or for none)", f"no split for drawing {first}"
        )
    labels = column.where(~missing, "").astype(str).to_numpy(dtype=object)
    unknown = ~missing & ~np.isin(labels, SPLITS)
    if unknown.any():
        first = int(np.argmax(unknown))
        got = f"{labels[first]!r} (drawing {first})"
        raise fail("split", f"be one of {', '.join(SPLITS)}", got)
    return labels.astype(str) if len(labels) else np.zeros(0, dtype="<U5")


def _check_strokes(strokes: Any) -> Ragged:
    if not isinstance(strokes, Ragged):
        raise fail("strokes", "be a Ragged of stroke-3 rows", type(strokes).__name__)
    check_array("strokes", strokes.values, ndim=2, columns=3, kinds="iuf")
    bad, messages = stroke3_problems(strokes)
    if len(bad):
        raise ValidationError(f"strokes of drawing {int(bad[0])}: {messages[0]}")
    return strokes


def check_drawings(drawings: Any) -> Drawings:
    """Return ``drawings`` if it is a :class:`Drawings`, else raise ValidationError.

    Examples
    --------
    >>> check_drawings([1, 2])
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: drawings must be a Drawings; got list
    """
    if not isinstance(drawings, Drawings):
        raise fail("drawings", "be a Drawings", type(drawings).__name__)
    return drawings


class Drawings:
    """Many drawings: stroke-3 points in one :class:`~strokedelta.Ragged`, metadata in a table.

    Parameters
    ----------
    strokes : Ragged
        Values ``(N, 3)`` stroke-3 ``[dx, dy, pen]`` (pen 1 = the pen lifts after this point;
        the first row of a drawing is the offset of its first point from the origin), int16 /
        int32 / int64 or float64.
    meta : DataFrame, optional
        One row per drawing (the index is reset to a RangeIndex); columns a subset of
        ``key_id`` (str), ``word``, ``countrycode``, ``recognized`` (bool), ``timestamp``
        (Google's text), plus ``split`` for Sketch-RNN data. May have no columns.
    time : Ragged, optional
        Values ``(N,)`` int64 milliseconds since the drawing's first point (raw Quick, Draw!),
        with the same offsets as ``strokes``.
    attrs : dict, optional
        JSON-serialisable preprocessing parameters, e.g. ``{"scale_factor": 18.52}``.

    Notes
    -----
    Integer drawings convert to and from absolute points exactly. Float coordinates are
    stored as float64 differences: they come back exactly when the differences are exact in
    float64 (true for Quick, Draw!'s raw coordinates, which are float32 values of similar
    magnitude), and otherwise within a few ulps.

    Examples
    --------
    >>> import numpy as np
    >>> from strokedelta import Ragged
    >>> d = Drawings(Ragged(np.array([[5, 5, 0], [1, 0, 1]]), [0, 2]))
    >>> d.absolute()[0].tolist(), d.pen.tolist()
    ([[5, 5], [6, 5]], [0, 1])
    """

    __slots__ = ("attrs", "meta", "strokes", "time")

    def __init__(
        self,
        strokes: Ragged,
        meta: pd.DataFrame | None = None,
        *,
        time: Ragged | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        strokes = _check_strokes(strokes)
        if strokes.ids is not None:
            strokes = Ragged(strokes.values, strokes.offsets)
        if meta is None:
            meta = pd.DataFrame(index=pd.RangeIndex(len(strokes)))
        elif not isinstance(meta, pd.DataFrame):
            raise fail("meta", "be a pandas DataFrame", type(meta).__name__)
        elif len(meta) != len(strokes):
            raise fail("meta", f"have one row per drawing ({len(strokes)})", f"{len(meta)} rows")
        elif not isinstance(meta.index, pd.RangeIndex) or meta.index.start != 0:
            meta = meta.reset_index(drop=True)
        if time is not None:
            if not isinstance(time, Ragged) or time.values.ndim != 1:
                raise fail("time", "be a Ragged of (N,) values", type(time).__name__)
            if not np.array_equal(time.offsets, strokes.offsets):
                raise fail("time", "have the same offsets as strokes", "different offsets")
            if time.values.dtype != np.int64:
                values = check_array("time", time.values, ndim=1, kinds="iu")
                time = Ragged(values.astype(np.int64), time.offsets)
        attrs = dict(attrs or {})
        try:
            json.dumps(attrs)
        except (TypeError, ValueError) as exc:
            raise fail("attrs", "be JSON-serialisable", exc) from None
        self.strokes: Ragged = strokes
        self.meta: pd.DataFrame = meta
        self.time: Ragged | None = time
        self.attrs: dict[str, Any] = attrs

    @classmethod
    def _trusted(
        cls,
        strokes: Ragged,
        meta: pd.DataFrame,
        time: Ragged | None,
        attrs: dict[str, Any],
    ) -> Drawings:
        """Build without re-validating (inputs derived from an already valid Drawings)."""
        out = cls.__new__(cls)
        out.strokes, out.meta, out.time, out.attrs = strokes, meta, time, dict(attrs)
        return out

    # ------------------------------------------------------------------ basic access
    def __len__(self) -> int:
        return len(self.strokes)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.strokes)

    def __repr__(self) -> str:
        extra = " + time" if self.time is not None else ""
        return (
            f"Drawings({len(self)} drawings, {self.n_points} points, "
            f"{self.strokes.values.dtype}{extra}, meta {list(self.meta.columns)})"
        )

    @property
    def n_points(self) -> int:
        """Total number of points."""
        return self.strokes.n_points

    @property
    def lengths(self) -> np.ndarray:
        """Points per drawing (int64)."""
        return self.strokes.lengths

    @property
    def pen(self) -> np.ndarray:
        """The pen column of every point (``values[:, 2]``)."""
        return self.strokes.values[:, 2]

    @property
    def n_strokes(self) -> np.ndarray:
        """Strokes per drawing: points with pen 1, plus one if the last point has pen 0.

        Examples
        --------
        >>> from strokedelta import Ragged
        >>> Drawings(Ragged(np.array([[0, 0, 1], [1, 1, 0], [2, 2, 1]]), [0, 3])).n_strokes
        array([2])
        """
        bounds = stroke_offsets(self.pen, self.strokes.offsets)
        ends = bounds[1:] - 1
        return np.bincount(self.strokes.segment_ids()[ends], minlength=len(self)).astype(np.int64)

    def __getitem__(self, key: Any) -> Any:
        """One drawing's ``(n, 3)`` view (int) or a new Drawings (slice, int array, bool mask)."""
        if isinstance(key, (int, np.integer)):
            return self.strokes[key]
        if isinstance(key, slice) and key.step in (None, 1):
            index = np.arange(len(self))[key]
            strokes = self.strokes[key]
            time = None if self.time is None else self.time[key]
        else:
            index = np.arange(len(self))[key]
            strokes = self.strokes.take(index)
            time = None if self.time is None else self.time.take(index)
        meta = self.meta.iloc[index].reset_index(drop=True)
        return Drawings._trusted(strokes, meta, time, self.attrs)

    def equals(self, other: Drawings) -> bool:
        """True when strokes, time, metadata and attrs are identical (dtypes included)."""
        if not isinstance(other, Drawings) or not self.strokes.equals(other.strokes):
            return False
        if (self.time is None) != (other.time is None):
            return False
        if self.time is not None and not self.time.equals(other.time):  # type: ignore[arg-type]
            return False
        return self.attrs == other.attrs and self.meta.equals(other.meta)

    # ------------------------------------------------------------------ combining
    @classmethod
    def concat(cls, parts: Sequence[Drawings]) -> Drawings:
        """Join drawings end to end (metadata rows stacked, attrs must agree).

        Examples
        --------
        >>> d = Drawings.from_polylines([[[[1], [2]]]])
        >>> len(Drawings.concat([d, d, d]))
        3
        """
        parts = list(parts)
        if not parts:
            raise fail("parts", "hold at least one Drawings", "an empty sequence")
        attrs = parts[0].attrs
        if any(p.attrs != attrs for p in parts[1:]):
            raise fail("attrs of every part", "be equal", [p.attrs for p in parts])
        has_time = {p.time is not None for p in parts}
        if len(has_time) > 1:
            raise fail("parts", "all have a time channel or none", "a mix")
        strokes = Ragged.concat([p.strokes for p in parts])
        time = None
        if has_time == {True}:
            time = Ragged.concat([p.time for p in parts])  # type: ignore[misc]
        metas = [p.meta for p in parts]
        if len(metas) == 1:
            meta = metas[0].copy()
        elif all(m.columns.empty for m in metas):
            meta = pd.DataFrame(index=pd.RangeIndex(len(strokes)))
        else:
            meta = pd.concat(metas, ignore_index=True)
        return cls._trusted(strokes, meta, time, attrs)

    # ----------------------------------------------------------------- conversions
    @classmethod
    def from_polylines(
        cls,
        drawings: Sequence[Any],
        meta: pd.DataFrame | None = None,
        *,
        attrs: dict[str, Any] | None = None,
    ) -> Drawings:
        """Build from absolute polylines: drawing = list of ``[[x...], [y...](, [t...])]``.

        The nested lists are flattened once and differenced on the flat arrays.

        Examples
        --------
        >>> d = Drawings.from_polylines([[[[0, 10, 20], [0, 5, 5], [0, 16, 40]]]])
        >>> d[0].tolist(), d.time.values.tolist()
        ([[0, 0, 0], [10, 5, 0], [10, 0, 1]], [0, 16, 40])
        """
        flat = flatten_polylines(drawings)
        strokes = flat.to_stroke3()
        time = None if flat.time is None else Ragged(flat.time, strokes.offsets)
        return cls(strokes, meta, time=time, attrs=attrs)

    def absolute(self) -> Ragged:
        """Absolute ``(N, 2)`` points per drawing (a per-drawing cumulative sum, exact on ints).

        Examples
        --------
        >>> Drawings.from_polylines([[[[3, 4], [1, 1]]]]).absolute().values.tolist()
        [[3, 1], [4, 1]]
        """
        return from_deltas(Ragged(self.strokes.values[:, :2], self.strokes.offsets))

    @classmethod
    def from_absolute(
        cls,
        points: Ragged,
        pen: Any,
        meta: pd.DataFrame | None = None,
        *,
        time: Ragged | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> Drawings:
        """Build from absolute ``(N, 2)`` points per drawing and a pen column ``(N,)``.

        Examples
        --------
        >>> from strokedelta import Ragged
        >>> pts = Ragged(np.array([[3, 1], [4, 1]]), [0, 2])
        >>> Drawings.from_absolute(pts, [0, 1])[0].tolist()
        [[3, 1, 0], [1, 0, 1]]
        """
        if not isinstance(points, Ragged):
            raise fail("points", "be a Ragged of (N, 2) points", type(points).__name__)
        values = check_array("points", points.values, ndim=2, columns=2, kinds="iuf")
        pen = check_array("pen", pen, ndim=1, kinds="biuf")
        if len(pen) != len(values):
            raise fail("pen", f"have one value per point ({len(values)})", len(pen))
        deltas = to_deltas(values, points.offsets)
        out = np.empty((len(values), 3), dtype=np.result_type(deltas, np.int8))
        out[:, :2] = deltas
        out[:, 2] = pen
        return cls(Ragged(out, points.offsets), meta, time=time, attrs=attrs)

    def with_values(self, values: Any, attrs: dict[str, Any] | None = None) -> Drawings:
        """The same drawings (offsets, time, a copy of meta) with new stroke-3 ``values``.

        ``values`` is validated like any stroke-3 input; ``attrs`` replaces the drawings'
        attrs when given.

        Examples
        --------
        >>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]]])
        >>> out = d.with_values(np.array([[0, 0, 0], [6, 8, 1]]), {"scaled": 2})
        >>> out[0].tolist(), out.attrs
        ([[0, 0, 0], [6, 8, 1]], {'scaled': 2})
        """
        return Drawings(
            Ragged(values, self.strokes.offsets),
            self.meta.copy(),
            time=self.time,
            attrs=self.attrs if attrs is None else attrs,
        )

    def stroke_offsets(self) -> np.ndarray:
        """Offsets of every stroke into the flat points (a stroke ends after pen 1)."""
        return stroke_offsets(self.pen, self.strokes.offsets)

    def to_polylines(self) -> list[list[list[list[Any]]]]:
        """Absolute polylines: per drawing, per stroke ``[[x...], [y...]]`` (+ ``[t...]``).

        Values are Python ints where the data is integer, floats otherwise.

        Examples
        --------
        >>> Drawings.from_polylines([[[[1, 2], [3, 4]], [[5], [6]]]]).to_polylines()
        [[[[1, 2], [3, 4]], [[5], [6]]]]
        """
        points = self.absolute().values
        bounds = self.stroke_offsets()
        columns = [points[:, 0], points[:, 1]]
        if self.time is not None:
            columns.append(self.time.values)
        split = [_split_list(c.tolist(), bounds) for c in columns]
        strokes = [list(s) for s in zip(*split)]
        per_drawing = np.searchsorted(bounds, self.strokes.offsets)
        return [strokes[a:b] for a, b in zip(per_drawing[:-1].tolist(), per_drawing[1:].tolist())]


def _split_list(values: list[Any], bounds: np.ndarray) -> list[list[Any]]:
    starts = bounds[:-1].tolist()
    stops = bounds[1:].tolist()
    return [values[a:b] for a, b in zip(starts, stops)]
