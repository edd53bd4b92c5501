"""The rows a DeltaTransformer remembers, and where the rows of another frame continue them.

:class:`strokedelta.DeltaTransformer` remembers the rows of its latest ``fit`` or ``transform`` of
each group: their index labels and the values of the differenced columns (:func:`remember`).
``inverse_transform`` places every row of its input by (group, index label) among them
(:func:`place_rows`) and integrates each stretch of consecutive rows (a *run*) from the values
that precede it (:func:`integrate_column`):

- a run that starts at a remembered row continues from the remembered values before that row (a
  later slice, the deltas with their NaN rows dropped), and with ``first="drop"`` its anchored
  rows take the remembered values;
- a run of rows after the last remembered row of its group, in the index's order (forecast
  deltas), continues from the last remembered values;
- an explicit initial value (``initial=``, the values just before the first row of a group) starts
  a group's first run, as R's ``diffinv(xi=)`` does;
- any other run is the start of a sequence: with ``first="keep"`` its first rows hold their own
  values; with ``first="drop"`` it is refused (:class:`~strokedelta.MissingAnchorError`), never
  guessed.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"x": [5, 7, 4, 4, 9]})
>>> memory = remember(None, frame, ["x"], None)
>>> layout = layout_rows(frame.iloc[2:], None)
>>> placed = place_rows(memory, frame.iloc[2:], None, layout)
>>> placed.where.tolist(), placed.after.tolist()
([2, 3, 4], [False, False, False])
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strokedelta.delta import from_deltas, to_deltas
from strokedelta.exceptions import MissingAnchorError, ValidationError
from strokedelta.frames import Layout, column_values, layout_rows, plain, row_label, split_runs
from strokedelta.ragged import offsets_from_lengths

__all__ = ["Column", "Placement", "integrate_column", "place_rows", "remember"]


def remember(
    old: pd.DataFrame | None, frame: pd.DataFrame, columns: list[Hashable], group: Hashable | None
) -> pd.DataFrame:
    """The memory after ``frame`` was seen: its rows replace those of the groups it holds.

    Examples
    --------
    >>> old = pd.DataFrame({"g": ["a", "b"], "x": [1, 2]})
    >>> remember(old, pd.DataFrame({"g": ["a"], "x": [9]}, index=[7]), ["x"], "g")
       g  x
    1  b  2
    7  a  9
    """
    new = frame[[*([] if group is None else [group]), *columns]].copy()
    if old is None or group is None or not len(old):
        return new
    kept = old[~old[group].isin(frame[group])]
    return pd.concat([kept, new]) if len(kept) else new


def _keys(frame: pd.DataFrame, group: Hashable | None) -> pd.Index:
    """(group, *index levels) of every row, or the index itself without groups."""
    if group is None:
        return frame.index
    index = frame.index
    levels = [index.get_level_values(i) for i in range(index.nlevels)]
    return pd.MultiIndex.from_arrays([frame[group].to_numpy(dtype=object), *levels])


@dataclass(frozen=True)
class Placement:
    """Where each grouped row of a frame sits among the remembered rows (grouped order)."""

    memory: pd.DataFrame | None  # the remembered rows (None: nothing remembered)
    layout: Layout | None  # the memory's own layout (its grouped rows)
    where: np.ndarray  # (n,) remembered row of each grouped row, -1 if not remembered
    last: np.ndarray  # (n,) last remembered row of the row's group, -1 if none
    after: np.ndarray  # (n,) not remembered, and after every remembered row of its group


def _ordered_groups(labels: pd.Index, segment: np.ndarray, groups: int) -> np.ndarray:
    """Per remembered group: are its index labels increasing (a time axis)?"""
    ordered = np.ones(groups, dtype=bool)
    if len(labels) > 1:
        try:
            rising = np.asarray(labels[1:] > labels[:-1], dtype=bool)
        except TypeError:
            return np.zeros(groups, dtype=bool)
        ordered[segment[1:][~rising & (segment[1:] == segment[:-1])]] = False
    return ordered


def place_rows(
    memory: pd.DataFrame | None,
    frame: pd.DataFrame,
    group: Hashable | None,
    layout: Layout,
    by_label: bool = True,
) -> Placement:
    """Place the grouped rows of ``frame`` among the remembered rows, by (group, label).

    Without ``by_label`` (an array: its index is only row numbers) nothing is placed unless
    ``frame`` holds the remembered rows themselves.

    Raises
    ------
    ValidationError
        The remembered labels repeat within a group and ``frame`` is not the remembered frame.
    """
    n = len(layout.order)
    nowhere = np.full(n, -1, dtype=np.int64)
    same = memory is not None and (
        memory.index.equals(frame.index)
        and (group is None or pd.Index(memory[group]).equals(pd.Index(frame[group])))
    )
    if memory is None or not len(memory) or not (same or by_label):
        return Placement(None, None, nowhere, nowhere, np.zeros(n, dtype=bool))
    if same:  # the remembered frame itself: same rows, same layout
        mlayout, where = layout, np.arange(n, dtype=np.int64)
    else:
        mlayout = layout_rows(memory, group)
        keys = _keys(memory, group)[mlayout.order]
        if not keys.is_unique:
            label = plain(keys[keys.duplicated()][0])
            raise ValidationError(
                "inverse_transform places rows by their index label among the rows last "
                f"transformed, whose labels must then be unique per group; got {label!r} twice"
            )
        where = keys.get_indexer(_keys(frame, group)[layout.order]).astype(np.int64)
    ends = np.append(np.flatnonzero(mlayout.position == 0)[1:], len(memory)) - 1
    if same or group is None:
        home = (
            np.arange(len(layout.keys), dtype=np.int64)
            if same
            else np.zeros(len(layout.keys), np.int64)
        )
    else:
        home = pd.Index(mlayout.keys, dtype=object).get_indexer(layout.keys).astype(np.int64)
    segment = home[layout.segment]
    last = np.where(segment >= 0, ends[segment], -1)
    after = np.zeros(n, dtype=bool)
    candidate = np.flatnonzero((where < 0) & (last >= 0))
    if candidate.size:
        labels = memory.index[mlayout.order]
        ordered = _ordered_groups(labels, mlayout.segment, len(mlayout.keys))
        candidate = candidate[ordered[segment[candidate]]]
        mine = frame.index[layout.order[candidate]]
        with contextlib.suppress(TypeError):  # labels that do not compare are after nothing
            after[candidate] = np.asarray(mine > labels[last[candidate]], dtype=bool)
    return Placement(memory, mlayout, where, last, after)


@dataclass(frozen=True)
class Column:
    """One column of the frame to integrate, grouped, with what is needed to name its rows."""

    name: Hashable
    values: np.ndarray  # (n,) deltas, grouped
    missing: np.ndarray  # (n,)
    initial: np.ndarray | None  # (S, span) values before each group of the frame, or None
    has_initial: np.ndarray  # (S,) bool


def _where(frame: pd.DataFrame, layout: Layout, group: Hashable | None, row: int) -> str:
    """``group 'a', row 7`` (or ``the sequence, row 7``) for a grouped row, for messages."""
    key = layout.keys[layout.segment[row]]
    where = "the sequence" if group is None else f"group {plain(key)!r}"
    return f"{where}, row {row_label(frame.index, int(layout.order[row]))!r}"


def _ramp(lengths: np.ndarray) -> np.ndarray:
    """0, 1, ..., n-1 for every n of ``lengths``, concatenated."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _memory_column(placed: Placement, name: Hashable) -> tuple[np.ndarray, np.ndarray]:
    """Remembered values of column ``name`` (grouped) and their step inside their run (-1: NaN)."""
    if placed.memory is None or placed.layout is None:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    values, missing = column_values(placed.memory[name])
    values = values[placed.layout.order]
    if not missing.any():  # one run per group
        return values, placed.layout.position
    missing = missing[placed.layout.order]
    rows, _, step = split_runs(~missing, placed.layout.position)
    steps = np.full(len(values), -1, dtype=np.int64)
    steps[rows] = step
    return values, steps


