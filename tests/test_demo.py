"""``strokedelta demo --quick``: every file, the report's findings and the printed tables."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.experiments import SHIFT_COLUMNS, SKETCH_SHIFT_COLUMNS
from strokedelta.io import read_drawings

REPO = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"
PICTURES = ("loss_curves.png", "shift.png", "sketch_shift.png", "rollouts.png", "drift.png")
TABLES = ("shift.csv", "sketch_shift.csv", "drift.csv", "series.csv", "series_models.csv")
DRAWINGS = ("drawings.svg", "rollouts.svg", "drawings.ndjson", "drawings.npz", "drawings.parquet")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(main, ["demo", "--quick", "--out", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_demo_writes_every_file(demo_run):
    out, _ = demo_run
    for name in (*PICTURES, *TABLES, *DRAWINGS, "report.md", "drawings_stroke5.npy"):
        assert (out / name).stat().st_size > 0, name
    for name in PICTURES:
        assert (out / name).read_bytes()[:8] == PNG, name
    for name in ("drawings.svg", "rollouts.svg"):
        assert (out / name).read_text().startswith("<svg"), name


def test_demo_prints_the_key_tables_and_the_report_path(demo_run):
    out, output = demo_run
    assert "Shift experiment (absolute vs delta, SGD batch 10):" in output
    assert "Sketch models under translation (px):" in output
    assert output.rstrip().endswith(f"Report: {out / 'report.md'}")


def test_report_states_every_finding_and_each_holds(demo_run):
    out, _ = demo_run
    report = (out / "report.md").read_text()
    assert "**NO**" not in report
    assert "diverges for every shift >= 1e3: **yes**" in report
    assert re.search(r"Delta regression never diverged .*: 0 diverged runs", report)
    assert re.search(r"from the closed-form least squares; within 1%: \*\*yes\*\*", report)
    assert report.count("unchanged: **yes**") == 2  # gradient and lstsq sketch models
    for picture in (*PICTURES, "drawings.svg", "rollouts.svg"):
        assert f"]({picture})" in report, picture
    for link in re.findall(r"\]\(([^)]+)\)", report):
        assert (out / link).exists(), link


def test_demo_tables_have_the_documented_columns(demo_run):
    out, _ = demo_run
    shift = pd.read_csv(out / "shift.csv")
    assert list(shift.columns) == list(SHIFT_COLUMNS)
    absolute = shift[(shift["model"] == "absolute") & (shift["lr"] == 0.01)]
    assert absolute.loc[absolute["shift"] >= 1000, "diverged"].all()
    assert not shift.loc[shift["model"] == "delta", "diverged"].any()
    sketch = pd.read_csv(out / "sketch_shift.csv")
    assert list(sketch.columns) == list(SKETCH_SHIFT_COLUMNS)
    delta = sketch[sketch["model"] == "delta"]
    np.testing.assert_allclose(delta["rmse_one_step_ratio"], 1.0, rtol=1e-9)
    drift = pd.read_csv(out / "drift.csv")
    assert {"variant", "anchor_every", "length", "rmse"} <= set(drift.columns)


def test_demo_conversions_round_trip(demo_run):
    out, _ = demo_run
    report = (out / "report.md").read_text()
    assert "| NO |" not in report
    ndjson = read_drawings(out / "drawings.ndjson")
    parquet = read_drawings(out / "drawings.parquet")
    np.testing.assert_array_equal(ndjson.strokes.values, parquet.strokes.values)
    stroke5 = np.load(out / "drawings_stroke5.npy")
    assert stroke5.shape[0] == len(ndjson)
    assert stroke5.shape[2] == 5


def test_demo_runs_on_the_real_sample_drawings(tmp_path):
    sample = REPO / "data" / "quickdraw_cat_sample.ndjson"
    result = CliRunner().invoke(
        main, ["demo", "--quick", "--out", str(tmp_path), "--data", str(sample), "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    report = (tmp_path / "report.md").read_text()
    assert "25 drawings read from" in report
    assert "--seed 3 --data" in report
    assert report.count("unchanged: **yes**") == 2


def test_demo_reports_a_missing_data_file_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--quick", "--data", str(tmp_path / "no.ndjson")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
