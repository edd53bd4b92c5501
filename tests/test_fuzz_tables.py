"""Mutation fuzzing of the table readers: valid .csv, .csv.gz and Parquet tables, broken at random.

Hypothesis flips bits, cuts, inserts bytes (CSV's own structure among them: quotes, commas, line
ends, NUL, invalid UTF-8), overwrites the gzip header and trailer fields and the Parquet footer
length and thrift bytes, and splices two valid files; ``read_table`` must then succeed or raise a
``StrokeDeltaError``, nothing else, within a time limit per example and 1 GB of memory overall.
A table that reads is then differenced as ``strokedelta delta --columns x`` does, which must
also succeed or raise a ``StrokeDeltaError``.

Each reader's fuzzing runs in a child process (this file, run by pytest with
``STROKEDELTA_FUZZ_CHILD=1``), so that a native crash (pyarrow, pandas) fails the test instead of
killing the test run; the child writes how many examples it ran and what they gave.
``STROKEDELTA_FUZZ_EXAMPLES`` sets the examples per reader (200 by default).
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import signal
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fuzz_child import run_fuzz_child
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strokedelta.exceptions import StrokeDeltaError
from strokedelta.io.tables import read_table, write_table
from strokedelta.limits import ReadLimits
from strokedelta.transformer import DeltaTransformer

EXAMPLES = int(os.environ.get("STROKEDELTA_FUZZ_EXAMPLES", "200"))
IN_CHILD = os.environ.get("STROKEDELTA_FUZZ_CHILD") == "1"
SERIES = Path(__file__).resolve().parents[1] / "data" / "series.csv"
#: seconds one example may take before it counts as a hang
EXAMPLE_SECONDS = 20
#: the resident memory the whole child may reach
MAX_RSS_BYTES = 1 << 30
#: a second set of limits, small enough that fuzzed sizes hit them
SMALL = ReadLimits(max_line_bytes=64, max_columns=4, max_decompressed_bytes=2000)
SUFFIX = {"csv": ".csv", "gz": ".csv.gz", "parquet": ".parquet"}
#: bytes that mean something to a CSV parser or a UTF-8 decoder
STRUCTURE = [b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b'""']


# --------------------------------------------------------------------------- valid files
def _frames() -> list[pd.DataFrame]:
    rng = np.random.default_rng(0)
    first = pd.DataFrame(
        {
            "id": np.repeat(["a", "b", "c"], 4),
            "t": np.tile(np.arange(4), 3),
            "x": rng.normal(size=12).round(3),
            "y": np.arange(12.0) * 0.5,
        }
    )
    second = pd.DataFrame({"x": [1, 2, 4, 7], "note": ['a "quoted", text', "", "b\nc", "d"]})
    frames = [first, second]
    if SERIES.is_file():
        frames.append(pd.read_csv(SERIES).head(25))
    return frames


def valid_files(fmt: str, folder: Path) -> list[bytes]:
    """Valid files of ``fmt`` to mutate and splice."""
    found = []
    for k, frame in enumerate(_frames()):
        path = folder / f"base{k}{SUFFIX[fmt]}"
        write_table(frame, path)
        found.append(path.read_bytes())
    if fmt == "parquet":
        indexed = _frames()[0].set_index(["id", "t"])
        indexed.to_parquet(folder / "indexed.parquet", row_group_size=5)
        found.append((folder / "indexed.parquet").read_bytes())
    if fmt == "gz":
        found.append(gzip.compress(b"x,y\n1,2\n", mtime=0) + gzip.compress(b"3,4\n", mtime=0))
    return found


# ----------------------------------------------------------------------- size fields
def field_offsets(fmt: str, data: bytes) -> list[tuple[int, int]]:
    """(offset, width) of the header, length and checksum fields of a valid file."""
    if fmt == "csv":
        return []
    if fmt == "gz":
        fields = []
        at = data.find(b"\x1f\x8b")
        while at >= 0:
            fields.extend([(at + 2, 1), (at + 3, 1), (at + 4, 4), (at + 9, 1)])
            at = data.find(b"\x1f\x8b", at + 1)
        fields.extend([(len(data) - 8, 4), (len(data) - 4, 4)])
        return fields
    footer = int.from_bytes(data[-8:-4], "little")
    fields = [(len(data) - 8, 4)]
    start = len(data) - 8 - footer
    fields.extend((start + k, 4) for k in range(0, max(footer - 4, 1), max(footer // 40, 1)))
    return fields


INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]


@st.composite
def mutated(draw: st.DrawFn, fmt: str, bases: list[bytes]) -> bytes:
    """A valid file broken by one to three mutations."""
    data = bytearray(draw(st.sampled_from(bases)))
    kinds = ["flip", "cut", "insert", "structure", "field", "splice", "overwrite", "repeat"]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        size = len(data)
        at = draw(st.integers(0, max(size - 1, 0)))
        if kind == "flip" and size:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "structure":
            data[at:at] = draw(st.sampled_from(STRUCTURE))
        elif kind == "overwrite" and size:
            data[at : at + 8] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "repeat" and size:
            end = draw(st.integers(at, min(size, at + 64)))
            data[at:at] = bytes(data[at:end]) * draw(st.integers(1, 200))
        elif kind == "field":
            fields = [f for f in field_offsets(fmt, bytes(data)) if 0 <= f[0] <= len(data) - f[1]]
            if fields:
                offset, width = draw(st.sampled_from(fields))
                value = draw(st.sampled_from(INTERESTING) | st.integers(0, 2 ** (8 * width) - 1))
                data[offset : offset + width] = (value % 2 ** (8 * width)).to_bytes(width, "little")
        elif kind == "splice":
            other = draw(st.sampled_from(bases))
            cut = draw(st.integers(0, len(other)))
            data = data[:at] + bytearray(other[cut:])
    return bytes(data)


# ------------------------------------------------------------------------ in the child
OUTCOMES: Counter[str] = Counter()


def _timeout(signum: int, frame: object) -> None:
    raise TimeoutError(f"one example ran past {EXAMPLE_SECONDS} s")


def _read_one(path: Path, limits: ReadLimits | None) -> None:
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(EXAMPLE_SECONDS)
    try:
        frame = read_table(path, limits=limits)
        if "x" in frame.columns and not frame.columns.duplicated().any():
            frame.index = pd.RangeIndex(1, len(frame) + 1)
            DeltaTransformer(columns=["x"]).fit(frame).transform(frame)
            OUTCOMES["ok (delta too)"] += 1
        else:
            OUTCOMES["ok"] += 1
    except StrokeDeltaError as exc:
        OUTCOMES[type(exc).__name__] += 1
    finally:
        signal.alarm(0)


def _fuzz(fmt: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp(f"fuzz_{fmt}")
    bases = valid_files(fmt, folder)
    target = Path(os.environ.get("STROKEDELTA_FUZZ_LAST") or folder / f"mutated{SUFFIX[fmt]}")
    warnings.simplefilter("ignore")  # pandas' DtypeWarning / ParserWarning on broken text

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=mutated(fmt, bases), small=st.booleans())
    def check(data: bytes, small: bool) -> None:
        target.write_bytes(data)
        _read_one(target, SMALL if small else None)

    check()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    summary = {
        "reader": fmt,
        "examples": sum(OUTCOMES.values()),
        "outcomes": dict(OUTCOMES),
        "max_rss_bytes": rss,
    }
    out = os.environ.get("STROKEDELTA_FUZZ_SUMMARY")
    if out:
        Path(out).write_text(json.dumps(summary))
    assert rss < MAX_RSS_BYTES, summary


child_only = pytest.mark.skipif(not IN_CHILD, reason="runs in the child process of test_fuzz_*")


@child_only
def test_csv_mutations(tmp_path_factory):
    _fuzz("csv", tmp_path_factory)


@child_only
def test_gz_mutations(tmp_path_factory):
    _fuzz("gz", tmp_path_factory)


@child_only
def test_parquet_mutations(tmp_path_factory):
    _fuzz("parquet", tmp_path_factory)


# ----------------------------------------------------------------------- in this process
@pytest.mark.skipif(IN_CHILD, reason="this is the child")
@pytest.mark.parametrize("fmt", ["csv", "gz", "parquet"])
def test_fuzz_in_a_child_process(fmt, tmp_path):
    last = tmp_path / f"last_example{SUFFIX[fmt]}"  # what the child read last (kept if it died)
    run_fuzz_child(f"{__file__}::test_{fmt}_mutations", tmp_path, last, EXAMPLES)
