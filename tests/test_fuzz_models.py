"""Mutation fuzzing of the model loader: valid model files, broken at random, then used.

Two kinds of mutation: bytes (bit flips, cuts, inserted and overwritten bytes, the 8-byte header
length, splices of two files), which the digest or the safetensors checks must catch; and fields
(a parameter, fitted attribute or tensor of the JSON header replaced by another JSON value or
array, added or removed) with the digest recomputed the way the writer computes it, which only
the field checks after the digest can catch. ``load_model`` must succeed or raise a
``StrokeDeltaError``; a model that loads is then used (``predict`` on a table, one-step
predictions and a rollout on drawings), which must also succeed or raise a ``StrokeDeltaError``
and give finite numbers.

The fuzzing runs in a child process (this file, run by pytest with ``STROKEDELTA_FUZZ_CHILD=1``),
so that a native crash fails the test instead of killing the test run.
``STROKEDELTA_FUZZ_EXAMPLES`` sets the number of examples (200 by default).
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fuzz_child import run_fuzz_child
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.numpy import load as load_safetensors

from strokedelta.exceptions import StrokeDeltaError

EXAMPLES = int(os.environ.get("STROKEDELTA_FUZZ_EXAMPLES", "200"))
IN_CHILD = os.environ.get("STROKEDELTA_FUZZ_CHILD") == "1"
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SECONDS = 20
MAX_RSS_BYTES = 1 << 30
INTERESTING = [0, 1, 2, 8, 0x7F, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 2**63 - 1, 2**64 - 1]


_SCRIPT: list[Any] = []


def _script() -> Any:
    """scripts/make_bad_tables.py as a module (loaded once)."""
    if _SCRIPT:
        return _SCRIPT[0]
    spec = importlib.util.spec_from_file_location(
        "make_bad_tables", ROOT / "scripts" / "make_bad_tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _SCRIPT.append(module)
    return module


def _drawings() -> Any:
    from strokedelta.ragged import Ragged
    from strokedelta.sketch import Drawings

    rng = np.random.default_rng(1)
    values = rng.integers(-5, 6, size=(120, 3))
    values[:, 2] = (rng.random(120) < 0.1).astype(int)
    return Drawings(Ragged(values, [0, 40, 80, 120]))


def valid_files(folder: Path) -> list[bytes]:
    """Model files of every class: hand-built by the corpus script, and fitted."""
    from strokedelta.models import DeltaLinearRegressor, NextPointRegressor

    script = _script()
    found = [
        script.model_bytes(*script.valid_model(k)) for k in ("delta", "absolute", "next_delta")
    ]
    x = np.arange(40.0).reshape(20, 2)
    y = pd.DataFrame({"a": x @ [1.0, 2.0], "b": x[:, 0] - 1})
    fitted = DeltaLinearRegressor(solver="lstsq").fit(x, y, np.arange(20) % 3)
    fitted.save(folder / "delta.safetensors")
    NextPointRegressor(window=2, solver="lstsq").fit(_drawings()).save(folder / "np.safetensors")
    found += [(folder / n).read_bytes() for n in ("delta.safetensors", "np.safetensors")]
    return found


# --------------------------------------------------------------------------- mutations
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.sampled_from([0, 1, -1, 2, 3, 6, 10**30, -(2**63), 2**63, 0.5, 1e308, -0.0])
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "cpu", "cuda", "rms", "lstsq", "a", "x1", "int64", "str", "float64"])
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["dtype", "values", "a"]), inner, max_size=3)
    ),
    max_leaves=8,
)


def _filled(shape: tuple[int, ...], fill: float, dtype: Any) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):  # nan / inf cast to int64 or float32
        return np.full(shape, fill).astype(dtype)


arrays = st.builds(
    _filled,
    st.lists(st.integers(0, 4), max_size=3).map(tuple),
    st.sampled_from([0.0, 1.0, -2.5, np.nan, np.inf, -np.inf, 1e308, 5e-324]),
    st.sampled_from([np.float64, np.float64, np.float32, np.int64]),
)


def _split(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    meta = header.get("__metadata__", {}).get("strokedelta")
    return (json.loads(meta), load_safetensors(data)) if meta else None


@st.composite
def field_mutation(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with one to three fields changed and its digest recomputed (mostly)."""
    script = _script()
    parts = _split(base)
    assert parts is not None
    header, tensors = parts
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["params", "attrs", "top", "tensor", "none"]))
        if where in ("params", "attrs") and isinstance(header.get(where), dict):
            keys = [*sorted(header[where]), "extra_"]
            header[where][draw(st.sampled_from(keys))] = draw(json_values)
        elif where == "top":
            key = draw(st.sampled_from(["format", "version", "class", "params", "attrs", "none"]))
            header[key] = draw(json_values)
        elif where == "tensor":
            key = draw(st.sampled_from([*sorted(tensors), "evil_"]))
            if draw(st.booleans()) or key not in tensors:
                tensors[key] = draw(arrays)
            else:
                flat = tensors[key].astype(np.float64).ravel()
                if flat.size:
                    flat[draw(st.integers(0, flat.size - 1))] = draw(
                        st.sampled_from([np.nan, np.inf, 0.0, -1.0, 1e300])
                    )
                tensors[key] = flat.reshape(tensors[key].shape)
        elif where == "none" and tensors:
            key = draw(st.sampled_from(sorted(tensors)))
            del tensors[key]
            if isinstance(header.get("none"), list):
                header["none"].append(key)
    try:
        return script.model_bytes(header, tensors, digest=draw(st.integers(0, 9)) > 0)
    except (TypeError, ValueError, OverflowError):  # not JSON-writable: keep the base
        return base


