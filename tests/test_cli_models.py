"""The train, train-sketch and predict commands, through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from strokedelta.cli import main
from strokedelta.io import read_drawings, write_drawings
from strokedelta.models import DeltaLinearRegressor, NextDeltaRegressor, load_model
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings


def _run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def table(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"id": np.repeat(["a", "b", "c"], 40), "x1": rng.normal(size=120)})
    frame["x2"] = rng.normal(size=120) + 1000
    frame["y"] = 3 * frame.x1 - 0.5 * frame.x2 + np.repeat([0.0, 5.0, -5.0], 40)
    path = tmp_path / "series.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def sketches(tmp_path) -> Path:
    rng = np.random.default_rng(2)
    values = rng.integers(-6, 7, size=(300, 3))
    values[:, 2] = (rng.random(300) < 0.1).astype(int)
    values[np.arange(49, 300, 50), 2] = 1
    path = tmp_path / "d.npz"
    write_drawings(Drawings(Ragged(values, np.arange(0, 301, 50))), path)
    return path


def test_train_then_predict_a_table(tmp_path, table):
    model_path, out = tmp_path / "m.safetensors", tmp_path / "pred.csv"
    result = _run(
        "train",
        table,
        model_path,
        "--target",
        "y",
        "--features",
        "x1,x2",
        "--group",
        "id",
        "--plot",
        tmp_path / "loss.png",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "DeltaLinearRegressor: 120 rows, 1000 epochs; coef [ 3. , -0.5]"
    )
    assert "R^2 1.0000" in result.output
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    result = _run("predict", model_path, table, out)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["id", "x1", "x2", "y", "y_pred"]
    np.testing.assert_allclose(frame.y_pred, frame.y, atol=1e-3)  # per-group anchors
    model = load_model(model_path)
    assert isinstance(model, DeltaLinearRegressor)
    assert model.group_name_ == "id"


def test_absolute_mode_and_a_named_prediction_column(tmp_path, table):
    model_path = tmp_path / "a.safetensors"
    result = _run(
        "train",
        table,
        model_path,
        "--target",
        "y",
        "--features",
        "x1",
        "--mode",
        "absolute",
        "--solver",
        "lstsq",
        "--seed",
        "3",
    )
    assert result.exit_code == 0
    assert result.output.startswith("AbsoluteLinearRegressor:")
    result = _run("predict", model_path, table, tmp_path / "p.parquet", "--column", "guess")
    assert result.exit_code == 0, result.output
    assert "guess" in pd.read_parquet(tmp_path / "p.parquet").columns


def test_divergence_is_one_line_exit_1_and_writes_no_model(tmp_path, table):
    model_path = tmp_path / "abs.safetensors"
    result = _run(
        "train",
        table,
        model_path,
        "--target",
        "y",
        "--features",
        "x2",
        "--mode",
        "absolute",
        "--optimizer",
        "sgd",
        "--lr",
        "0.01",
        "--schedule",
        "constant",
        "--plot",
        tmp_path / "loss.png",
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: training diverged at epoch ")
    assert "max|x|=100" in result.output
    assert "--mode delta" in result.output
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["series.csv"]


def test_train_usage_errors(tmp_path, table):
    result = _run("train", table, tmp_path / "m.st", "--target", "y", "--features", "nope")
    assert result.exit_code == 1
    assert "Error: columns ['nope'] are not in" in result.output
    result = _run(
        "train",
        table,
        tmp_path / "m.st",
        "--target",
        "y",
        "--features",
        "x1",
        "--solver",
        "lstsq",
        "--plot",
        tmp_path / "l.png",
    )
    assert result.exit_code == 2
    assert "--plot needs --solver gradient" in result.output
    result = _run(
        "train", table, tmp_path / "m.st", "--target", "y", "--features", "x1", "--lr", "-1"
    )
    assert result.exit_code == 1
    assert "lr must be a finite number > 0; got -1.0" in result.output


def test_train_sketch_and_predict_drawings(tmp_path, sketches):
    model_path = tmp_path / "s.safetensors"
    result = _run(
        "train-sketch",
        sketches,
        model_path,
        "--window",
        "3",
        "--epochs",
        "4",
        "--plot",
        tmp_path / "loss.png",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("NextDeltaRegressor: 6 drawings, ")
    assert "one-step RMSE" in result.output
    assert (tmp_path / "loss.png").exists()
    assert isinstance(load_model(model_path), NextDeltaRegressor)

    result = _run("predict", model_path, sketches, tmp_path / "one.npz")
    assert result.exit_code == 0, result.output
    one = read_drawings(tmp_path / "one.npz")
    source = read_drawings(sketches)
    assert one.lengths.tolist() == source.lengths.tolist()
    assert one.strokes.values.dtype.kind == "i"  # rounded to whole pixels like the input

    result = _run("predict", model_path, sketches, tmp_path / "roll.ndjson", "--rollout", "5")
    assert result.exit_code == 0, result.output
    rolled = read_drawings(tmp_path / "roll.ndjson")
    assert (rolled.lengths - source.lengths).tolist() == [5] * 6


def test_train_sketch_absolute_mode_on_the_repo_sample(tmp_path):
    sample = Path(__file__).resolve().parents[1] / "data" / "quickdraw_sheep_sample.ndjson"
    if not sample.exists():
        pytest.skip(f"sample not found: {sample}")
    result = _run(
        "train-sketch",
        sample,
        tmp_path / "p.st",
        "--mode",
        "absolute",
        "--solver",
        "lstsq",
        "--window",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("NextPointRegressor: ")


def test_predict_refuses_foreign_model_files_and_rollout_on_tables(tmp_path, table):
    fake = tmp_path / "fake.safetensors"
    fake.write_bytes(b"not a model at all")
    result = _run("predict", fake, table, tmp_path / "o.csv")
    assert result.exit_code == 1
    assert "not a safetensors model file" in result.output
    model_path = tmp_path / "m.st"
    trained = _run(
        "train", table, model_path, "--target", "y", "--features", "x1", "--solver", "lstsq"
    )
    assert trained.exit_code == 0, trained.output
    result = _run("predict", model_path, table, tmp_path / "o.csv", "--rollout", "3")
    assert result.exit_code == 2
    assert "--rollout applies to sketch models only" in result.output
