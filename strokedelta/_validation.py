"""Every shape, dtype and value check, with one message shape: ``NAME must ...; got ...``.

Examples
--------
>>> import numpy as np
>>> check_array("points", np.zeros(7), ndim=2, columns=2)
Traceback (most recent call last):
...
strokedelta.exceptions.ValidationError: points must have shape (n, 2); got (7,)
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import numpy as np

from strokedelta import exceptions
from strokedelta.exceptions import ValidationError

__all__ = [
    "DEVICES",
    "all_finite",
    "check_array",
    "check_choice",
    "check_device",
    "check_finite",
    "check_int",
    "check_is_fitted",
    "check_matrix",
    "check_n_features",
    "check_number",
    "check_offsets",
    "check_param_names",
    "check_random_state",
    "check_table",
    "fail",
]

#: The values a ``device`` parameter takes (resolved to a torch device by the models).
DEVICES = ("auto", "cpu", "cuda")


def fail(name: str, expected: str, got: object) -> ValidationError:
    """Build the standard error ``NAME must EXPECTED; got GOT`` (returned, for ``raise``).

    >>> str(fail("order", "be >= 1", 0))
    'order must be >= 1; got 0'
    """
    return ValidationError(f"{name} must {expected}; got {got}")


def _shape_text(ndim: int, columns: int | None) -> str:
    if ndim == 1:
        return "(n,)"
    return f"(n, {columns if columns is not None else 'C'})"


def check_array(
    name: str,
    x: Any,
    *,
    ndim: int | tuple[int, ...] = (1, 2),
    columns: int | None = None,
    kinds: str = "biuf",
) -> np.ndarray:
    """Return ``x`` as a numpy array after checking its dimensions, columns and dtype kind.

    Parameters
    ----------
    name : str
        Argument name used in the message.
    x : array_like
        The value to check (not copied when it is already an array).
    ndim : int or tuple of int
        Allowed numbers of dimensions.
    columns : int, optional
        Required size of axis 1 for 2-D input.
    kinds : str
        Allowed numpy dtype kinds (``b`` bool, ``i`` int, ``u`` unsigned, ``f`` float).

    Examples
    --------
    >>> check_array("x", [[1, 2], [3, 4]], columns=2).shape
    (2, 2)
    >>> check_array("x", ["a"])
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: x must have a numeric dtype; got <U1
    """
    arr = np.asarray(x)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        want = " or ".join(_shape_text(d, columns) for d in allowed)
        raise fail(name, f"have shape {want}", tuple(arr.shape))
    if columns is not None and arr.ndim == 2 and arr.shape[1] != columns:
        raise fail(name, f"have shape {_shape_text(2, columns)}", tuple(arr.shape))
    if arr.dtype.kind not in kinds:
        raise fail(name, "have a numeric dtype", arr.dtype)
    return arr


def check_finite(name: str, x: np.ndarray) -> None:
    """Raise when a float array holds NaN or infinity, naming the first bad index.

    Examples
    --------
    >>> check_finite("x", np.array([1.0, np.nan]))
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: x must be finite; got nan at index (1,)
    """
    if x.dtype.kind != "f" or all_finite(x):
        return
    bad = ~np.isfinite(x)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise fail(name, "be finite", f"{x[where]} at index {where}")


def check_offsets(offsets: Any, n: int, name: str = "offsets") -> np.ndarray:
    """Validate ragged offsets against ``n`` flat rows and return them as int64.

    Examples
    --------
    >>> check_offsets([0, 2, 5], 5)
    array([0, 2, 5])
    >>> check_offsets([1, 5], 5)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: offsets must start at 0; got 1
    """
    arr = np.asarray(offsets)
    if arr.ndim != 1 or arr.size == 0:
        raise fail(name, "be a 1-D array of at least one element", f"shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise fail(name, "have an integer dtype", arr.dtype)
    arr = arr.astype(np.int64, copy=False)
    if arr[0] != 0:
        raise fail(name, "start at 0", int(arr[0]))
    steps = np.diff(arr)
    if (steps < 0).any():
        i = int(np.argmax(steps < 0))
        raise fail(name, "be non-decreasing", f"{int(arr[i])} then {int(arr[i + 1])} at {i}")
    if arr[-1] != n:
        raise fail(name, f"end at the number of rows ({n})", int(arr[-1]))
    return arr


def check_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int, checking its type and lower bound.

    Examples
    --------
    >>> check_int("order", 0, minimum=1)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: order must be an integer >= 1; got 0
    """
    bound = "" if minimum is None else f" >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise fail(name, f"be an integer{bound}", repr(value))
    if minimum is not None and value < minimum:
        raise fail(name, f"be an integer{bound}", value)
    return int(value)


