"""Quick, Draw! ndjson writing: Google's layout and key order, built from flat arrays.

Every number of every drawing is formatted in one pass over the flat arrays, and the
separators (``,``, ``],[``, ``]],[[`` and the line ends) are placed by offset arithmetic, so
there is no Python loop per drawing or point. Integral values are written without a fraction
(as JavaScript, and so Google's files, do), fractions with Python's shortest repr.

Examples
--------
>>> from strokedelta.sketch import Drawings
>>> print(format_ndjson(Drawings.from_polylines([[[[1, 5], [2, 2]], [[3], [9]]]])), end="")
{"drawing":[[[1,5],[2,2]],[[3],[9]]]}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokedelta.exceptions import ValidationError
from strokedelta.ragged import offsets_from_lengths
from strokedelta.sketch.drawings import Drawings, check_split_labels
from strokedelta.sketch.formats import stroke_offsets

__all__ = ["GOOGLE_ORDER", "LINE_ORDER", "NdjsonWriter", "format_ndjson"]

#: Google's key order; ``drawing`` comes last.
GOOGLE_ORDER = ("word", "countrycode", "timestamp", "recognized", "key_id")
#: The keys written: Google's, then strokedelta's ``split`` (only for drawings that have one).
LINE_ORDER = (*GOOGLE_ORDER, "split")


def _number_texts(values: np.ndarray) -> np.ndarray:
    """Numbers as JSON text (object array); integral floats without a fraction, like JS."""
    if values.dtype.kind in "iu":
        return np.array(list(map(str, values.tolist())), dtype=object)
    out = np.empty(len(values), dtype=object)
    integral = (values == np.floor(values)) & (np.abs(values) < 1e16)
    out[integral] = list(map(str, values[integral].astype(np.int64).tolist()))
    out[~integral] = list(map(repr, values[~integral].tolist()))
    return out


def _line_prefixes(meta: pd.DataFrame) -> np.ndarray:
    """``{"word":...,"key_id":...,"drawing":[[[`` per drawing, Google's key order, no nulls."""
    from json.encoder import encode_basestring

    n = len(meta)
    line = np.full(n, "{", dtype=object)
    started = np.zeros(n, dtype=bool)
    for name in LINE_ORDER:
        if name not in meta.columns:
            continue
        column = meta[name]
        present = ~column.isna().to_numpy()
        if not present.any():
            continue
        if name == "recognized":
            flags = column[present].to_numpy(dtype=bool)
            texts = np.where(flags, "true", "false").astype(object)
        else:
            kept = column[present].tolist()
            texts = np.array(list(map(encode_basestring, map(str, kept))), dtype=object)
        sep = np.where(started[present], ",", "").astype(object)
        piece = np.full(n, "", dtype=object)
        piece[present] = sep + f'"{name}":' + texts
        line = line + piece
        started |= present
    return line + np.where(started, ",", "").astype(object) + '"drawing":[[['


def format_ndjson(drawings: Drawings) -> str:
    """Quick, Draw! ndjson text of all drawings (one line each), built with flat arrays.

    A ``split`` column is written as a ``"split"`` field after ``key_id`` (omitted where it
    is null), so that the splits survive a round trip through ndjson.

    Raises
    ------
    ValidationError
        When a drawing has no points (Google's layout has no empty drawings), or a split is
        not one of train, valid, test.

    Examples
    --------
    >>> import pandas as pd
    >>> meta = pd.DataFrame({"key_id": ["7"], "split": ["test"]})
    >>> d = Drawings.from_polylines([[[[1], [2]]]], meta)
    >>> print(format_ndjson(d), end="")
    {"key_id":"7","split":"test","drawing":[[[1],[2]]]}
    """
    if len(drawings) == 0:
        return ""
    if "split" in drawings.meta.columns:
        check_split_labels(drawings.meta["split"])
    empty = drawings.lengths == 0
    if empty.any():
        raise ValidationError(
            f"cannot write drawing {int(np.argmax(empty))} as ndjson: it has no points"
        )
    points = drawings.absolute().values
    columns = [points[:, 0], points[:, 1]]
    if drawings.time is not None:
        columns.append(drawings.time.values)
    width, n_points = len(columns), len(points)
    bounds = stroke_offsets(drawings.pen, drawings.strokes.offsets)
    per_stroke = np.diff(bounds)
    stack = np.concatenate([_number_texts(c) for c in columns])
    block_len = np.repeat(per_stroke, width)
    block_start = (bounds[:-1, None] + np.arange(width) * n_points).ravel()
    block_out = offsets_from_lengths(block_len)
    gather = np.repeat(block_start - block_out[:-1], block_len) + np.arange(block_out[-1])
    tokens = stack[gather]
    seps = np.full(len(tokens), ",", dtype=object)
    seps[block_out[1:] - 1] = "],["
    seps[block_out[width::width] - 1] = "]],[["
    first_stroke = np.searchsorted(bounds, drawings.strokes.offsets)
    last_block_end = block_out[first_stroke[1:] * width] - 1
    prefixes = _line_prefixes(drawings.meta)
    seps[last_block_end] = "]]]}\n" + np.append(prefixes[1:], "")
    out = np.empty(2 * len(tokens) + 1, dtype=object)
    out[0] = prefixes[0]
    out[1::2] = tokens
    out[2::2] = seps
    return "".join(out.tolist())


class NdjsonWriter:
    """Append drawings to an open ndjson file (``gzip=True`` compresses).

    The ``ndjson`` format's registered writer: use it through
    :func:`strokedelta.io.open_writer`, which makes the output atomic. The output depends only
    on the drawings (a ``.gz`` header holds no file name and no time).
    """

    def __init__(self, path: Path, *, gzip: bool = False) -> None:
        import gzip as gz

        self.path = Path(path)
        self.count = 0
        self._raw: Any = open(self.path, "wb")  # noqa: SIM115
        # no file name and no time in the gzip header: the same drawings give the same bytes
        self._handle: Any = (
            gz.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0) if gzip else self._raw
        )

    def write(self, drawings: Drawings) -> None:
        """Write one batch of drawings."""
        self._handle.write(format_ndjson(drawings).encode("utf-8"))
        self.count += len(drawings)

    def close(self) -> None:
        """Flush and close the file."""
        self._handle.close()
        self._raw.close()

    abort = close
