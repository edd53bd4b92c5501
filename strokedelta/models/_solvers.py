"""Fit packed ``[x | y]`` rows in the units of the data: closed-form least squares, or the
training loop on scaled columns, and the scale factors the models use.

Examples
--------
>>> import numpy as np
>>> rms_scales(np.array([[3.0, 0.0], [-3.0, 0.0]])).tolist()
[3.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta.models._training import LinearFit, train_linear

__all__ = ["SOLVERS", "fit_linear", "positive_scales", "rms_scales", "solve_lstsq"]

#: The values a model's ``solver`` parameter takes: minibatch training or least squares.
SOLVERS = ("gradient", "lstsq")


def solve_lstsq(
    x: np.ndarray, y: np.ndarray, *, bias: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Closed-form least squares in float64: ``(weight (p, q), bias (q,) or None)``.

    Columns are scaled by their RMS before solving (and the weights unscaled after) so that
    features on very different scales stay well conditioned.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [2.0]])
    >>> w, b = solve_lstsq(x, 2 * x + 1, bias=True)
    >>> np.round(w, 6).tolist(), np.round(b, 6).tolist()
    ([[2.0]], [1.0])
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x_mean = x.mean(axis=0) if bias else np.zeros(x.shape[1])
    y_mean = y.mean(axis=0) if bias else np.zeros(y.shape[1])
    xc = x - x_mean if bias else x
    rms = np.sqrt(np.einsum("ij,ij->j", xc, xc) / max(1, len(xc)))
    rms[rms == 0] = 1.0
    coef, *_ = np.linalg.lstsq(xc / rms, (y - y_mean) if bias else y, rcond=None)
    weight = coef / rms[:, None]
    return weight, (y_mean - x_mean @ weight) if bias else None


def fit_linear(
    rows: np.ndarray,
    p: int,
    *,
    solver: str,
    bias: bool,
    scales: np.ndarray | None = None,
    **train_kwargs: Any,
) -> LinearFit:
    """Fit packed ``[x | y]`` rows by least squares or by :func:`train_linear`, in data units.

    ``solver="lstsq"`` solves in closed form (float64, empty history, 0 epochs, on the CPU);
    ``"gradient"`` trains on the columns divided by ``scales`` (``(p + q,)``, None means 1)
    and converts the weights and bias back to the units of the data.

    Examples
    --------
    >>> rows = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]])
    >>> fit = fit_linear(rows, 1, solver="lstsq", bias=True)
    >>> np.round(fit.weight, 6).tolist(), np.round(fit.bias, 6).tolist(), fit.epochs
    ([[2.0]], [1.0], 0)
    """
    if solver == "lstsq":
        weight, fitted_bias = solve_lstsq(rows[:, :p], rows[:, p:], bias=bias)
        return LinearFit(weight, fitted_bias, np.zeros(0), 0)
    if scales is None:
        return train_linear(rows, p, bias=bias, **train_kwargs)
    fit = train_linear(rows, p, bias=bias, x_scale=scales[:p], y_scale=scales[p:], **train_kwargs)
    fit.weight = fit.weight * scales[p:] / scales[:p, None]
    fit.bias = None if fit.bias is None else fit.bias * scales[p:]
    return fit


def positive_scales(scales: np.ndarray) -> np.ndarray:
    """Scale factors with zeros (an all-zero column) replaced by 1."""
    scales = np.array(scales, dtype=np.float64)
    scales[~(scales > 0)] = 1.0
    return scales


def rms_scales(rows: np.ndarray) -> np.ndarray:
    """Root mean square of every column (float64), 1 where a column is all zeros."""
    return positive_scales(
        np.sqrt(np.einsum("ij,ij->j", rows, rows, dtype=np.float64) / max(1, rows.shape[0]))
    )
