"""Opening and checking a drawings Parquet file before its data is materialised.

pyarrow reports a broken file with ``OSError`` (its ``ArrowIOError``), ``ArrowInvalid``,
``ArrowNotImplementedError``, ``ValueError`` or ``KeyError``, and pandas a broken ``pandas``
schema metadata with ``JSONDecodeError``, ``KeyError`` or ``ValueError``; here each becomes a
:class:`~strokedelta.FormatError` naming the file (and the row group or record where known).
The footer (schema, metadata, row-group sizes) is checked before any row is read: the columns
and their types, the ``strokedelta`` and ``pandas`` JSON, and each row group's declared sizes
against :class:`~strokedelta.limits.ReadLimits`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._files import cannot_open
from strokedelta.exceptions import FormatError
from strokedelta.io._bounded import check_expansion, regular_size
from strokedelta.limits import ReadLimits
from strokedelta.ragged import Ragged

__all__ = ["DATA_COLUMNS", "METADATA_KEY", "Opened", "arrow_errors", "open_drawings_parquet"]

METADATA_KEY = b"strokedelta"
LAYOUT = {"layout": "drawings", "version": 1}
DATA_COLUMNS = ("dx", "dy", "pen", "time")


def arrow_errors() -> tuple[type[BaseException], ...]:
    """What pyarrow and pandas raise on broken data (pyarrow imported only when reading)."""
    import pyarrow as pa

    return (pa.ArrowException, OSError, ValueError, TypeError, KeyError, IndexError)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text if len(text) <= 300 else text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class Opened:
    """A checked drawings Parquet file: pyarrow's handle and what its metadata says."""

    handle: Any
    attrs: dict[str, Any]
    pandas_meta: bytes | None
    #: first record of each row group, and the total (len = row groups + 1)
    group_starts: np.ndarray

    def group_of(self, record: int) -> int:
        """The row group holding ``record``."""
        return int(np.searchsorted(self.group_starts, record, side="right") - 1)


def open_drawings_parquet(name: str, limits: ReadLimits) -> Opened:
    """Open ``name`` and check its footer (see the module docstring).

    Raises
    ------
    FileAccessError
        The file cannot be opened or is not a regular file.
    FormatError
        Not Parquet, not our layout, broken metadata, wrong column types.
    ResourceLimitError
        More columns than ``max_columns``, or a row group declaring more bytes than
        ``max_decompressed_bytes`` (or expanding the file more than ``max_ratio`` times).
    """
    import pyarrow.parquet as pq

    size = regular_size(name)
    try:
        open(name, "rb").close()
    except OSError as exc:
        raise cannot_open(exc, name) from None
    try:
        handle = pq.ParquetFile(name)
        schema = handle.schema_arrow
        metadata = handle.metadata
    except arrow_errors() as exc:
        raise FormatError(f"cannot open as Parquet: {_reason(exc)}", path=name) from None
    try:
        columns = len(schema.names)
        limits.check("max_columns", columns, f"schema has {columns} columns", path=name)
        attrs = _check_schema(schema, name)
        starts = _check_row_groups(metadata, size, name, limits)
    except BaseException:
        handle.close()
        raise
    return Opened(handle, attrs, (schema.metadata or {}).get(b"pandas"), starts)


def _check_schema(schema: Any, name: str) -> dict[str, Any]:
    """The layout's columns and types, the ``strokedelta`` JSON (its attrs returned), pandas'."""
    import pyarrow as pa

    raw = (schema.metadata or {}).get(METADATA_KEY)
    if raw is None or not {"dx", "dy", "pen"} <= set(schema.names):
        raise FormatError(
            "not a strokedelta drawings Parquet file (no dx / dy / pen columns "
            "or 'strokedelta' metadata)",
            path=name,
        )
    twice = sorted({n for n in schema.names if schema.names.count(n) > 1})
    if twice:
        raise FormatError(f"column {twice[0]!r} appears more than once", path=name)
    info = _json(raw, "strokedelta", name)
    if not isinstance(info, dict) or any(info.get(k) != v for k, v in LAYOUT.items()):
        raise FormatError(f"unsupported layout {_short(info)}", path=name)
    attrs = info.get("attrs")
    if attrs is not None and not isinstance(attrs, dict):
        raise FormatError(
            f"the 'strokedelta' metadata's attrs must be a JSON object; got {_short(attrs)}",
            path=name,
        )
    pandas_meta = (schema.metadata or {}).get(b"pandas")
    if pandas_meta is not None:
        parsed = _json(pandas_meta, "pandas", name)
        if not isinstance(parsed, dict) or not isinstance(parsed.get("columns", []), list):
            raise FormatError(
                f"the 'pandas' metadata must be a JSON object with a 'columns' list; "
                f"got {_short(parsed)}",
                path=name,
            )
    kinds = {"dx": "number", "dy": "number", "pen": "integer", "time": "integer"}
    for column, kind in kinds.items():
        if column not in schema.names:
            continue
        kind_of = pa.types.is_integer if kind == "integer" else _is_number
        field_type = schema.field(column).type
        if not _is_list(field_type) or not kind_of(field_type.value_type):
            raise FormatError(
                f"column {column} must be a list of {kind}s; got {field_type}", path=name
            )
    dx, dy = (schema.field(c).type.value_type for c in ("dx", "dy"))
    if dx != dy:
        raise FormatError(
            f"dx and dy must be lists of one numeric type; got {dx} and {dy}", path=name
        )
    return dict(attrs or {})


