"""Read and write tables (CSV, gzipped CSV, Parquet) chosen by file extension.

``.csv`` and ``.csv.gz`` are CSV with a header row, ``.parquet`` is Parquet (pyarrow), and ``-``
is CSV on stdin or stdout. Every problem with a file is a :class:`~strokedelta.FormatError` that
names it. Outputs are written to a temporary file beside the target and renamed into place, so a
failure never leaves a partial file.

Floats are written with the shortest text that reads back to the same double (Python's
``repr``), so a CSV round trip is bit-exact; integers stay integers.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> frame = pd.DataFrame({"id": ["a", "a"], "x": [1, 2], "y": [0.1, 1e-300]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "series.csv.gz"
>>> write_table(frame, path)
>>> read_table(path).equals(frame)
True
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._files import atomic_path, suffix_of
from strokedelta.exceptions import FormatError
from strokedelta.io._csv_checked import read_csv_checked
from strokedelta.io._parquet_table import FREQ_KEY, read_parquet_table
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits

__all__ = [
    "TABLE_SUFFIXES",
    "decimal_places",
    "read_table",
    "round_to_source_decimals",
    "table_format",
    "write_table",
]

TABLE_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", "-": "csv"}
"""Recognised extensions and their format (``-`` is CSV on stdin / stdout)."""


def _name(path: str | os.PathLike[str]) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


def table_format(path: str | os.PathLike[str]) -> str:
    """Return ``"csv"`` or ``"parquet"`` for a path, by its extension.

    Raises
    ------
    FormatError
        For any other extension.

    Examples
    --------
    >>> table_format("runs/Series.CSV.gz"), table_format("-")
    ('csv', 'csv')
    >>> table_format("series.xlsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.FormatError: series.xlsx: unknown table extension '.xlsx'; expected ...
    """
    suffix = suffix_of(path)
    if suffix not in TABLE_SUFFIXES:
        shown = repr(suffix) if suffix else "(none)"
        raise FormatError(
            f"unknown table extension {shown}; expected .csv, .csv.gz, .parquet or - "
            "(CSV on stdin/stdout)",
            path=str(path),
        )
    return TABLE_SUFFIXES[suffix]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def read_table(path: str | os.PathLike[str], *, limits: ReadLimits | None = None) -> pd.DataFrame:
    """Read a ``.csv``, ``.csv.gz`` or ``.parquet`` table, or CSV from stdin for ``-``.

    The file is checked as it is read, in bounded memory: CSV text must be UTF-8 without NUL
    bytes, with lines of at most ``limits.max_line_bytes``, a header of at most
    ``limits.max_columns`` distinct names and no row longer than the header (see
    :mod:`strokedelta.io._csv_checked`); a ``.csv.gz`` may expand to at most
    ``limits.max_decompressed_bytes`` and ``limits.max_ratio`` times its size, and so may a
    Parquet file's row groups, read one at a time after its footer is checked (see
    :mod:`strokedelta.io._parquet_table`). Rows with fewer fields than the header get empty
    cells (``NaN``).

    Parameters
    ----------
    path : str or path-like
        The file; its extension picks the format.
    limits : ReadLimits, optional
        The limits to enforce (default :data:`~strokedelta.limits.DEFAULT_LIMITS`).

    Returns
    -------
    pandas.DataFrame
        CSV tables get a default ``RangeIndex``; Parquet tables keep the index pandas stored.

    Raises
    ------
    FormatError
        Unknown extension, a file that cannot be decompressed, malformed CSV (naming the line),
        a file that is not Parquet, a corrupt row group (naming it) or broken ``pandas``
        metadata.
    ResourceLimitError
        A line, the columns or the decompressed data over ``limits`` (a FormatError too).
    FileAccessError
        The file does not exist, cannot be opened or is not a regular file.

    Examples
    --------
    >>> import io, sys
    >>> saved, sys.stdin = sys.stdin, io.StringIO("id,x\\na,1\\na,3\\n")
    >>> read_table("-")
      id  x
    0  a  1
    1  a  3
    >>> sys.stdin = saved
    """
    limits = DEFAULT_LIMITS if limits is None else limits
    if table_format(path) == "parquet":
        return read_parquet_table(path, limits)
    return read_csv_checked(path, limits)


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``frame`` as ``.csv``, ``.csv.gz`` or ``.parquet`` (atomically), or CSV to stdout.

    CSV holds the columns only (not the index); floats are written with their shortest exact
    text, so reading the file back gives the same doubles. Gzip output is reproducible (no
    timestamp). Parquet keeps dtypes and a non-default index.

    Raises
    ------
    FormatError
        Unknown extension, or a frame Parquet cannot store (e.g. non-string column names).
    OSError
        The target cannot be written (naming the target).

    Examples
    --------
    >>> import pandas as pd
    >>> write_table(pd.DataFrame({"x": [1, 2], "y": [0.5, 0.1]}), "-")
    x,y
    1,0.5
    2,0.1
    """
    kind = table_format(path)
    if str(path) == "-":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    gzipped = suffix_of(path).endswith(".gz")
    try:
        with atomic_path(path) as tmp:
            if kind == "parquet":
                _write_parquet(frame, tmp, str(path))
            elif gzipped:
                _write_csv_gz(frame, tmp)
            else:
                frame.to_csv(tmp, index=False, lineterminator="\n")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


