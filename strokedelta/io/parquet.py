"""Drawings as Parquet: one row per drawing, streamed in row groups.

Layout: the metadata columns (``key_id``, ``word``, ... , ``split``) as they are, then the
stroke-3 rows as three list columns ``dx``, ``dy`` (``large_list<T>``, T the values' dtype) and
``pen`` (``large_list<int8>``, read back as T) and, for raw data, ``time``
(``large_list<int64>``). Separate columns let Parquet's dictionary / run-length encodings work
(smaller files than interleaved rows). The schema metadata key ``strokedelta`` holds
JSON ``{"layout": "drawings", "version": 1, "attrs": {...}}`` where ``attrs`` are the
preprocessing parameters (scale factor, simplification). Values and dtypes round-trip exactly.

Reading checks the footer before any row (:mod:`strokedelta.io._parquet_checks`): the columns
and their types, the ``strokedelta`` and ``pandas`` JSON, and each row group's declared size
against :class:`~strokedelta.limits.ReadLimits`; every pyarrow or pandas failure becomes a
:class:`~strokedelta.FormatError` naming the file (and the row group and record where known).
A drawing with no points, pen values other than 0 / 1 or non-finite values is a bad record,
as in every format.

This module registers the ``parquet`` format (``.parquet``, also ``.pq``); read and write it
with :func:`strokedelta.io.read_drawings` and :func:`strokedelta.io.write_drawings`.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.io import read_drawings, write_drawings
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]]])
>>> d.attrs["scale_factor"] = 2.5
>>> path = pathlib.Path(tempfile.mkdtemp()) / "d.parquet"
>>> write_drawings(d, path)
>>> back = read_drawings(path)
>>> back.equals(d), back.attrs
(True, {'scale_factor': 2.5})
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from strokedelta._validation import check_int
from strokedelta.exceptions import FormatError, ValidationError
from strokedelta.io._parquet_checks import (
    LAYOUT,
    METADATA_KEY,
    Opened,
    arrow_errors,
    list_column,
    meta_of,
    open_drawings_parquet,
    strokes_of,
)
from strokedelta.io.read_report import ReadReport, check_errors, raise_or_record
from strokedelta.io.registry import DrawingsFormat, refuse_empty_drawings, register
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import Drawings
from strokedelta.sketch.stroke3_checks import stroke3_problems

__all__ = ["DEFAULT_CHUNK", "ParquetWriter", "iter_parquet", "iter_row_groups", "row_group_sizes"]

DEFAULT_CHUNK = 65_536


def _to_table(drawings: Drawings) -> Any:
    import pyarrow as pa

    offsets = pa.array(drawings.strokes.offsets, pa.int64())
    values = drawings.strokes.values
    columns = {
        "dx": pa.LargeListArray.from_arrays(offsets, pa.array(values[:, 0])),
        "dy": pa.LargeListArray.from_arrays(offsets, pa.array(values[:, 1])),
        "pen": pa.LargeListArray.from_arrays(offsets, pa.array(values[:, 2].astype(np.int8))),
    }
    if drawings.time is not None:
        columns["time"] = pa.LargeListArray.from_arrays(offsets, pa.array(drawings.time.values))
    if len(drawings.meta.columns):
        table = pa.Table.from_pandas(drawings.meta, preserve_index=False)
        for name, column in columns.items():
            table = table.append_column(name, column)
    else:
        table = pa.table(columns)
    info = dict(LAYOUT, attrs=drawings.attrs)
    metadata = dict(table.schema.metadata or {})
    metadata[METADATA_KEY] = json.dumps(info).encode()
    return table.replace_schema_metadata(metadata)


class ParquetWriter:
    """Write drawings batch by batch, one or more row groups per batch.

    The ``parquet`` format's registered writer: use it through
    :func:`strokedelta.io.open_writer` (options ``row_group_size``, ``compression``), which
    makes the output atomic.

    The first batch fixes the schema; later batches are cast to it when that is lossless
    (e.g. int64 values that fit the int32 of the first batch) and refused otherwise.
    """

    def __init__(
        self, path: Path, *, row_group_size: int = DEFAULT_CHUNK, compression: str = "zstd"
    ) -> None:
        self.path = Path(path)
        self.count = 0
        self.row_group_size = check_int("row_group_size", row_group_size, minimum=1)
        self.compression = compression
        self._writer: Any = None
        self._attrs: dict[str, Any] | None = None

    def write(self, drawings: Drawings) -> None:
        """Write one batch of drawings."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        refuse_empty_drawings(drawings, "Parquet", start=self.count)
        table = _to_table(drawings)
        if self._writer is None:
            # zstd without dictionaries on the number columns: smaller and faster than the
            # default (snappy + dictionaries) on stroke data; dictionaries for repeated words
            dictionary = [c for c in ("word", "countrycode", "split") if c in table.schema.names]
            self._writer = pq.ParquetWriter(
                self.path, table.schema, compression=self.compression, use_dictionary=dictionary
            )
            self._attrs = drawings.attrs
        elif drawings.attrs != self._attrs:
            raise ValidationError(
                f"attrs of every batch must be equal; got {drawings.attrs} after {self._attrs}"
            )
        elif not table.schema.equals(self._writer.schema, check_metadata=False):
            try:
                table = table.cast(self._writer.schema, safe=True)
            except (pa.ArrowInvalid, ValueError) as exc:
                raise ValidationError(
                    f"batches must share one schema; got {table.schema} after "
                    f"{self._writer.schema} ({exc})"
                ) from None
        self._writer.write_table(table, row_group_size=self.row_group_size)
        self.count += len(drawings)

    def close(self) -> None:
        """Finish the file (an empty file gets a schema without rows)."""
        if self._writer is None:
            empty = Drawings(Ragged(np.zeros((0, 3), dtype=np.int16), [0]))
            self.write(empty)
        self._writer.close()

    def abort(self) -> None:
        """Close without caring about the content (the file is discarded)."""
        if self._writer is not None:
            self._writer.close()