def _run_starts(
    layout: Layout, placed: Placement, found: np.ndarray, step: np.ndarray, live: np.ndarray
) -> np.ndarray:
    """Grouped rows that start a run: a live row that does not continue the row before it."""

    def before(values: np.ndarray, fill: Any) -> np.ndarray:
        return np.concatenate([np.array([fill], dtype=values.dtype), values[:-1]])

    where, found_before, where_before = placed.where, before(found, False), before(placed.where, -2)
    remembered = found & found_before & (where == where_before + 1) & (step == before(step, -2) + 1)
    unknown = ~found & ~found_before
    onward = ~found & found_before & (where_before == before(placed.last, -3)) & placed.after
    joined = before(live, False) & (layout.position > 0) & (remembered | unknown | onward)
    return live & ~joined


def _contexts(
    frame: pd.DataFrame,
    layout: Layout,
    group: Hashable | None,
    placed: Placement,
    column: Column,
    starts: np.ndarray,
    found: np.ndarray,
    steps: tuple[np.ndarray, np.ndarray],
    span: int,
    drop: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per run: how many values precede it (``count``), from which remembered row (``source``,
    -1 if none) or from ``initial`` (``initial``); refuses a run with nothing to start from."""
    step, msteps = steps
    segment = layout.segment[starts]
    first = np.concatenate([[True], segment[1:] != segment[:-1]])
    has = column.has_initial[segment] if column.initial is not None else np.zeros_like(first)
    by_initial = first & has & (layout.position[starts] == 0)  # not after a gap
    by_memory = found[starts]
    by_tail = ~by_memory & ~has & placed.after[starts]
    count = np.zeros(starts.size, dtype=np.int64)
    source = np.full(starts.size, -1, dtype=np.int64)
    count[by_memory] = np.minimum(step[starts[by_memory]], span)
    source[by_memory] = placed.where[starts[by_memory]] - count[by_memory]
    last = placed.last[starts[by_tail]]
    short = msteps[last] + 1 < span if last.size else np.zeros(0, dtype=bool)
    if short.any():
        row = int(starts[by_tail][np.argmax(short)])
        raise MissingAnchorError(
            f"{_where(frame, layout, group, row)} of column {column.name!r} comes after the "
            f"last row remembered from fit or transform, whose last {span} value(s) are not all "
            "known (a gap or a short sequence); pass initial= with the values before it"
        )
    count[by_tail | by_initial] = span
    source[by_tail] = last - span + 1
    fresh = ~(by_initial | by_memory | by_tail)
    if drop and fresh.any():
        row = int(starts[np.argmax(fresh)])
        raise MissingAnchorError(
            f"{_where(frame, layout, group, row)} of column {column.name!r} continues no row "
            'remembered from fit or transform, and first="drop" deltas hold no values to start '
            "from: transform the frame it comes from, or pass initial= with the values before it"
        )
    return count, source, by_initial


def _missing_anchor(
    frame: pd.DataFrame, layout: Layout, group: Hashable | None, name: Hashable, row: int, span: int
) -> MissingAnchorError:
    key = layout.keys[layout.segment[row]]
    where = "the sequence" if group is None else f"group {plain(key)!r}"
    return MissingAnchorError(
        f"{where} must have its first {span} value(s) of column {name!r} stored as anchors by "
        f'fit or transform (first="drop"); got none for step {int(layout.position[row])} at row '
        f"{row_label(frame.index, int(layout.order[row]))!r}"
    )


def integrate_column(
    frame: pd.DataFrame,
    layout: Layout,
    group: Hashable | None,
    placed: Placement,
    column: Column,
    *,
    order: int,
    lag: int,
    drop: bool,
    gaps: bool = True,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Integrate one column of ``frame`` (see the module docstring).

    Returns ``(rows, values, gap)``: the grouped rows that get a value, their values, and which
    grouped rows stay missing (a gap). Without ``gaps`` (``na="raise"``) a column with a gap is
    not integrated (``values`` is None): the caller refuses it.
    """
    span = order * lag
    mvalues, msteps = _memory_column(placed, column.name)
    found = placed.where >= 0
    if column.initial is not None:
        found &= ~column.has_initial[layout.segment]
    at = np.where(found, placed.where, 0)
    step = np.where(found, msteps[at], -1) if msteps.size else np.full(len(found), -1)
    valued = found & (step >= 0) & (step < span) & drop
    forgotten = found & (step < 0)
    clash = forgotten & ~column.missing
    if clash.any():
        raise ValidationError(
            f"{_where(frame, layout, group, int(np.argmax(clash)))} of column {column.name!r} "
            "holds a delta where the values last transformed were missing (NaN)"
        )
    live = valued | (~column.missing & ~forgotten)
    if drop:
        head = ~live & ~found & (layout.position < span)
        if column.initial is not None:  # rows of a group with initial values are deltas
            head &= ~column.has_initial[layout.segment]
        if head.any():
            raise _missing_anchor(frame, layout, group, column.name, int(np.argmax(head)), span)
    if not gaps and not live.all():  # na="raise": the caller names the first missing delta
        return np.flatnonzero(live), None, ~live
    start = _run_starts(layout, placed, found, step, live)
    rows, starts = np.flatnonzero(live), np.flatnonzero(start)
    if not starts.size:
        return rows, column.values[:0], ~live
    count, source, by_initial = _contexts(
        frame, layout, group, placed, column, starts, found, (step, msteps), span, drop
    )
    run = (np.cumsum(start) - 1)[rows]
    lengths = np.bincount(run, minlength=starts.size)
    if not count.any() and not valued.any():  # every run holds its own first values
        runs = offsets_from_lengths(lengths)
        return rows, from_deltas(column.values[rows], runs, order=order, lag=lag), ~live
    offsets = offsets_from_lengths(lengths + count)
    kinds = [column.values.dtype, *([] if placed.memory is None else [mvalues.dtype])]
    kinds += [] if column.initial is None else [column.initial.dtype]
    ext = np.zeros(int(offsets[-1]), dtype=np.result_type(*kinds))
    known = np.zeros(ext.size, dtype=bool)
    by_memory = source >= 0
    put = np.repeat(offsets[:-1][by_memory], count[by_memory]) + _ramp(count[by_memory])
    ext[put] = mvalues[np.repeat(source[by_memory], count[by_memory]) + _ramp(count[by_memory])]
    if by_initial.any() and column.initial is not None:
        put = np.repeat(offsets[:-1][by_initial], span) + _ramp(np.full(by_initial.sum(), span))
        ext[put] = column.initial[layout.segment[starts[by_initial]]].ravel()
    known[np.repeat(offsets[:-1], count) + _ramp(count)] = True
    own = np.repeat(offsets[:-1] + count, lengths) + _ramp(lengths)
    ext[own] = column.values[rows]
    anchored = valued[rows]
    ext[own[anchored]] = mvalues[placed.where[rows[anchored]]]
    known[own[anchored]] = True
    return rows, _integrate_runs(ext, known, offsets, order, lag)[own], ~live


def _integrate_runs(
    values: np.ndarray, known: np.ndarray, offsets: np.ndarray, order: int, lag: int
) -> np.ndarray:
    """Integrate runs whose first entries (``known``, a prefix of each run) are values and the
    rest deltas; the known values come back as they are."""
    if not known.any():
        return from_deltas(values, offsets, order=order, lag=lag)
    lengths = np.add.reduceat(known.astype(np.int64), offsets[:-1]) if values.size else offsets
    head = to_deltas(values[known], offsets_from_lengths(lengths), order=order, lag=lag)
    deltas = values.astype(np.result_type(values.dtype, head.dtype))
    deltas[known] = head
    result = from_deltas(deltas, offsets, order=order, lag=lag)
    result = result.astype(np.result_type(result.dtype, values.dtype), copy=False)
    result[known] = values[known]
    return result
