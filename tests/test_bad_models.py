"""The corpus of malformed model files (tests/data/bad/models/): what each one gives.

Every file, written by scripts/make_bad_tables.py and named after what is wrong with it, is
loaded through the library (``load_model``: ModelFileError and its message pinned) and through
the CLI (``strokedelta predict FILE data.csv out.csv``: one line naming the file, exit status 1,
nothing written). Most tampered files carry a digest recomputed the way the writer computes it,
so that only the field checks after the digest stop them; the test checks that their digest does
match.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from safetensors import safe_open

from strokedelta.cli import main
from strokedelta.exceptions import ModelFileError
from strokedelta.models import load_model
from strokedelta.models.persistence import _digest

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad" / "models"
FIELD = "invalid fitted field: "
NOT_ST = r"not a safetensors model file \("

#: file -> the message after the file's name (every one a ModelFileError)
CORPUS: dict[str, str] = {
    # ------------------------------------------------- not a model file, or a broken one
    "empty.safetensors": rf"{NOT_ST}only 0 bytes; a header length takes 8\)$",
    "seven_bytes.safetensors": rf"{NOT_ST}only 7 bytes; a header length takes 8\)$",
    "random_bytes.safetensors": rf"{NOT_ST}its header declares 506097522914230528 bytes; the "
    r"file has 504 after the length, and a header may have 100000000\)$",
    "pickle_payload.safetensors": rf"{NOT_ST}it is a Python pickle, which strokedelta never "
    r"loads\)$",
    "zip_archive.safetensors": rf"{NOT_ST}it is a zip archive \(a torch \.pt or numpy \.npz "
    r"file\?\), which strokedelta never loads\)$",
    "header_length_huge.safetensors": rf"{NOT_ST}its header declares 4611686018427387904 bytes",
    "header_length_past_the_end.safetensors": rf"{NOT_ST}its header declares 1289 bytes; the "
    "file has 1288 after the length",
    "truncated.safetensors": rf"{NOT_ST}Error while deserializing header: incomplete metadata",
    "weights_flipped.safetensors": "checksum mismatch: the model file was modified or is corrupt$",
    "foreign_safetensors.safetensors": r"not a strokedelta model \(no 'strokedelta' header\)$",
    "header_not_json.safetensors": r"model header is not valid JSON \(Expecting property name",
    "header_a_json_list.safetensors": r"not a strokedelta model \(its header is a JSON list, "
    r"not an object\)$",
    "header_nan_constant.safetensors": r"model header is not valid JSON \(NaN is not a JSON "
    r"number\)$",
    "header_nested_too_deep.safetensors": r"model header is not valid JSON \(maximum recursion",
    "unknown_class.safetensors": "unknown model class 'os.system'$",
    "version_2.safetensors": r"unsupported model format version 2 \(this strokedelta reads "
    r"version 1\)$",
    # ---------------------------------------------- a matching digest, a wrong field
    "coef_nan.safetensors": rf"{FIELD}coef_ must be finite; got nan at index \(0,\)$",
    "coef_inf_next_delta.safetensors": rf"{FIELD}coef_ must be finite; got inf at index \(0, 0\)$",
    "intercept_nan.safetensors": rf"{FIELD}intercept_ must be finite; got nan at index \(0,\)$",
    "more_group_intercepts_than_keys.safetensors": rf"{FIELD}group_intercepts_ must have shape "
    r"\(2, 1\); got \(3, 1\)$",
    "group_keys_without_intercepts.safetensors": rf"{FIELD}group_intercepts_ must have shape "
    r"\(2, 1\); got none stored$",
    "group_keys_twice.safetensors": rf"{FIELD}group_keys_ must hold distinct keys; got "
    r"\['a', 'a'\]$",
    "group_keys_not_a_list.safetensors": rf"{FIELD}group_keys_ must be a list of str values; "
    "got 'ab'$",
    "window_not_matching_coef.safetensors": rf"{FIELD}coef_ must have shape \(2, 9\) for "
    r"window=3; got \(2, 6\)$",
    "n_features_not_matching_coef.safetensors": rf"{FIELD}coef_ must have shape \(3,\) for "
    r"n_features_in_=3; got \(2,\)$",
    "n_features_a_string.safetensors": rf"{FIELD}n_features_in_ must be an integer >= 1; "
    "got '2'$",
    "coef_2d_for_one_target.safetensors": rf"{FIELD}coef_ must have shape \(p,\) for one target "
    r"\(one_d_target_ is true\); got \(1, 2\)$",
    "target_names_not_matching.safetensors": rf"{FIELD}target_names_ must hold 2 distinct "
    r"names; got \['y'\]$",
    "feature_names_not_strings.safetensors": rf"{FIELD}feature_names_in_ must be None or a list "
    r"of strings; got \[1, 2\]$",
    "scale_zero.safetensors": rf"{FIELD}scale_x_ must be > 0; got 0.0 at index \(0,\)$",
    "history_not_one_per_epoch.safetensors": rf"{FIELD}history_ must have shape \(3,\); "
    r"got \(1,\)$",
    "next_delta_with_a_bias.safetensors": rf"{FIELD}intercept_ must be zeros \(a "
    r"NextDeltaRegressor has no bias\); got \[1. 0.\]$",
    "delta_bias_without_delta_bias.safetensors": rf"{FIELD}delta_bias_ must be zeros for "
    r"delta_bias=False; got \[0.25\]$",
    "n_windows_zero.safetensors": rf"{FIELD}n_windows_ must be an integer >= 1; got 0$",
    "float32_tensor.safetensors": rf"{FIELD}coef_ must be a float64 tensor; got float32$",
    "tensor_missing.safetensors": r"tensor coef_ is missing \(every AbsoluteLinearRegressor has "
    r"one\)$",
    "tensor_extra.safetensors": "tensors do not match AbsoluteLinearRegressor's$",
    "lr_negative.safetensors": "invalid parameters: lr must be a finite number > 0; got -1$",
    "progress_not_a_bool.safetensors": "invalid parameters: progress must be True or False; "
    "got 'yes'$",
    "one_d_target_not_a_bool.safetensors": rf"{FIELD}one_d_target_ must be True or False; "
    "got 'yes'$",
}

#: tampered files whose digest matches: only the checks after it can refuse them
DIGEST_MATCHES = sorted(
    name
    for name, message in CORPUS.items()
    if message.startswith((FIELD, "invalid parameters", "tensor", "unknown", "unsupported"))
)


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_bad_tables", ROOT / "scripts" / "make_bad_tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def script():
    return _script()


def test_the_corpus_is_what_the_script_writes(script):
    made = script.model_cases()
    assert set(made) == {p.name for p in BAD.iterdir()} == set(CORPUS)
    assert len(CORPUS) >= 25
    for name, data in made.items():
        assert (BAD / name).read_bytes() == data, name


@pytest.mark.parametrize("name", DIGEST_MATCHES)
def test_tampered_files_carry_a_digest_that_matches(name):
    with safe_open(str(BAD / name), framework="numpy") as handle:
        header = json.loads(handle.metadata()["strokedelta"])
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
    assert header["sha256"] == _digest(header, tensors)


@pytest.mark.parametrize("kind", ["delta", "absolute", "next_delta"])
def test_the_untampered_bases_load_and_predict(script, kind, tmp_path):
    header, tensors = script.valid_model(kind)
    path = tmp_path / "m.safetensors"
    path.write_bytes(script.model_bytes(header, tensors))
    model = load_model(path)
    if kind == "next_delta":
        assert model.window == 2
        assert model.coef_.shape == (2, 6)
    else:
        out = model.predict(np.ones((3, 2)))
        assert np.isfinite(out).all()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_load_model_raises_the_pinned_error(name):
    path = BAD / name
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    text = str(info.value)
    assert text.startswith(f"{path}: "), text
    assert re.match(CORPUS[name], text[len(str(path)) + 2 :]), text


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "data.csv"
    path.write_text("g,x1,x2\na,1,2\nb,3,4\n")
    return path


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_cli_predict_gives_one_line_and_exit_1(name, data_csv, tmp_path):
    out = tmp_path / "out.csv"
    result = run("predict", BAD / name, data_csv, out)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert re.match(rf"Error: {re.escape(str(BAD / name))}: {CORPUS[name]}", lines[0]), lines[0]
    assert list(tmp_path.iterdir()) == []


def test_the_pickle_payload_never_runs(capsys):
    with pytest.raises(ModelFileError):
        load_model(BAD / "pickle_payload.safetensors")
    assert "this pickle ran" not in capsys.readouterr().out


def test_a_huge_declared_header_is_refused_before_reading_it(tmp_path):
    path = tmp_path / "huge.safetensors"
    with open(path, "wb") as handle:  # 300 MB, sparse: a header that would fit the file
        handle.write((300 << 20).to_bytes(8, "little"))
        handle.truncate((300 << 20) + 8)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match=r"its header declares 314572800 bytes; the file has"):
        load_model(path)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 1
    assert peak < 1 << 20


def test_special_files_are_refused(tmp_path):
    fifo = tmp_path / "m.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"is a FIFO \(named pipe\), not a regular file"):
        load_model(fifo)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "absent.safetensors")
