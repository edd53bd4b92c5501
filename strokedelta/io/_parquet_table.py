"""Reading a Parquet table with its footer checked first and its expansion bounded.

pyarrow and pandas report a broken file with ``OSError``, ``ArrowInvalid``, ``ValueError``,
``KeyError``, ``TypeError`` or ``JSONDecodeError`` (a broken ``pandas`` schema metadata); here
each becomes a :class:`~strokedelta.FormatError` naming the file and, where the data is at fault,
the row group. Before any row is read, the footer is checked: at most ``limits.max_columns``
columns, each name once, and a ``pandas`` metadata that is a JSON object. The row groups are then
read one at a time and counted against ``limits.max_decompressed_bytes`` and ``max_ratio`` (of
the file's size) before the next is read. Text columns stored with a dictionary (pyarrow's
default) are read as their dictionary first and measured as they would be decoded, so a file of
a few KB holding one long string repeated a million times is refused before it is expanded.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> from strokedelta.limits import ReadLimits
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
>>> pd.DataFrame({"x": range(3)}).to_parquet(path)
>>> read_parquet_table(path, ReadLimits())["x"].tolist()
[0, 1, 2]
>>> pd.DataFrame({"x": range(3), "y": 1.5}).to_parquet(path)
>>> read_parquet_table(path, ReadLimits(max_columns=1))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
strokedelta.exceptions.ResourceLimitError: ...t.parquet: the table has 2 columns, over the limit
    max_columns=1 (raise it with --limit max_columns=N or ReadLimits(max_columns=N))
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd

from strokedelta._files import cannot_open
from strokedelta.exceptions import FormatError
from strokedelta.io._bounded import check_expansion, regular_size
from strokedelta.limits import ReadLimits

__all__ = ["FREQ_KEY", "read_parquet_table"]

FREQ_KEY = b"strokedelta"
"""Schema metadata key of what pandas' own metadata leaves out: ``{"index_freq": "D"}``."""


def _errors() -> tuple[type[BaseException], ...]:
    """What pyarrow and pandas raise on broken data (pyarrow imported only when reading)."""
    import pyarrow as pa

    return (
        pa.ArrowException,
        OSError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        RecursionError,
    )


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text if len(text) <= 300 else text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_footer(parquet: Any, name: str, limits: ReadLimits) -> None:
    """Columns (count, names) and the ``pandas`` metadata, before any row is read."""
    schema = parquet.schema_arrow
    names = list(schema.names)
    limits.check("max_columns", len(names), f"the table has {len(names)} columns", path=name)
    seen: set[str] = set()
    for column in names:
        if column in seen:
            raise FormatError(f"column {column!r} appears more than once", path=name)
        seen.add(column)
    raw = (schema.metadata or {}).get(b"pandas")
    if raw is None:
        return
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise FormatError(f"the 'pandas' metadata is not JSON: {_reason(exc)}", path=name) from None
    lists = ("columns", "index_columns", "column_indexes")
    if not isinstance(meta, dict) or any(not isinstance(meta.get(k, []), list) for k in lists):
        raise FormatError(
            "the 'pandas' metadata must be a JSON object whose columns, index_columns and "
            f"column_indexes are lists; got {_short(meta)}",
            path=name,
        )


def _dictionary_paths(parquet: Any) -> list[str]:
    """Text columns to read as dictionaries, so their decoded size is counted before decoding.

    Every ``BYTE_ARRAY`` leaf of the Parquet schema is taken, whatever its encoding: looking at a
    column chunk's encodings (``row_group(i).column(j)``) makes pyarrow abort the process
    (``std::terminate``) when that chunk's metadata is inconsistent, e.g. a definition level
    histogram of the wrong size (found by tests/test_fuzz_tables.py).
    """
    import pyarrow as pa

    schema = parquet.schema_arrow
    paths = []
    for j in range(len(parquet.schema)):
        column = parquet.schema.column(j)
        top = column.path.split(".")[0]
        if column.physical_type != "BYTE_ARRAY" or top not in schema.names:
            continue
        if pa.types.is_dictionary(schema.field(top).type):
            continue  # read as a dictionary anyway (a pandas Categorical)
        paths.append(column.path)
    return paths


