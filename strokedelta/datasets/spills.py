"""A build's work files: each category's candidates, bucketed by rank key, appended in records.

The per-file step appends what it keeps of a category to that file's spill of the category
(:func:`append_spill`), as often as it likes: whenever its buffer is full (fraction splits,
which keep every drawing) or once at the end (count splits, which keep the best-ranked only).
Each append splits the drawings into :data:`BUCKETS` buckets by the top bits of their 64-bit
rank key and writes one record per non-empty bucket: a 16-byte header (bucket, drawings,
payload bytes) and the :class:`~strokedelta.datasets.scan.Candidates` pickled with protocol 5,
its arrays' buffers out of band (:func:`_payload`): the pickle holds only the structure, and
the points, keys and metadata buffers are written and read by the file calls directly, which
release the GIL, instead of being copied in and out of the pickle stream while holding it
(the single engine's threads then work at the same time).

Because a bucket is a range of rank keys, the per-category step can read a category one run of
buckets at a time (:func:`load_buckets`, skipping the other records by their headers) and still
see the drawings in rank order: sorting each run and putting the runs one after the other is
sorting the whole category. :func:`bucket_counts` reads only the headers, so runs of a bounded
size can be planned (:func:`plan_groups`) before any drawing is loaded. Repeats of a drawing
(equal identities, equal keys) always fall in the same bucket.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.datasets.scan import Candidates
>>> from strokedelta.sketch import Drawings
>>> spill = pathlib.Path(tempfile.mkdtemp()) / "spill.pkl"
>>> d = Drawings.from_polylines([[[[0, i], [0, i]]] for i in range(1, 4)])
>>> keys = np.array([3 << 58, 1, 63 << 58], dtype=np.uint64)
>>> c = Candidates()
>>> c.add(d, keys, np.zeros(3), np.arange(3))
>>> append_spill(spill, c)
>>> counts = bucket_counts([spill])
>>> int(counts.sum()), np.flatnonzero(counts).tolist()
(3, [0, 3, 63])
>>> plan_groups(counts, 2)
[(0, 63), (63, 64)]
>>> sum(part.size for part in load_buckets([spill], 0, 63))
2
"""

from __future__ import annotations

import os
import pickle
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

from strokedelta.datasets._gather import slice_drawings, take_drawings

__all__ = [
    "BUCKETS",
    "FLUSH_AT",
    "GROUP_AT",
    "append_spill",
    "bucket_counts",
    "load_buckets",
    "plan_groups",
]

#: Buckets per category, by the top bits of the rank key.
BUCKET_BITS = 6
BUCKETS = 1 << BUCKET_BITS
_HEADER = struct.Struct("<IIQ")  # bucket, drawings, payload bytes


def bucket_of(keys: np.ndarray) -> np.ndarray:
    """The bucket of each rank key (its top :data:`BUCKET_BITS` bits)."""
    return (np.asarray(keys, np.uint64) >> np.uint64(64 - BUCKET_BITS)).astype(np.int64)


def append_spill(path: str | os.PathLike[str], candidates: Any) -> None:
    """Append ``candidates`` (a :class:`~strokedelta.datasets.scan.Candidates`, any order) to
    the spill at ``path``, one record per bucket."""
    if not candidates.size:
        return
    whole = candidates.best(None, ordered=False)
    drawings, keys = whole.drawings[0], whole.keys[0]
    ranks, positions = whole.ranks[0], whole.positions[0]
    buckets = bucket_of(keys)
    order = np.argsort(buckets, kind="stable")
    edges = np.searchsorted(buckets[order], np.arange(BUCKETS + 1))
    drawings = take_drawings(drawings, order)  # one compiled gather, then a slice per bucket
    keys, ranks, positions = keys[order], ranks[order], positions[order]
    cls = type(candidates)
    with open(path, "ab") as handle:
        for bucket in range(BUCKETS):
            a, b = int(edges[bucket]), int(edges[bucket + 1])
            if a == b:
                continue
            part = cls()
            part.add(slice_drawings(drawings, a, b), keys[a:b], ranks[a:b], positions[a:b])
            pieces = _payload(part)
            handle.write(_HEADER.pack(bucket, b - a, sum(len(p) for p in pieces)))
            for piece in pieces:
                handle.write(piece)


