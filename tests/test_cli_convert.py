"""``convert`` and ``stats``: every format pair, errors in one line, nothing partial written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.io import read_drawings


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("middle", [".parquet", ".bin", ".ndjson.gz", ".npz"])
def test_simplified_ndjson_survives_every_format(real_data, tmp_path, middle):
    source = real_data / "quickdraw_cat_simplified.ndjson"
    result = run("convert", source, tmp_path / f"cat{middle}")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {tmp_path / f'cat{middle}'} (25 drawings, 1362 points)\n"
    result = run("convert", tmp_path / f"cat{middle}", tmp_path / "back.ndjson")
    assert result.exit_code == 0, result.output
    back, original = read_drawings(tmp_path / "back.ndjson"), read_drawings(source)
    assert back.to_polylines() == original.to_polylines()
    if middle in (".parquet", ".ndjson.gz"):
        assert (tmp_path / "back.ndjson").read_text() == source.read_text()


def test_raw_ndjson_to_parquet_and_back_is_exact(real_data, tmp_path):
    source = real_data / "quickdraw_sheep_raw.ndjson"
    assert run("convert", source, tmp_path / "s.parquet").exit_code == 0
    assert run("convert", tmp_path / "s.parquet", tmp_path / "s.ndjson").exit_code == 0
    assert (tmp_path / "s.ndjson").read_text().splitlines() == source.read_text().splitlines()


def test_npz_split_and_length_filter(real_data, tmp_path):
    result = run(
        "convert",
        real_data / "aaron_sheep.npz",
        tmp_path / "v.parquet",
        "--split",
        "valid",
        "--max-len",
        "100",
    )
    assert result.exit_code == 0, result.output
    d = read_drawings(tmp_path / "v.parquet")
    assert d.meta["split"].unique().tolist() == ["valid"]
    with np.load(real_data / "aaron_sheep.npz", allow_pickle=True, encoding="latin1") as data:
        expected = [a for a in data["valid"] if len(a) <= 100]
    assert len(d) == len(expected) == 103
    assert all(np.array_equal(a, b) for a, b in zip(d.strokes, expected))


def test_simplify_writes_google_shaped_output(real_data, tmp_path):
    result = run(
        "convert", real_data / "quickdraw_cat_raw.ndjson", tmp_path / "s.ndjson", "--simplify"
    )
    assert result.exit_code == 0, result.output
    mine = [json.loads(line) for line in (tmp_path / "s.ndjson").read_text().splitlines()]
    google = [
        json.loads(line)
        for line in (real_data / "quickdraw_cat_simplified.ndjson").read_text().splitlines()
    ]
    assert [m["key_id"] for m in mine] == [g["key_id"] for g in google]
    assert all(len(s) == 2 for m in mine for s in m["drawing"])  # no time after simplifying
    assert sum(m["drawing"] == g["drawing"] for m, g in zip(mine, google)) >= 20


def test_a_bad_line_stops_with_one_line_and_writes_nothing(tmp_path):
    source = tmp_path / "bad.ndjson"
    source.write_text('{"drawing":[[[1],[2]]]}\n{"drawing":[[[1,2],[2]]]}\n')
    result = run("convert", source, tmp_path / "out.parquet")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {source}, line 2: stroke 0: x and y have different lengths (2 and 1)\n"
    )
    assert not (tmp_path / "out.parquet").exists()
    assert list(tmp_path.iterdir()) == [source]


def test_errors_skip_reports_what_was_skipped(tmp_path):
    source = tmp_path / "bad.ndjson"
    source.write_text('{"drawing":[[[1],[2]]]}\n{"drawing":[]}\n{"drawing":[[[3],[4]]]}\n')
    result = run("convert", source, tmp_path / "out.ndjson", "--errors", "skip")
    assert result.exit_code == 0, result.output
    assert f"skipped 1 drawing: 1 x empty drawing (no strokes) (first: {source}, line 2)" in (
        result.output
    )
    assert result.stdout == f"wrote {tmp_path / 'out.ndjson'} (2 drawings, 2 points)\n"
    assert len(read_drawings(tmp_path / "out.ndjson")) == 2


def test_a_truncated_bin_names_the_record(real_data, tmp_path):
    assert (
        run(
            "convert", real_data / "quickdraw_sheep_simplified.ndjson", tmp_path / "s.bin"
        ).exit_code
        == 0
    )
    data = (tmp_path / "s.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-5])
    result = run("convert", tmp_path / "cut.bin", tmp_path / "out.ndjson")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {tmp_path / 'cut.bin'}, record 24: file is truncated")
    assert not (tmp_path / "out.ndjson").exists()


def test_unknown_extensions_fail_before_any_work(real_data, tmp_path):
    result = run("convert", real_data / "aaron_sheep.npz", tmp_path / "out.txt")
    assert result.exit_code == 1
    assert "out.txt: unknown drawings format '.txt'" in result.output


def test_stats_on_aaron_sheep(real_data):
    result = run("stats", real_data / "aaron_sheep.npz", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)["splits"]
    assert list(info) == ["train", "valid", "test"]
    train = info["train"]
    assert (train["drawings"], train["points"]) == (7400, 926_652)
    assert train["scale_factor"] == pytest.approx(18.5198, abs=1e-4)
    assert train["points_per_drawing"]["min"] == 20
    assert train["points_per_drawing"]["max"] == 250
    assert train["points_per_drawing"]["mean"] == pytest.approx(125.2, abs=0.05)
    assert train["strokes_per_drawing_mean"] == pytest.approx(11.6, abs=0.05)
    assert train["dx_range"] == [-476, 460]
    assert train["dy_range"] == [-267, 227]
    assert train["x_range"] == [-467, 500]
    assert train["y_range"] == [-253, 249]
    assert (info["valid"]["drawings"], info["test"]["drawings"]) == (300, 300)


def test_stats_text_and_split(real_data):
    result = run("stats", real_data / "aaron_sheep.npz", "--split", "train")
    assert result.exit_code == 0, result.output
    assert "  train:" in result.output
    assert "valid" not in result.output
    assert "scale factor   18.5198" in result.output
    result = run("stats", real_data / "quickdraw_cat_simplified.ndjson")
    assert "  all:" in result.output
    assert "drawings       25" in result.output
    assert "points         1362  (int32)" in result.output


def test_stats_split_needs_splits(real_data):
    result = run("stats", real_data / "quickdraw_cat_simplified.ndjson", "--split", "train")
    assert result.exit_code == 1
    assert "split='train' needs a file with a 'split' column" in result.output


def test_stats_per_word_and_by_option(real_data):
    cat = real_data / "quickdraw_cat_simplified.ndjson"
    sheep = real_data / "quickdraw_sheep_simplified.ndjson"
    result = run("stats", cat, sheep, "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["files"] == 2
    assert {w: g["drawings"] for w, g in info["words"].items()} == {"cat": 25, "sheep": 25}
    assert info["splits"]["all"]["drawings"] == 50
    assert info["words"]["cat"]["points"] == 1362
    result = run("stats", cat, sheep)
    assert "  word cat:" in result.output
    assert "  word sheep:" in result.output
    result = run("stats", cat, "--by", "countrycode", "--json")
    assert list(json.loads(result.output)) == ["sources", "files", "countrycode"]
    assert run("stats", cat, "--by", " , ").exit_code == 2


def test_stats_of_a_folder_and_a_pattern(real_data, tmp_path):
    for name in ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_simplified.ndjson"):
        (tmp_path / "set").mkdir(exist_ok=True)
        (tmp_path / "set" / name).write_bytes((real_data / name).read_bytes())
    by_folder = run("stats", tmp_path / "set", "--json")
    by_pattern = run("stats", str(tmp_path / "set" / "*.ndjson"), "--json")
    assert by_folder.exit_code == by_pattern.exit_code == 0, by_pattern.output
    assert json.loads(by_folder.output)["words"] == json.loads(by_pattern.output)["words"]
    result = run("stats", str(tmp_path / "none*.ndjson"))
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'none*.ndjson'}: no file matches this pattern\n"


def test_convert_many_files_into_a_folder(real_data, tmp_path):
    sources = [real_data / "aaron_sheep.npz", real_data / "quickdraw_cat_simplified.ndjson"]
    result = run("convert", *sources, tmp_path / "out", "--to", ".parquet")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"wrote {tmp_path / 'out' / 'aaron_sheep.parquet'} (8000 drawings, 1002762 points)",
        f"wrote {tmp_path / 'out' / 'quickdraw_cat_simplified.parquet'} (25 drawings, 1362 points)",
    ]
    split = read_drawings(tmp_path / "out" / "aaron_sheep.parquet").meta["split"]
    assert split.value_counts().to_dict() == {"train": 7400, "valid": 300, "test": 300}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "several SOURCES or --engine dask need --to SUFFIX"),
        (["--workers", "2"], "Invalid value for '--workers': needs --engine dask"),
        (["--to", ".csv"], "to must be one of"),
    ],
)
def test_convert_many_files_needs_a_folder_and_the_engine(real_data, tmp_path, extra, message):
    cat = real_data / "quickdraw_cat_simplified.ndjson"
    result = run("convert", cat, real_data / "quickdraw_sheep_simplified.ndjson", tmp_path, *extra)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert list(tmp_path.iterdir()) == []