def iter_parquet(
    path: Any,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Drawings]:
    """Yield drawings from a drawings Parquet file, ``chunk_size`` rows at a time.

    The ``parquet`` format's registered reader (see :func:`strokedelta.io.iter_drawings`).
    The footer is checked first (layout, column types, the ``strokedelta`` and ``pandas``
    metadata, each row group's declared sizes against ``limits``); each drawing's length is
    checked against ``limits.max_points`` before its rows are assembled. Drawings with no
    points, pen values other than 0 / 1 or non-finite values are bad records (raised, or
    skipped with ``errors="skip"``); a broken file or column is an error either way.

    Raises
    ------
    FileAccessError
        The file cannot be opened.
    FormatError
        Not our layout, broken metadata or data (naming the row group and record where
        known), or a drawing with bad stroke-3 rows (naming the record).
    ResourceLimitError
        A row group or a drawing is over a limit.
    """
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    errors = check_errors(errors)
    name = str(path)
    opened = open_drawings_parquet(name, limits)
    start = 0
    with opened.handle:
        for batch in _batches(opened, name, chunk_size):
            drawings = _drawings_of(batch, opened, name, start, errors, report, limits)
            start += batch.num_rows
            if len(drawings):
                yield drawings


def row_group_sizes(path: Any, *, limits: ReadLimits = DEFAULT_LIMITS) -> np.ndarray:
    """The number of rows of each row group of a drawings Parquet file (footer checked, no
    row read), for readers that split a file by row group (:mod:`strokedelta.datasets`)."""
    opened = open_drawings_parquet(str(path), limits)
    with opened.handle:
        return np.diff(opened.group_starts).astype(np.int64)


