"""The registry of model classes: filled by the classes themselves, read by persistence."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from strokedelta.exceptions import ModelFileError
from strokedelta.models import (
    AbsoluteLinearRegressor,
    DeltaLinearRegressor,
    NextDeltaRegressor,
    NextPointRegressor,
    NextStepRegressor,
    TableRegressor,
    load_model,
    persistence,
)
from strokedelta.models.registry import MODEL_CLASSES, model_class, register_model

BUILT_IN = [AbsoluteLinearRegressor, DeltaLinearRegressor, NextDeltaRegressor, NextPointRegressor]


def test_every_concrete_model_registers_itself_and_shared_bases_do_not():
    for cls in BUILT_IN:
        assert MODEL_CLASSES[cls.__name__] is cls
        assert model_class(cls.__name__) is cls
    assert "TableRegressor" not in MODEL_CLASSES
    assert "NextStepRegressor" not in MODEL_CLASSES
    assert "ModelBase" not in MODEL_CLASSES
    assert model_class(None) is None
    assert persistence.MODEL_CLASSES is MODEL_CLASSES
    with pytest.raises(TypeError):
        MODEL_CLASSES["os.system"] = object  # type: ignore[index]


def test_persistence_imports_no_model_class():
    tree = ast.parse(Path(persistence.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.col_offset == 0
    }
    assert "strokedelta.models.registry" in imported
    assert not imported & {"strokedelta.models.linear", "strokedelta.models.next_step"}


def test_a_new_model_class_is_saved_and_loaded_without_touching_persistence(tmp_path):
    class ShiftedDeltaRegressor(DeltaLinearRegressor):
        """A subclass with its own name: registered by being defined."""

    assert model_class("ShiftedDeltaRegressor") is ShiftedDeltaRegressor
    model = ShiftedDeltaRegressor(solver="lstsq").fit(np.arange(5.0), 2 * np.arange(5.0))
    model.save(tmp_path / "m.safetensors")
    back = load_model(tmp_path / "m.safetensors")
    assert type(back) is ShiftedDeltaRegressor
    assert np.array_equal(back.predict([7.0]), model.predict([7.0]))


def test_a_second_class_with_a_registered_name_is_refused():
    with pytest.raises(TypeError, match="a model class named NextDeltaRegressor is already"):

        class NextDeltaRegressor(NextStepRegressor):
            pass

    assert MODEL_CLASSES["NextDeltaRegressor"].__module__ == "strokedelta.models.next_step"
    # registering the very same class again (a module reload) is fine
    assert register_model(DeltaLinearRegressor) is DeltaLinearRegressor


def test_an_unregistered_class_cannot_be_saved(tmp_path):
    class Unregistered(TableRegressor, abstract=True):
        pass

    model = Unregistered()
    model.coef_ = np.zeros(1)
    with pytest.raises(ModelFileError, match="cannot save a Unregistered"):
        model.save(tmp_path / "u.safetensors")
