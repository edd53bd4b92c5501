"""Save and load fitted models: one safetensors file, tensors plus a JSON header, no pickle.

The weights, scale factors and anchors are float64 tensors; the class name, constructor
parameters and the other fitted attributes are JSON in the safetensors metadata under the key
``"strokedelta"``, together with a SHA-256 digest of both. Loading parses data only (the
safetensors header, the tensors and JSON): nothing from the file is ever executed or
unpickled, the class must be one registered in :data:`~strokedelta.models.registry.MODEL_CLASSES`
(every concrete model registers itself when it is defined), the parameters must be exactly that
class's and valid, and a file whose digest does not match (edited weights or parameters, a
truncated copy) is refused with :class:`~strokedelta.exceptions.ModelFileError`.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from strokedelta.models import DeltaLinearRegressor
>>> model = DeltaLinearRegressor(solver="lstsq").fit(np.arange(4.0), 2 * np.arange(4.0) + 1)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.safetensors"
>>> model.save(path)
>>> back = load_model(path)
>>> type(back).__name__, back.predict([10.0]).round(6).tolist()
('DeltaLinearRegressor', [21.0])
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

from strokedelta._files import atomic_path, check_input_file
from strokedelta._validation import fail
from strokedelta.exceptions import ModelFileError, StrokeDeltaError, ValidationError
from strokedelta.models.model_checks import (
    OPTIONAL_TENSORS,
    array_attribute,
    check_fitted,
    check_param_types,
)
from strokedelta.models.registry import MODEL_CLASSES, model_class

if TYPE_CHECKING:
    from strokedelta.models._base import ModelBase

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_HEADER_BYTES",
    "MODEL_CLASSES",
    "load_model",
    "save_model",
]

FORMAT = "strokedelta-model"
FORMAT_VERSION = 1
_KEY = "strokedelta"
#: The longest safetensors header (JSON) a model file may declare, checked before reading it
#: (safetensors' own limit; a model's header is a few KB, plus its group keys).
MAX_HEADER_BYTES = 100_000_000
_FOREIGN = (
    (b"\x80\x02", "a Python pickle"),
    (b"\x80\x03", "a Python pickle"),
    (b"\x80\x04", "a Python pickle"),
    (b"\x80\x05", "a Python pickle"),
    (b"PK\x03\x04", "a zip archive (a torch .pt or numpy .npz file?)"),
)


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def _digest(header: dict[str, Any], tensors: dict[str, np.ndarray]) -> str:
    hasher = hashlib.sha256(_canonical({k: v for k, v in header.items() if k != "sha256"}))
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        hasher.update(_canonical([name, str(array.dtype), list(array.shape)]))
        hasher.update(array.tobytes())
    return hasher.hexdigest()


def _json_value(name: str, value: Any) -> Any:
    """A fitted attribute as JSON (numpy scalars and key arrays made plain)."""
    if isinstance(value, np.ndarray):
        kind = {"i": "int64", "f": "float64"}.get(value.dtype.kind, "str")
        items = value.tolist() if kind != "str" else [str(v) for v in value.tolist()]
        return {"dtype": kind, "values": items}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ModelFileError(f"cannot store attribute {name} ({type(value).__name__}) in a model file")


def save_model(model: ModelBase, path: str | os.PathLike[str]) -> None:
    """Write a fitted model to ``path`` atomically (see the module docstring).

    Raises
    ------
    NotFittedError
        When the model has not been fitted.
    """
    model._check_fitted()
    name = type(model).__name__
    if model_class(name) is not type(model):
        raise ModelFileError(f"cannot save a {name}: only {sorted(MODEL_CLASSES)} are supported")
    tensors: dict[str, np.ndarray] = {}
    missing: list[str] = []
    for attr in model._array_attrs:
        value = getattr(model, attr, None)
        if value is None:
            missing.append(attr)
        else:
            tensors[attr] = np.array(value, dtype=np.float64, order="C")
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "class": name,
        "params": model.get_params(),
        "attrs": {a: _json_value(a, getattr(model, a, None)) for a in model._json_attrs},
        "none": missing,
    }
    try:
        _canonical(header)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"cannot store the parameters of this {name} as JSON: {exc}") from None
    header["sha256"] = _digest(header, tensors)
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={_KEY: json.dumps(header)})


def load_model(path: str | os.PathLike[str]) -> ModelBase:
    """Load a model written by :func:`save_model` (or ``model.save``).

    The file's first bytes are looked at before anything else is read: a pickle or a zip
    archive (a torch ``.pt`` file) is refused unread, and the declared header length must fit
    the file and :data:`MAX_HEADER_BYTES`. Once the digest matches, every field is checked
    (:func:`~strokedelta.models.model_checks.check_fitted`: types, shapes, finite values,
    agreement with the parameters).

    Raises
    ------
    ModelFileError
        When the file is missing or unreadable, not a safetensors file, not a strokedelta
        model, of an unknown class or version, does not match its digest (tampered or
        corrupt), or has invalid parameters or fields (naming the field).
    FileAccessError
        When it is not a regular file (a directory, FIFO or device).
    """
    where = str(path)
    if not os.path.exists(where):
        raise ModelFileError("no such model file", path=where)
    check_input_file(where)
    _check_start(where)
    try:
        with safe_open(where, framework="numpy") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118
    except Exception as exc:  # safetensors raises its own error types for every malformed file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelFileError(f"not a safetensors model file ({reason})", path=where) from None
    if _KEY not in metadata:
        raise ModelFileError("not a strokedelta model (no 'strokedelta' header)", path=where)
    try:
        header = json.loads(metadata[_KEY], parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"model header is not valid JSON ({exc.msg})", path=where) from None
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"model header is not valid JSON ({exc})", path=where) from None
    return _build(header, tensors, where)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_start(where: str) -> None:
    """Refuse pickles, zip archives and impossible header lengths before reading further."""
    size = os.stat(where).st_size
    try:
        with open(where, "rb") as handle:
            start = handle.read(8)
    except OSError as exc:
        raise ModelFileError(f"cannot read the file ({exc.strerror or exc})", path=where) from None
    kind = next((k for magic, k in _FOREIGN if start.startswith(magic)), None)
    if kind is not None:
        raise ModelFileError(
            f"not a safetensors model file (it is {kind}, which strokedelta never loads)",
            path=where,
        )
    if len(start) < 8:
        raise ModelFileError(
            f"not a safetensors model file (only {size} bytes; a header length takes 8)",
            path=where,
        )
    declared = int.from_bytes(start, "little")
    if declared > min(size - 8, MAX_HEADER_BYTES):
        raise ModelFileError(
            f"not a safetensors model file (its header declares {declared} bytes; the file has "
            f"{size - 8} after the length, and a header may have {MAX_HEADER_BYTES})",
            path=where,
        )


def _build(header: Any, tensors: dict[str, np.ndarray], where: str) -> ModelBase:
    if not isinstance(header, dict):
        raise ModelFileError(
            f"not a strokedelta model (its header is a JSON {type(header).__name__}, "
            "not an object)",
            path=where,
        )
    if header.get("format") != FORMAT:
        raise ModelFileError("not a strokedelta model (wrong format name)", path=where)
    if header.get("version") != FORMAT_VERSION:
        raise ModelFileError(
            f"unsupported model format version {header.get('version')!r:.40} "
            f"(this strokedelta reads version {FORMAT_VERSION})",
            path=where,
        )
    name = header.get("class")
    cls = cast("type[ModelBase] | None", model_class(name))
    if cls is None:
        raise ModelFileError(f"unknown model class {name!r:.80}", path=where)
    try:
        digest = _digest(header, tensors)
    except (TypeError, ValueError, RecursionError):
        digest = None
    if header.get("sha256") != digest:
        raise ModelFileError(
            "checksum mismatch: the model file was modified or is corrupt", path=where
        )
    params, attrs, none = header.get("params"), header.get("attrs"), header.get("none")
    expected = set(cls._param_names())
    if not isinstance(params, dict) or set(params) != expected:
        raise ModelFileError(f"parameters do not match {name}'s", path=where)
    if not isinstance(attrs, dict) or set(attrs) != set(cls._json_attrs):
        raise ModelFileError(f"fitted attributes do not match {name}'s", path=where)
    if (
        not isinstance(none, list)
        or not all(isinstance(n, str) for n in none)
        or set(tensors) | set(none) != set(cls._array_attrs)
        or set(tensors) & set(none)
    ):
        raise ModelFileError(f"tensors do not match {name}'s", path=where)
    absent = sorted(set(none) - OPTIONAL_TENSORS)
    if absent:
        raise ModelFileError(f"tensor {absent[0]} is missing (every {name} has one)", path=where)
    model = cls(**params)
    try:
        model._validate_params()
        check_param_types(model)
    except StrokeDeltaError as exc:
        raise ModelFileError(f"invalid parameters: {exc}", path=where) from None
    try:
        _set_fields(model, cls, tensors, attrs)
        check_fitted(model)
    except ValidationError as exc:
        raise ModelFileError(f"invalid fitted field: {exc}", path=where) from None
    if np.ndim(model.intercept_) == 0 and not hasattr(model, "window"):
        model.intercept_ = float(model.intercept_)
    return model


def _set_fields(
    model: Any, cls: type[ModelBase], tensors: dict[str, np.ndarray], attrs: dict[str, Any]
) -> None:
    for attr in cls._array_attrs:
        value = tensors.get(attr)
        if value is not None and value.dtype != np.float64:
            raise fail(attr, "be a float64 tensor", value.dtype)
        setattr(model, attr, value)
    for attr, value in attrs.items():
        setattr(model, attr, array_attribute(attr, value))
