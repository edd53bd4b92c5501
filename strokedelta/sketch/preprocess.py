"""Sketch-RNN preprocessing of drawings: length filter, offset clamp and the scale factor.

Sketch-RNN (magenta) prepares stroke-3 data in three steps, reproduced here on whole batches:

* drop drawings that are too long (or too short): :func:`filter_length`;
* clamp every offset to ``[-limit, limit]`` (1000): :func:`clamp_offsets`;
* divide ``dx`` and ``dy`` by **one scale factor**, the pooled standard deviation (ddof=0) of
  ``dx`` and ``dy`` over the *train* split (:func:`fit_scale_factor`), and apply the same factor
  to valid and test (:func:`normalize`, or the scikit-learn transformer
  :class:`~strokedelta.sketch.scaler.ScaleNormalizer`).

The factor is stored in ``Drawings.attrs["scale_factor"]``, which the Parquet writer keeps, so
:func:`denormalize` can always undo it. Training-time augmentation (``random_scale``,
``drop_points``) lives in :mod:`strokedelta.sketch.augment`. :func:`prepare_drawings` is the
per-chunk step of ``strokedelta convert``: Google's simplification, then the length filter.

Examples
--------
>>> import numpy as np
>>> from strokedelta import Ragged
>>> from strokedelta.sketch import Drawings
>>> from strokedelta.sketch.scaler import ScaleNormalizer
>>> train = Drawings(Ragged(np.array([[3, 3, 0], [-3, -3, 1]]), [0, 2]))
>>> scaler = ScaleNormalizer().fit(train)
>>> scaler.scale_factor_
3.0
>>> scaler.transform(train)[0].tolist()
[[1.0, 1.0, 0.0], [-1.0, -1.0, 1.0]]
>>> scaler.inverse_transform(scaler.transform(train))[0].tolist()
[[3, 3, 0], [-3, -3, 1]]
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from strokedelta._validation import (
    check_int,
    check_number,
    fail,
)
from strokedelta.ragged import Ragged
from strokedelta.sketch.drawings import Drawings, check_drawings

__all__ = [
    "clamp_offsets",
    "denormalize",
    "filter_length",
    "fit_scale_factor",
    "normalize",
    "preparation",
    "prepare_drawings",
]

#: Sketch-RNN's offset clamp.
DEFAULT_LIMIT = 1000


def filter_length(
    drawings: Drawings, min_len: int | None = None, max_len: int | None = None
) -> Drawings:
    """Keep the drawings with ``min_len <= points <= max_len`` (either bound optional).

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[0], [0]]], [[[0, 1, 2], [0, 1, 2]]]])
    >>> filter_length(d, max_len=2).lengths.tolist(), filter_length(d, min_len=2).lengths.tolist()
    ([1], [3])
    """
    drawings = check_drawings(drawings)
    keep = np.ones(len(drawings), dtype=bool)
    if min_len is not None:
        keep &= drawings.lengths >= check_int("min_len", min_len, minimum=0)
    if max_len is not None:
        keep &= drawings.lengths <= check_int("max_len", max_len, minimum=0)
    if min_len is not None and max_len is not None and min_len > max_len:
        raise fail("min_len", f"be <= max_len ({max_len})", min_len)
    return drawings[keep]


def prepare_drawings(
    drawings: Drawings,
    *,
    simplify: bool = False,
    epsilon: float = 2.0,
    min_len: int | None = None,
    max_len: int | None = None,
) -> Drawings:
    """Optionally simplify, then keep the drawings within the length bounds (either optional).

    The per-chunk step of ``strokedelta convert``: :func:`~strokedelta.sketch.simplify_drawings`
    (Google's recipe, RDP tolerance ``epsilon``) when ``simplify`` is true, then
    :func:`filter_length` when a bound is given, so the bounds count simplified points.

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[0, 1, 2, 3], [0, 0, 0, 0]]], [[[0, 9], [0, 3]]]])
    >>> prepare_drawings(d, simplify=True, min_len=2).lengths.tolist()
    [2, 2]
    >>> prepare_drawings(d, max_len=3).lengths.tolist()
    [2]
    """
    drawings = check_drawings(drawings)
    if simplify:
        from strokedelta.sketch.simplify import simplify_drawings  # numba: loaded only to simplify

        drawings = simplify_drawings(drawings, epsilon=epsilon)
    if min_len is not None or max_len is not None:
        drawings = filter_length(drawings, min_len=min_len, max_len=max_len)
    return drawings


def preparation(
    *,
    simplify: bool = False,
    epsilon: float = 2.0,
    min_len: int | None = None,
    max_len: int | None = None,
) -> Callable[[Drawings], Drawings] | None:
    """:func:`prepare_drawings` with these settings as a per-chunk step, or ``None`` when it
    would change nothing (no simplification, no bound): what ``convert`` passes as
    ``transform`` on every engine.

    Examples
    --------
    >>> preparation() is None
    True
    >>> preparation(max_len=3).keywords["max_len"]
    3
    """
    if not (simplify or min_len is not None or max_len is not None):
        return None
    return functools.partial(
        prepare_drawings, simplify=simplify, epsilon=epsilon, min_len=min_len, max_len=max_len
    )


def clamp_offsets(drawings: Drawings, limit: float = DEFAULT_LIMIT) -> Drawings:
    """Clamp ``dx`` and ``dy`` to ``[-limit, limit]``; the dtype is kept.

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[0, 5000], [0, -20]]]])
    >>> clamp_offsets(d)[0].tolist()
    [[0, 0, 0], [1000, -20, 1]]
    """
    drawings = check_drawings(drawings)
    limit = check_number("limit", limit, positive=True)
    values = drawings.strokes.values.copy()
    bound: float | int = int(np.floor(limit)) if values.dtype.kind in "iu" else limit
    if values.dtype.kind in "iu":
        bound = min(bound, int(np.iinfo(values.dtype).max))
    np.clip(values[:, :2], -bound, bound, out=values[:, :2])
    return drawings.with_values(values)


def fit_scale_factor(drawings: Drawings | Ragged) -> float:
    """Sketch-RNN's normalising scale factor: the pooled std (ddof=0) of ``dx`` and ``dy``.

    Fit it on the train split only (``aaron_sheep`` train gives 18.5198).

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[1, 4], [1, 4]]]])
    >>> fit_scale_factor(d)
    1.0
    """
    strokes = drawings.strokes if isinstance(drawings, Drawings) else drawings
    if not isinstance(strokes, Ragged):
        raise fail("drawings", "be a Drawings or a Ragged of stroke-3", type(drawings).__name__)
    if strokes.n_points == 0:
        raise fail("drawings", "hold at least one point", "none")
    offsets = strokes.values[:, :2].astype(np.float64)
    return float(np.std(offsets))


def normalize(drawings: Drawings, scale_factor: float) -> Drawings:
    """Divide ``dx`` and ``dy`` by ``scale_factor``; float64 out, the factor kept in ``attrs``.

    ``attrs["scale_factor"]`` records the factor and ``attrs["scale_dtype"]`` the original
    dtype, so :func:`denormalize` restores integer data exactly.

    Raises
    ------
    ValidationError
        When the drawings are normalised already (their attrs hold a ``scale_factor``).

    Examples
    --------
    >>> d = normalize(Drawings.from_polylines([[[[0, 3], [0, 4]]]]), 2.0)
    >>> d[0].tolist(), d.attrs
    ([[0.0, 0.0, 0.0], [1.5, 2.0, 1.0]], {'scale_factor': 2.0, 'scale_dtype': 'int64'})
    """
    drawings = check_drawings(drawings)
    scale_factor = check_number("scale_factor", scale_factor, positive=True)
    if "scale_factor" in drawings.attrs:
        raise fail(
            "drawings",
            "not be normalised already",
            f"attrs scale_factor={drawings.attrs['scale_factor']}",
        )
    source = drawings.strokes.values
    values = source.astype(np.float64)
    values[:, :2] /= scale_factor
    attrs = {**drawings.attrs, "scale_factor": scale_factor, "scale_dtype": str(source.dtype)}
    return drawings.with_values(values, attrs)


def denormalize(drawings: Drawings, scale_factor: float | None = None) -> Drawings:
    """Undo :func:`normalize`: multiply ``dx`` and ``dy`` back by the stored factor.

    Parameters
    ----------
    drawings : Drawings
        Normalised drawings (``attrs["scale_factor"]``), or any float drawings when
        ``scale_factor`` is given (e.g. a model's samples).
    scale_factor : float, optional
        The factor to use; when the attrs also hold one, the two must agree.

    Returns
    -------
    Drawings
        Integer data comes back in its original dtype, exactly (values are rounded);
        float data to within float rounding. ``scale_factor`` / ``scale_dtype`` leave attrs.

    Examples
    --------
    >>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]]])
    >>> denormalize(normalize(d, 3.0)).equals(d)
    True
    """
    drawings = check_drawings(drawings)
    stored = drawings.attrs.get("scale_factor")
    if scale_factor is None:
        if stored is None:
            raise fail("drawings", "carry attrs['scale_factor'] (or pass scale_factor)", "neither")
        factor = float(stored)
    else:
        factor = check_number("scale_factor", scale_factor, positive=True)
        if stored is not None and float(stored) != factor:
            raise fail("scale_factor", f"match the drawings' stored factor {stored}", factor)
    values = drawings.strokes.values.astype(np.float64)
    values[:, :2] *= factor
    dtype = np.dtype(drawings.attrs.get("scale_dtype", "float64"))
    if dtype.kind in "iu":
        values = np.rint(values).astype(dtype)
    attrs = {k: v for k, v in drawings.attrs.items() if k not in ("scale_factor", "scale_dtype")}
    return drawings.with_values(values, attrs)
