"""Write the corpus of malformed Quick, Draw! ndjson files: tests/data/bad/ndjson/.

Each file is named after what is wrong with it; ``tests/test_bad_ndjson.py`` pins what
strokedelta makes of each one (exception, message, exit status, what ``--errors skip`` keeps).
The files are the same bytes on every run (gzip members carry no time stamp). Large inputs (a
compression bomb, a 200 MB line) are not here: the tests build them in a temporary folder.

Usage::

    python scripts/make_bad_ndjson.py            # (re)writes tests/data/bad/ndjson
    python scripts/make_bad_ndjson.py --quick    # the same files, into a temporary folder
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "bad" / "ndjson"
GOOD = (
    b'{"word":"cat","countrycode":"US","recognized":true,"key_id":"1","drawing":[[[1,2],[3,4]]]}\n'
)


def line(drawing: bytes = b"[[[1,2],[3,4]]]", **fields: bytes) -> bytes:
    """One line with ``drawing`` and the given fields (raw JSON values)."""
    extra = b"".join(b'"%s":%s,' % (name.encode(), value) for name, value in fields.items())
    return b"{" + extra + b'"drawing":' + drawing + b"}\n"


def numbers(value: bytes, count: int) -> bytes:
    return b",".join([value] * count)


def structure_cases() -> dict[str, bytes]:
    """Lines that are not one JSON object with a drawing, and nesting over max_depth."""
    return {
        "first_line_null.ndjson": b"null\n",
        "first_line_space_null.ndjson": b" null\n",
        "blank_line_then_null.ndjson": b"\nnull\n",
        "null_then_valid_lines.ndjson": b"null\n" + GOOD * 3,
        "null_without_newline.ndjson": b"null",
        "valid_then_null.ndjson": GOOD * 2 + b"null\n",
        "top_level_array.ndjson": b"[[[1,2],[3,4]]]\n",
        "top_level_string.ndjson": b'"cat"\n',
        "top_level_number.ndjson": GOOD + b"42\n",
        "top_level_true.ndjson": b"true\n",
        "no_drawing_field.ndjson": b'{"word":"cat","key_id":"1"}\n',
        "truncated_line.ndjson": GOOD + b'{"word":"cat","drawing":[[[1,2],[3',
        "two_objects_on_one_line.ndjson": GOOD.rstrip(b"\n") + GOOD,
        "utf8_bom.ndjson": b"\xef\xbb\xbf" + GOOD,
        "control_character_in_string.ndjson": line(word=b'"c\x01t"'),
        "bad_escape.ndjson": line(word=b'"c\\qt"'),
        "leading_zero.ndjson": line(b"[[[01],[2]]]"),
        "nul_bytes.ndjson": b"\x00" * 64 + b"\n",
        "binary_garbage.ndjson": bytes(range(256)) * 4,
        "deep_nesting_drawing.ndjson": b'{"drawing":' + b"[" * 5000 + b"]" * 5000 + b"}\n",
        "deep_nesting_bare.ndjson": b"[" * 100000 + b"\n",
        "deep_nesting_unknown_field.ndjson": GOOD
        + b'{"extra":'
        + b"[" * 40
        + b"]" * 40
        + b',"drawing":[[[1],[2]]]}\n',
        "deep_nesting_objects.ndjson": b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"\n",
    }


def text_cases() -> dict[str, bytes]:
    """String fields that are not Unicode text, or not strings."""
    return {
        "lone_surrogate_word.ndjson": line(word=b'"\\ud800"'),
        "lone_surrogate_countrycode.ndjson": GOOD + line(countrycode=b'"U\\udfffS"'),
        "lone_surrogate_key_id.ndjson": line(key_id=b'"\\udc00123"'),
        "lone_surrogate_timestamp.ndjson": line(timestamp=b'"2017-03-02 \\ud83d"'),
        "invalid_utf8_word.ndjson": line(word=b'"c\xffat"'),
        "invalid_utf8_truncated_sequence.ndjson": line(countrycode=b'"\xe2\x82"'),
        "utf8_encoded_surrogate.ndjson": line(word=b'"\xed\xa0\x80"'),
        "invalid_utf8_unknown_field.ndjson": line(note=b'"\xc0\xaf"'),
        "word_is_number.ndjson": line(word=b"5"),
        "countrycode_is_list.ndjson": line(countrycode=b'["US"]'),
        "recognized_is_string.ndjson": line(recognized=b'"yes"'),
    }


def drawing_cases() -> dict[str, bytes]:
    """Drawings of the wrong shape or with values that cannot be stored."""
    return {
        "drawing_is_string.ndjson": line(b'"[[[1],[2]]]"'),
        "drawing_is_null.ndjson": line(b"null"),
        "drawing_is_object.ndjson": line(b'{"x":[1],"y":[2]}'),
        "drawing_empty.ndjson": GOOD + line(b"[]"),
        "stroke_without_points.ndjson": line(b"[[[1],[2]],[[],[]]]"),
        "stroke_with_one_list.ndjson": line(b"[[[1,2]]]"),
        "stroke_is_number.ndjson": line(b"[5]"),
        "null_coordinates.ndjson": line(b"[[[null,1],[2,3]]]"),
        "string_coordinates.ndjson": line(b'[[["1"],[2]]]'),
        "nested_list_coordinates.ndjson": line(b"[[[[1]],[2]]]"),
        "x_and_y_lengths_differ.ndjson": line(b"[[[1,2,3],[4,5]]]"),
        "nan_coordinate.ndjson": line(b"[[[NaN],[2]]]"),
        "infinity_coordinate.ndjson": line(b"[[[1],[-Infinity]]]"),
        "float_overflow_1e400.ndjson": line(b"[[[1e400],[2]]]"),
        "infinite_delta_1e308.ndjson": line(b"[[[1e308,-1e308],[0,0]]]"),
        "infinite_delta_across_strokes.ndjson": line(b"[[[1.7e308],[0]],[[-1.7e308],[0]]]"),
        "int64_delta_overflow.ndjson": line(
            b"[[[9000000000000000000,-9000000000000000000],[0,0]]]"
        ),
        "integer_beyond_int64.ndjson": line(b"[[[18446744073709551616],[0]]]"),
        "integer_with_5000_digits.ndjson": line(b"[[[" + b"9" * 5000 + b"],[0]]]"),
        "fractional_time.ndjson": line(b"[[[1,2],[3,4],[0,16.5]]]"),
        "raw_after_simplified.ndjson": GOOD + line(b"[[[1],[2],[0]]]"),
        # over a limit the test lowers (max_strokes=5, max_points=20, max_line_bytes=1000)
        "too_many_strokes.ndjson": line(b"[" + numbers(b"[[1],[2]]", 10) + b"]"),
        "too_many_points.ndjson": line(
            b"[[[" + numbers(b"1", 50) + b"],[" + numbers(b"2", 50) + b"]]]"
        ),
        "long_line.ndjson": GOOD + line(word=b'"' + b"a" * 2000 + b'"'),
    }


def gzip_cases() -> dict[str, bytes]:
    """Broken gzip streams, and bad lines inside good ones."""
    valid = gzip.compress(GOOD * 50, mtime=0)

    def changed(at: int, value: int) -> bytes:
        data = bytearray(valid)
        data[at] = value
        return bytes(data)

    return {
        "gzip_garbage_after_magic.ndjson.gz": b"\x1f\x8b\x08\x00garbage, not deflate data at all",
        "gzip_truncated_in_data.ndjson.gz": valid[: len(valid) // 2],
        "gzip_truncated_in_trailer.ndjson.gz": valid[:-3],
        "gzip_header_only.ndjson.gz": valid[:10],
        "gzip_magic_only.ndjson.gz": b"\x1f\x8b",
        "gzip_bad_crc.ndjson.gz": changed(-8, valid[-8] ^ 0xFF),
        "gzip_bad_length.ndjson.gz": changed(-4, valid[-4] ^ 0x01),
        "gzip_unknown_method.ndjson.gz": changed(2, 7),
        "gzip_bad_deflate_block.ndjson.gz": changed(10, 0xFF),
        "gzip_trailing_garbage.ndjson.gz": valid + b"this is not a gzip member",
        "gzip_not_gzip.ndjson.gz": GOOD * 3,
        "gzip_first_line_null.ndjson.gz": gzip.compress(b"null\n" + GOOD, mtime=0),
        "gzip_deep_nesting.ndjson.gz": gzip.compress(
            b'{"drawing":' + b"[" * 100000 + b"}\n", mtime=0
        ),
        "gzip_lone_surrogate.ndjson.gz": gzip.compress(GOOD + line(word=b'"\\ud800"'), mtime=0),
        # over max_decompressed_bytes=1000, which the test sets
        "gzip_expands_past_limit.ndjson.gz": gzip.compress(GOOD * 100, mtime=0),
    }


CASES = (structure_cases, text_cases, drawing_cases, gzip_cases)


def write_corpus(out: Path) -> int:
    """Write every case into ``out``; the number of files."""
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for make in CASES:
        for name, data in make().items():
            (out / name).write_bytes(data)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="write into a temporary folder")
    parser.add_argument("--out", type=Path, default=None, help=f"folder (default {OUT})")
    args = parser.parse_args()
    out = args.out or (Path(tempfile.mkdtemp()) / "ndjson" if args.quick else OUT)
    count = write_corpus(out)
    print(f"wrote {count} malformed files under {out}")


if __name__ == "__main__":
    main()
