"""Ragged batches: many sequences stored as one flat ``values`` array plus ``offsets``.

Sequence ``i`` is ``values[offsets[i]:offsets[i + 1]]``. Every per-sequence operation in
strokedelta works on the flat array with offset arithmetic, so a batch of 100k sequences costs
a handful of numpy calls, not 100k Python iterations.

Examples
--------
>>> import numpy as np
>>> batch = Ragged.from_list([np.array([[0, 0], [3, 4]]), np.array([[1, 1]])])
>>> len(batch), batch.lengths.tolist(), batch.offsets.tolist()
(2, [2, 1], [0, 2, 3])
>>> batch[0]
array([[0, 0],
       [3, 4]])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from strokedelta._kernels import stable_group_order
from strokedelta._validation import check_array, check_offsets, fail

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["Ragged", "group_order", "offsets_from_lengths"]


def offsets_from_lengths(lengths: Any) -> np.ndarray:
    """Turn sequence lengths into int64 offsets starting at 0.

    Examples
    --------
    >>> offsets_from_lengths([2, 0, 3]).tolist()
    [0, 2, 2, 5]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.ndim != 1:
        raise fail("lengths", "be 1-D", f"shape {lengths.shape}")
    if (lengths < 0).any():
        raise fail("lengths", "be >= 0", int(lengths.min()))
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def group_order(keys: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group rows by key, keeping first-appearance order of keys and row order within a key.

    Returns ``(order, offsets, uniques)``: ``values[order]`` lays the groups out contiguously,
    group ``g`` (key ``uniques[g]``) being rows ``order[offsets[g]:offsets[g + 1]]``.

    Examples
    --------
    >>> order, offsets, uniques = group_order(["b", "a", "b", "a", "c"])
    >>> order.tolist(), offsets.tolist(), uniques.tolist()
    ([0, 2, 1, 3, 4], [0, 2, 4, 5], ['b', 'a', 'c'])
    """
    import pandas as pd  # here: slow to import, and only grouping and frames need it

    codes, uniques = pd.factorize(np.asarray(keys), sort=False, use_na_sentinel=False)
    offsets = offsets_from_lengths(np.bincount(codes, minlength=len(uniques)))
    return stable_group_order(codes, offsets), offsets, np.asarray(uniques)


class Ragged:
    """A batch of variable-length sequences as flat ``values`` and int64 ``offsets``.

    Parameters
    ----------
    values : array_like, shape (N,) or (N, C)
        All rows of all sequences, one after another.
    offsets : array_like of int, shape (S + 1,)
        ``offsets[0] == 0``, non-decreasing, ``offsets[-1] == N``.
    ids : array_like, shape (S,), optional
        A label per sequence (kept through slicing and written by :meth:`to_frame`).

    Examples
    --------
    >>> r = Ragged(np.arange(10).reshape(5, 2), [0, 3, 5], ids=["a", "b"])
    >>> r[1].tolist(), r.ids.tolist()
    ([[6, 7], [8, 9]], ['a', 'b'])
    """

    __slots__ = ("ids", "offsets", "values")

    def __init__(self, values: Any, offsets: Any, ids: Any = None) -> None:
        self.values = check_array("values", values, ndim=(1, 2), kinds="biufc")
        self.offsets = check_offsets(offsets, self.values.shape[0])
        if ids is not None:
            ids = np.asarray(ids)
            if ids.shape != (len(self.offsets) - 1,):
                raise fail("ids", f"have shape ({len(self.offsets) - 1},)", tuple(ids.shape))
        self.ids: np.ndarray | None = ids

    # ----------------------------------------------------------------- basic properties
    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Number of rows of each sequence (int64)."""
        return np.diff(self.offsets)

    @property
    def n_points(self) -> int:
        """Total number of rows over all sequences."""
        return int(self.values.shape[0])

    @property
    def starts(self) -> np.ndarray:
        """Flat index of each sequence's first row (``offsets[:-1]``)."""
        return self.offsets[:-1]

    def segment_ids(self) -> np.ndarray:
        """Sequence number of every flat row.

        Examples
        --------
        >>> Ragged(np.zeros(4), [0, 1, 1, 4]).segment_ids().tolist()
        [0, 2, 2, 2]
        """
        return np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)

    def positions(self) -> np.ndarray:
        """Position of every flat row inside its own sequence.

        Examples
        --------
        >>> Ragged(np.zeros(4), [0, 1, 4]).positions().tolist()
        [0, 0, 1, 2]
        """
        return np.arange(self.n_points, dtype=np.int64) - np.repeat(self.starts, self.lengths)

    def with_values(self, values: Any) -> Ragged:
        """Same offsets and ids, new values with the same number of rows."""
        return Ragged(values, self.offsets, self.ids)

    def __repr__(self) -> str:
        shape = "x".join(str(s) for s in self.values.shape)
        return f"Ragged({len(self)} sequences, values {shape} {self.values.dtype})"

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self[i]

    # ------------------------------------------------------------------------ indexing
    def __getitem__(self, key: Any) -> Any:
        """One sequence as a view (int), or a new batch (slice, int array or bool mask)."""
        if isinstance(key, (int, np.integer)):
            i = int(key)
            if not -len(self) <= i < len(self):
                raise IndexError(f"sequence index {i} out of range for {len(self)} sequences")
            i %= len(self)
            return self.values[self.offsets[i] : self.offsets[i + 1]]
        if isinstance(key, slice) and key.step in (None, 1):
            start, stop, _ = key.indices(len(self))
            stop = max(start, stop)
            offsets = self.offsets[start : stop + 1]
            values = self.values[offsets[0] : offsets[-1]]
            ids = None if self.ids is None else self.ids[start:stop]
            return Ragged(values, offsets - offsets[0], ids)
        return self.take(np.arange(len(self))[key])

    def take(self, indices: Any) -> Ragged:
        """Gather sequences by index (vectorised; the values are copied).

        Examples
        --------
        >>> r = Ragged(np.arange(5), [0, 2, 3, 5])
        >>> r.take([2, 0]).values.tolist()
        [3, 4, 0, 1]
        """
        idx = np.asarray(indices)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False)
        lengths = self.lengths[idx]
        offsets = offsets_from_lengths(lengths)
        gather = np.repeat(self.offsets[idx] - offsets[:-1], lengths) + np.arange(offsets[-1])
        ids = None if self.ids is None else self.ids[idx]
        return Ragged(self.values[gather], offsets, ids)

    @classmethod
    def concat(cls, batches: Sequence[Ragged]) -> Ragged:
        """Join batches end to end (ids kept only when every batch has them).

        Examples
        --------
        >>> a = Ragged(np.arange(3), [0, 3])
        >>> Ragged.concat([a, a]).offsets.tolist()
        [0, 3, 6]
        """
        if not batches:
            raise fail("batches", "hold at least one Ragged", "an empty sequence")
        values = np.concatenate([b.values for b in batches])
        lengths = np.concatenate([b.lengths for b in batches])
        ids = None
        if all(b.ids is not None for b in batches):
            ids = np.concatenate([b.ids for b in batches if b.ids is not None])
        return cls(values, offsets_from_lengths(lengths), ids)

    # --------------------------------------------------------------------- conversions
    @classmethod
    def from_list(cls, sequences: Sequence[Any], dtype: Any = None) -> Ragged:
        """Build a batch from a list of arrays with the same trailing shape.

        Examples
        --------
        >>> Ragged.from_list([[1, 2, 3], [], [4]]).lengths.tolist()
        [3, 0, 1]
        """
        arrays = [np.asarray(s, dtype=dtype) for s in sequences]
        if not arrays:
            return cls(np.zeros((0,), dtype=dtype or np.float64), [0])
        ndims = {a.ndim if a.size or a.ndim > 1 else 1 for a in arrays}
        if len(ndims) != 1 or next(iter(ndims)) not in (1, 2):
            raise fail("sequences", "all be 1-D or all 2-D arrays", sorted(ndims))
        if next(iter(ndims)) == 1:
            arrays = [a.reshape(-1) for a in arrays]
        elif len({a.shape[1] for a in arrays}) != 1:
            raise fail(
                "sequences",
                "all have the same number of columns",
                sorted({a.shape[1] for a in arrays}),
            )
        lengths = [a.shape[0] for a in arrays]
        return cls(np.concatenate(arrays), offsets_from_lengths(lengths))

    def to_list(self) -> list[np.ndarray]:
        """One view per sequence."""
        return np.split(self.values, self.offsets[1:-1])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, id_column: str, columns: Sequence[str]) -> Ragged:
        """Build a batch from a long DataFrame: one row per time step, ``id_column`` per sequence.

        Rows of one id may be interleaved with other ids; within an id, row order is time order.
        Sequences come in order of first appearance of their id, which becomes :attr:`ids`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"id": [7, 5, 7], "x": [1, 2, 3]})
        >>> r = Ragged.from_frame(df, "id", ["x"])
        >>> r.ids.tolist(), r.values.ravel().tolist()
        ([7, 5], [1, 3, 2])
        """
        missing = [c for c in [id_column, *columns] if c not in frame.columns]
        if missing:
            raise fail("columns", f"exist in the frame {list(frame.columns)}", missing)
        order, offsets, uniques = group_order(frame[id_column].to_numpy())
        values = frame[list(columns)].to_numpy()[order]
        return cls(values, offsets, uniques)

    def to_frame(self, columns: Sequence[str] | None = None, id_column: str = "id") -> pd.DataFrame:
        """A long DataFrame: ``id_column`` (ids, or 0..S-1) followed by one column per column.

        Examples
        --------
        >>> Ragged(np.array([[1, 2], [3, 4]]), [0, 1, 2]).to_frame(["x", "y"])
           id  x  y
        0   0  1  2
        1   1  3  4
        """
        values = self.values if self.values.ndim == 2 else self.values[:, None]
        names = list(columns) if columns is not None else [f"c{i}" for i in range(values.shape[1])]
        if len(names) != values.shape[1]:
            raise fail("columns", f"name {values.shape[1]} columns", names)
        ids = self.ids if self.ids is not None else np.arange(len(self))
        data = {id_column: np.repeat(ids, self.lengths)}
        data.update({name: values[:, i] for i, name in enumerate(names)})
        import pandas as pd  # here: slow to import, and only grouping and frames need it

        return pd.DataFrame(data)

    @classmethod
    def from_padded(cls, padded: Any, lengths: Any) -> Ragged:
        """Build a batch from padded ``(B, L)`` or ``(B, L, C)`` data and per-row lengths.

        Examples
        --------
        >>> Ragged.from_padded(np.array([[1, 2, 0], [3, 0, 0]]), [2, 1]).values.tolist()
        [1, 2, 3]
        """
        padded = check_array("padded", padded, ndim=(2, 3), kinds="biufc")
        lengths = np.asarray(lengths, dtype=np.int64)
        if lengths.shape != (padded.shape[0],):
            raise fail("lengths", f"have shape ({padded.shape[0]},)", tuple(lengths.shape))
        if (lengths < 0).any() or (lengths > padded.shape[1]).any():
            raise fail("lengths", f"lie in 0..{padded.shape[1]}", lengths.tolist()[:10])
        mask = np.arange(padded.shape[1]) < lengths[:, None]
        return cls(padded[mask], offsets_from_lengths(lengths))

    def to_padded(self, max_len: int | None = None, fill: Any = 0) -> tuple[np.ndarray, np.ndarray]:
        """Pad to ``(S, max_len)`` or ``(S, max_len, C)``; returns ``(padded, lengths)``.

        Examples
        --------
        >>> padded, lengths = Ragged(np.array([1, 2, 3]), [0, 2, 3]).to_padded()
        >>> padded.tolist(), lengths.tolist()
        ([[1, 2], [3, 0]], [2, 1])
        """
        lengths = self.lengths
        longest = int(lengths.max()) if len(lengths) else 0
        width = longest if max_len is None else int(max_len)
        if width < longest:
            raise fail("max_len", f"be >= the longest sequence ({longest})", width)
        out = np.full((len(self), width, *self.values.shape[1:]), fill, dtype=self.values.dtype)
        out[self.segment_ids(), self.positions()] = self.values
        return out, lengths

    def to_arrow(self) -> pa.LargeListArray:
        """A pyarrow ``large_list`` array (of ``fixed_size_list`` rows for 2-D values).

        Examples
        --------
        >>> Ragged(np.array([1, 2, 3]), [0, 2, 3]).to_arrow().to_pylist()
        [[1, 2], [3]]
        """
        import pyarrow as pa

        flat = pa.array(self.values.reshape(-1))
        if self.values.ndim == 2:
            flat = pa.FixedSizeListArray.from_arrays(flat, self.values.shape[1])
        return pa.LargeListArray.from_arrays(pa.array(self.offsets, pa.int64()), flat)

    @classmethod
    def from_arrow(cls, array: pa.Array | pa.ChunkedArray) -> Ragged:
        """Build a batch from a pyarrow list array (as written by :meth:`to_arrow`).

        Examples
        --------
        >>> import pyarrow as pa
        >>> Ragged.from_arrow(pa.array([[1, 2], [], [3]])).lengths.tolist()
        [2, 0, 1]
        """
        import pyarrow as pa

        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if not pa.types.is_list(array.type) and not pa.types.is_large_list(array.type):
            raise fail("array", "be an Arrow list array", array.type)
        if array.null_count:
            raise fail("array", "have no null sequences", f"{array.null_count} nulls")
        offsets = np.asarray(array.offsets, dtype=np.int64)
        offsets = offsets - offsets[0]
        child = array.flatten()
        if pa.types.is_fixed_size_list(child.type):
            width = child.type.list_size
            values = np.asarray(child.flatten()).reshape(-1, width)
        else:
            values = np.asarray(child)
        return cls(values, offsets)

    def equals(self, other: Ragged) -> bool:
        """True when offsets and values (shape, dtype and content) are identical."""
        return (
            np.array_equal(self.offsets, other.offsets)
            and self.values.dtype == other.values.dtype
            and self.values.shape == other.values.shape
            and np.array_equal(self.values, other.values, equal_nan=self.values.dtype.kind == "f")
        )
