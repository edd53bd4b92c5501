"""``strokedelta dataset build``: what it prints, its options, one line for every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from strokedelta.cli import main

SIMPLIFIED = ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_simplified.ndjson")


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="strokedelta")


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_build_prints_one_line_per_file_and_warns_of_shortfalls(real_data, tmp_path):
    glob = real_data / "quickdraw_*_simplified.ndjson"
    result = run("dataset", "build", glob, tmp_path / "set", "--splits", "20,5,5")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"wrote {tmp_path / 'set' / 'cat.npz'} (train 15, valid 5, test 5)",
        f"wrote {tmp_path / 'set' / 'sheep.npz'} (train 15, valid 5, test 5)",
        f"wrote {tmp_path / 'set' / 'manifest.json'} (50 of 50 drawings in 2 categories; "
        "filters removed none)",
    ]
    assert result.stderr.splitlines() == [
        "cat: 25 drawings, short of the splits by train 5",
        "sheep: 25 drawings, short of the splits by train 5",
    ]
    manifest = json.loads((tmp_path / "set" / "manifest.json").read_text())
    assert manifest["command"].startswith("strokedelta dataset build ")
    assert manifest["command"].endswith("OUT --format npz --splits 20,5,5 --seed 0")


def test_filter_options_and_word_files(real_data, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("# the categories to keep\ncat\n")
    sources = [real_data / name for name in SIMPLIFIED]
    argv = ["dataset", "build", *sources, tmp_path / "set", "--splits", "0.6,0.2,0.2"]
    argv += ["--words", f"@{words}", "--recognized", "--limit", "10", "--min-len", "2"]
    argv += ["--limit", "max_points=100000", "--format", "parquet", "--row-group-size", "4"]
    result = run(*argv)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "set" / "manifest.json").read_text())
    assert list(manifest["categories"]) == ["cat"]
    assert manifest["parameters"]["filters"]["words"] == ["cat"]
    assert manifest["totals"]["removed"]["words"] == 25
    cat = manifest["categories"]["cat"]
    assert cat["counts"] == {"train": 6, "valid": 2, "test": 2}
    assert cat["removed"]["limit"] == cat["available"] - 10
    assert result.stdout.splitlines()[-1].endswith(
        f"(10 of 50 drawings in 1 categories; filters removed words 25, recognized "
        f"{cat['removed']['recognized']}, limit {cat['removed']['limit']})"
    )


def test_dask_engine_on_a_scheduler_gives_the_same_bytes(real_data, tmp_path):
    from strokedelta.distributed import local_client

    sources = [real_data / name for name in SIMPLIFIED]
    single = run("dataset", "build", *sources, tmp_path / "single", "--splits", "10,3,3")
    assert single.exit_code == 0, single.output
    with local_client(n_workers=2) as client:
        address = client.scheduler.address
        argv = ["dataset", "build", *sources, tmp_path / "dask", "--splits", "10,3,3"]
        result = run(*argv, "--engine", "dask", "--scheduler", address)
    assert result.exit_code == 0, result.output
    assert _bytes(tmp_path / "single") == _bytes(tmp_path / "dask")


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["{tmp}/missing.ndjson"], 1, "{tmp}/missing.ndjson: no such file"),
        (["{tmp}/*.bin"], 1, "{tmp}/*.bin: no file matches this pattern"),
        (["{cat}", "--splits", "9,1"], 1, "splits must be three numbers TRAIN,VALID,TEST"),
        (["{cat}", "--splits", "a,b,c"], 1, "splits must be three counts or three fractions"),
        (["{bad}"], 1, "{tmp}/bad.ndjson, line 1: "),
        (["{cat}", "--limit", "0"], 2, "--limit"),
        (["{cat}", "--workers", "2"], 2, "needs --engine dask"),
        (["{cat}", "--words", "@{tmp}/none.txt"], 1, "cannot read the --words file"),
        (["{cat}", "--country", "ZZ"], 1, "the filters left no drawings; nothing was written"),
    ],
)
def test_bad_input_is_one_line_and_no_output(real_data, tmp_path, args, status, message):
    (tmp_path / "bad.ndjson").write_text('{"word": "cat", "drawing": [[[1, 2], [3]]]}\n')
    values = {"tmp": tmp_path, "cat": real_data / SIMPLIFIED[0], "bad": tmp_path / "bad.ndjson"}
    argv = [a.format(**values) for a in args]
    result = run("dataset", "build", argv[0], tmp_path / "out", *argv[1:])
    assert result.exit_code == status, result.output
    assert result.stdout == ""
    assert message.format(**values) in result.stderr
    if status == 1:
        assert len(result.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ndjson"]


def test_existing_output_and_output_over_an_input(real_data, tmp_path):
    cat = real_data / SIMPLIFIED[0]
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "old.txt").write_text("kept unless --overwrite")
    result = run("dataset", "build", cat, tmp_path / "set", "--splits", "5,1,1")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path / 'set'}: already exists; choose another OUT or pass --overwrite "
        "to replace it\n"
    )
    assert (tmp_path / "set" / "old.txt").exists()
    result = run("dataset", "build", cat, tmp_path / "set", "--splits", "5,1,1", "--overwrite")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "set").iterdir()) == ["cat.npz", "manifest.json"]
    source = tmp_path / "set" / "cat.npz"
    result = run("dataset", "build", source, tmp_path / "set", "--overwrite")
    assert result.exit_code == 1
    assert "refusing to write a dataset over an input" in result.stderr
    result = run("dataset", "build", cat, source)
    assert result.exit_code == 1
    assert "exists and is not a folder" in result.stderr