def _write_csv_gz(frame: pd.DataFrame, tmp: os.PathLike[str]) -> None:
    """Gzipped CSV with no file name or time in its header: equal frames give equal bytes."""
    with (
        open(tmp, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="") as text,
    ):
        frame.to_csv(text, index=False, lineterminator="\n")


def _write_parquet(frame: pd.DataFrame, tmp: os.PathLike[str], name: str) -> None:
    """pandas' Parquet (dtypes, index), plus the frequency of a DatetimeIndex, which pandas'
    metadata leaves out (read back by :func:`strokedelta.io._parquet_table.read_parquet_table`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pandas(frame)
        freq = getattr(frame.index, "freqstr", None)
        if isinstance(frame.index, pd.DatetimeIndex) and freq:
            extra = {FREQ_KEY: json.dumps({"index_freq": freq}).encode()}
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
        pq.write_table(table, tmp)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise FormatError(
            f"cannot store this table as Parquet: {_first_line(exc)}", path=name
        ) from None


def decimal_places(values: Any, max_places: int = 12) -> int | None:
    """The fewest decimal places that write every finite value exactly, or ``None``.

    A column read from text such as ``0.1, 2.25`` has 2; values computed in binary floating
    point (``0.1 + 0.2``) usually have none within ``max_places``. Missing values are ignored.

    Examples
    --------
    >>> decimal_places([0.5, 2.25, float("nan")]), decimal_places([3.0, -1.0])
    (2, 0)
    >>> decimal_places([0.1 + 0.2]) is None
    True
    """
    array = np.asarray(values, dtype=np.float64).ravel()
    array = array[np.isfinite(array)]
    if array.size == 0:
        return None
    biggest = float(np.abs(array).max())
    for places in range(max_places + 1):
        if biggest * 10.0**places >= 1e15:  # beyond this, x * 10**places is not exact enough
            return None
        if np.array_equal(np.round(array, places), array):
            return places
    return None


def round_to_source_decimals(
    result: pd.DataFrame,
    source: pd.DataFrame,
    undo: Callable[[pd.DataFrame], pd.DataFrame],
    columns: Sequence[Hashable],
) -> pd.DataFrame:
    """Round float ``columns`` of ``result`` to the decimals of ``source`` when that is exact.

    ``result`` was computed from ``source`` (deltas from values or back) and ``undo`` computes
    ``source`` from ``result``. A float column whose source values have a fixed number of
    decimals (:func:`decimal_places`) is rounded to them only when ``undo`` of the rounded
    result, rounded to the same decimals, gives ``source`` back exactly; otherwise it is left as
    computed. So a table read from text keeps its decimals through ``delta`` and ``integrate``
    instead of gaining binary rounding noise (``0.3 - 0.1 == 0.19999999999999998``).

    Parameters
    ----------
    result, source : pandas.DataFrame
        The computed table and the one it was computed from (same columns and rows).
    undo : callable
        DataFrame -> DataFrame, the inverse of the computation (e.g. ``inverse_transform``).
    columns : list of str
        The computed columns; other columns are not touched.

    Returns
    -------
    pandas.DataFrame
        ``result`` itself when no column has decimals to keep, else a shallow copy.

    Examples
    --------
    >>> import pandas as pd
    >>> source = pd.DataFrame({"x": [0.1, 0.3]})
    >>> deltas = source.diff().fillna(source)
    >>> deltas["x"].tolist()
    [0.1, 0.19999999999999998]
    >>> round_to_source_decimals(deltas, source, lambda d: d.cumsum(), ["x"])["x"].tolist()
    [0.1, 0.2]
    """
    places = {}
    for name in columns:
        if result[name].dtype.kind == "f" and source[name].dtype.kind == "f":
            found = decimal_places(source[name].to_numpy())
            if found is not None:
                places[name] = found
    if not places:
        return result
    rounded = result.copy(deep=False)
    for name, digits in places.items():
        rounded[name] = result[name].round(digits)
    back = undo(rounded)
    for name, digits in places.items():
        same = np.array_equal(
            back[name].round(digits).to_numpy(), source[name].to_numpy(), equal_nan=True
        )
        if not same:
            rounded[name] = result[name]
    return rounded
