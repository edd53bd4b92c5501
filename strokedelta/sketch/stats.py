"""Summary statistics of drawings: counts, length percentiles, bounds and the scale factor.

Everything is a **mergeable summary** (:class:`DrawingsSummary`): a batch's summary is exact
counts, the length histogram and exact integer sums of ``dx``, ``dy`` and their squares
(:class:`~strokedelta.sketch.moments.DeltaMoments`), plus ranges; ``a + b`` is the summary of
both batches. So statistics computed chunk by chunk, file by file or on Dask workers are
identical to the bit to those of everything read at once (float coordinates, which have no
exact sums, add float sums in a fixed order: the same bits whenever the same chunks are merged
in the same order).

:func:`describe_drawings` summarises one batch as a JSON-ready dict; :func:`group_drawings`
splits a batch by a metadata column (``split`` by default, in the order train, valid, test,
then the other labels sorted); :func:`describe_groups` summarises every group;
:func:`summarize_groups` is the per-chunk function behind them (one summary per label of each
``by`` column), :func:`merge_groups` merges two of its results and :func:`describe_summaries`
turns one into dicts. The CLI's ``stats`` command prints them per split and per word.

Examples
--------
>>> import pandas as pd
>>> from strokedelta.sketch import Drawings
>>> meta = pd.DataFrame({"split": ["test", "train", "train"]})
>>> d = Drawings.from_polylines([[[[0, 1], [0, 1]]], [[[0], [0]]], [[[2, 3, 4], [2, 2, 2]]]], meta)
>>> {name: info["drawings"] for name, info in describe_groups(d).items()}
{'train': 2, 'test': 1}
>>> parts = [summarize_groups(d[:1]), summarize_groups(d[1:])]
>>> merge_groups(*parts) == summarize_groups(d)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from strokedelta._validation import fail
from strokedelta.sketch.drawings import SPLITS, Drawings, check_drawings
from strokedelta.sketch.moments import DeltaMoments

__all__ = [
    "DrawingsSummary",
    "describe_drawings",
    "describe_groups",
    "describe_summaries",
    "group_drawings",
    "merge_groups",
    "summarize_groups",
]

#: The percentiles of points per drawing that :func:`describe_drawings` reports.
_QUANTILES = (0, 5, 25, 50, 75, 95, 100)
_QUANTILE_NAMES = ("min", "p5", "p25", "p50", "p75", "p95", "max")

Span = tuple[Any, Any] | None


def _span(column: np.ndarray) -> Span:
    return (column.min().item(), column.max().item()) if len(column) else None


def _merge_span(a: Span, b: Span) -> Span:
    if a is None or b is None:
        return a if b is None else b
    return (min(a[0], b[0]), max(a[1], b[1]))


def _counts_only(drawings: Drawings) -> DeltaMoments:
    """Counts and the length histogram of float drawings (their sums are not exact)."""
    sizes, counts = np.unique(drawings.lengths, return_counts=True)
    return DeltaMoments(
        drawings=len(drawings),
        points=drawings.n_points,
        strokes=int(drawings.n_strokes.sum()),
        lengths=tuple(zip(sizes.tolist(), counts.tolist())),
    )


@dataclass(frozen=True)
class DrawingsSummary:
    """The mergeable summary of a set of drawings; ``a + b`` summarises both sets.

    Attributes
    ----------
    moments : DeltaMoments
        Counts and the length histogram; for integer data also the exact sums.
    integer : bool
        Every coordinate was an integer (the sums of ``moments`` are exact and complete).
    float_sums : (float, float)
        Sum and sum of squares of ``dx`` and ``dy`` of the float batches, pooled.
    dtype : str
        The result dtype of all batches' stroke values (``""`` for none).
    time, x_range, y_range, dx_range, dy_range, attrs
        Whether every batch had a time channel; ranges of absolute points and offsets; the
        attrs (JSON-ready) when every batch had the same.

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> s = DrawingsSummary.of(Drawings.from_polylines([[[[0, 3], [0, 4]]]]))
    >>> (s + s).moments.drawings, (s + s).x_range, DrawingsSummary() + s == s
    (2, (0, 3), True)
    """

    moments: DeltaMoments = field(default_factory=DeltaMoments)
    integer: bool = True
    float_sums: tuple[float, float] = (0.0, 0.0)
    dtype: str = ""
    time: bool | None = None
    x_range: Span = None
    y_range: Span = None
    dx_range: Span = None
    dy_range: Span = None
    attrs: tuple[tuple[str, Any], ...] | None = None

    @classmethod
    def of(cls, drawings: Drawings) -> DrawingsSummary:
        """The summary of one batch."""
        drawings = check_drawings(drawings)
        values = drawings.strokes.values
        absolute = drawings.absolute().values
        integer = values.dtype.kind in "iu"
        float_sums = (0.0, 0.0)
        if integer:
            moments = DeltaMoments.from_drawings(drawings)
        else:
            moments = _counts_only(drawings)
            offsets = values[:, :2].astype(np.float64)
            float_sums = (float(offsets.sum()), float(np.square(offsets).sum()))
        return cls(
            moments=moments,
            integer=integer,
            float_sums=float_sums,
            dtype=str(values.dtype),
            time=drawings.time is not None,
            x_range=_span(absolute[:, 0]),
            y_range=_span(absolute[:, 1]),
            dx_range=_span(values[:, 0]),
            dy_range=_span(values[:, 1]),
            attrs=tuple(sorted(drawings.attrs.items())),
        )

    def __add__(self, other: DrawingsSummary) -> DrawingsSummary:
        if not isinstance(other, DrawingsSummary):
            return NotImplemented
        if other.dtype == "":
            return self
        if self.dtype == "":
            return other
        return DrawingsSummary(
            moments=self.moments + other.moments,
            integer=self.integer and other.integer,
            float_sums=(
                self.float_sums[0] + other.float_sums[0],
                self.float_sums[1] + other.float_sums[1],
            ),
            dtype=str(np.result_type(self.dtype, other.dtype)),
            time=bool(self.time and other.time),
            x_range=_merge_span(self.x_range, other.x_range),
            y_range=_merge_span(self.y_range, other.y_range),
            dx_range=_merge_span(self.dx_range, other.dx_range),
            dy_range=_merge_span(self.dy_range, other.dy_range),
            attrs=self.attrs if self.attrs == other.attrs else None,
        )

    @property
    def scale_factor(self) -> float | None:
        """Sketch-RNN's scale factor (pooled std, ddof=0, of dx and dy); None without points.

        Exact-sum arithmetic for integer data (:attr:`DeltaMoments.scale_factor`); float data
        adds its float sums to the integer ones.
        """
        m = self.moments
        if m.points == 0:
            return None
        if self.integer:
            return m.scale_factor
        n = 2 * m.points
        s1 = float(m.sum_dx + m.sum_dy) + self.float_sums[0]
        s2 = float(m.sum_dx2 + m.sum_dy2) + self.float_sums[1]
        return math.sqrt(max(s2 / n - (s1 / n) ** 2, 0.0))

    def describe(self, *, scale_factor: bool = True) -> dict[str, Any]:
        """The JSON-ready dict of :func:`describe_drawings`."""
        m = self.moments
        points_per = m.length_percentiles(_QUANTILES)
        info: dict[str, Any] = {
            "drawings": m.drawings,
            "points": m.points,
            "strokes": m.strokes,
            "dtype": self.dtype,
            "time": bool(self.time),
            "points_per_drawing": {
                **dict(zip(_QUANTILE_NAMES, points_per)),
                **({"min": m.lengths[0][0], "max": m.lengths[-1][0]} if m.drawings else {}),
                "mean": m.points / m.drawings if m.drawings else None,
            },
            "strokes_per_drawing_mean": m.strokes / m.drawings if m.drawings else None,
            "x_range": list(self.x_range or (None, None)),
            "y_range": list(self.y_range or (None, None)),
            "dx_range": list(self.dx_range or (None, None)),
            "dy_range": list(self.dy_range or (None, None)),
        }
        if scale_factor:
            info["scale_factor"] = self.scale_factor
        if self.attrs:
            info["attrs"] = dict(self.attrs)
        return info


def describe_drawings(drawings: Drawings, *, scale_factor: bool = True) -> dict[str, Any]:
    """Summary numbers (JSON-ready): counts, length percentiles, bounds, scale factor.

    Parameters
    ----------
    drawings : Drawings
    scale_factor : bool
        Add ``scale_factor``, Sketch-RNN's normalising factor: the pooled standard deviation
        (ddof=0) of dx and dy, from exact integer sums for integer data
        (:attr:`DeltaMoments.scale_factor`); ``None`` for drawings without points.

    Returns
    -------
    dict
        ``drawings``, ``points``, ``strokes``, ``dtype``, ``time`` (whether a time channel is
        present), ``points_per_drawing`` (min, p5, p25, p50, p75, p95, max, mean),
        ``strokes_per_drawing_mean``, ``x_range`` / ``y_range`` of the absolute points,
        ``dx_range`` / ``dy_range`` of the offsets, ``scale_factor`` and ``attrs`` (when the
        drawings carry any).

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]], [[2], [5]]]])
    >>> info = describe_drawings(d, scale_factor=False)
    >>> info["drawings"], info["points"], info["strokes"], info["x_range"], info["dy_range"]
    (2, 4, 3, [0, 3], [0, 4])
    """
    return DrawingsSummary.of(drawings).describe(scale_factor=scale_factor)


def _label_order(labels: Sequence[str], by: str) -> list[str]:
    """Splits in train, valid, test order then the rest sorted (``by="split"``); else sorted."""
    known = SPLITS if by == "split" else ()
    order = [name for name in known if name in labels]
    return order + sorted(set(labels) - set(order))


def group_drawings(drawings: Drawings, by: str = "split") -> dict[str, Drawings]:
    """Split drawings by the metadata column ``by``, one Drawings per label.

    Labels are compared as text. For ``by="split"`` the groups come in the order of
    :data:`~strokedelta.sketch.drawings.SPLITS` and then the other labels sorted; for any other
    column sorted. When the drawings have no such column, the one group ``"all"`` holds them all.

    Examples
    --------
    >>> import pandas as pd
    >>> from strokedelta.sketch import Drawings
    >>> meta = pd.DataFrame({"word": ["cat", "ant", "cat"]})
    >>> d = Drawings.from_polylines([[[[0], [0]]], [[[1], [1]]], [[[2], [2]]]], meta)
    >>> {word: len(part) for word, part in group_drawings(d, by="word").items()}
    {'ant': 1, 'cat': 2}
    >>> list(group_drawings(d))
    ['all']
    """
    drawings = check_drawings(drawings)
    if not isinstance(by, str):
        raise fail("by", "be the name of a metadata column", repr(by))
    if by not in drawings.meta.columns:
        return {"all": drawings}
    labels = drawings.meta[by].astype("str")
    order = _label_order(labels.unique().tolist(), by)
    return {name: drawings[(labels == name).to_numpy()] for name in order}


def describe_groups(
    drawings: Drawings, by: str = "split", *, scale_factor: bool = True
) -> dict[str, dict[str, Any]]:
    """:func:`describe_drawings` of every group of :func:`group_drawings`, in its order.

    Examples
    --------
    >>> import pandas as pd
    >>> from strokedelta.sketch import Drawings
    >>> meta = pd.DataFrame({"word": ["cat", "ant", "cat"]})
    >>> d = Drawings.from_polylines([[[[0], [0]]], [[[1, 2], [1, 1]]], [[[2], [2]]]], meta)
    >>> {word: info["points"] for word, info in describe_groups(d, by="word").items()}
    {'ant': 2, 'cat': 2}
    """
    return {
        name: describe_drawings(part, scale_factor=scale_factor)
        for name, part in group_drawings(drawings, by).items()
    }


#: Per ``by`` column, per label, a summary: what :func:`summarize_groups` returns.
Groups = dict[str, dict[str, DrawingsSummary]]


def _check_by(by: Any) -> tuple[str, ...]:
    names = (by,) if isinstance(by, str) else tuple(by) if isinstance(by, (list, tuple)) else ()
    if not names or not all(isinstance(n, str) and n for n in names):
        raise fail("by", "be metadata column names such as ('split', 'word')", repr(by))
    return names


def summarize_groups(drawings: Drawings, by: Any = ("split", "word")) -> Groups:
    """The summary of every group of every ``by`` column: the per-chunk statistics.

    A column the drawings lack gives the one group ``"all"``. Merge the results of several
    chunks with :func:`merge_groups`; :func:`describe_summaries` makes dicts of them.

    Examples
    --------
    >>> import pandas as pd
    >>> from strokedelta.sketch import Drawings
    >>> meta = pd.DataFrame({"word": ["cat", "ant", "cat"]})
    >>> d = Drawings.from_polylines([[[[0], [0]]], [[[1], [1]]], [[[2], [2]]]], meta)
    >>> {by: list(groups) for by, groups in summarize_groups(d).items()}
    {'split': ['all'], 'word': ['ant', 'cat']}
    """
    return {
        name: {
            label: DrawingsSummary.of(part)
            for label, part in group_drawings(drawings, name).items()
        }
        for name in _check_by(by)
    }


def merge_groups(a: Groups, b: Groups) -> Groups:
    """The groups of both (same ``by`` columns; labels united in the order of the column).

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> one = summarize_groups(Drawings.from_polylines([[[[0], [0]]]]), by="split")
    >>> merge_groups(one, one)["split"]["all"].moments.drawings
    2
    """
    if set(a) != set(b):
        raise fail("groups", "be grouped by the same columns", f"{list(a)} and {list(b)}")
    out: Groups = {}
    for by in a:
        labels = _label_order([*a[by], *b[by]], by)
        empty = DrawingsSummary()
        out[by] = {k: a[by].get(k, empty) + b[by].get(k, empty) for k in labels}
    return out


def describe_summaries(groups: Groups, *, scale_factor: bool = True) -> dict[str, dict[str, Any]]:
    """``{by: {label: describe dict}}`` of :func:`summarize_groups` / :func:`merge_groups`."""
    return {
        by: {label: s.describe(scale_factor=scale_factor) for label, s in labels.items()}
        for by, labels in groups.items()
    }
