"""The corpus of malformed ndjson / ndjson.gz files (tests/data/bad/ndjson/): what each gives.

Every file, written by scripts/make_bad_ndjson.py and named after what is wrong with it, is
read through the library (its exception type and message pinned, with ``errors="raise"`` and
``"skip"``) and through the CLI (``strokedelta stats FILE``: one line, its exit status;
``strokedelta convert FILE out.parquet --errors skip``: what it keeps and that it says how many
it skipped). The inputs that crashed the process (a first line ``null``, inside pyarrow) run in
a real subprocess; inputs too large to check in (a 200 MB line) are built in a temporary folder.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.exceptions import FormatError, ResourceLimitError
from strokedelta.io import ReadReport, read_drawings
from strokedelta.limits import ReadLimits

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad" / "ndjson"
OBJECT = "expected a JSON object; got"
UTF8 = "not valid UTF-8 text at byte"
SURROGATE = "must be Unicode text; got a lone surrogate in"
DEEP = "JSON values nested {} deep, over the limit max_depth=32"
STROKE = r"stroke 0 must be \[\[x...\], \[y...\]\] or \[\[x...\], \[y...\], \[t...\]\]; got"
FINITE = "coordinates must be finite with finite differences; got"
GZIP = "corrupt gzip stream at byte"
TRUNCATED = "truncated gzip stream: the file ends at byte"

#: Limits lowered for the files that are over one only then (the CLI gets ``--limit``).
LIMITS = {
    "too_many_strokes.ndjson": "max_strokes=5",
    "too_many_points.ndjson": "max_points=20",
    "long_line.ndjson": "max_line_bytes=1000",
    "gzip_expands_past_limit.ndjson.gz": "max_decompressed_bytes=1000",
}

#: file -> (exception, message after the file's name, what ``errors="skip"`` gives: None when
#: it raises the same, else (drawings kept, lines skipped))
CORPUS: dict[str, tuple[type[FormatError], str, tuple[int, int] | None]] = {
    # --------------------------------------------------------------- not one JSON object
    "first_line_null.ndjson": (FormatError, f", line 1: {OBJECT} null$", (0, 1)),
    "first_line_space_null.ndjson": (FormatError, f", line 1: {OBJECT} null$", (0, 1)),
    "blank_line_then_null.ndjson": (FormatError, f", line 2: {OBJECT} null$", (0, 1)),
    "null_then_valid_lines.ndjson": (FormatError, f", line 1: {OBJECT} null$", (3, 1)),
    "null_without_newline.ndjson": (FormatError, f", line 1: {OBJECT} null$", (0, 1)),
    "valid_then_null.ndjson": (FormatError, f", line 3: {OBJECT} null$", (2, 1)),
    "top_level_array.ndjson": (FormatError, f", line 1: {OBJECT} an array$", (0, 1)),
    "top_level_string.ndjson": (FormatError, f", line 1: {OBJECT} a string$", (0, 1)),
    "top_level_number.ndjson": (FormatError, f", line 2: {OBJECT} a number$", (1, 1)),
    "top_level_true.ndjson": (FormatError, f", line 1: {OBJECT} a boolean$", (0, 1)),
    "no_drawing_field.ndjson": (FormatError, ", line 1: no 'drawing' field$", (0, 1)),
    "truncated_line.ndjson": (
        FormatError,
        r", line 2: not valid JSON: Expecting ',' delimiter \(column 35\)$",
        (1, 1),
    ),
    "two_objects_on_one_line.ndjson": (
        FormatError,
        r", line 1: not valid JSON: Extra data \(column 91\)$",
        (0, 1),
    ),
    "utf8_bom.ndjson": (FormatError, ", line 1: not valid JSON: Unexpected UTF-8 BOM", (0, 1)),
    "control_character_in_string.ndjson": (
        FormatError,
        r", line 1: not valid JSON: Invalid control character at \(column 11\)$",
        (0, 1),
    ),
    "bad_escape.ndjson": (
        FormatError,
        r", line 1: not valid JSON: Invalid \\escape \(column 11\)$",
        (0, 1),
    ),
    "leading_zero.ndjson": (
        FormatError,
        r", line 1: not valid JSON: Expecting ',' delimiter \(column 16\)$",
        (0, 1),
    ),
    "nul_bytes.ndjson": (
        FormatError,
        r", line 1: not valid JSON: Expecting value \(column 1\)$",
        (0, 1),
    ),
    "binary_garbage.ndjson": (
        FormatError,
        r", line 1: not valid JSON: Expecting value \(column 1\)$",
        (0, 5),
    ),
    # ----------------------------------------------------- nesting deeper than max_depth
    "deep_nesting_drawing.ndjson": (ResourceLimitError, ", line 1: " + DEEP.format(5001), (0, 1)),
    "deep_nesting_bare.ndjson": (ResourceLimitError, ", line 1: " + DEEP.format(100000), (0, 1)),
    "deep_nesting_unknown_field.ndjson": (
        ResourceLimitError,
        ", line 2: " + DEEP.format(41),
        (1, 1),
    ),
    "deep_nesting_objects.ndjson": (ResourceLimitError, ", line 1: " + DEEP.format(3000), (0, 1)),
    # ------------------------------------------------------------- text that is not text
    "lone_surrogate_word.ndjson": (FormatError, rf', line 1: word {SURROGATE} "\\ud800"$', (0, 1)),
    "lone_surrogate_countrycode.ndjson": (
        FormatError,
        rf', line 2: countrycode {SURROGATE} "U\\udfffS"$',
        (1, 1),
    ),
    "lone_surrogate_key_id.ndjson": (
        FormatError,
        rf', line 1: key_id {SURROGATE} "\\udc00123"$',
        (0, 1),
    ),
    "lone_surrogate_timestamp.ndjson": (
        FormatError,
        rf', line 1: timestamp {SURROGATE} "2017-03-02 \\ud83d"$',
        (0, 1),
    ),
    "invalid_utf8_word.ndjson": (FormatError, f", line 1: {UTF8} 10$", (0, 1)),
    "invalid_utf8_truncated_sequence.ndjson": (FormatError, f", line 1: {UTF8} 16$", (0, 1)),
    "utf8_encoded_surrogate.ndjson": (FormatError, f", line 1: {UTF8} 9$", (0, 1)),
    "invalid_utf8_unknown_field.ndjson": (FormatError, f", line 1: {UTF8} 9$", (0, 1)),
    "word_is_number.ndjson": (FormatError, ", line 1: word must be a string; got 5$", (0, 1)),
    "countrycode_is_list.ndjson": (
        FormatError,
        r', line 1: countrycode must be a string; got \["US"\]$',
        (0, 1),
    ),
    "recognized_is_string.ndjson": (
        FormatError,
        ', line 1: recognized must be true or false; got "yes"$',
        (0, 1),
    ),
    # ------------------------------------------------------------------ bad drawings
    "drawing_is_string.ndjson": (
        FormatError,
        ", line 1: drawing must be a list of strokes; got a string$",
        (0, 1),
    ),
    "drawing_is_null.ndjson": (
        FormatError,
        ", line 1: drawing must be a list of strokes; got null$",
        (0, 1),
    ),
    "drawing_is_object.ndjson": (
        FormatError,
        ", line 1: drawing must be a list of strokes; got an object$",
        (0, 1),
    ),
    "drawing_empty.ndjson": (FormatError, r", line 2: empty drawing \(no strokes\)$", (1, 1)),
    "stroke_without_points.ndjson": (FormatError, ", line 1: stroke 1 has no points$", (0, 1)),
    "stroke_with_one_list.ndjson": (FormatError, rf", line 1: {STROKE} \[\[1, 2\]\]$", (0, 1)),
    "stroke_is_number.ndjson": (FormatError, f", line 1: {STROKE} 5$", (0, 1)),
    "null_coordinates.ndjson": (
        FormatError,
        ", line 1: stroke 0: x must hold numbers; got null$",
        (0, 1),
    ),
    "string_coordinates.ndjson": (
        FormatError,
        ', line 1: stroke 0: x must hold numbers; got "1"$',
        (0, 1),
    ),
    "nested_list_coordinates.ndjson": (
        FormatError,
        r", line 1: stroke 0: x must hold numbers; got \[1\]$",
        (0, 1),
    ),
    "x_and_y_lengths_differ.ndjson": (
        FormatError,
        r", line 1: stroke 0: x and y have different lengths \(3 and 2\)$",
        (0, 1),
    ),
    "nan_coordinate.ndjson": (
        FormatError,
        r", line 1: NaN is not a valid number \(JSON has no NaN or Infinity\)$",
        (0, 1),
    ),
    "infinity_coordinate.ndjson": (
        FormatError,
        r", line 1: -Infinity is not a valid number \(JSON has no NaN or Infinity\)$",
        (0, 1),
    ),
    "float_overflow_1e400.ndjson": (
        FormatError,
        ", line 1: stroke 0: x must be finite; got inf$",
        (0, 1),
    ),
    "infinite_delta_1e308.ndjson": (
        FormatError,
        rf", line 1: {FINITE} \[-1e\+308, 0.0\] after \[1e\+308, 0.0\] at point 1$",
        (0, 1),
    ),
    "infinite_delta_across_strokes.ndjson": (
        FormatError,
        rf", line 1: {FINITE} \[-1.7e\+308, 0.0\] after \[1.7e\+308, 0.0\] at point 1$",
        (0, 1),
    ),
    "int64_delta_overflow.ndjson": (
        FormatError,
        r", line 1: coordinate differences must fit a 64-bit integer; got "
        r"\[-9000000000000000000, 0\] after \[9000000000000000000, 0\] at point 1$",
        (0, 1),
    ),
    "integer_beyond_int64.ndjson": (
        FormatError,
        ", line 1: stroke 0: x does not fit a 64-bit integer; got 18446744073709551616$",
        (0, 1),
    ),
    "integer_with_5000_digits.ndjson": (
        FormatError,
        ", line 1: not valid JSON: a number has more than 4300 digits$",
        (0, 1),
    ),
    "fractional_time.ndjson": (
        FormatError,
        ", line 1: stroke 0: t must hold integer milliseconds; got 16.5$",
        (0, 1),
    ),
    "raw_after_simplified.ndjson": (
        FormatError,
        r", line 2: stroke 0 has 3 lists but earlier strokes are \[x, y\] \(simplified\)$",
        (1, 1),
    ),
    # --------------------------------------------------------- over a (lowered) limit
    "too_many_strokes.ndjson": (
        ResourceLimitError,
        r", line 1: drawing has 10 strokes, over the limit max_strokes=5 \(raise it with "
        r"--limit max_strokes=N or ReadLimits\(max_strokes=N\)\)$",
        (0, 1),
    ),
    "too_many_points.ndjson": (
        ResourceLimitError,
        ", line 1: drawing has 50 points, over the limit max_points=20",
        (0, 1),
    ),
    "long_line.ndjson": (
        ResourceLimitError,
        ", line 2: line has more than 1000 bytes, over the limit max_line_bytes=1000",
        (1, 1),
    ),
    # ------------------------------------------- broken gzip streams (never skippable)
    "gzip_garbage_after_magic.ndjson.gz": (FormatError, f": {GZIP} 13: invalid code", None),
    "gzip_truncated_in_data.ndjson.gz": (FormatError, f": {TRUNCATED} 66, inside a gzip", None),
    "gzip_truncated_in_trailer.ndjson.gz": (FormatError, f": {TRUNCATED} 129, inside", None),
    "gzip_header_only.ndjson.gz": (FormatError, f": {TRUNCATED} 10, inside a gzip member$", None),
    "gzip_magic_only.ndjson.gz": (FormatError, f": {TRUNCATED} 2, inside a gzip member$", None),
    "gzip_bad_crc.ndjson.gz": (FormatError, f": {GZIP} 127: incorrect data check$", None),
    "gzip_bad_length.ndjson.gz": (FormatError, f": {GZIP} 131: incorrect length check$", None),
    "gzip_unknown_method.ndjson.gz": (
        FormatError,
        f": {GZIP} 3: unknown compression method$",
        None,
    ),
    "gzip_bad_deflate_block.ndjson.gz": (FormatError, f": {GZIP} 10: invalid block type$", None),
    "gzip_trailing_garbage.ndjson.gz": (
        FormatError,
        f": {GZIP} 132: unexpected bytes b'this is ' after the end of a gzip member$",
        None,
    ),
    "gzip_not_gzip.ndjson.gz": (
        FormatError,
        r""": not a gzip file: it starts with b'{"', not b'\\x1f\\x8b'$""",
        None,
    ),
    "gzip_expands_past_limit.ndjson.gz": (
        ResourceLimitError,
        ": the gzip stream expands to more than 1000 bytes, over the limit "
        "max_decompressed_bytes=1000",
        None,
    ),
    # ------------------------------------------------ bad lines inside good gzip streams
    "gzip_first_line_null.ndjson.gz": (FormatError, f", line 1: {OBJECT} null$", (1, 1)),
    "gzip_deep_nesting.ndjson.gz": (
        ResourceLimitError,
        ", line 1: " + DEEP.format(100001),
        (0, 1),
    ),
    "gzip_lone_surrogate.ndjson.gz": (
        FormatError,
        rf', line 2: word {SURROGATE} "\\ud800"$',
        (1, 1),
    ),
}


def _script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_bad_ndjson", ROOT / "scripts" / "make_bad_ndjson.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _limits(name: str) -> ReadLimits | None:
    return ReadLimits.parse([LIMITS[name]]) if name in LIMITS else None


def _limit_args(name: str) -> list[str]:
    return ["--limit", LIMITS[name]] if name in LIMITS else []


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_the_corpus_is_what_the_script_writes():
    script = _script()
    made = {name: data for make in script.CASES for name, data in make().items()}
    assert set(made) == {p.name for p in BAD.iterdir()} == set(CORPUS)
    assert len(CORPUS) >= 30
    for name, data in made.items():
        assert (BAD / name).read_bytes() == data, name


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_library_raises_the_pinned_error_or_skips(name):
    path = BAD / name
    kind, message, skip = CORPUS[name]
    with pytest.raises(kind, match="^" + re.escape(str(path)) + message) as caught:
        read_drawings(path, limits=_limits(name))
    assert type(caught.value) is kind
    report = ReadReport()
    if skip is None:
        with pytest.raises(kind, match="^" + re.escape(str(path)) + message):
            read_drawings(path, errors="skip", report=report, limits=_limits(name))
    else:
        kept = read_drawings(path, errors="skip", report=report, limits=_limits(name))
        assert (len(kept), report.skipped) == skip
        assert re.match("^" + re.escape(str(path)) + message, str(report.examples[0]))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_cli_stats_gives_one_line_and_the_exit_status(name):
    path = BAD / name
    kind, message, _ = CORPUS[name]
    result = run("stats", path, *_limit_args(name))
    assert "Traceback" not in result.output
    assert result.exit_code == (3 if kind is ResourceLimitError else 1), result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.match("Error: " + re.escape(str(path)) + message, lines[0]), lines[0]


@pytest.mark.parametrize("name", sorted(n for n, case in CORPUS.items() if case[2] is not None))
def test_cli_convert_skips_and_says_how_many(name, tmp_path):
    path = BAD / name
    kept, skipped = CORPUS[name][2]
    target = tmp_path / "out.parquet"
    result = run("convert", path, target, "--errors", "skip", *_limit_args(name))
    assert result.exit_code == 0, result.output
    assert f"skipped {skipped} drawing" in result.stderr
    assert f" ({kept} drawings, " in result.stdout  # wrote TARGET (N drawings, M points)
    assert len(read_drawings(target)) == kept


@pytest.mark.parametrize("name", sorted(n for n, case in CORPUS.items() if case[2] is None))
def test_cli_convert_skip_cannot_skip_a_broken_stream(name, tmp_path):
    kind = CORPUS[name][0]
    result = run(
        "convert", BAD / name, tmp_path / "out.parquet", "--errors", "skip", *_limit_args(name)
    )
    assert result.exit_code == (3 if kind is ResourceLimitError else 1), result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {BAD / name}")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------- the native crash, in a process
CRASHED = [
    "first_line_null.ndjson",
    "first_line_space_null.ndjson",
    "blank_line_then_null.ndjson",
    "null_then_valid_lines.ndjson",
]


@pytest.mark.parametrize("name", CRASHED)
def test_what_crashed_pyarrow_is_one_line_and_exit_1_in_a_real_process(name):
    path = BAD / name
    done = subprocess.run(
        [sys.executable, "-m", "strokedelta", "stats", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert re.fullmatch("Error: " + re.escape(str(path)) + CORPUS[name][1] + "\n", done.stderr), (
        done.stderr
    )


def test_convert_of_a_first_line_null_leaves_nothing_behind(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "strokedelta", "convert", str(BAD / CRASHED[0]), "out.parquet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ a 200 MB line, in a process
_PEAK = textwrap.dedent(
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


def run_measured(*args: object) -> tuple[int, int, float, str]:
    """Run the CLI in a subprocess: (exit status, its peak RSS in bytes, seconds, stderr)."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    code, peak, seconds = done.stdout.split()
    return int(code), int(peak), float(seconds), done.stderr