def _is_list(field_type: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_list(field_type) or pa.types.is_large_list(field_type))


def _is_number(value_type: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_integer(value_type) or pa.types.is_floating(value_type))


def _json(raw: bytes, key: str, name: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise FormatError(f"the '{key}' metadata is not JSON: {_reason(exc)}", path=name) from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_row_groups(metadata: Any, size: int, name: str, limits: ReadLimits) -> np.ndarray:
    """Each row group's declared size against the limits; the first record of each.

    Only row-group fields are read: pyarrow aborts the process (``std::terminate``) when a
    column chunk's metadata is inconsistent and it is looked at (``row_group(i).column(j)``),
    so the compressed size of a row group is bounded by the file's ``size`` instead.
    """
    rows = []
    for group_index in range(metadata.num_row_groups):
        group = metadata.row_group(group_index)
        what = f"row group {group_index}"
        check_expansion(limits, max(group.total_byte_size, 0), size, what, path=name)
        rows.append(group.num_rows)
    return np.concatenate([[0], np.cumsum(np.array(rows, dtype=np.int64))])


def list_column(batch: Any, column: str, name: str, start: int) -> Ragged:
    """A list column of a batch as a Ragged, refusing nulls (naming the record)."""
    array = batch.column(column)
    if hasattr(array, "combine_chunks"):  # a Table's column
        array = array.combine_chunks()
    if array.null_count:
        first = int(np.flatnonzero(np.asarray(array.is_null()))[0])
        raise FormatError(f"{column} is null", path=name, record=start + first)
    offsets = np.asarray(array.offsets, dtype=np.int64)
    child = array.flatten()
    if child.null_count:
        row = int(np.flatnonzero(np.asarray(child.is_null()))[0])
        owner = int(np.searchsorted(offsets - offsets[0], row, side="right") - 1)
        raise FormatError(f"{column} has a null value", path=name, record=start + owner)
    return Ragged(np.asarray(child), offsets - offsets[0])


def strokes_of(batch: Any, name: str, start: int, limits: ReadLimits) -> tuple[Ragged, Any]:
    """The dx / dy / pen columns of a batch as one stroke-3 Ragged, and the dtype to keep.

    Each drawing's length is checked against ``max_points`` before the (n, 3) values are
    assembled. Pen values outside 0 / 1 widen the values so that the check of the rows sees
    them as they are (cast back with the returned dtype once the bad drawings are gone).
    """
    parts = [list_column(batch, c, name, start) for c in ("dx", "dy", "pen")]
    for part in parts[1:]:
        if not np.array_equal(part.offsets, parts[0].offsets):
            bad = int(np.argmax(part.lengths != parts[0].lengths))
            raise FormatError(
                "dx, dy and pen have different lengths", path=name, record=start + bad
            )
    lengths = parts[0].lengths
    if len(lengths) and lengths.max() > limits.max_points:
        i = int(np.argmax(lengths > limits.max_points))
        text = f"drawing has {int(lengths[i])} points"
        limits.check("max_points", int(lengths[i]), text, path=name, record=start + i)
    keep = parts[0].values.dtype
    pen = parts[2].values
    wide = len(pen) and (pen.min() < 0 or pen.max() > 1)
    dtype = np.result_type(keep, pen.dtype) if wide else keep
    values = np.empty((parts[0].n_points, 3), dtype=dtype)
    for k, part in enumerate(parts):
        values[:, k] = part.values
    return Ragged(values, parts[0].offsets), keep


def meta_of(batch: Any, pandas_meta: bytes | None, name: str, start: int) -> pd.DataFrame:
    """The metadata columns of a RecordBatch or Table as a DataFrame with their pandas dtypes."""
    import pyarrow as pa

    names = [n for n in batch.schema.names if n not in DATA_COLUMNS]
    if not names:
        return pd.DataFrame(index=pd.RangeIndex(batch.num_rows))
    table = batch.select(names)
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    if pandas_meta is not None:
        table = table.replace_schema_metadata({b"pandas": pandas_meta})
    broken: tuple[type[BaseException], ...] = (*arrow_errors(), AttributeError)
    try:
        return table.to_pandas().reset_index(drop=True)
    except broken as exc:
        raise FormatError(
            "the metadata columns cannot be rebuilt (is the 'pandas' schema metadata "
            f"broken?): {_reason(exc)}",
            path=name,
            record=start,
        ) from None