def _dense_bytes(array: Any) -> int:
    """Bytes ``array`` takes once its dictionaries are decoded (without decoding them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        return sum(_dense_bytes(chunk) for chunk in array.chunks)
    kind = array.type
    if pa.types.is_dictionary(kind):
        lengths = pc.binary_length(array.dictionary)
        total = pc.sum(pc.take(lengths, array.indices)).as_py() or 0
        return int(total) + 8 * len(array)
    if pa.types.is_struct(kind):
        return sum(_dense_bytes(field) for field in array.flatten()) + len(array)
    if isinstance(array, (pa.ListArray, pa.LargeListArray, pa.FixedSizeListArray)):
        return _dense_bytes(array.flatten()) + 8 * len(array)
    return int(array.nbytes)


def _read_groups(handle: Any, parquet: Any, name: str, limits: ReadLimits, size: int) -> Any:
    """Every row group, each counted against the limits before the next is read."""
    import pyarrow as pa

    schema = parquet.schema_arrow
    decode = _dictionary_paths(parquet)
    if decode:
        try:
            parquet = type(parquet)(handle, metadata=parquet.metadata, read_dictionary=decode)
        except _errors() as exc:
            raise FormatError(f"cannot read its text columns: {_reason(exc)}", path=name) from None
    tables, expanded = [], 0
    for index in range(parquet.metadata.num_row_groups):
        try:
            table = parquet.read_row_group(index)
            expanded += sum(_dense_bytes(column) for column in table.columns)
        except _errors() as exc:
            raise FormatError(
                f"row group {index} cannot be read: {_reason(exc)}", path=name
            ) from None
        what = f"the table (up to row group {index})"
        check_expansion(limits, expanded, size, what, path=name)
        try:
            tables.append(table.cast(schema) if decode else table)
        except _errors() as exc:
            raise FormatError(
                f"row group {index} does not match the schema: {_reason(exc)}", path=name
            ) from None
    try:
        return pa.concat_tables(tables) if tables else schema.empty_table()
    except _errors() as exc:
        raise FormatError(f"row groups do not fit together: {_reason(exc)}", path=name) from None


def read_parquet_table(path: str | os.PathLike[str], limits: ReadLimits) -> pd.DataFrame:
    """Read a ``.parquet`` table (see the module docstring).

    Raises
    ------
    FileAccessError
        The file cannot be opened or is not a regular file.
    FormatError
        Not Parquet, a corrupt footer or row group, or a broken ``pandas`` metadata.
    ResourceLimitError
        Too many columns, or the data expands past the limits.
    """
    import pyarrow.parquet as pq

    name = str(path)
    size = regular_size(name)
    try:
        handle = open(name, "rb")  # noqa: SIM115 - closed below, also on errors
    except OSError as exc:
        raise cannot_open(exc, name) from None
    with handle:
        try:
            parquet = pq.ParquetFile(handle)
            parquet.schema_arrow  # noqa: B018 - converting the schema can fail too
        except _errors() as exc:
            raise FormatError(
                f"is not a readable Parquet file: {_reason(exc)}", path=name
            ) from None
        _check_footer(parquet, name, limits)
        table = _read_groups(handle, parquet, name, limits, size)
    try:
        frame = table.to_pandas()
    except _errors() as exc:
        raise FormatError(
            "cannot be rebuilt as a pandas table (is its 'pandas' schema metadata broken?): "
            f"{_reason(exc)}",
            path=name,
        ) from None
    return _with_freq(frame, (table.schema.metadata or {}).get(FREQ_KEY), name)


def _with_freq(frame: pd.DataFrame, raw: bytes | None, name: str) -> pd.DataFrame:
    """Give a DatetimeIndex back the frequency :func:`strokedelta.write_table` stored."""
    if raw is None or not isinstance(frame.index, pd.DatetimeIndex):
        return frame
    try:
        freq = json.loads(raw)["index_freq"]
        frame.index = pd.DatetimeIndex(frame.index, freq=freq)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise FormatError(
            f"the index frequency it stores is broken: {_reason(exc)}", path=name
        ) from None
    return frame