@st.composite
def byte_mutation(draw: st.DrawFn, bases: list[bytes]) -> bytes:
    """A valid file broken by one to three byte-level mutations."""
    data = bytearray(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "overwrite", "length", "splice"]))
        size = len(data)
        at = draw(st.integers(0, max(size - 1, 0)))
        if kind == "flip" and size:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "overwrite" and size:
            data[at : at + 8] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "length" and size >= 8:
            value = draw(st.sampled_from(INTERESTING) | st.integers(0, 2**64 - 1))
            data[:8] = value.to_bytes(8, "little")
        elif kind == "splice":
            other = draw(st.sampled_from(bases))
            cut = draw(st.integers(0, len(other)))
            data = data[:at] + bytearray(other[cut:])
    return bytes(data)


# ------------------------------------------------------------------------ in the child
OUTCOMES: Counter[str] = Counter()


def _timeout(signum: int, frame: object) -> None:
    raise TimeoutError(f"one example ran past {EXAMPLE_SECONDS} s")


def _use(model: Any, drawings: Any) -> None:
    """Predict with a loaded model; its answers must be finite."""
    from strokedelta.models import NextStepRegressor

    if isinstance(model, NextStepRegressor):
        out = model.predict_drawings(drawings)
        assert np.isfinite(out.strokes.values).all()
        rolled = model.rollout_drawings(drawings[:1], 3)
        assert np.isfinite(rolled.strokes.values).all()
        return
    x = np.ones((4, model.n_features_in_))
    assert np.isfinite(model.predict(x)).all()
    keys = getattr(model, "group_keys_", None)
    if keys is not None:
        assert np.isfinite(model.predict(x, np.resize(keys, 4))).all()
    names = model.feature_names_in_
    if names:
        frame = pd.DataFrame(x, columns=names)
        assert len(model.predict_frame(frame)) == 4


def _largest(model: Any) -> float:
    names = ("coef_", "intercept_", "group_intercepts_", "delta_bias_")
    values = [np.abs(np.asarray(getattr(model, n))).ravel() for n in names if hasattr(model, n)]
    return max((float(v.max()) for v in values if v is not None and v.size), default=0.0)


def _load_one(path: Path, drawings: Any) -> None:
    from strokedelta.models import load_model

    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(EXAMPLE_SECONDS)
    try:
        model = load_model(path)
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                _use(model, drawings)
            except AssertionError:
                if _largest(model) < 1e150:  # else finite weights may overflow to inf
                    raise
        OUTCOMES["ok (used)"] += 1
    except StrokeDeltaError as exc:
        OUTCOMES[type(exc).__name__] += 1
    finally:
        signal.alarm(0)


def _fuzz(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("fuzz_models")
    bases = valid_files(folder)
    drawings = _drawings()
    target = Path(os.environ.get("STROKEDELTA_FUZZ_LAST") or folder / "mutated.safetensors")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        if data.draw(st.booleans()):
            blob = data.draw(field_mutation(data.draw(st.sampled_from(bases))))
        else:
            blob = data.draw(byte_mutation(bases))
        target.write_bytes(blob)
        _load_one(target, drawings)

    check()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    summary = {
        "reader": "models",
        "examples": sum(OUTCOMES.values()),
        "outcomes": dict(OUTCOMES),
        "max_rss_bytes": rss,
    }
    out = os.environ.get("STROKEDELTA_FUZZ_SUMMARY")
    if out:
        Path(out).write_text(json.dumps(summary))
    assert rss < MAX_RSS_BYTES, summary


@pytest.mark.skipif(not IN_CHILD, reason="runs in the child process of test_fuzz_models")
def test_model_mutations(tmp_path_factory):
    _fuzz(tmp_path_factory)


@pytest.mark.skipif(IN_CHILD, reason="this is the child")
def test_fuzz_in_a_child_process(tmp_path):
    last = tmp_path / "last_example.safetensors"
    run_fuzz_child(f"{__file__}::test_model_mutations", tmp_path, last, EXAMPLES)
