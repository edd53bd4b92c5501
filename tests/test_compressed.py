"""Bounded gzip (strokedelta._compressed): every broken stream is a FormatError naming the byte,
expansion is counted against the limits, and a 2 GiB bomb fails in seconds in bounded memory."""

from __future__ import annotations

import gzip
import io
import os
import re
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strokedelta._compressed import RATIO_FLOOR, open_gzip
from strokedelta._files import open_binary_input, open_text_input
from strokedelta.exceptions import FormatError, ResourceLimitError
from strokedelta.io import read_drawings
from strokedelta.io.tables import read_table
from strokedelta.limits import ReadLimits

TEXT = b"".join(b"line %d of some text\n" % i for i in range(2000))
PACKED = gzip.compress(TEXT, mtime=0)
EXAMPLES = int(os.environ.get("STROKEDELTA_FUZZ_EXAMPLES", "200"))


def inflate(data: bytes, limits: ReadLimits | None = None, read_size: int = -1) -> bytes:
    stream = open_gzip(io.BytesIO(data), "x.gz", limits or ReadLimits())
    if read_size < 0:
        return stream.read()
    parts = []
    while part := stream.read(read_size):
        parts.append(part)
    return b"".join(parts)


def write_bomb(path: Path, mib: int = 2048) -> None:
    """``mib`` MiB of newlines as ONE gzip member of about ``mib`` KB, streamed by zlib.

    Each MiB is deflated once after a full flush, which makes its compressed bytes the same
    every time; they are written ``mib`` times, then the trailer (CRC and length of it all).
    Nothing of the decompressed size is ever in memory.
    """
    block = b"\n" * (1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert again == first
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    with path.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        for _ in range(mib):
            out.write(first)
        out.write(deflate.flush())
        out.write(struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF))


# ------------------------------------------------------------------------ good streams
def test_members_padding_and_any_read_size_give_the_bytes():
    assert inflate(PACKED) == TEXT
    assert inflate(PACKED + PACKED) == TEXT * 2
    assert inflate(PACKED + b"\0" * 1000) == TEXT  # zero padding, as gzip allows
    assert inflate(PACKED + b"\0\0" + PACKED) == TEXT * 2
    assert inflate(b"") == b""
    for size in (1, 7, 4096, 1 << 20):
        assert inflate(PACKED, read_size=size) == TEXT


def test_lines_and_limited_readline_work():
    stream = open_gzip(io.BytesIO(PACKED), "x.gz")
    assert stream.readline() == b"line 0 of some text\n"
    assert stream.readline(4) == b"line"
    assert len(list(stream)) == 1999


def test_closing_closes_the_file():
    raw = io.BytesIO(PACKED)
    open_gzip(raw, "x.gz").close()
    assert raw.closed


def test_the_small_bomb_below_the_ratio_floor_is_read(tmp_path):
    path = tmp_path / "small.gz"
    write_bomb(path, mib=8)
    assert gzip.decompress(path.read_bytes()) == b"\n" * (8 << 20)
    assert len(inflate(path.read_bytes())) == 8 << 20  # ~1000x, but under 64 MiB


# ------------------------------------------------------------------------ broken streams
def _flip(at: int, mask: int = 0xFF) -> bytes:
    data = bytearray(PACKED)
    data[at] ^= mask
    return bytes(data)


BROKEN = [
    (b"\x1f", r"truncated gzip stream: the file ends at byte 1, inside a gzip header"),
    (b"\x1f\x8b", "truncated gzip stream: the file ends at byte 2, inside a gzip member"),
    (b"PK\x03\x04", r"not a gzip file: it starts with b'PK', not b'\\x1f\\x8b'"),
    (b"\x1f\x8b\x08garbage", "corrupt gzip stream at byte 3: unknown header flags set"),
    (b"\x1f\x8b\x07\x00" + bytes(6), "corrupt gzip stream at byte 3: unknown compression method"),
    (PACKED[:-1], f"truncated gzip stream: the file ends at byte {len(PACKED) - 1}"),
    (PACKED[:100], "truncated gzip stream: the file ends at byte 100, inside a gzip member"),
    (_flip(-8), f"corrupt gzip stream at byte {len(PACKED) - 5}: incorrect data check"),
    (_flip(-2, 1), f"corrupt gzip stream at byte {len(PACKED) - 1}: incorrect length check"),
    (_flip(10), "corrupt gzip stream at byte 13: invalid literal/length code"),
    (PACKED + b"junk", f"corrupt gzip stream at byte {len(PACKED)}: unexpected bytes b'junk'"),
    (PACKED + b"\x1f", f"truncated gzip stream: the file ends at byte {len(PACKED) + 1}"),
]


@pytest.mark.parametrize(("data", "message"), BROKEN, ids=[m[:40] for _, m in BROKEN])
def test_broken_streams_name_the_file_and_byte(data, message):
    with pytest.raises(FormatError, match="^x.gz: " + message) as caught:
        inflate(data)
    assert type(caught.value) is FormatError


