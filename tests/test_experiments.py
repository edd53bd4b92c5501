"""The shift, sketch-shift and drift experiments: their tables, facts, files, metrics and CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta import TrainingDivergedError, ValidationError
from strokedelta.cli import main
from strokedelta.experiments import (
    OUTPUTS,
    SHIFT_COLUMNS,
    SKETCH_SHIFT_COLUMNS,
    ExperimentRun,
    drift_experiment,
    epochs_to_converge,
    output_dir,
    rmse,
    run_experiment_files,
    shift_experiment,
    shift_findings,
    shift_summary,
    sketch_shift_experiment,
    translate_drawings,
    write_csv,
)
from strokedelta.experiments.runner import experiment_settings, run_experiment
from strokedelta.experiments.sketch_shift import drawing_prefixes, rollout_cuts, split_drawings
from strokedelta.models import AbsoluteLinearRegressor
from strokedelta.sketch import Drawings
from strokedelta.synthetic import synthetic_drawings, synthetic_series

REPO = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def shift_table() -> pd.DataFrame:
    return shift_experiment(
        shifts=(0, 10, 1000, 1e5), lrs=(1e-2, 1e-1), seeds=(0, 1), n_rows=150, epochs=10
    )


def test_shift_table_has_one_row_per_cell_and_the_columns(shift_table):
    assert list(shift_table.columns) == list(SHIFT_COLUMNS)
    assert len(shift_table) == 2 * 4 * 2 * 2
    cells = shift_table.groupby(["model", "shift", "lr", "seed"]).size()
    assert (cells == 1).all()
    assert set(shift_table["model"]) == {"absolute", "delta"}


def test_absolute_diverges_at_the_notebook_lr_when_shifted(shift_table):
    absolute = shift_table[(shift_table["model"] == "absolute") & (shift_table["lr"] == 0.01)]
    by_shift = absolute.groupby("shift")["diverged"].all()
    assert not by_shift[0]
    assert by_shift[1000]
    assert by_shift[1e5]
    diverged = absolute[absolute["diverged"]]
    assert diverged[["slope", "rmse", "epochs_to_converge"]].isna().all().all()


def test_delta_never_diverges_and_is_identical_under_shift(shift_table):
    delta = shift_table[shift_table["model"] == "delta"]
    assert not delta["diverged"].any()
    spread = delta.groupby(["lr", "seed"])["rmse"].agg(lambda r: r.max() / r.min() - 1)
    assert (spread < 1e-6).all()
    assert (delta["rmse_ratio"] >= 1 - 1e-9).all()
    converged = delta[delta["lr"] == 0.1]
    assert (converged["rmse_ratio"] < 1.01).all()
    assert (converged["slope_error"] < 0.1).all()


def test_shift_findings_and_summary(shift_table):
    facts = shift_findings(shift_table)
    assert facts["absolute_diverges_from"] == 10.0
    assert facts["delta_stable_lrs"] == [0.01, 0.1]
    assert facts["delta_diverged_where_stable"] == 0
    assert facts["delta_best_lr"] == 0.1
    assert facts["delta_rmse_ratio"] < 1.01
    assert facts["delta_shift_invariant"] is True
    summary = shift_summary(shift_table).set_index(["model", "lr"])
    assert summary.loc[("absolute", 0.01), "diverged at shifts"] == "10, 1000, 100000"
    assert summary.loc[("delta", 0.01), "runs diverged"] == "0/8"


def test_shift_writes_csv_and_heatmap(tmp_path):
    table = shift_experiment(
        shifts=(0, 1000), lrs=(0.01,), seeds=(0,), n_rows=60, epochs=3, out_dir=tmp_path / "o"
    )
    back = pd.read_csv(tmp_path / "o" / "shift.csv")
    assert list(back.columns) == list(SHIFT_COLUMNS)
    pd.testing.assert_series_equal(back["rmse_lstsq"], table["rmse_lstsq"])
    assert (tmp_path / "o" / "shift.png").read_bytes()[:8] == PNG


@pytest.fixture(scope="module")
def drawings() -> Drawings:
    return synthetic_drawings(80, seed=1)


def test_translate_drawings_moves_points_and_keeps_integers(drawings):
    moved = translate_drawings(drawings, 1000)
    assert moved.strokes.values.dtype == np.int64
    np.testing.assert_array_equal(moved.absolute().values, drawings.absolute().values + 1000)
    half = translate_drawings(drawings, 0.5)
    assert half.strokes.values.dtype == np.float64
    assert drawings.absolute().values.min() >= 0  # the input was not modified


def test_split_is_seeded_and_disjoint(drawings):
    train, test = split_drawings(drawings, 0.25, seed=3)
    again, _ = split_drawings(drawings, 0.25, seed=3)
    assert (len(train), len(test)) == (60, 20)
    assert train.equals(again)
    assert not set(train.meta["key_id"]) & set(test.meta["key_id"])
    with pytest.raises(ValidationError, match="drawings must hold at least 2 drawings"):
        split_drawings(drawings[:1])


def test_rollout_cuts_leave_a_whole_stroke_to_predict(drawings):
    usable, cuts = rollout_cuts(drawings, window=4, steps=10)
    assert len(usable) == len(drawings)  # every synthetic drawing has a long stroke
    assert (cuts >= 5).all()
    pen = drawings.pen
    starts = drawings.strokes.offsets[usable]
    for start, cut in zip(starts, cuts):
        # points cut-1 .. cut+8 keep the pen down: the next 10 points continue one stroke
        assert not pen[start + cut - 1 : start + cut + 9].any()
    prefixes = drawing_prefixes(drawings[usable], cuts)
    assert prefixes.lengths.tolist() == cuts.tolist()


def test_sketch_shift_delta_is_unchanged_and_point_model_degrades(drawings, tmp_path):
    table = sketch_shift_experiment(
        drawings, translations=(0, 100, 10000), solvers=("lstsq",), out_dir=tmp_path
    )
    assert list(table.columns) == list(SKETCH_SHIFT_COLUMNS)
    delta = table[table["model"] == "delta"]
    point = table[table["model"] == "absolute"]
    np.testing.assert_allclose(delta["rmse_one_step"], delta["rmse_one_step"].iloc[0], rtol=1e-9)
    np.testing.assert_allclose(delta["rmse_rollout"], delta["rmse_rollout"].iloc[0], rtol=1e-9)
    assert point["rmse_one_step_ratio"].iloc[-1] > 5
    assert point["rmse_one_step"].iloc[-1] > delta["rmse_one_step"].iloc[-1]
    for name in ("sketch_shift.csv", "sketch_shift.png", "rollouts.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert len(pd.read_csv(tmp_path / "sketch_shift.csv")) == 6


def test_sketch_shift_needs_room_for_a_rollout():
    line = Drawings.from_polylines([[[[0, 1, 2], [0, 1, 2]]]] * 4)
    with pytest.raises(ValidationError, match="have a test stroke with room for a rollout"):
        sketch_shift_experiment(line, solvers=("lstsq",))


@pytest.fixture(scope="module")
def drift_table() -> pd.DataFrame:
    return drift_experiment(max_length=20_000, anchors=(0, 1000, 100), train_rows=3000)


def test_drift_table_shape(drift_table):
    assert set(drift_table["variant"]) == {
        "delta",
        "delta + bias",
        "delta, float32 cumsum",
        "delta, wandering target",
    }
    assert sorted(drift_table["length"].unique()) == [100, 1000, 10_000, 20_000]
    assert len(drift_table) == 4 * 3 * 4


def test_wandering_target_drifts_and_reanchoring_bounds_it(drift_table):
    part = drift_table[drift_table["variant"] == "delta, wandering target"]
    rmse = part.set_index(["anchor_every", "length"])["rmse"]
    assert rmse[(0, 20_000)] > 1.5 * rmse[(0, 100)]
    assert rmse[(100, 20_000)] < rmse[(0, 20_000)] / 1.5
    steady = drift_table[drift_table["variant"] == "delta"].set_index(["anchor_every", "length"])
    assert steady.loc[(0, 20_000), "rmse"] < 1.0  # no bias: only the level noise (0.5 * sqrt 2)
    assert (drift_table[drift_table["variant"] == "delta"]["delta_bias"] == 0).all()
    assert (drift_table[drift_table["variant"] == "delta + bias"]["delta_bias"] != 0).all()


def test_drift_checks_anchors():
    with pytest.raises(ValidationError, match=r"anchors must be below max_length \(1000\)"):
        drift_experiment(max_length=1000, anchors=(0, 1000))


def test_settings_and_data_only_for_sketch_shift():
    assert experiment_settings("shift", quick=False, seed=4)["seeds"] == (4, 5, 6)
    assert experiment_settings("drift", quick=True, seed=4)["max_length"] == 10_000
    with pytest.raises(ValidationError, match="data must be given only for the sketch-shift"):
        run_experiment("drift", data="x.ndjson")


def test_sketch_shift_runs_on_the_real_sample_shipped_in_data(tmp_path):
    sample = REPO / "data" / "quickdraw_cat_sample.ndjson"
    table = run_experiment("sketch-shift", tmp_path, quick=True, data=sample)
    delta = table[table["model"] == "delta"]
    assert table["train_drawings"].iloc[0] + table["test_drawings"].iloc[0] == 25
    np.testing.assert_allclose(delta["rmse_one_step_ratio"], 1.0, rtol=1e-9)


def test_experiment_command_writes_its_files(tmp_path):
    result = CliRunner().invoke(
        main, ["experiment", "drift", "--quick", "--out", str(tmp_path), "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "delta, wandering target" in result.output
    assert result.stdout.endswith(
        f"wrote {tmp_path / 'drift.csv'} (table)\nwrote {tmp_path / 'drift.png'} (picture)\n"
    )
    assert (tmp_path / "drift.png").read_bytes()[:8] == PNG


def test_experiment_command_reports_bad_data_in_one_line(tmp_path):
    sample = REPO / "data" / "quickdraw_cat_sample.ndjson"
    result = CliRunner().invoke(
        main, ["experiment", "shift", "--quick", "--out", str(tmp_path), "--data", str(sample)]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: data must be given only for the sketch-shift")
    assert "Traceback" not in result.output


def test_run_experiment_files_gives_the_table_and_the_files_written(tmp_path):
    run = run_experiment_files("drift", tmp_path, quick=True, seed=2, device="auto")
    assert isinstance(run, ExperimentRun)
    assert [p.name for p in run.files] == list(OUTPUTS["drift"])
    assert all(p.parent == tmp_path and p.stat().st_size > 0 for p in run.files)
    assert run.key_table() is run.table
    assert "delta, wandering target" in run.key_table_text()
    pd.testing.assert_frame_equal(run.table, run_experiment("drift", quick=True, seed=2))
    assert run_experiment_files("drift", None, quick=True).files == ()
    with pytest.raises(ValidationError, match="device must be one of 'auto', 'cpu', 'cuda'"):
        run_experiment_files("drift", quick=True, device="gpu")


def test_shift_run_shows_its_summary(shift_table):
    run = ExperimentRun("shift", shift_table)
    pd.testing.assert_frame_equal(run.key_table(), shift_summary(shift_table))
    assert run.key_table_text().splitlines()[0].split()[:2] == ["model", "lr"]


def test_metrics_and_outputs(tmp_path):
    assert rmse(np.array([1.0, 1.0]), np.array([4.0, 5.0])) == pytest.approx(np.sqrt(12.5))
    assert epochs_to_converge(np.array([5.0, 1.0, 1.0])) == 2
    folder = output_dir(tmp_path / "a" / "b")
    assert folder.is_dir()
    path = write_csv(pd.DataFrame({"x": [0.1, 1 / 3]}), folder / "t.csv")
    assert pd.read_csv(path)["x"].tolist() == [0.1, 1 / 3]  # exact floats


def test_diverged_runs_carry_their_epoch_and_lr():
    frame = synthetic_series(100, n_groups=2, weights=[2.0], shift=1000.0, seed=0)
    model = AbsoluteLinearRegressor(optimizer="sgd", lr=0.01, batch_size=10, epochs=5)
    with pytest.raises(TrainingDivergedError) as caught:
        model.fit(frame[["x"]], frame["y"], groups=frame["group"])
    assert isinstance(caught.value.epoch, int)
    assert 1 <= caught.value.epoch <= 5
    assert caught.value.lr == 0.01
    assert f"epoch {caught.value.epoch} of 5" in str(caught.value)
