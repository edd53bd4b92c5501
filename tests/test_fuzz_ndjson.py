"""Mutation fuzzing of the ndjson and ndjson.gz readers.

Valid files (lines of the real Quick, Draw! samples and lines that exercise escapes, nulls,
unknown fields, fractions, raw times, blank lines and CRLF) are mutated by hypothesis (bit
flips, overwritten and inserted bytes and JSON tokens, deleted ranges, truncation, duplicated
lines, splices of two files, limits lowered to the file's size) and read. Reading either
succeeds or raises a :class:`~strokedelta.exceptions.StrokeDeltaError` naming the file, never
anything else; ``errors="skip"`` on plain ndjson always succeeds; and the compiled scanner
agrees exactly with the line-by-line parser on whatever it accepts. The budget per test comes
from ``STROKEDELTA_FUZZ_EXAMPLES`` (default 200). A batch of mutations also runs in a
subprocess with numba's bounds checks on, so an out-of-bounds access in the compiled scanner
(which would otherwise read garbage or crash the process) fails the test.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from conftest import REAL_DATA, SAMPLES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from strokedelta.exceptions import StrokeDeltaError
from strokedelta.io import ReadReport, iter_drawings, read_drawings
from strokedelta.io import quickdraw_ndjson as nd
from strokedelta.io._ndjson_build import ChunkState
from strokedelta.limits import DEFAULT_LIMITS, ReadLimits
from strokedelta.sketch import Drawings

EDITS = ("flip", "byte", "token", "delete", "truncate", "dup", "splice")
EXAMPLES = int(os.environ.get("STROKEDELTA_FUZZ_EXAMPLES", "200"))
REAL = REAL_DATA  # tests/conftest.py: ../shared/data/real or $STROKEDELTA_REAL_DATA
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

SYNTHETIC = [
    b'{"word":"say \\"hi\\"","key_id":"1","drawing":[[[1,2],[3,4]],[[5],[6]]]}',
    b'{"word":"\\u00e9t\\u00e9","countrycode":"FR","recognized":false,"drawing":[[[0],[0]]]}',
    b'{"word":null,"recognized":null,"key_id":null,"extra":"x","drawing":[[[1.5,2.25],[3,4]]]}',
    b'{ "drawing" : [ [ [ 1 , -2 ] , [ 3e2 , 4E-1 ] ] ] , "n": -0.5e+3, "b": true }',
    b'{"key_id":"5","drawing":[[[9007199254740991,1],[2,3]]],"timestamp":"2017-03-02 23:25"}',
    b'{"word":"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80","drawing":[[[1],[2]]]}',
    b'{"key_id":"7","split":"valid","drawing":[[[1],[2]]]}',
    b'{"split":"t\\u0065st","drawing":[[[3],[4]]],"split2":null}',
]
RAW = [
    b'{"word":"cat","drawing":[[[1.5,2],[3,4],[0,16]],[[5],[6],[40]]]}',
    b'{"drawing":[[[-1e3,2.5e-3],[3,4],[100,116]]],"recognized":true}',
]
TOKENS = [
    b"null",
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\udc00",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"\r",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e308",
    b"-1e308",
    b"1e400",
    b"9" * 20,
    b"9" * 400,
    b"-",
    b".",
    b"e",
    b"E+",
    b"0",
    b"01",
    b"\x00",
    b"\xff",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"true",
    b"false",
    b'"drawing":',
    b'"word":',
    b'"split":',
    b'"dev"',
    b"[[[",
    b"]]]",
    b" ",
    b"\t",
    b"\x0c",
    b"[" * 40,
    b"{}",
    b"[]",
    b'"x":[1,[2,{"y":3}]],',
]


def _real_lines() -> list[list[bytes]]:
    """Six lines of a real simplified and a real raw file: the real samples, or (a clone without
    them) the repository's own Quick, Draw! excerpts in data/."""
    names = ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_raw.ndjson")
    paths = [REAL / name for name in names]
    if not all(path.exists() for path in paths):
        paths = [SAMPLES / f"quickdraw_cat_{kind}sample.ndjson" for kind in ("", "raw_")]
    return [path.read_bytes().splitlines()[:6] for path in paths]


VALID_FILES = [SYNTHETIC, RAW, *_real_lines()]


