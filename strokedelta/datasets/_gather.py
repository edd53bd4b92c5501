"""Reordering drawings by one compiled copy of their rows: :func:`take_drawings`.

Why not ``Drawings.__getitem__`` (``Ragged.take``): it builds an index per point (a repeat, an
arange and a fancy-indexing gather of the ``(n, 3)`` rows) and holds the GIL for part of it;
copying each drawing's rows as one run releases the GIL (the single engine's threads work at
the same time) and, in a random order, took 0.65 to 1.0 us a drawing against 1.4 to 1.8 us on
this project's 2 shared cores (``python scripts/bench_dataset.py --stages`` prints both). A
build reorders its kept drawings once per file; an order that changes nothing (spills already
in rank order) is no copy. The result equals ``drawings[order]``
(``tests/test_build_fast_paths.py`` checks it).

Examples
--------
>>> import numpy as np
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 1], [0, 1]]], [[[5], [5]]], [[[7, 8, 9], [0, 0, 0]]]])
>>> [a.tolist() for a in take_drawings(d, np.array([2, 0])).strokes]
[[[7, 0, 0], [1, 0, 0], [1, 0, 1]], [[0, 0, 0], [1, 1, 1]]]
"""

from __future__ import annotations

import numba
import numpy as np

from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings

__all__ = ["slice_drawings", "take_drawings"]


@numba.njit(cache=True, nogil=True)
def _copy_runs(
    values: np.ndarray, offsets: np.ndarray, order: np.ndarray, starts: np.ndarray, out: np.ndarray
) -> None:
    for j in range(order.shape[0]):  # flat, C-ordered views: one run of items per drawing
        first = offsets[order[j]]
        size = offsets[order[j] + 1] - first
        out[starts[j] : starts[j] + size] = values[first : first + size]


def take_drawings(drawings: Drawings, order: np.ndarray) -> Drawings:
    """``drawings[order]`` (an int array of positions); ``drawings`` itself when ``order`` is
    ``0, 1, ..., len - 1``."""
    order = np.ascontiguousarray(order, dtype=np.int64)
    if len(order) and (order.min() < 0 or order.max() >= len(drawings)):
        raise IndexError(f"positions must be in 0..{len(drawings) - 1}")
    if len(order) == len(drawings) and (np.diff(order) == 1).all():
        return drawings  # already in this order (spills written in rank order)
    strokes = drawings.strokes
    if drawings.time is not None or strokes.values.ndim != 2:
        return drawings[order]
    lengths = np.diff(strokes.offsets)[order]
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    values = np.ascontiguousarray(strokes.values)
    out = np.empty((int(offsets[-1]), values.shape[1]), dtype=values.dtype)
    width = values.shape[1]
    flat_offsets = np.asarray(strokes.offsets, dtype=np.int64) * width
    _copy_runs(values.reshape(-1), flat_offsets, order, offsets * width, out.reshape(-1))
    meta = drawings.meta.iloc[order].reset_index(drop=True)
    return Drawings._trusted(Ragged(out, offsets), meta, None, drawings.attrs)


def slice_drawings(drawings: Drawings, start: int, stop: int) -> Drawings:
    """``drawings[start:stop]`` as views, the metadata sliced too (``Drawings.__getitem__``
    gathers the metadata rows by position: a copy per column, for each of a spill's buckets)."""
    strokes = drawings.strokes[start:stop]
    time = None if drawings.time is None else drawings.time[start:stop]
    meta = drawings.meta.iloc[start:stop].reset_index(drop=True)
    return Drawings._trusted(strokes, meta, time, drawings.attrs)
