"""save / load_model: round trips of every model, and refusal of tampered or foreign files."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from safetensors.numpy import save_file

from strokedelta.exceptions import ModelFileError, NotFittedError
from strokedelta.models import (
    AbsoluteLinearRegressor,
    DeltaLinearRegressor,
    NextDeltaRegressor,
    NextPointRegressor,
    load_model,
)
from strokedelta.models.persistence import _digest
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"g": np.repeat(["a", "b"], 50), "x1": rng.normal(size=100), "x2": rng.normal(size=100)}
    )
    frame["y"] = 2 * frame.x1 - frame.x2 + np.where(frame.g == "a", 0.0, 10.0)
    return frame


@pytest.fixture
def drawings():
    rng = np.random.default_rng(1)
    values = rng.integers(-5, 6, size=(200, 3))
    values[:, 2] = (rng.random(200) < 0.1).astype(int)
    return Drawings(Ragged(values, [0, 60, 130, 200]))


@pytest.mark.parametrize("cls", [DeltaLinearRegressor, AbsoluteLinearRegressor])
def test_table_models_round_trip(tmp_path, table, cls):
    model = cls(epochs=3).fit(table[["x1", "x2"]], table.y, table.g)
    path = tmp_path / "m.safetensors"
    model.save(path)
    back = load_model(path)
    assert type(back) is cls
    assert back.get_params() == model.get_params()
    for x, groups in [(table[["x1", "x2"]], table.g), (table[["x2", "x1"]], None)]:
        assert np.array_equal(back.predict(x, groups), model.predict(x, groups))
    assert np.array_equal(back.history_, model.history_)
    assert back.feature_names_in_ == ["x1", "x2"]
    assert back.target_names_ == ["y"]
    if cls is DeltaLinearRegressor:
        assert back.group_name_ == "g"
        assert back.group_keys_.tolist() == ["a", "b"]


def test_multi_output_and_integer_groups_round_trip(tmp_path):
    x = np.arange(40.0).reshape(20, 2)
    y = np.column_stack([x.sum(axis=1), x[:, 0] - 1])
    model = DeltaLinearRegressor(solver="lstsq").fit(x, y, np.arange(20) % 3)
    model.save(tmp_path / "m.st")
    back = load_model(tmp_path / "m.st")
    assert back.group_keys_.dtype == np.int64
    assert np.array_equal(back.predict(x, np.arange(20) % 3), model.predict(x, np.arange(20) % 3))


@pytest.mark.parametrize("cls", [NextDeltaRegressor, NextPointRegressor])
def test_sketch_models_round_trip(tmp_path, drawings, cls):
    model = cls(window=3, epochs=2).fit(drawings)
    model.save(tmp_path / "s.safetensors")
    back = load_model(tmp_path / "s.safetensors")
    assert back.rmse(drawings) == model.rmse(drawings)
    assert np.array_equal(back.rollout(drawings[0], 4), model.rollout(drawings[0], 4))


def test_saving_an_unfitted_model_fails_and_writes_nothing(tmp_path):
    with pytest.raises(NotFittedError):
        DeltaLinearRegressor().save(tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def saved(tmp_path) -> Path:
    path = tmp_path / "m.safetensors"
    DeltaLinearRegressor(solver="lstsq").fit(np.arange(10.0), 3 * np.arange(10.0)).save(path)
    return path


def _header(path: Path) -> tuple[int, dict]:
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    return size, json.loads(raw[8 : 8 + size])


def test_flipped_weight_bytes_are_refused(saved):
    raw = bytearray(saved.read_bytes())
    raw[-3] ^= 0x40  # inside the last tensor's data
    saved.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="checksum mismatch: the model file was modified"):
        load_model(saved)


def test_edited_parameters_are_refused(saved):
    raw = saved.read_bytes()
    edited = raw.replace(b'\\"lr\\": 0.1', b'\\"lr\\": 0.5')
    assert edited != raw
    saved.write_bytes(edited)
    with pytest.raises(ModelFileError, match="checksum mismatch"):
        load_model(saved)


def test_truncated_files_are_refused(saved):
    saved.write_bytes(saved.read_bytes()[:-10])
    with pytest.raises(ModelFileError, match="not a safetensors model file"):
        load_model(saved)


def test_foreign_safetensors_files_are_refused(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"weight": np.zeros((2, 2))}, str(path))
    with pytest.raises(
        ModelFileError, match=r"not a strokedelta model \(no 'strokedelta' header\)"
    ):
        load_model(path)


def test_unknown_classes_are_refused_even_with_a_valid_digest(tmp_path):
    header = {
        "format": "strokedelta-model",
        "version": 1,
        "class": "os.system",
        "params": {},
        "attrs": {},
        "none": [],
    }
    tensors = {"coef_": np.zeros(1)}
    header["sha256"] = _digest(header, tensors)
    path = tmp_path / "evil.safetensors"
    save_file(tensors, str(path), metadata={"strokedelta": json.dumps(header)})
    with pytest.raises(ModelFileError, match=r"unknown model class 'os\.system'"):
        load_model(path)


def test_invalid_parameters_with_a_valid_digest_are_refused(saved, tmp_path):
    from safetensors import safe_open

    with safe_open(str(saved), framework="numpy") as handle:
        header = json.loads(handle.metadata()["strokedelta"])
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
    header["params"]["lr"] = -1
    header["sha256"] = _digest(header, tensors)
    path = tmp_path / "bad.safetensors"
    save_file(tensors, str(path), metadata={"strokedelta": json.dumps(header)})
    with pytest.raises(ModelFileError, match="invalid parameters: lr must be a finite number > 0"):
        load_model(path)


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_pickles_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.safetensors"
    path.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ModelFileError, match="not a safetensors model file"):
        load_model(path)
    assert not marker.exists()


def test_missing_files_and_random_bytes(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "absent.safetensors")
    (tmp_path / "junk").write_bytes(os.urandom(64))
    with pytest.raises(ModelFileError, match="not a safetensors model file"):
        load_model(tmp_path / "junk")


def test_the_header_is_plain_json_without_code(saved):
    size, header = _header(saved)
    meta = json.loads(header["__metadata__"]["strokedelta"])
    assert meta["class"] == "DeltaLinearRegressor"
    assert meta["format"] == "strokedelta-model"
    assert set(header) - {"__metadata__"} == {
        "coef_",
        "intercept_",
        "history_",
        "delta_bias_",
        "scale_x_",
        "scale_y_",
    }
    assert size < 4096


# ------------------------------------------------- field checks after a matching digest
def _resave(source: Path, target: Path, edit) -> Path:
    """``source`` with ``edit(header, tensors)`` applied and its digest recomputed the way
    the writer computes it: only the field checks can refuse it."""
    from safetensors import safe_open

    with safe_open(str(source), framework="numpy") as handle:
        header = json.loads(handle.metadata()["strokedelta"])
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
    edit(header, tensors)
    header.pop("sha256")
    header["sha256"] = _digest(header, tensors)
    save_file(tensors, str(target), metadata={"strokedelta": json.dumps(header)})
    return target


def test_a_recomputed_digest_does_not_let_nan_weights_in(tmp_path, table):
    path = tmp_path / "m.safetensors"
    DeltaLinearRegressor(epochs=2).fit(table[["x1", "x2"]], table.y, table.g).save(path)

    def nan(header, tensors):
        tensors["coef_"] = np.array([np.nan, 1.0])

    bad = _resave(path, tmp_path / "nan.safetensors", nan)
    with pytest.raises(ModelFileError, match=r"nan\.safetensors: invalid fitted field: coef_ "):
        load_model(bad)


def test_more_group_intercepts_than_group_keys_are_refused(tmp_path, table):
    path = tmp_path / "m.safetensors"
    DeltaLinearRegressor(solver="lstsq").fit(table[["x1", "x2"]], table.y, table.g).save(path)

    def more(header, tensors):
        tensors["group_intercepts_"] = np.zeros((5, 1))

    bad = _resave(path, tmp_path / "more.safetensors", more)
    with pytest.raises(ModelFileError, match=r"group_intercepts_ must have shape \(2, 1\)"):
        load_model(bad)


@pytest.mark.parametrize("cls", [NextDeltaRegressor, NextPointRegressor])
def test_a_window_that_does_not_match_the_coefficients_is_refused(tmp_path, drawings, cls):
    path = tmp_path / "s.safetensors"
    cls(window=3, solver="lstsq").fit(drawings).save(path)

    def window(header, tensors):
        header["params"]["window"] = 5

    bad = _resave(path, tmp_path / "w.safetensors", window)
    with pytest.raises(ModelFileError, match=r"coef_ must have shape \(2, 15\) for window=5"):
        load_model(bad)


@pytest.mark.parametrize(
    "params",
    [{"delta_bias": True}, {"scale": None}, {"pairing": "consecutive", "epochs": 3}],
)
def test_every_field_check_passes_for_real_fits(tmp_path, table, params):
    model = DeltaLinearRegressor(**params).fit(table[["x1", "x2"]], table.y, table.g)
    model.save(tmp_path / "m.safetensors")
    back = load_model(tmp_path / "m.safetensors")
    assert np.array_equal(back.predict(table[["x1", "x2"]]), model.predict(table[["x1", "x2"]]))
    assert isinstance(back.intercept_, float)


def test_float_group_keys_and_unnamed_outputs_round_trip(tmp_path):
    x = np.arange(30.0).reshape(15, 2)
    y = np.column_stack([x @ [1.0, 2.0], x @ [0.5, -1.0], x[:, 0]])
    groups = np.repeat([0.5, 1.5, 2.5], 5)
    model = DeltaLinearRegressor(solver="lstsq").fit(x, y, groups)
    model.save(tmp_path / "m.st")
    back = load_model(tmp_path / "m.st")
    assert back.group_keys_.dtype == np.float64
    assert np.array_equal(back.predict(x, groups), model.predict(x, groups))


def test_a_header_that_is_not_an_object_or_holds_nan_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    save_file({"coef_": np.zeros(1)}, str(path), metadata={"strokedelta": "[1, 2]"})
    with pytest.raises(ModelFileError, match=r"its header is a JSON list, not an object"):
        load_model(path)
    save_file({"coef_": np.zeros(1)}, str(path), metadata={"strokedelta": '{"a": NaN}'})
    with pytest.raises(ModelFileError, match=r"not valid JSON \(NaN is not a JSON number\)"):
        load_model(path)


def test_zip_archives_are_refused_unread(tmp_path):
    import zipfile

    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02.")
    with pytest.raises(ModelFileError, match=r"it is a zip archive"):
        load_model(path)
