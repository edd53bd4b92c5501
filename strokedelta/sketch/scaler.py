"""Sketch-RNN normalisation as a scikit-learn transformer: :class:`ScaleNormalizer`.

It lives apart from :mod:`strokedelta.sketch.preprocess` (whose functions it calls) because it
subclasses scikit-learn's ``BaseEstimator``, and importing scikit-learn costs seconds that
``strokedelta convert`` and ``stats`` should not pay.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: F401 - the doctest's namespace
from sklearn.base import BaseEstimator, TransformerMixin

from strokedelta._validation import check_is_fitted, check_number, check_param_names, fail
from strokedelta.sketch.drawings import Drawings, check_drawings
from strokedelta.sketch.preprocess import denormalize, fit_scale_factor, normalize

__all__ = ["ScaleNormalizer"]


class ScaleNormalizer(TransformerMixin, BaseEstimator):
    """Sketch-RNN normalisation as a scikit-learn transformer of drawings.

    ``fit`` on the train split learns :attr:`scale_factor_` (:func:`fit_scale_factor`);
    ``transform`` divides any split by it (:func:`normalize`); ``inverse_transform`` multiplies
    back (:func:`denormalize`). Parameters, ``clone``, ``fit_transform``, the tags and the reprs
    are scikit-learn's; its input and output are :class:`~strokedelta.sketch.Drawings`, not 2-D
    arrays (its tags say so), so it has no ``set_output``.

    Parameters
    ----------
    scale_factor : float, optional
        A known factor (e.g. one stored with a model); ``fit`` then only records it.

    Attributes
    ----------
    scale_factor_ : float
        The factor in use, set by ``fit``.

    Examples
    --------
    >>> from strokedelta import Ragged
    >>> train = Drawings(Ragged(np.array([[2, 2, 0], [-2, -2, 1]]), [0, 2]))
    >>> ScaleNormalizer().fit_transform(train)[0].tolist()
    [[1.0, 1.0, 0.0], [-1.0, -1.0, 1.0]]
    """

    def __init__(self, scale_factor: float | None = None) -> None:
        self.scale_factor = scale_factor

    def set_params(self, **params: Any) -> ScaleNormalizer:
        """Set constructor parameters by name (scikit-learn's); an unknown name is a
        ValidationError. Returns ``self``."""
        check_param_names(self, params)
        return super().set_params(**params)

    def __sklearn_tags__(self) -> Any:
        """Input: :class:`~strokedelta.sketch.Drawings`, not a 2-D array."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags

    def fit(self, drawings: Drawings, y: Any = None) -> ScaleNormalizer:
        """Learn the scale factor from ``drawings`` (the train split); returns ``self``."""
        drawings = check_drawings(drawings)
        if self.scale_factor is not None:
            self.scale_factor_ = check_number("scale_factor", self.scale_factor, positive=True)
        else:
            factor = fit_scale_factor(drawings)
            if factor <= 0:
                raise fail("drawings", "have offsets that are not all zero", "all zero")
            self.scale_factor_ = factor
        return self

    def transform(self, drawings: Drawings) -> Drawings:
        """Divide ``dx`` and ``dy`` by :attr:`scale_factor_`."""
        check_is_fitted(self, "scale_factor_")
        return normalize(drawings, self.scale_factor_)

    def inverse_transform(self, drawings: Drawings) -> Drawings:
        """Multiply ``dx`` and ``dy`` back by :attr:`scale_factor_`."""
        check_is_fitted(self, "scale_factor_")
        return denormalize(drawings, self.scale_factor_)