def test_the_flag_bytes_of_the_header_are_checked():
    header = b"\x1f\x8b\x08\x02" + bytes(6) + b"\x00\x00"  # FHCRC with a wrong header CRC
    with pytest.raises(FormatError, match="corrupt gzip stream at byte 11: header crc mismatch"):
        inflate(header + PACKED[10:])


# ---------------------------------------------------------------------------- limits
def test_decompressed_bytes_are_limited_exactly():
    assert inflate(PACKED, ReadLimits(max_decompressed_bytes=len(TEXT))) == TEXT
    with pytest.raises(ResourceLimitError) as caught:
        inflate(PACKED, ReadLimits(max_decompressed_bytes=len(TEXT) - 1))
    assert caught.value.limit == "max_decompressed_bytes"
    assert str(caught.value) == (
        f"x.gz: the gzip stream expands to more than {len(TEXT) - 1} bytes, over the limit "
        f"max_decompressed_bytes={len(TEXT) - 1} (raise it with --limit "
        f"max_decompressed_bytes=N or ReadLimits(max_decompressed_bytes=N))"
    )


def test_the_ratio_is_checked_past_the_floor(tmp_path):
    path = tmp_path / "bomb.gz"
    write_bomb(path, mib=80)
    with pytest.raises(ResourceLimitError, match=r"expands 10\d\d times .*max_ratio=1000"):
        inflate(path.read_bytes())
    assert len(inflate(path.read_bytes(), ReadLimits(max_ratio=2000))) == 80 << 20
    assert RATIO_FLOOR == 64 << 20


def test_open_binary_and_text_input_are_bounded(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(PACKED)
    limits = ReadLimits(max_decompressed_bytes=1000)
    expands = r"t\.csv\.gz: the gzip stream expands"
    with (
        pytest.raises(ResourceLimitError, match=expands),
        open_binary_input(path, limits=limits) as raw,
    ):
        raw.read()
    with (
        pytest.raises(ResourceLimitError, match=expands),
        open_text_input(path, limits=limits) as text,
    ):
        text.read()
    with open_text_input(path) as handle:
        assert handle.read() == TEXT.decode()


def test_csv_gz_tables_get_the_same_bounds_and_errors(tmp_path):
    path = tmp_path / "s.csv.gz"
    path.write_bytes(gzip.compress(b"id,x\n" + b"a,1\n" * 1000))
    assert len(read_table(path)) == 1000
    with pytest.raises(ResourceLimitError, match="max_decompressed_bytes=100 "):
        read_table(path, limits=ReadLimits(max_decompressed_bytes=100))
    path.write_bytes(gzip.compress(b"id,x\n" + b"a,1\n" * 1000)[:-5])
    with pytest.raises(FormatError, match=r"s\.csv\.gz: truncated gzip stream"):
        read_table(path)


# --------------------------------------------------------------------- the 2 GiB bomb
_MEASURED = textwrap.dedent(
    """
    import resource, subprocess, sys, time
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "strokedelta", *sys.argv[1:]],
                          capture_output=True, text=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(done.returncode, peak, time.perf_counter() - start)
    sys.stderr.write(done.stderr)
    """
)


def test_a_2_gib_bomb_of_blank_lines_fails_in_seconds_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.ndjson.gz"
    write_bomb(path)
    assert path.stat().st_size < 4 << 20
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, "stats", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    code, peak, seconds = done.stdout.split()
    assert int(code) == 3, done.stderr
    assert re.fullmatch(
        f"Error: {re.escape(str(path))}: the gzip stream expands 10\\d\\d times "
        r"\(\d+ bytes from the first \d+ compressed bytes\), over the limit max_ratio=1000 "
        r"\(raise it with --limit max_ratio=N or ReadLimits\(max_ratio=N\)\)\n",
        done.stderr,
    ), done.stderr
    assert int(peak) < 1 << 30, int(peak)
    assert float(seconds) < 60


def test_the_bomb_through_the_library_is_a_resource_limit_error(tmp_path):
    path = tmp_path / "bomb.ndjson.gz"
    write_bomb(path, mib=100)
    with pytest.raises(ResourceLimitError, match="max_ratio=1000"):
        read_drawings(path)
    with pytest.raises(ResourceLimitError, match="max_decompressed_bytes=1000000"):
        read_drawings(path, limits=ReadLimits(max_decompressed_bytes=10**6))


# ----------------------------------------------------------------------------- fuzzing
@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.sampled_from([PACKED, PACKED + PACKED, PACKED + bytes(4)]),
    st.lists(
        st.tuples(st.integers(0, 2 * len(PACKED)), st.integers(0, 255), st.sampled_from("xit")),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_streams_give_the_bytes_or_a_format_error(base, edits):
    data = bytearray(base)
    for at, value, kind in edits:
        at = min(at, len(data))
        if kind == "x" and data:
            data[at % len(data)] ^= value or 1
        elif kind == "i":
            data[at:at] = bytes([value])
        else:
            del data[at:]
    try:
        out = inflate(bytes(data))
    except FormatError as exc:
        error = exc
    else:
        assert out == gzip.decompress(bytes(data))  # what we accept, gzip reads the same
        return
    assert str(error).startswith("x.gz: ")