def write_long_line(path: Path, size: int) -> None:
    """A valid line, then one line of ``size`` bytes (a word that long), then a valid line."""
    good = b'{"word":"cat","drawing":[[[1,2],[3,4]]]}\n'
    block = b"a" * (1 << 20)
    with path.open("wb") as out:
        out.write(good + b'{"word":"')
        for _ in range(size >> 20):
            out.write(block)
        out.write(b'","drawing":[[[1],[2]]]}\n' + good)


def test_a_200_mb_line_fails_fast_in_bounded_memory(tmp_path):
    path = tmp_path / "long.ndjson"
    write_long_line(path, 200 << 20)
    code, peak, seconds, stderr = run_measured("stats", path)
    assert code == 3, stderr
    assert re.fullmatch(
        f"Error: {re.escape(str(path))}, line 2: line has more than 16777216 bytes, over the "
        r"limit max_line_bytes=16777216 \(raise it with --limit max_line_bytes=N or "
        r"ReadLimits\(max_line_bytes=N\)\)\n",
        stderr,
    ), stderr
    assert peak < 1 << 30, peak
    assert seconds < 120
    # skipping it reads past it in blocks, keeping the lines around it
    report = ReadReport()
    assert len(read_drawings(path, errors="skip", report=report)) == 2
    assert report.skipped == 1
    assert report.examples[0].line == 2


def test_a_long_line_under_a_raised_limit_is_read(tmp_path):
    path = tmp_path / "long.ndjson"
    write_long_line(path, 2 << 20)
    with pytest.raises(ResourceLimitError, match="line 2: line has more than 1048576 bytes"):
        read_drawings(path, limits=ReadLimits(max_line_bytes=1 << 20))
    d = read_drawings(path, limits=ReadLimits(max_line_bytes=3 << 20))
    assert len(d) == 3
    assert len(d.meta["word"][1]) == 2 << 20


def test_limits_at_exactly_the_limit_pass(tmp_path):
    path = BAD / "too_many_strokes.ndjson"
    assert len(read_drawings(path, limits=ReadLimits(max_strokes=10))) == 1
    path = BAD / "too_many_points.ndjson"
    assert len(read_drawings(path, limits=ReadLimits(max_points=50))) == 1
    path = BAD / "deep_nesting_unknown_field.ndjson"
    assert len(read_drawings(path, limits=ReadLimits(max_depth=41))) == 2