def iter_row_groups(
    path: Any,
    groups: Any,
    *,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Iterator[Drawings]:
    """Yield row groups ``groups`` (indices, in the order given) of a drawings Parquet file,
    one :class:`Drawings` each, checked as :func:`iter_parquet` checks them (records are
    numbered from the start of the file in errors).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.io import open_writer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.parquet"
    >>> with open_writer(path, row_group_size=2) as w:
    ...     w.write(Drawings.from_polylines([[[[i], [i]]] for i in range(5)]))
    >>> row_group_sizes(path).tolist()
    [2, 2, 1]
    >>> [d.absolute().values[:, 0].tolist() for d in iter_row_groups(path, [2, 0])]
    [[4], [0, 1]]
    """
    errors = check_errors(errors)
    name = str(path)
    opened = open_drawings_parquet(name, limits)
    with opened.handle:
        count = len(opened.group_starts) - 1
        for group in groups:
            group = check_int("group", group, minimum=0)
            if group >= count:
                raise ValidationError(
                    f"group must be < {count} (the row groups of {name}); got {group}"
                )
            start = int(opened.group_starts[group])
            try:
                table = opened.handle.read_row_group(group).combine_chunks()
            except arrow_errors() as exc:
                raise FormatError(
                    f"row group {group}: cannot read: {_reason(exc)}", path=name, record=start
                ) from None
            batches = table.to_batches()
            if not batches:  # an empty row group
                yield _no_drawings(name)
                continue
            parts = [_drawings_of(b, opened, name, start, errors, report, limits) for b in batches]
            yield parts[0] if len(parts) == 1 else Drawings.concat(parts)


def _batches(opened: Opened, name: str, chunk_size: int) -> Iterator[Any]:
    """pyarrow's record batches, its errors turned into FormatError naming the row group."""
    batches = opened.handle.iter_batches(batch_size=chunk_size)
    start = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except arrow_errors() as exc:
            group = opened.group_of(start)
            raise FormatError(
                f"row group {group}: cannot read: {_reason(exc)}", path=name, record=start
            ) from None
        yield batch
        start += batch.num_rows


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text if len(text) <= 300 else text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _drawings_of(
    batch: Any,
    opened: Opened,
    name: str,
    start: int,
    errors: str,
    report: ReadReport | None,
    limits: ReadLimits,
) -> Drawings:
    """One batch as Drawings, its bad records raised or skipped."""
    strokes, dtype = strokes_of(batch, name, start, limits)
    time = None
    if "time" in batch.schema.names:
        time = list_column(batch, "time", name, start)
        if not np.array_equal(time.offsets, strokes.offsets):
            first = int(np.argmax(time.lengths != strokes.lengths))
            raise FormatError(
                "time and strokes have different lengths", path=name, record=start + first
            )
    meta = meta_of(batch, opened.pandas_meta, name, start)
    if len(meta) != len(strokes):
        raise FormatError(
            f"the metadata columns give {len(meta)} rows for {len(strokes)} drawings "
            "(is the 'pandas' schema metadata broken?)",
            path=name,
            record=start,
        )
    bad, messages = stroke3_problems(strokes, allow_empty=False)
    for i, message in zip(bad.tolist(), messages):
        raise_or_record(FormatError(message, path=name, record=start + i), errors, report)
    if len(bad):
        keep = np.ones(len(strokes), dtype=bool)
        keep[bad] = False
        strokes, meta = strokes[keep], meta[keep].reset_index(drop=True)
        time = None if time is None else time[keep]
    if strokes.values.dtype != dtype:  # pen values were widened to check them: all 0 / 1 now
        strokes = Ragged(strokes.values.astype(dtype), strokes.offsets)
    return Drawings(strokes, meta, time=time, attrs=opened.attrs)


def _no_drawings(path: Any) -> Drawings:
    """What reading gives when there are no drawings: the file's columns, dtypes and attrs."""
    name = str(path)
    opened = open_drawings_parquet(name, DEFAULT_LIMITS)
    with opened.handle:
        schema = opened.handle.schema_arrow
    empty = schema.empty_table()
    strokes, _ = strokes_of(empty, name, 0, DEFAULT_LIMITS)
    time = list_column(empty, "time", name, 0) if "time" in schema.names else None
    meta = meta_of(empty, opened.pandas_meta, name, 0)
    return Drawings(strokes, meta, time=time, attrs=opened.attrs)


register(
    DrawingsFormat(
        name="parquet",
        description="strokedelta's columnar drawings layout",
        suffixes=(".parquet",),
        aliases=(".pq",),
        read_chunks=iter_parquet,
        writer=ParquetWriter,
        empty=_no_drawings,
        streams=True,
        keeps_time=True,
        keeps_splits=True,
    )
)
