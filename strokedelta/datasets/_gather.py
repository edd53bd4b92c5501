"""Reordering drawings by one compiled copy of their rows: :func:`take_drawings`.

Why not ``Drawings.__getitem__`` (``Ragged.take``): it builds an index per point (a repeat, an
arange and a fancy-indexing gather of the ``(n, 3)`` rows) and holds the GIL for part of it;
copying each drawing's rows as one run releases the GIL (the single engine's threads work at
the same time), and the run :data:`~strokedelta._kernels.PREFETCH_AHEAD` drawings ahead is
prefetched, so that the memory latencies of a random order overlap
(``python scripts/bench_dataset.py --stages`` prints the cost per drawing of both ways). A
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
import pandas as pd

from strokedelta._kernels import PREFETCH_AHEAD, prefetch
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings

__all__ = ["as_int16", "slice_drawings", "take_drawings", "take_parts"]


@numba.njit(cache=True, nogil=True)
def _copy_runs(
    values: np.ndarray,
    offsets: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    out: np.ndarray,
    line: int,
) -> None:
    n = order.shape[0]
    for j in range(n):  # flat, C-ordered views: one run of items per drawing
        if j + PREFETCH_AHEAD < n:  # the run read later starts loading now (``line`` items
            later = order[j + PREFETCH_AHEAD]  # a cache line): latencies overlap
            for at in range(offsets[later], offsets[later + 1], line):
                prefetch(values, at)
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
    line = max(1, 64 // values.itemsize)
    _copy_runs(values.reshape(-1), flat_offsets, order, offsets * width, out.reshape(-1), line)
    meta = drawings.meta.iloc[order].reset_index(drop=True)
    return Drawings._trusted(Ragged(out, offsets), meta, None, drawings.attrs)


@numba.njit(cache=True, nogil=True)
def _place_runs(
    values: np.ndarray, offsets: np.ndarray, dest: np.ndarray, out: np.ndarray, line: int
) -> None:
    n = dest.shape[0]
    for i in range(n):  # run i of values goes to out[dest[i]:] (dest -1: not taken)
        if i + PREFETCH_AHEAD < n and dest[i + PREFETCH_AHEAD] >= 0:
            later = i + PREFETCH_AHEAD
            end = dest[later] + offsets[later + 1] - offsets[later]
            for at in range(dest[later], end, line):
                prefetch(out, at)
        if dest[i] < 0:
            continue
        first = offsets[i]
        size = offsets[i + 1] - first
        out[dest[i] : dest[i] + size] = values[first : first + size]


def take_parts(parts: list[Drawings], order: np.ndarray) -> Drawings:
    """``Drawings.concat(parts)[order]`` (``order``: distinct positions in the concatenation)
    without the concatenation: each part's taken drawings are copied straight to their places.

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[0, 1], [0, 1]]], [[[5], [5]]], [[[7, 8, 9], [0, 0, 0]]]])
    >>> [len(a) for a in take_parts([d[:2], d[2:]], np.array([2, 0])).strokes]
    [3, 2]
    """
    order = np.ascontiguousarray(order, dtype=np.int64)
    first = parts[0].strokes.values
    if len(parts) == 1 or any(
        p.time is not None
        or p.attrs != parts[0].attrs
        or p.strokes.values.ndim != 2
        or p.strokes.values.dtype != first.dtype
        or p.strokes.values.shape[1:] != first.shape[1:]
        for p in parts
    ):
        whole = Drawings.concat(parts) if len(parts) > 1 else parts[0]
        return take_drawings(whole, order)
    total = sum(len(p) for p in parts)
    if len(order) and (order.min() < 0 or order.max() >= total):
        raise IndexError(f"positions must be in 0..{total - 1}")
    lengths = np.concatenate([np.diff(p.strokes.offsets) for p in parts])
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(lengths[order], out=offsets[1:])
    width = first.shape[1]
    dest = np.full(total, -1, dtype=np.int64)
    dest[order] = offsets[:-1] * width
    if int((dest >= 0).sum()) != len(order):  # a position given twice
        return take_drawings(Drawings.concat(parts), order)
    out = np.empty((int(offsets[-1]), width), dtype=first.dtype)
    line = max(1, 64 // first.itemsize)
    at = 0
    for part in parts:
        values = np.ascontiguousarray(part.strokes.values).reshape(-1)
        runs = np.asarray(part.strokes.offsets, dtype=np.int64) * width
        _place_runs(values, runs, dest[at : at + len(part)], out.reshape(-1), line)
        at += len(part)
    metas = [p.meta for p in parts]
    if all(m.columns.empty for m in metas):
        meta = pd.DataFrame(index=pd.RangeIndex(len(order)))
    else:
        meta = pd.concat(metas, ignore_index=True).iloc[order].reset_index(drop=True)
    return Drawings._trusted(Ragged(out, offsets), meta, None, parts[0].attrs)


@numba.njit(cache=True, nogil=True)
def _narrow(values: np.ndarray, out: np.ndarray) -> bool:
    for i in range(values.shape[0]):
        v = values[i]
        if v < -32768 or v > 32767:
            return False
        out[i] = v
    return True


def as_int16(values: np.ndarray) -> np.ndarray | None:
    """``values`` (integers) as int16 in one compiled pass; None when one does not fit.

    Examples
    --------
    >>> as_int16(np.array([[1, -2, 0]], dtype=np.int32)).dtype.name
    'int16'
    >>> as_int16(np.array([40000], dtype=np.int64)) is None
    True
    """
    flat = np.ascontiguousarray(values).reshape(-1)
    if flat.dtype.kind not in "iu" or flat.dtype.itemsize > 8 or flat.dtype == np.uint64:
        return None
    out = np.empty(flat.shape, dtype=np.int16)
    return out.reshape(values.shape) if _narrow(flat, out) else None


def slice_drawings(drawings: Drawings, start: int, stop: int) -> Drawings:
    """``drawings[start:stop]`` as views, the metadata sliced too (``Drawings.__getitem__``
    gathers the metadata rows by position: a copy per column, for each of a spill's buckets)."""
    strokes = drawings.strokes[start:stop]
    time = None if drawings.time is None else drawings.time[start:stop]
    meta = drawings.meta.iloc[start:stop].reset_index(drop=True)
    return Drawings._trusted(strokes, meta, time, drawings.attrs)
