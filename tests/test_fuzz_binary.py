"""Mutation fuzzing of the binary readers: valid .bin, .npz and Parquet files, broken at random.

Hypothesis flips bits, cuts, inserts, overwrites length / size / count fields (the ``.bin``
counts, zip local and central headers, the ``.npy`` header length, the Parquet footer length)
and splices two valid files; reading must then succeed or raise a ``StrokeDeltaError``, nothing
else, within a time limit per example and 1 GB of memory overall.

Each reader's fuzzing runs in a child process (this file, run by pytest with
``STROKEDELTA_FUZZ_CHILD=1``), so that a native crash (pyarrow, numba, numpy) fails the test
instead of killing the test run; the child writes how many examples it ran and what they gave.
``STROKEDELTA_FUZZ_EXAMPLES`` sets the examples per reader (200 by default).
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REAL_DATA
from fuzz_child import run_fuzz_child
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strokedelta.exceptions import StrokeDeltaError
from strokedelta.io import ReadReport, read_drawings, write_drawings
from strokedelta.limits import ReadLimits
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings

EXAMPLES = int(os.environ.get("STROKEDELTA_FUZZ_EXAMPLES", "200"))
IN_CHILD = os.environ.get("STROKEDELTA_FUZZ_CHILD") == "1"
REAL = REAL_DATA  # tests/conftest.py: ../shared/data/real or $STROKEDELTA_REAL_DATA
#: seconds one example may take before it counts as a hang
EXAMPLE_SECONDS = 20
#: the resident memory the whole child may reach
MAX_RSS_BYTES = 1 << 30
#: a second set of limits, small enough that fuzzed sizes hit them
SMALL = ReadLimits(
    max_points=500, max_strokes=50, max_decompressed_bytes=1 << 20, max_pickle_bytes=1 << 18
)


# --------------------------------------------------------------------------- valid files
def _synthetic(n: int, seed: int, dtype: object = np.int16) -> Drawings:
    """``n`` drawings of 1-11 points with absolute coordinates in 0..255 (fit for .bin)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 12, size=n)
    points = rng.integers(0, 255, size=(int(lengths.sum()), 2)).astype(dtype)
    pen = (rng.random(len(points)) < 0.3).astype(dtype)
    pen[np.cumsum(lengths) - 1] = 1
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return Drawings.from_absolute(Ragged(points, offsets), pen)


def _bytes_of(drawings: Drawings, suffix: str, folder: Path) -> bytes:
    path = folder / f"base{suffix}"
    write_drawings(drawings, path)
    return path.read_bytes()


def _omniglot_slice() -> Drawings | None:
    """A few drawings of each split of the real omniglot.npz (CC BY), when it is present."""
    if not (REAL / "omniglot.npz").is_file():
        return None
    d = read_drawings(REAL / "omniglot.npz")
    keep = np.zeros(len(d), dtype=bool)
    for split in ("train", "valid", "test"):
        keep[np.flatnonzero((d.meta["split"] == split).to_numpy())[:6]] = True
    return d[keep]


def _deflated_npz(drawings: Drawings, folder: Path) -> bytes:
    """The same splits deflated, pickled by np.save (protocol 3): numpy's savez_compressed."""
    path = folder / "deflated.npz"
    write_drawings(drawings, path)
    with zipfile.ZipFile(path) as archive:
        members = [(i.filename, archive.read(i)) for i in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, 8)
    return buffer.getvalue()


def valid_files(fmt: str, folder: Path) -> list[bytes]:
    """Two or three valid files of ``fmt`` to mutate and splice."""
    if fmt == "bin":
        return [_bytes_of(_synthetic(12, s), ".bin", folder) for s in (0, 1)]
    if fmt == "npz":
        real = _omniglot_slice()
        base = real if real is not None else _synthetic(18, 2)
        return [
            _bytes_of(base, ".npz", folder),
            _deflated_npz(base, folder),
            _bytes_of(_synthetic(5, 3, np.float64), ".npz", folder),
        ]
    meta = {"key_id": [str(i) for i in range(10)], "word": ["cat"] * 10}
    d = _synthetic(10, 4)
    with_meta = Drawings(
        d.strokes, pd.DataFrame(meta), time=Ragged(np.arange(d.n_points), d.strokes.offsets)
    )
    return [
        _bytes_of(with_meta, ".parquet", folder),
        _bytes_of(_synthetic(7, 5, np.float64), ".parquet", folder),
    ]