def check_number(
    name: str, value: Any, *, positive: bool = False, minimum: float | None = None
) -> float:
    """Return ``value`` as a finite float, optionally > 0 or >= ``minimum``.

    Examples
    --------
    >>> check_number("lr", -1.0, positive=True)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: lr must be a finite number > 0; got -1.0
    """
    bound = " > 0" if positive else ("" if minimum is None else f" >= {minimum}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise fail(name, f"be a finite number{bound}", repr(value)) from None
    if isinstance(value, bool) or not np.isfinite(number):
        raise fail(name, f"be a finite number{bound}", repr(value))
    if (positive and number <= 0) or (minimum is not None and number < minimum):
        raise fail(name, f"be a finite number{bound}", value)
    return number


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``.

    Examples
    --------
    >>> check_choice("first", "skip", ("keep", "drop"))
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: first must be one of 'keep', 'drop'; got 'skip'
    """
    options = tuple(choices)
    if value not in options:
        raise fail(name, "be one of " + ", ".join(repr(c) for c in options), repr(value))
    return value


def check_device(device: Any) -> str:
    """Return ``device`` if it is one of :data:`DEVICES` (``"auto"``, ``"cpu"``, ``"cuda"``).

    Whether CUDA is present is decided where torch is, when the device is resolved.

    Examples
    --------
    >>> check_device("cpu")
    'cpu'
    >>> check_device("gpu")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: device must be one of 'auto', 'cpu', 'cuda'; got 'gpu'
    """
    return str(check_choice("device", device, DEVICES))


def check_random_state(seed: Any, name: str = "random_state") -> np.random.Generator:
    """Turn a seed (``None``, an integer >= 0 or a ``numpy.random.Generator``) into a Generator.

    A Generator is returned as it is (so a caller's stream continues); ``None`` draws fresh
    entropy; an integer always gives the same stream. ``name`` is the argument's name in the
    message.

    Examples
    --------
    >>> check_random_state(0).integers(100, size=3).tolist()
    [85, 63, 51]
    >>> check_random_state(-1)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: random_state must be None, an integer >= 0 or a
        numpy.random.Generator; got -1
    """
    if isinstance(seed, np.random.Generator):
        return seed
    expected = "be None, an integer >= 0 or a numpy.random.Generator"
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise fail(name, expected, repr(seed))
    return np.random.default_rng(int(seed))


def check_is_fitted(estimator: Any, attributes: str | Iterable[str] | None = None) -> None:
    """Raise :class:`~strokedelta.exceptions.NotFittedError` unless ``estimator`` is fitted.

    Fitted means it has every attribute in ``attributes`` or, when none are named, at least one
    public attribute ending in ``_`` (scikit-learn's convention).

    Examples
    --------
    >>> class Model:
    ...     pass
    >>> check_is_fitted(Model(), "coef_")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.NotFittedError: this Model is not fitted yet; call fit before using it
    >>> model = Model()
    >>> model.coef_ = 1.0
    >>> check_is_fitted(model)
    """
    if attributes is None:
        fitted = any(k.endswith("_") and not k.startswith("_") for k in vars(estimator))
    else:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, name) for name in names)
    if not fitted:
        raise exceptions.NotFittedError(  # created on first use: it imports scikit-learn
            f"this {type(estimator).__name__} is not fitted yet; call fit before using it"
        )


def all_finite(values: np.ndarray) -> bool:
    """Whether every value of a float array is finite, in one pass when it is: a finite sum
    proves it (a NaN or an inf makes the sum NaN or inf); otherwise (the sum may also have
    overflowed) the value-by-value check decides.

    Examples
    --------
    >>> [all_finite(np.array(v)) for v in ([1.0, 2.0], [1e308, 1e308], [1.0, np.nan])]
    [True, True, False]
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(values, axis=None)):
            return True
    return bool(np.isfinite(values).all())


def check_matrix(name: str, x: Any, *, n_rows: int | None = None, like: str = "X") -> np.ndarray:
    """Return ``x`` as a C-contiguous float64 ``(n, p)`` array; 1-D input is one column.

    A pandas DataFrame or Series is read through ``to_numpy()``. The values must be numeric
    and finite; ``n_rows`` (optional) is the number of rows ``x`` must have, like ``like``.

    Examples
    --------
    >>> check_matrix("X", [1, 2]).tolist()
    [[1.0], [2.0]]
    >>> check_matrix("X", [[1.0, 2.0], [np.nan, 3.0]])
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: X must be finite; got nan at row 1, column 0
    >>> check_matrix("y", [1.0, 2.0], n_rows=3)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: y must have 3 rows like X; got 2
    """
    arr = _float_matrix(name, x)
    if not all_finite(arr):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise fail(name, "be finite", f"{arr[where]} at row {where[0]}, column {where[1]}")
    return _with_rows(name, arr, n_rows, like)


def _float_matrix(name: str, x: Any) -> np.ndarray:
    """``x`` as a C-contiguous float64 ``(n, p)`` array (numeric, 1-D as one column), unchecked
    for finiteness."""
    arr = np.asarray(x.to_numpy() if hasattr(x, "to_numpy") else x)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise fail(name, "hold numbers", "non-numeric values") from None
    if arr.dtype.kind not in "biuf":
        raise fail(name, "have a numeric dtype", arr.dtype)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise fail(name, "have shape (n,) or (n, p)", tuple(arr.shape))
    return np.ascontiguousarray(arr, dtype=np.float64)


def _with_rows(name: str, arr: np.ndarray, n_rows: int | None, like: str) -> np.ndarray:
    if n_rows is not None and arr.shape[0] != n_rows:
        raise fail(name, f"have {n_rows} rows like {like}", arr.shape[0])
    return arr


def check_param_names(estimator: Any, params: Iterable[str]) -> None:
    """Refuse a name that is not an ``__init__`` parameter of ``estimator`` (``set_params``).

    >>> class Model:
    ...     def __init__(self, *, lr=0.1, epochs=None): ...
    >>> check_param_names(Model(), ["lrr"])
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: parameter must be one of lr, epochs; got 'lrr'
    """
    parameters = list(inspect.signature(type(estimator).__init__).parameters.values())[1:]
    valid = [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    for name in params:
        if name not in valid:
            raise fail("parameter", "be one of " + ", ".join(valid), repr(name))


def check_table(
    name: str, x: Any, *, n_rows: int | None = None, like: str = "X", finite: bool = True
) -> np.ndarray:
    """:func:`check_matrix` for an estimator's data, first refusing what scikit-learn's checks
    name: a missing target, sparse or complex input, no columns, NaN or inf (row and column;
    left to the caller with ``finite=False``: a caller whose own pass over the data shows them).

    >>> check_table("X", [1.0, np.inf])
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: X must be finite; got inf at row 1, column 0 (NaN
        and inf are not supported)
    """
    if x is None:
        missing = f"this estimator requires {name} to be passed, but the target {name} is None"
        raise fail(name, f"be given ({missing})", None)
    if hasattr(x, "tocsr"):  # every scipy.sparse matrix and array
        dense = "be dense (sparse input is not supported: convert it with .toarray())"
        raise fail(name, dense, type(x).__name__)
    arr = np.asarray(x.to_numpy() if hasattr(x, "to_numpy") else x)
    if arr.dtype.kind == "c":
        raise fail(name, "hold real numbers", f"{arr.dtype} (Complex data not supported)")
    if arr.ndim == 2 and arr.shape[1] == 0:
        shape = f"(shape={tuple(arr.shape)}) while a minimum of 1 is required."
        raise fail(name, "have at least 1 feature", f"0 feature(s) {shape}")
    if arr.dtype.kind == "f" and arr.ndim in (1, 2):
        table = arr.reshape(len(arr), -1)
        if finite and not all_finite(table):
            row, column = (int(i) for i in np.argwhere(~np.isfinite(table))[0])
            where = f"at row {row}, column {column} (NaN and inf are not supported)"
            raise fail(name, "be finite", f"{table[row, column]} {where}")
        if arr.dtype.itemsize <= 8:  # finite in float16/32/64 stays finite in float64: checked once
            return _with_rows(name, _float_matrix(name, arr), n_rows, like)
    return check_matrix(name, arr, n_rows=n_rows, like=like)


def check_n_features(estimator: Any, n_features: int, *, one_d: bool = False) -> None:
    """``X`` must have ``estimator.n_features_in_`` columns (``one_d``: it came 1-D).

    >>> class Model:
    ...     n_features_in_ = 2
    >>> check_n_features(Model(), 3)
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: X must have 2 features like in fit; got 3 (X has 3
        features, but Model is expecting 2 features as input)
    """
    expected = int(estimator.n_features_in_)
    if n_features != expected:
        owner = type(estimator).__name__
        why = f"X has {n_features} features, but {owner} is expecting {expected} features as input"
        if one_d:
            why += "; a 1-D X is one feature: Reshape your data, X.reshape(1, -1) for one sample"
        raise fail("X", f"have {expected} features like in fit", f"{n_features} ({why})")
