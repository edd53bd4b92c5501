"""The field-by-field checks of a loaded model: what the digest cannot vouch for.

A model file's SHA-256 digest only shows that the file is the one its writer wrote; whoever
wrote it could have written anything (and recomputed the digest). So once the digest matches,
:func:`check_fitted` checks every fitted field of the model
:func:`~strokedelta.models.persistence.load_model` built, before it is returned: JSON values of
the right types, float arrays that are finite, and shapes that agree with each other and with
the parameters:

- every model: ``n_features_in_`` >= 1, ``n_iter_`` >= 0 with one ``history_`` loss per
  epoch, ``coef_`` and ``intercept_`` finite;
- table models (``one_d_target_``): ``coef_`` is ``(p,)`` for one target or ``(q, p)``,
  ``intercept_`` a number or ``(q,)``, ``feature_names_in_`` / ``target_names_`` p / q distinct
  names; delta models also ``delta_bias_`` ``(q,)`` (zeros without ``delta_bias``),
  ``scale_x_`` ``(p,)`` and ``scale_y_`` ``(q,)`` finite and > 0, ``n_pairs_`` >= 1, and
  ``group_keys_`` distinct keys with one ``group_intercepts_`` row each, both or neither;
- next-step models (``window``): ``n_features_in_ == 3 * window``, ``coef_`` ``(2, 3 *
  window)``, ``intercept_`` ``(2,)`` (zeros for the delta model, which has no bias),
  ``scale_x_`` / ``scale_y_`` ``(3 * window,)`` / ``(2,)`` finite and > 0, ``n_windows_`` >= 1.

Every problem is a :class:`~strokedelta.exceptions.ValidationError` in the library's message
shape, naming the field (``coef_ must be finite; got nan at index (0,)``); the loader turns it
into a :class:`~strokedelta.exceptions.ModelFileError` naming the file. The checks look at
attributes only (no model class is imported: the classes import the persistence module).

Examples
--------
>>> import numpy as np
>>> from strokedelta.models import DeltaLinearRegressor
>>> model = DeltaLinearRegressor(solver="lstsq").fit(np.arange(4.0), 2 * np.arange(4.0))
>>> check_fitted(model)
>>> model.coef_ = np.array([np.nan])
>>> check_fitted(model)
Traceback (most recent call last):
...
strokedelta.exceptions.ValidationError: coef_ must be finite; got nan at index (0,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta._validation import check_finite, check_int, fail

__all__ = ["OPTIONAL_TENSORS", "array_attribute", "check_fitted", "check_param_types"]

#: Tensors a fitted model may lack (saved in the header's ``none`` list).
OPTIONAL_TENSORS = frozenset({"group_intercepts_"})
_KINDS = {"int64": np.int64, "float64": np.float64, "str": object}
_SCALARS = (type(None), bool, int, float, str)


def check_param_types(model: Any) -> None:
    """What ``_validate_params`` leaves unchecked: the flags are booleans."""
    for name in ("progress", "delta_bias"):
        value = getattr(model, name, False)
        if not isinstance(value, bool):
            raise fail(name, "be True or False", repr(value))


def array_attribute(name: str, value: Any) -> Any:
    """A fitted attribute from its JSON form: ``{"dtype": ..., "values": [...]}`` as a 1-D
    array of int64, float64 or strings, checked element by element; other JSON as it is.

    Examples
    --------
    >>> array_attribute("group_keys_", {"dtype": "int64", "values": [3, 1]}).tolist()
    [3, 1]
    >>> array_attribute("group_keys_", {"dtype": "int64", "values": [[3], 1]})
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: group_keys_ must be a list of int64 values; got [3]
    >>> array_attribute("group_keys_", {"dtype": ["int64"], "values": [3]})
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: group_keys_'s dtype must be one of 'int64', 'float64',
        'str'; got ['int64']
    """
    if not (isinstance(value, dict) and set(value) == {"dtype", "values"}):
        return value
    kind, values = value["dtype"], value["values"]
    if not isinstance(kind, str) or kind not in _KINDS:
        raise fail(f"{name}'s dtype", "be one of 'int64', 'float64', 'str'", repr(kind)[:80])
    if not isinstance(values, list):
        raise fail(name, f"be a list of {kind} values", repr(values)[:80])
    for item in values:
        if isinstance(item, bool) or not _fits(kind, item):
            raise fail(name, f"be a list of {kind} values", repr(item)[:80])
    return np.asarray(values, dtype=_KINDS[kind]) if values else np.empty(0, _KINDS[kind])


def _fits(kind: str, item: Any) -> bool:
    if kind == "int64":
        return isinstance(item, int) and -(2**63) <= item < 2**63
    if kind == "float64":
        return isinstance(item, (int, float)) and bool(np.isfinite(float(item)))
    return isinstance(item, str)


def _shape(name: str, value: Any, shape: tuple[int, ...], why: str = "") -> np.ndarray:
    """``value`` as a finite float array of ``shape`` (``why`` says where the shape comes
    from, for the message)."""
    if isinstance(value, (float, np.floating)):  # a fitted 1-D intercept_
        value = np.asarray(value, dtype=np.float64)
    if not isinstance(value, np.ndarray) or value.shape != shape:
        got = value.shape if isinstance(value, np.ndarray) else type(value).__name__
        raise fail(name, f"have shape {shape}{why}", got)
    check_finite(name, value)
    return value


def _positive(name: str, value: np.ndarray) -> None:
    if (value <= 0).any():
        where = int(np.argmax(value <= 0))
        raise fail(name, "be > 0", f"{value[where]} at index ({where},)")


def _names(name: str, value: Any, size: int) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(name, "be None or a list of strings", repr(value)[:80])
    if len(value) != size or len(set(value)) != size:
        raise fail(name, f"hold {size} distinct names", repr(value)[:80])


def check_fitted(model: Any) -> None:
    """Check every fitted field of a loaded ``model`` (see the module docstring).

    Raises
    ------
    ValidationError
        Naming the first field that is wrong.
    """
    p = check_int("n_features_in_", model.n_features_in_, minimum=1)
    epochs = check_int("n_iter_", model.n_iter_, minimum=0)
    _shape("history_", model.history_, (epochs,))
    if not isinstance(model.device_, str):
        raise fail("device_", "be a string", repr(model.device_)[:80])
    if hasattr(model, "window"):
        _check_next_step(model, p)
    else:
        _check_table(model, p)


def _check_next_step(model: Any, p: int) -> None:
    window = check_int("window", model.window, minimum=1)
    _shape("coef_", model.coef_, (2, 3 * window), f" for window={window}")
    if p != 3 * window:
        raise fail("n_features_in_", f"be 3 * window = {3 * window}", p)
    intercept = _shape("intercept_", model.intercept_, (2,))
    if not type(model)._absolute and intercept.any():
        raise fail("intercept_", f"be zeros (a {type(model).__name__} has no bias)", intercept)
    _positive("scale_x_", _shape("scale_x_", model.scale_x_, (p,)))
    _positive("scale_y_", _shape("scale_y_", model.scale_y_, (2,)))
    check_int("n_windows_", model.n_windows_, minimum=1)


def _check_table(model: Any, p: int) -> None:
    one_d = model.one_d_target_
    if not isinstance(one_d, bool):
        raise fail("one_d_target_", "be True or False", repr(one_d)[:80])
    coef = model.coef_
    if not isinstance(coef, np.ndarray) or coef.ndim != (1 if one_d else 2):
        got = getattr(coef, "shape", type(coef).__name__)
        targets = "one target (one_d_target_ is true)" if one_d else "several targets"
        raise fail("coef_", f"have shape {'(p,)' if one_d else '(q, p)'} for {targets}", got)
    q = 1 if one_d else coef.shape[0]
    _shape("coef_", coef, (p,) if one_d else (q, p), f" for n_features_in_={p}")
    if q < 1:
        raise fail("coef_", "have at least one target", coef.shape)
    _shape("intercept_", model.intercept_, () if one_d else (q,))
    _names("feature_names_in_", model.feature_names_in_, p)
    _names("target_names_", model.target_names_, q)
    if not isinstance(model.group_name_, _SCALARS):
        raise fail("group_name_", "be None, a string or a number", repr(model.group_name_)[:80])
    if hasattr(model, "delta_bias_"):
        _check_delta(model, p, q)


def _check_delta(model: Any, p: int, q: int) -> None:
    bias = _shape("delta_bias_", model.delta_bias_, (q,))
    if not model.delta_bias and bias.any():
        raise fail("delta_bias_", "be zeros for delta_bias=False", bias)
    _positive("scale_x_", _shape("scale_x_", model.scale_x_, (p,)))
    _positive("scale_y_", _shape("scale_y_", model.scale_y_, (q,)))
    check_int("n_pairs_", model.n_pairs_, minimum=1)
    keys, table = model.group_keys_, model.group_intercepts_
    if keys is None and table is None:
        return
    if not isinstance(keys, np.ndarray) or keys.ndim != 1 or len(keys) == 0:
        raise fail("group_keys_", "be a non-empty list of keys with group_intercepts_", keys)
    if len(set(keys.tolist())) != len(keys):
        raise fail("group_keys_", "hold distinct keys", repr(keys.tolist())[:80])
    if table is None:
        raise fail("group_intercepts_", f"have shape ({len(keys)}, {q})", "none stored")
    _shape("group_intercepts_", table, (len(keys), q))