@st.composite
def valid_files(draw: st.DrawFn) -> bytes:
    """A valid ndjson file: some lines of one source, blank lines and CRLF mixed in."""
    lines = draw(st.sampled_from(VALID_FILES))
    chosen = draw(st.lists(st.sampled_from(lines), min_size=1, max_size=6))
    out = b""
    for line in chosen:
        out += draw(st.sampled_from([b"", b"\n", b"  \n"])) + line
        out += draw(st.sampled_from([b"\n", b"\r\n"]))
    if draw(st.booleans()):
        out = out.rstrip(b"\n")
    return out


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with up to 4 random edits."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):  # 0: the valid file itself
        kind = draw(st.sampled_from(EDITS))
        at = draw(st.integers(0, max(len(buf), 1)))
        if kind == "flip" and buf:
            buf[at % len(buf)] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte" and buf:
            buf[at % len(buf)] = draw(st.integers(0, 255))
        elif kind == "token":
            buf[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del buf[at : at + draw(st.integers(1, 16))]
        elif kind == "truncate":
            del buf[at:]
        elif kind == "dup":
            lines = bytes(buf).split(b"\n")
            k = at % len(lines)
            buf = bytearray(b"\n".join([*lines[: k + 1], lines[k], *lines[k + 1 :]]))
        else:
            other = draw(valid_files())
            buf = buf[:at] + bytearray(other[draw(st.integers(0, len(other))) :])
    return bytes(buf)


ndjson_inputs = valid_files().flatmap(lambda data: mutated(data))


@contextlib.contextmanager
def lines_only() -> Iterator[None]:
    """Read with the compiled scanner off: every chunk line by line."""
    saved = nd.parse_compiled
    nd.parse_compiled = lambda *a: None
    try:
        yield
    finally:
        nd.parse_compiled = saved


def read(path: Path, **options: object) -> Drawings | StrokeDeltaError:
    """The drawings, or the library's own error naming the file (anything else fails); the
    compiled scanner takes these small files too (unless :func:`lines_only` turned it off)."""
    saved, nd.FAST_MIN_BYTES = nd.FAST_MIN_BYTES, 0
    try:
        return read_drawings(path, **options)
    except StrokeDeltaError as exc:
        error = exc
    finally:
        nd.FAST_MIN_BYTES = saved
    assert str(error).startswith(str(path)), error
    return error


def same(a: Drawings | StrokeDeltaError, b: Drawings | StrokeDeltaError) -> bool:
    """The same drawings (dtypes included), or the same error."""
    if isinstance(a, StrokeDeltaError) or isinstance(b, StrokeDeltaError):
        return type(a) is type(b) and str(a) == str(b)
    return a.equals(b)


def same_values(a: Drawings, b: Drawings) -> bool:
    """The same drawings up to dtypes (chunks of one file may differ in dtype)."""
    if not np.array_equal(a.strokes.offsets, b.strokes.offsets):
        return False
    if not np.array_equal(a.strokes.values.astype(float), b.strokes.values.astype(float)):
        return False
    if (a.time is None) != (b.time is None):
        return False
    if a.time is not None and not np.array_equal(a.time.values, b.time.values):
        return False
    return a.meta.astype(str).equals(b.meta.astype(str))


def limits_for(data: bytes, choice: int) -> ReadLimits | None:
    """No limits (``choice <= 0``), or limits lowered to about this file's size."""
    if choice <= 0:
        return None
    longest = max((len(line) for line in data.split(b"\n")), default=1)
    return ReadLimits(
        max_line_bytes=max(longest - choice, 1),
        max_points=choice,
        max_strokes=max(choice // 2, 1),
        max_depth=3 + choice % 3,
    )


# --------------------------------------------------------------------------- ndjson
@SETTINGS
@given(data=ndjson_inputs, limit=st.integers(-24, 12), chunk=st.sampled_from([1, 2, 3, 20_000]))
def test_mutated_ndjson_reads_or_raises_our_error_and_both_parsers_agree(
    tmp_path_factory, data, limit, chunk
):
    path = tmp_path_factory.mktemp("fuzz") / "f.ndjson"
    path.write_bytes(data)
    limits = limits_for(data, limit)
    strict = read(path, limits=limits)
    event(f"raise: {type(strict).__name__}")
    report = ReadReport()
    skipped = read(path, limits=limits, errors="skip", report=report)
    assert isinstance(skipped, Drawings), skipped  # a plain file has no broken container
    with lines_only():
        assert same(read(path, limits=limits), strict)
        slow_report = ReadReport()
        assert same(read(path, limits=limits, errors="skip", report=slow_report), skipped)
        assert slow_report.skipped == report.skipped
    chunks = list(iter_drawings(path, limits=limits, errors="skip", chunk_size=chunk))
    if chunks:
        assert same_values(Drawings.concat(chunks), skipped)
    else:
        assert len(skipped) == 0


# ------------------------------------------------------------------------ ndjson.gz
@st.composite
def gzip_inputs(draw: st.DrawFn) -> bytes:
    """A valid file, gzipped (one or two members): its text mutated, or its compressed bytes,
    or both."""
    data = draw(valid_files())
    where = draw(st.sampled_from(["text", "stream", "both"]))
    if where != "stream":
        data = draw(mutated(data))
    packed = gzip.compress(data, mtime=0)
    if draw(st.booleans()):
        packed += gzip.compress(draw(valid_files()), mtime=0)
    return packed if where == "text" else draw(mutated(packed))


@SETTINGS
@given(data=gzip_inputs(), small=st.booleans())
def test_mutated_ndjson_gz_reads_or_raises_our_error(tmp_path_factory, data, small):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "f.ndjson.gz"
    path.write_bytes(data)
    limits = ReadLimits(max_decompressed_bytes=max(len(data), 1)) if small else None
    got = read(path, limits=limits)
    skipped = read(path, limits=limits, errors="skip")
    event(f"skip: {type(skipped).__name__}")
    if not isinstance(skipped, Drawings):
        return  # a broken or oversized stream: our error, naming the file
    # what we decompress, gzip decompresses the same, and it reads the same as plain ndjson
    plain = gzip.decompress(data)
    copy = folder / "plain.ndjson"
    copy.write_bytes(plain)
    assert same(skipped, read(copy, errors="skip"))
    if isinstance(got, Drawings):
        assert same(got, read(copy))


# ------------------------------------------------- the compiled scanner, bounds-checked
_BOUNDS = textwrap.dedent(
    """
    import random, sys
    from pathlib import Path
    from strokedelta.exceptions import StrokeDeltaError
    from strokedelta.io import quickdraw_ndjson, read_drawings
    quickdraw_ndjson.FAST_MIN_BYTES = 0  # small files too go to the compiled scanner
    folder, count = Path(sys.argv[1]), int(sys.argv[2])
    seeds = [p.read_bytes() for p in sorted(folder.glob("seed*.ndjson"))]
    from strokedelta.io._ndjson_kernel import _string_end
    try:  # the checks are on: reading past the end raises
        _string_end(__import__("numpy").zeros(1, dtype="uint8"), 5, 9)
        sys.exit("numba bounds checks are off")
    except IndexError:
        pass
    rng = random.Random(0)
    tokens = [b"[", b"]", b"{", b"}", b'"', b"\\\\", b",", b":", b"\\n", b"1", b"-", b".", b"e",
              b"null", b"\\\\u00e9", b'"drawing":', b"[[[", b"]]]", b"9" * 18]
    ok = failed = 0
    for k in range(count):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data) + 1)
            op = rng.randrange(4)
            if op == 0 and data:
                data[at % len(data)] = rng.randrange(256)
            elif op == 1:
                data[at:at] = rng.choice(tokens)
            elif op == 2:
                del data[at : at + rng.randint(1, 8)]
            else:
                del data[at:]
        path = folder / f"m{k % 10}.ndjson"
        path.write_bytes(bytes(data))
        try:
            read_drawings(path)
            ok += 1
        except StrokeDeltaError:
            failed += 1
    print(ok, failed)
    """
)


def test_the_compiled_scanner_stays_in_bounds_in_a_subprocess(tmp_path):
    for k, lines in enumerate(VALID_FILES):
        (tmp_path / f"seed{k}.ndjson").write_bytes(b"\n".join(lines) + b"\n")
    # numba's on-disk cache ignores the flag: bounds-checked kernels get a cache of their own
    cache = Path(tempfile.gettempdir()) / "strokedelta-numba-boundscheck"
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _BOUNDS, str(tmp_path), str(max(EXAMPLES, 50))],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ok, failed = map(int, done.stdout.split())
    assert ok + failed == max(EXAMPLES, 50)
    assert ok
    assert failed


def test_the_seeds_are_valid_and_taken_by_the_compiled_scanner():
    assert len(VALID_FILES) == 4
    for lines in VALID_FILES:
        data = b"\n".join(lines) + b"\n"
        fast = nd.parse_compiled(data, len(lines), ChunkState(), DEFAULT_LIMITS)
        assert fast is not None
        assert len(fast) == len(lines)