#: Buffers of at least this many bytes go out of band (smaller ones stay in the pickle).
_OUT_OF_BAND = 4096
#: Out-of-band buffers start at multiples of this in a record (the arrays rebuilt over them
#: are aligned, as the compiled kernels' signatures expect).
_ALIGN = 64
_COUNTS = struct.Struct("<QQ")  # pickle bytes, buffers


def _pad(size: int) -> int:
    return -size % _ALIGN


def _payload(part: Any) -> list[Any]:
    """A record's payload as the pieces to write: the counts, the buffer sizes, the pickle
    and the out-of-band buffers, each buffer starting at a multiple of :data:`_ALIGN`."""
    buffers: list[memoryview] = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        raw = buffer.raw()
        if raw.nbytes < _OUT_OF_BAND:
            return True  # in band
        buffers.append(raw)
        return False

    data = pickle.dumps(part, protocol=5, buffer_callback=out_of_band)
    sizes = np.array([b.nbytes for b in buffers], dtype="<u8").tobytes()
    head = _COUNTS.pack(len(data), len(buffers)) + sizes
    pieces: list[Any] = [head, data]
    at = len(head) + len(data)
    for raw in buffers:
        pieces.append(bytes(_pad(at)))
        pieces.append(raw)
        at += _pad(at) + raw.nbytes
    return pieces


def _unpickle(payload: np.ndarray) -> Any:
    """The candidates of a payload read into ``payload`` (arrays are views of it)."""
    view = payload.data
    size, count = _COUNTS.unpack(view[: _COUNTS.size])
    sizes = np.frombuffer(view, dtype="<u8", count=count, offset=_COUNTS.size).tolist()
    at = _COUNTS.size + 8 * count
    data = view[at : at + size]
    at += size
    buffers = []
    for nbytes in sizes:
        at += _pad(at)
        buffers.append(view[at : at + nbytes])
        at += nbytes
    return pickle.loads(data, buffers=buffers)  # this build's own files


def _records(path: str) -> list[tuple[int, int, int, int]]:
    """(bucket, drawings, payload offset, payload bytes) of every record, from the headers."""
    out: list[tuple[int, int, int, int]] = []
    if not os.path.exists(path):  # a category this file never appended to
        return out
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        at = 0
        while at < size:
            handle.seek(at)
            bucket, count, nbytes = _HEADER.unpack(handle.read(_HEADER.size))
            out.append((bucket, count, at + _HEADER.size, nbytes))
            at += _HEADER.size + nbytes
    return out


def bucket_counts(paths: Sequence[str | os.PathLike[str]]) -> np.ndarray:
    """Drawings per bucket over the spills ``paths`` (headers only)."""
    counts = np.zeros(BUCKETS, dtype=np.int64)
    for path in paths:
        for bucket, count, _, _ in _records(os.fspath(path)):
            counts[bucket] += count
    return counts


def plan_groups(counts: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Runs ``[lo, hi)`` of buckets covering all, each holding at most ``budget`` drawings
    (a bucket over the budget is a run of its own); empty buckets join a neighbour."""
    groups: list[tuple[int, int]] = []
    lo, held = 0, 0
    for bucket in range(len(counts)):
        n = int(counts[bucket])
        if held and held + n > budget:
            groups.append((lo, bucket))
            lo, held = bucket, 0
        held += n
    groups.append((lo, len(counts)))
    return groups


def load_buckets(paths: Sequence[str | os.PathLike[str]], lo: int, hi: int) -> list[Any]:
    """The candidates of buckets ``lo`` to ``hi - 1`` in the spills ``paths``: a list of
    :class:`~strokedelta.datasets.scan.Candidates` (merge them; their order does not matter)."""
    parts = []
    for path in sorted(str(os.fspath(p)) for p in paths):
        with open(path, "rb") as handle:
            for bucket, _, offset, nbytes in _records(path):
                if lo <= bucket < hi:
                    handle.seek(offset)
                    payload = np.empty(nbytes, dtype=np.uint8)  # aligned, writable
                    if handle.readinto(payload.data) != nbytes:
                        raise OSError(f"{path}: a spill record ends early")
                    parts.append(_unpickle(payload))
    return parts


#: A category's buffer in the per-file step is appended to its spill when it holds this many
#: drawings (fraction splits keep every drawing; count splits trim their buffer instead).
FLUSH_AT = 50_000
#: The most drawings the per-category step loads at once (a run of buckets; one bucket over it
#: is loaded alone).
GROUP_AT = 200_000
