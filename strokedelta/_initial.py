"""Explicit initial values for ``DeltaTransformer.inverse_transform(X, initial=...)``.

The values just before the first row of each group of ``X`` (like R's ``diffinv(xi=)``): a
number, a dict ``{column: value or order * lag values, oldest first}`` for every group, or a
DataFrame whose last ``order * lag`` rows of each group are those values. Each becomes a
``(groups, order * lag)`` array per column, for :func:`strokedelta._memory.integrate_column`.

Examples
--------
>>> import pandas as pd
>>> from strokedelta.frames import layout_rows
>>> layout = layout_rows(pd.DataFrame({"g": ["b", "a"], "x": [0, 0]}), "g")
>>> last = pd.DataFrame({"g": ["a", "a", "b"], "x": [1, 2, 7]})
>>> values, has = initial_values(last, layout, ["x"], "g", 1)["x"]
>>> values.tolist(), has.tolist()
([[7], [2]], [True, True])
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._validation import fail
from strokedelta.exceptions import ValidationError
from strokedelta.frames import Layout, column_values, layout_rows, plain

__all__ = ["initial_values"]


def initial_values(
    initial: Any, layout: Layout, columns: list[Hashable], group: Hashable | None, span: int
) -> dict[Hashable, tuple[np.ndarray, np.ndarray]]:
    """``initial`` as ``{column: (values (S, span), has (S,))}`` for the S groups of ``layout``.

    ``initial`` is a number (every column, ``span`` 1), a mapping ``{column: number or sequence
    of span numbers, oldest first}`` (every group), or a DataFrame whose last ``span`` rows of
    each group are the values before that group.

    Examples
    --------
    >>> layout = layout_rows(pd.DataFrame({"x": [1, 1]}), None)
    >>> values, has = initial_values({"x": [4, 5]}, layout, ["x"], None, 2)["x"]
    >>> values.tolist(), has.tolist()
    ([[4, 5]], [True])
    """
    groups = len(layout.keys)
    if isinstance(initial, pd.DataFrame):
        return _initial_rows(initial, layout, columns, group, span)
    if isinstance(initial, (int, float, np.number)) and not isinstance(initial, bool):
        initial = dict.fromkeys(columns, initial)
    if not isinstance(initial, dict):
        raise fail("initial", "be a number, a dict {column: value(s)} or a DataFrame", initial)
    absent = [c for c in columns if c not in initial]
    if absent:
        raise fail("initial", "give a value for every column", f"none for {absent}")
    out = {}
    for name in columns:
        values = np.atleast_1d(np.asarray(initial[name]))
        if values.ndim != 1 or values.size != span or values.dtype.kind not in "iuf":
            raise fail(f"initial[{name!r}]", f"be {span} number(s), oldest first", initial[name])
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            raise fail(f"initial[{name!r}]", "be finite", initial[name])
        out[name] = (np.tile(values, (groups, 1)), np.ones(groups, dtype=bool))
    return out


def _initial_rows(
    initial: pd.DataFrame,
    layout: Layout,
    columns: list[Hashable],
    group: Hashable | None,
    span: int,
) -> dict[Hashable, tuple[np.ndarray, np.ndarray]]:
    """The last ``span`` rows of every group of the DataFrame ``initial``."""
    wanted = [*columns, *([] if group is None else [group])]
    absent = [c for c in wanted if c not in initial.columns]
    if absent:
        raise fail("initial", f"have the column(s) {absent}", f"columns {list(initial.columns)}")
    own = layout_rows(initial, group)
    lengths = np.bincount(own.segment, minlength=len(own.keys))
    if group is None:
        home = np.zeros(len(layout.keys), dtype=np.int64) if len(own.keys) else None
    else:
        home = pd.Index(own.keys, dtype=object).get_indexer(layout.keys).astype(np.int64)
    if home is None or not len(home):
        home = np.full(len(layout.keys), -1, dtype=np.int64)
    short = np.flatnonzero(lengths < span)
    if short.size:
        where = "" if group is None else f" of group {plain(own.keys[short[0]])!r}"
        raise ValidationError(
            f"initial must hold the last {span} row(s) (order * lag){where}; got "
            f"{int(lengths[short[0]])}"
        )
    tail = own.order[own.position >= np.repeat(lengths, lengths) - span]
    has = home >= 0
    out = {}
    for name in columns:
        values, missing = column_values(initial[name])
        if missing[tail].any():
            raise fail(f"initial column {name!r}", f"be known in its last {span} row(s)", "NaN")
        table = values[tail].reshape(len(own.keys), span)
        picked = np.zeros((len(layout.keys), span), dtype=table.dtype)
        picked[has] = table[home[has]]
        out[name] = (picked, has)
    return out
