"""``strokedelta demo --quick``: every file, the report's findings and the printed tables; the
result object ``run_demo`` returns, the demo's stages, and the demos behind the scripts."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.cli.demo import demo_files
from strokedelta.demo import (
    STAGES,
    DemoResult,
    StageTimer,
    continue_drawings,
    conversion_table,
    key_tables,
    loss_curve_runs,
    notebook_demo,
    run_demo,
    series_model_table,
    sketch_demo,
)
from strokedelta.demo.notebook import NOTEBOOK_EPOCHS
from strokedelta.experiments import SHIFT_COLUMNS, SKETCH_SHIFT_COLUMNS, write_csv
from strokedelta.io import read_drawings
from strokedelta.models import NextDeltaRegressor
from strokedelta.sketch import Drawings
from strokedelta.synthetic import synthetic_drawings, synthetic_series

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
    return out, result.stdout


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
    assert output.rstrip().endswith(f"wrote {out / 'report.md'} (report)")  # the last file
    assert f"wrote {out / 'loss_curves.png'} (picture)\n" in output


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


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo-api") / "out"
    return run_demo(out, quick=True, device="cpu", progress=False)


def test_run_demo_returns_its_tables_and_every_file_it_wrote(demo_result):
    result = demo_result
    assert result.report == result.out_dir / "report.md"
    assert result.files[-1] == result.report
    on_disk = {p.name for p in result.out_dir.iterdir()}
    assert {p.name for p in result.files} == on_disk
    assert list(result.timings) == list(STAGES)
    assert result.device == "cpu"
    assert result.n_drawings == 150
    for name, table in (
        ("shift.csv", result.shift),
        ("sketch_shift.csv", result.sketch_shift),
        ("drift.csv", result.drift),
        ("series_models.csv", result.series_models),
    ):
        back = pd.read_csv(result.out_dir / name)
        pd.testing.assert_frame_equal(back, table.reset_index(drop=True), check_dtype=False)
    with pytest.raises(AttributeError):
        result.report = Path("elsewhere.md")  # frozen


def test_the_cli_knows_every_file_the_demo_writes(demo_result):
    assert {p.name for p in demo_result.files} <= set(demo_files())


def test_key_tables_come_from_the_result_not_from_files(demo_result):
    text = key_tables(demo_result)
    assert text.startswith("Shift experiment (absolute vs delta, SGD batch 10):")
    assert "Sketch models under translation (px):" in text
    (demo_result.out_dir / "shift.csv").write_text("model,lr\nstale,1\n")
    (demo_result.out_dir / "sketch_shift.csv").unlink()
    try:
        assert key_tables(demo_result) == text  # a stale or missing file is never shown
    finally:
        write_csv(demo_result.shift, demo_result.out_dir / "shift.csv")
        write_csv(demo_result.sketch_shift, demo_result.out_dir / "sketch_shift.csv")


def test_demo_cli_prints_what_the_result_holds(demo_run, demo_result):
    _, output = demo_run
    assert output.split("\nwrote ")[0].strip() == key_tables(demo_result)  # same seed


def test_conversion_table_writes_reads_back_and_compares(tmp_path):
    table = conversion_table(synthetic_drawings(4, seed=2), tmp_path)
    assert table["file"].tolist() == [
        "drawings.ndjson",
        "drawings.npz",
        "drawings.parquet",
        "drawings_stroke5.npy",
    ]
    assert (table["round trip exact"] == "yes").all()
    for name, size in zip(table["file"], table["bytes"]):
        assert (tmp_path / name).stat().st_size == size


def test_series_model_table_has_both_models_at_both_shifts():
    series = synthetic_series(300, n_features=2, n_groups=3, walk=True, seed=1)
    table = series_model_table(series, "cpu", 1)
    assert table[["model", "shift"]].values.tolist() == [
        ["absolute", 0.0],
        ["delta", 0.0],
        ["absolute", 1000.0],
        ["delta", 1000.0],
    ]
    delta = table[table["model"] == "delta"]["rmse"].to_numpy()
    np.testing.assert_allclose(delta[0], delta[1], rtol=1e-6)  # shift invariant
    assert (table["rmse_ratio"] >= 1 - 1e-9).all()


def test_loss_curve_runs_name_the_epoch_a_run_diverged_at():
    curves = loss_curve_runs("cpu", 0, 5, shifts=(0.0, 1000.0))
    absolute = {c.label: c for c in curves if c.model == "absolute"}
    shifted = absolute["x + 1000, SGD lr=0.01"]
    assert shifted.history is None
    assert re.fullmatch(r"epoch \d+", shifted.diverged), shifted.diverged
    assert all(c.history is not None and len(c.history) == 5 for c in curves if c.model == "delta")


def test_continued_drawings_flag_only_the_continuation():
    drawings = synthetic_drawings(20, seed=4)
    model = NextDeltaRegressor(epochs=3, device="cpu", random_state=0).fit(drawings)
    rolled, flags = continue_drawings(model, drawings, steps=6, limit=5)
    assert len(rolled) == 5
    assert flags.shape == (rolled.n_points,)
    assert int(flags.sum()) == 5 * 6
    line = Drawings.from_polylines([[[[0, 1], [0, 1]]]])
    assert continue_drawings(model, line, steps=6) is None


def test_stage_timer_times_each_stage_in_order():
    clock = StageTimer(("a", "b"), show=False)
    with clock("b"):
        pass
    with clock("a"):
        pass
    clock.close()
    assert list(clock.seconds) == ["b", "a"]
    assert all(s >= 0 for s in clock.seconds.values())


def test_notebook_demo_tells_both_experiments():
    lines = list(notebook_demo(quick=True, seed=0))
    text = "\n".join(lines)
    assert lines[0].startswith("Experiment 1")
    assert "Epoch [200/200]" in text
    assert "Training stopped: training diverged at epoch" in text
    assert text.count("w = 10.0000") == 4
    assert NOTEBOOK_EPOCHS["quick"] == 200


def test_sketch_demo_writes_its_pictures(tmp_path):
    lines = list(
        sketch_demo(
            REPO / "data" / "quickdraw_cat_raw_sample.ndjson",
            REPO / "data" / "quickdraw_cat_sample.ndjson",
            tmp_path,
            quick=True,
        )
    )
    text = "\n".join(lines)
    assert "identical to Google's simplified drawing for" in text
    assert "drawings_stroke5.npy" in text
    assert (tmp_path / "rollouts.png").read_bytes()[:8] == PNG
    assert (tmp_path / "rollouts.svg").read_text().startswith("<svg")
