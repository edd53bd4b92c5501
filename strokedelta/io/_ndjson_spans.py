"""The text of a scanned chunk's string fields, gathered in one compiled pass over its lines.

The scanner (:mod:`strokedelta.io._ndjson_kernel`) records where each line's ``key_id``,
``word``, ``countrycode``, ``timestamp`` and ``split`` strings start and end. Their bytes sit
side by side at the start of each line, so one pass that visits every line once and copies all
of its fields reads each line's first cache lines once; a pass per field reads them once per
field, and a 5,000-line chunk (about 3 MB) no longer fits the core's cache by the second pass
(``scripts/bench_dataset.py --stages`` prints the scan of a chunk with its metadata).

Examples
--------
>>> import numpy as np
>>> buf = np.frombuffer(b'"ab","c"', dtype=np.uint8)
>>> starts, lengths = np.array([[1, 6]]), np.array([[2, 1]])
>>> offsets = np.array([[0, 0], [2, 1]])
>>> out = np.empty(3, dtype=np.uint8)
>>> gather_fields(buf, starts, lengths, offsets, np.array([0, 2]), out)
>>> out.tobytes()
b'abc'
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["gather_fields"]


@numba.njit(cache=True, nogil=True)
def gather_fields(
    buf: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    offsets: np.ndarray,
    bases: np.ndarray,
    out: np.ndarray,
) -> None:
    """Copy field ``k`` of line ``r`` (``buf[starts[r, k]:][:lengths[r, k]]``) to
    ``out[bases[k] + offsets[r, k]:]``: each field's texts end to end, the fields one after
    the other (``offsets``: ``(rows + 1, fields)``, each column a field's text offsets)."""
    for r in range(starts.shape[0]):
        for k in range(starts.shape[1]):
            start = starts[r, k]
            at = bases[k] + offsets[r, k]
            for i in range(lengths[r, k]):
                out[at + i] = buf[start + i]
