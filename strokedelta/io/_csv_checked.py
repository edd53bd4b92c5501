"""Reading a CSV table with every byte checked before pandas sees it, in bounded memory.

:func:`read_csv_checked` hands :func:`pandas.read_csv` a text stream (:class:`CheckedCsv`) that
reads the file (decompressed within the limits by :func:`strokedelta._files.open_binary_input`)
a block at a time and refuses, naming the file and the line:

- a line longer than ``limits.max_line_bytes`` (``\\n`` and ``\\r`` end lines), as soon as it
  grows past the limit, without reading the rest of it;
- a NUL byte (binary data, not text) and bytes that are not UTF-8 (also lone surrogates);
- before any row is parsed: a header of more than ``limits.max_columns`` columns (pandas spends
  seconds and megabytes per thousand columns), a column name given twice (pandas would rename
  the second ``x`` to ``x.1``), and a first row with more fields than the header (pandas would
  silently turn the extra leading fields into an index that is never written back).

Later rows with too many fields are pandas' own error, turned into one naming the line; rows with
too few fields are read with empty cells (``NaN``), which ``strokedelta delta`` refuses by row
and column unless ``--na keep``.

Examples
--------
>>> import io
>>> from strokedelta.limits import DEFAULT_LIMITS
>>> text = CheckedCsv(io.BytesIO(b"x,y\\n1,2\\n"), "t.csv", DEFAULT_LIMITS)
>>> text.read(100)
'x,y\\n1,2\\n'
>>> CheckedCsv(io.BytesIO(b"x,x\\n1,2\\n"), "t.csv", DEFAULT_LIMITS).read(100)
Traceback (most recent call last):
...
strokedelta.exceptions.FormatError: t.csv, line 1: the header names column 'x' twice
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import sys
import zlib
from typing import IO, Any

import numpy as np
import pandas as pd

from strokedelta._files import open_binary_input
from strokedelta.exceptions import FileAccessError, FormatError
from strokedelta.limits import ReadLimits

__all__ = ["CheckedCsv", "count_fields", "read_csv_checked"]

_CHUNK = 1 << 20  # bytes read from the file at a time
_QUOTED = re.compile(rb'"[^"]*"')  # a quoted field (doubled quotes inside are two of these)
try:  # up to the line end outside quotes; possessive (Python 3.11+): no backtracking stack
    _RECORD = re.compile(rb'(?:[^"\r\n]++|"[^"]*+")*+')
except re.error:  # pragma: no cover - Python 3.10
    _RECORD = re.compile(rb'(?:[^"\r\n]+|"[^"]*")*')
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _end_of_line(data: bytes, start: int = 0) -> int:
    """Index of the first ``\\n`` or ``\\r`` of ``data`` from ``start``, or -1."""
    newline = data.find(b"\n", start)
    ret = data.find(b"\r", start, len(data) if newline < 0 else newline)  # only before it
    return ret if ret >= 0 else newline


def count_fields(record: bytes) -> int:
    """Fields of one CSV record (``,`` separated, ``"`` quoted), without splitting it.

    Examples
    --------
    >>> count_fields(b'a,"b,c",d'), count_fields(b"x"), count_fields(b'"say ""hi"", ok",2')
    (3, 1, 2)
    """
    if b'"' in record:
        record = _QUOTED.sub(b"", record)
    return record.count(b",") + 1


class _TextSource:
    """A text stream (a ``StringIO`` standing in for stdin) read as UTF-8 bytes."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text

    def read(self, size: int) -> bytes:
        return self._text.read(size).encode("utf-8", "surrogatepass")


class CheckedCsv:
    """The text of a CSV file for :func:`pandas.read_csv`, checked as it is read.

    Parameters
    ----------
    raw : binary file
        The (decompressed) bytes.
    name : str
        The file, for messages.
    limits : ReadLimits
        ``max_line_bytes`` and ``max_columns`` are checked here.
    """

    def __init__(self, raw: Any, name: str, limits: ReadLimits) -> None:
        self._raw = raw
        self._name = name
        self._limits = limits
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._lines = 0  # "\n" seen in the blocks checked so far
        self._base = 0  # "\n" seen before the block being checked
        self._run = 0  # bytes of the line the last block ended inside
        self._text = ""  # decoded text not served yet, from self._at on
        self._at = 0
        self._started = False
        self._eof = False

    # ---------------------------------------------------------------- pandas' side
    def read(self, size: int = -1) -> str:
        """Up to ``size`` characters (all the rest for a negative size); ``""`` at the end."""
        if not self._started:
            self._started = True
            self._text = self._read_head()
        if size is None or size < 0:
            parts = [self._text[self._at :]]
            while not self._eof:
                parts.append(self._next_text())
            self._text, self._at = "", 0
            return "".join(parts)
        while self._at >= len(self._text) and not self._eof:
            self._text, self._at = self._next_text(), 0
        text = self._text[self._at : self._at + size]
        self._at += len(text)
        return text

    def __iter__(self) -> CheckedCsv:  # pandas takes only iterables for files
        return self

    def __next__(self) -> str:
        text = self.read(_CHUNK)
        if not text:
            raise StopIteration
        return text

    # ------------------------------------------------------------------- the checks
    def _next_text(self) -> str:
        data = self._raw.read(_CHUNK)
        self._check(data)
        return self._decode(data)

    def _line_of(self, data: bytes, at: int) -> int:
        """The 1-based line of byte ``at`` of ``data``, the block being checked."""
        return self._base + data.count(b"\n", 0, max(at, 0)) + 1

    def _check(self, data: bytes) -> None:
        """NUL bytes and line lengths of one block; counts its lines."""
        self._base = self._lines
        if not data:
            self._eof = True
            return
        nul = data.find(b"\x00")
        if nul >= 0:
            raise FormatError(
                "holds a NUL byte (binary data, not CSV text)",
                path=self._name,
                line=self._line_of(data, nul),
            )
        first = _end_of_line(data)
        if first < 0:
            self._run += len(data)
            self._check_length(self._run, data, 0)
        elif self._limits.max_line_bytes >= len(data):  # inner lines are shorter than that
            self._check_length(self._run + first, data, 0)
            self._run = len(data) - max(data.rfind(b"\n"), data.rfind(b"\r")) - 1
        else:
            self._check_lines(data)
        self._lines += data.count(b"\n")

    def _check_length(self, length: int, data: bytes, at: int) -> None:
        limit = self._limits.max_line_bytes
        if length > limit:
            where = {"path": self._name, "line": self._line_of(data, at)}
            self._limits.check("max_line_bytes", length, f"line has over {limit} bytes", **where)

    def _check_lines(self, data: bytes) -> None:
        """Every line length of a block larger than the limit (vectorised)."""
        codes = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero((codes == 10) | (codes == 13))
        starts = np.concatenate([[0], ends + 1])
        lengths = np.concatenate([ends, [len(data)]]) - starts
        lengths[0] += self._run
        over = np.flatnonzero(lengths > self._limits.max_line_bytes)
        if len(over):
            self._check_length(int(lengths[over[0]]), data, int(starts[over[0]]))
        self._run = int(lengths[-1])

    def _decode(self, data: bytes) -> str:
        held = len(self._decoder.getstate()[0])  # bytes of a character cut by the last block
        try:
            return self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            bad = exc.object[exc.start : exc.start + 1]
            shown = f"byte 0x{bad[0]:02x}" if bad else "a character cut off by the end"
            raise FormatError(
                f"is not UTF-8 text ({shown}: {exc.reason})",
                path=self._name,
                line=self._line_of(data, exc.start - held),
            ) from None

    # -------------------------------------------------------------------- the head
    def _read_head(self) -> str:
        """Read until the header and the first data row are complete; check them first.

        At most twice ``max_line_bytes`` are read ahead: a header row (even one with quoted
        line breaks) longer than that is refused, and so is a file whose first that many bytes
        are blank lines.
        """
        head = bytearray()
        texts: list[str] = []
        budget = 2 * self._limits.max_line_bytes + 2
        records: list[tuple[int, bytes, bool]] = []
        scan_at = 0  # scanned again each time the head doubles: linear in all
        while not self._eof and len(head) <= budget:
            data = self._raw.read(min(_CHUNK, budget + 1 - len(head)))
            self._check(data)
            texts.append(self._decode(data))
            head += data
            if self._eof or len(head) >= scan_at or len(head) > budget:
                records = _records(bytes(head) + (b"\n" if self._eof else b""), 2)
                scan_at = 2 * len(head)
                if len(records) == 2 and records[1][2]:
                    break
        if not records and not self._eof:
            raise FormatError(
                f"has only blank lines in its first {len(head)} bytes (a CSV table starts with "
                "its header row)",
                path=self._name,
            )
        if records and not records[0][2] and not self._eof:
            text = f"the header row has over {len(head) - 1} bytes"
            where = {"path": self._name, "line": records[0][0]}
            self._limits.check("max_line_bytes", len(head), text, **where)
        if records and records[0][2]:
            self._check_head(records)
        return "".join(texts)

    def _check_head(self, records: list[tuple[int, bytes, bool]]) -> None:
        line, header, _ = records[0]
        columns = count_fields(header)
        where = {"path": self._name, "line": line}
        self._limits.check("max_columns", columns, f"the header has {columns} columns", **where)
        names = next(csv.reader([header.decode("utf-8").lstrip("\ufeff")]), [])
        seen: set[str] = set()
        for column in names:
            if column in seen and column != "":
                raise FormatError(
                    f"the header names column {column!r} twice", path=self._name, line=line
                )
            seen.add(column)
        if len(records) == 2 and records[1][2]:
            row_line, row, _ = records[1]
            fields = count_fields(row)
            if fields > columns:
                raise FormatError(
                    f"malformed CSV: expected {columns} fields, saw {fields}",
                    path=self._name,
                    line=row_line,
                )


def _skip_blank_lines(data: bytes, start: int) -> int:
    """Where the first line from ``start`` that is not blank (spaces and tabs only) begins;
    ``len(data)`` when there is none."""
    rest = data[start:].lstrip(b" \t\r\n")
    if not rest:
        return len(data)
    first = len(data) - len(rest)
    return max(data.rfind(b"\n", start, first), data.rfind(b"\r", start, first), start - 1) + 1


def _records(data: bytes, wanted: int) -> list[tuple[int, bytes, bool]]:
    """The first ``wanted`` non-blank records of ``data``: (1-based line, bytes, complete).

    A record ends at a line end outside quotes; the last one found may be incomplete (no line
    end after it yet, or a quote still open). Blank lines are skipped, as pandas does.

    Examples
    --------
    >>> _records(b'\\na,"b\\nc"\\r\\n\\n 1,2', 3)
    [(2, b'a,"b\\nc"', True), (5, b' 1,2', False)]
    """
    found: list[tuple[int, bytes, bool]] = []
    start = 0
    while len(found) < wanted:
        start = _skip_blank_lines(data, start)
        if start >= len(data):
            break
        end = _RECORD.match(data, start).end()  # type: ignore[union-attr]
        complete = data[end : end + 1] in (b"\n", b"\r")
        found.append((data.count(b"\n", 0, start) + 1, data[start:end], complete))
        if not complete:
            break
        start = end + 1
    return found


def read_csv_checked(path: str | os.PathLike[str], limits: ReadLimits) -> pd.DataFrame:
    """Read a ``.csv`` / ``.csv.gz`` table (``-``: stdin) through :class:`CheckedCsv`.

    Raises
    ------
    FormatError
        Malformed CSV, naming the file and the line where known.
    ResourceLimitError
        A line, the header or the decompressed stream over ``limits``.
    FileAccessError
        The file cannot be opened or is not a regular file.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            raw = getattr(sys.stdin, "buffer", None) or _TextSource(sys.stdin)
            return _parse(CheckedCsv(raw, name, limits), name)
        with open_binary_input(path, limits=limits) as raw:
            return _parse(CheckedCsv(raw, name, limits), name)
    except FileAccessError:
        raise
    except (EOFError, zlib.error, OSError) as exc:  # a reader below that slipped through
        raise FormatError(f"cannot read file: {_first_line(exc)}", path=name) from None


def _parse(text: CheckedCsv, name: str) -> pd.DataFrame:
    try:
        source: Any = text  # a file-like object for pandas (its stubs want a protocol)
        return pd.read_csv(source, index_col=False, engine="c")
    except pd.errors.EmptyDataError:
        raise FormatError("is empty (a CSV table needs a header row)", path=name) from None
    except pd.errors.ParserError as exc:
        match = _FIELDS.search(str(exc))
        if match:
            want, line, saw = match.groups()
            message = f"malformed CSV: expected {want} fields, saw {saw}"
            raise FormatError(message, path=name, line=int(line)) from None
        raise FormatError(f"malformed CSV: {_first_line(exc)}", path=name) from None
    except csv.Error as exc:  # pandas checks quoted headers with Python's csv module
        raise FormatError(f"malformed CSV: {_first_line(exc)}", path=name) from None
    except (UnicodeError, OverflowError) as exc:
        reason = _first_line(exc)
        raise FormatError(f"cannot parse as CSV: {reason}", path=name) from None