# ----------------------------------------------------------------------- size fields
def field_offsets(fmt: str, data: bytes) -> list[tuple[int, int]]:
    """(offset, width) of the length, size and count fields of a valid file."""
    fields: list[tuple[int, int]] = []
    if fmt == "bin":
        pos = 0
        while pos + 17 <= len(data):
            fields.append((pos + 15, 2))
            count = int.from_bytes(data[pos + 15 : pos + 17], "little")
            pos += 17
            for _ in range(count):
                fields.append((pos, 2))
                pos += 2 + 2 * int.from_bytes(data[pos : pos + 2], "little")
        return fields
    if fmt == "npz":
        for magic, places in (
            (b"PK\x03\x04", [(6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)]),
            (
                b"PK\x01\x02",
                [(8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (42, 4)],
            ),
            (b"PK\x05\x06", [(8, 2), (10, 2), (12, 4), (16, 4), (20, 2)]),
            (b"\x93NUMPY", [(8, 2)]),
        ):
            at = data.find(magic)
            while at >= 0:
                fields.extend((at + off, width) for off, width in places)
                at = data.find(magic, at + 1)
        return fields
    footer = int.from_bytes(data[-8:-4], "little")
    fields.append((len(data) - 8, 4))
    start = len(data) - 8 - footer
    fields.extend((start + k, 4) for k in range(0, footer - 4, max(footer // 40, 1)))
    return fields


INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]


@st.composite
def mutated(draw: st.DrawFn, fmt: str, bases: list[bytes]) -> bytes:
    """A valid file broken by one to three mutations."""
    data = bytearray(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "field", "splice", "overwrite"]))
        size = len(data)
        at = draw(st.integers(0, max(size - 1, 0)))
        if kind == "flip" and size:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "overwrite" and size:
            data[at : at + 8] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "field":
            fields = [f for f in field_offsets(fmt, bytes(data)) if f[0] + f[1] <= len(data)]
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


def _read_one(path: Path, mode: str, limits: ReadLimits | None) -> None:
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(EXAMPLE_SECONDS)
    try:
        report = ReadReport()
        d = read_drawings(path, errors=mode, report=report, limits=limits)
        OUTCOMES[f"ok ({'skipped some' if report.skipped else 'clean'})"] += 1
        assert len(d) >= 0
    except StrokeDeltaError as exc:
        OUTCOMES[type(exc).__name__] += 1
    finally:
        signal.alarm(0)


def _fuzz(fmt: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp(f"fuzz_{fmt}")
    bases = valid_files(fmt, folder)
    target = Path(os.environ.get("STROKEDELTA_FUZZ_LAST") or folder / f"mutated.{fmt}")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=mutated(fmt, bases), mode=st.sampled_from(["raise", "skip"]), small=st.booleans())
    def check(data: bytes, mode: str, small: bool) -> None:
        target.write_bytes(data)
        _read_one(target, mode, SMALL if small else None)

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
def test_bin_mutations(tmp_path_factory):
    _fuzz("bin", tmp_path_factory)


@child_only
def test_npz_mutations(tmp_path_factory):
    _fuzz("npz", tmp_path_factory)


@child_only
def test_parquet_mutations(tmp_path_factory):
    _fuzz("parquet", tmp_path_factory)


# ----------------------------------------------------------------------- in this process
@pytest.mark.skipif(IN_CHILD, reason="this is the child")
@pytest.mark.parametrize("fmt", ["bin", "npz", "parquet"])
def test_fuzz_in_a_child_process(fmt, tmp_path):
    last = tmp_path / f"last_example.{fmt}"  # what the child read last (kept if it crashed)
    run_fuzz_child(f"{__file__}::test_{fmt}_mutations", tmp_path, last, EXAMPLES)
