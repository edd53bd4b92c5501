"""Linear regressors on deltas and on levels, both answering in absolute units.

:class:`DeltaLinearRegressor` learns ``dy = W dx`` on differences of paired rows (no bias, so
no drift after a cumulative sum), with the deltas scaled by their RMS inside the model so one
learning rate works whatever the spacing of the data, and recovers the intercept afterwards
from the training anchors (the mean residual ``mean(y - x W)``). Shifting every input and
target by constants shifts its predictions by the target's constant (up to rounding).

:class:`AbsoluteLinearRegressor` is the baseline it is compared with: ``y = X W + b`` on the
levels (the function ``nn.Linear`` computes, with its initialisation), trained by the same
loop, deliberately unscaled, so its stable learning rate shrinks with the square of the inputs'
size and an offset of 1000 makes yesterday's learning rate diverge.

Neither model uses ``torch.nn`` or ``torch.optim``: training
(:func:`~strokedelta.models._training.train_linear`) computes the mean-squared-error gradient
in closed form and applies hand-written SGD or Adam updates
(:mod:`~strokedelta.models._optimizers`; on the CPU the same formulas in one compiled loop per
epoch, :mod:`~strokedelta.models._epoch`), which follow ``torch.optim.SGD`` and
``torch.optim.Adam`` step for step (a test checks it).

Examples
--------
>>> import numpy as np
>>> x = np.arange(10.0)
>>> model = DeltaLinearRegressor().fit(x + 1000, 2 * x + 1)
>>> np.round(model.coef_, 4).tolist(), round(float(model.intercept_), 2)
([2.0], -1999.0)
>>> np.round(model.predict([1000.0, 1009.0]), 3).tolist()
[1.0, 19.0]
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from strokedelta._validation import check_choice, check_table, fail
from strokedelta.delta import from_deltas, to_deltas
from strokedelta.models._solvers import fit_linear, positive_scales
from strokedelta.models._training import SCALE_HINT
from strokedelta.models.pairs import NUMPY_ROWS, PAIRINGS, PackedPairs, packed_pairs
from strokedelta.models.regressor_base import TableRegressor, group_keys, json_keys
from strokedelta.ragged import group_order

__all__ = ["AbsoluteLinearRegressor", "DeltaLinearRegressor"]


class DeltaLinearRegressor(TableRegressor):
    """Linear regression learnt on differences of rows, answering in absolute units.

    Trains ``dy = W dx`` on pairs of rows within each group by minibatch Adam or SGD (closed-form
    MSE gradients and hand-written updates: a compiled loop on the CPU, torch ops on a GPU; see
    the module docstring), or by closed-form least squares, then recovers the intercept from
    the anchors: the mean residual ``mean(y - x W)`` overall (``intercept_``) and per training
    group (``group_intercepts_``). A constant added to every input and target cancels in the
    differences, so the fit and the learning rate are shift invariant. With the gradient
    solver, from ``2 * BUCKET_ROWS`` (8192) rows with random pairing and no groups, the pairs
    are float32 differences of rows centred in float32
    (:func:`~strokedelta.models.pairs.packed_pairs` with ``compact=True``: half the memory,
    errors of ``2**-24`` of the rows' spread, below SGD's own noise); ``solver="lstsq"``
    always solves on float64 pairs.

    Parameters
    ----------
    pairing : {"random", "consecutive"}, default "random"
        Which rows are differenced. ``"random"`` shuffles rows within each group and
        differences neighbours of the shuffled order (the notebook's scheme); the statistically
        right default for tabular data, where noise sits on the levels: its RMSE was within 1%
        of least squares while consecutive differences doubled the noise variance and cost
        10-35% on grouped random-walk features. ``"consecutive"`` differences each row with the
        previous row of its group (for sequences in time order).
    scale : {"rms", None}, default "rms"
        Divide every delta column by its root mean square (no centring) while training, so the
        learning rate does not depend on the data's spacing; None trains on raw deltas.
    delta_bias : bool, default False
        Learn a constant delta ``c`` (``dy = W dx + c``). Off by default: after a cumulative
        sum a bias becomes a drift of ``c * t``. Only :meth:`predict_path` uses ``c``.
    solver : {"gradient", "lstsq"}, default "gradient"
        Minibatch training (compiled on the CPU, torch on a GPU), or the closed-form least-squares
        reference on the pairs.
    optimizer : {"adam", "sgd"}, default "adam"
    lr : float, default 0.1
        Learning rate (on RMS-scaled deltas with the default ``scale``).
    epochs : int or None, default None
        None runs enough epochs for at least 1000 optimiser steps (one epoch on a million rows).
    batch_size : int, default 1000
    schedule : {"linear", "constant"}, default "linear"
        Linear decay of the learning rate to zero over training, or a constant rate.
    device : {"auto", "cpu", "cuda"}, default "auto"
    random_state : int or None, default 0
        Seeds the pairing, the initial weights and the shuffles.
    progress : bool, default False
        tqdm progress bar over epochs on stderr.

    Attributes
    ----------
    coef_ : ndarray, shape (p,) or (q, p)
    intercept_ : float or ndarray, shape (q,)
    group_keys_, group_intercepts_ : ndarray or None
        Training groups and their mean residuals, used by ``predict(X, groups)``.
    delta_bias_ : ndarray, shape (q,)
        The constant delta (zeros unless ``delta_bias=True``).
    scale_x_, scale_y_ : ndarray
        RMS of the training deltas (ones when ``scale=None``).
    history_ : ndarray
        Mean training loss of every epoch (MSE of the scaled deltas; empty for ``lstsq``).
    n_pairs_ : int
        Number of training pairs.

    Examples
    --------
    >>> x = np.arange(6.0)
    >>> model = DeltaLinearRegressor(solver="lstsq").fit(x, 3 * x + 7)
    >>> np.round(model.predict([10.0]), 6).tolist()
    [37.0]
    >>> np.round(model.predict_path([0.0, 1.0, 2.0], y0=100.0), 6).tolist()
    [100.0, 103.0, 106.0]
    """

    _array_attrs: ClassVar[tuple[str, ...]] = (
        *TableRegressor._array_attrs,
        "delta_bias_",
        "scale_x_",
        "scale_y_",
        "group_intercepts_",
    )
    _json_attrs: ClassVar[tuple[str, ...]] = (
        *TableRegressor._json_attrs,
        "n_pairs_",
        "group_keys_",
    )

    delta_bias_: np.ndarray
    scale_x_: np.ndarray
    scale_y_: np.ndarray
    group_keys_: np.ndarray | None
    group_intercepts_: np.ndarray | None
    n_pairs_: int

    def __init__(
        self,
        *,
        pairing: str = "random",
        scale: str | None = "rms",
        delta_bias: bool = False,
        solver: str = "gradient",
        optimizer: str = "adam",
        lr: float = 0.1,
        epochs: int | None = None,
        batch_size: int = 1000,
        schedule: str = "linear",
        device: str = "auto",
        random_state: int | None = 0,
        progress: bool = False,
    ) -> None:
        self.pairing = pairing
        self.scale = scale
        self.delta_bias = delta_bias
        self.solver = solver
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.schedule = schedule
        self.device = device
        self.random_state = random_state
        self.progress = progress

    def fit(self, X: Any, y: Any, groups: Any = None) -> DeltaLinearRegressor:
        """Fit the slope on paired differences, then the intercepts from the anchors.

        Parameters
        ----------
        X : array_like or DataFrame, shape (n,) or (n, p)
        y : array_like, Series or DataFrame, shape (n,) or (n, q)
        groups : array_like or Series, shape (n,), optional
            Rows are only paired within a group (e.g. one series or one drawing).

        Returns
        -------
        self

        Raises
        ------
        TrainingDivergedError
            When the loss becomes non-finite or explodes; the model stays unfitted.
        """
        x, target, inputs = self._start_fit(X, y, finite=False)
        late = x.shape[0] > NUMPY_ROWS  # then the pairs' column sums show a NaN or an inf
        if not late:
            _check_finite(x, target)
        keys = None if groups is None else group_keys(groups, x.shape[0])
        rows, p, sum_squares, means = self._pairs(x, target, keys)
        if late and not np.isfinite(means).all():  # a NaN or an inf, or a sum that overflowed
            _check_finite(x, target)
        n_pairs = rows.shape[0]
        if n_pairs == 0:
            raise fail("X", "hold at least one group with 2 rows to pair", "none")
        q = target.shape[1]
        scales = np.ones(p + q)
        if self.scale == "rms":
            scales = positive_scales(np.sqrt(sum_squares / n_pairs))
        fit = fit_linear(
            rows,
            p,
            solver=self.solver,
            bias=bool(self.delta_bias),
            scales=scales,
            shuffle_first=self.pairing == "consecutive" or keys is not None,
            desc="delta fit",
            hint=SCALE_HINT,
            **self._training_kwargs(),
        )
        del rows
        weight = fit.weight
        seen_keys, group_intercepts = None, None
        if keys is not None:
            resid = target - x @ weight
            codes, uniques = pd.factorize(keys, sort=False, use_na_sentinel=False)
            counts = np.bincount(codes, minlength=len(uniques)).astype(np.float64)
            sums = np.stack(
                [np.bincount(codes, weights=resid[:, j], minlength=len(uniques)) for j in range(q)],
                axis=1,
            )
            seen_keys, group_intercepts = json_keys(uniques), sums / counts[:, None]
        self._finish_fit(
            inputs,
            weight,
            means[p:] - means[:p] @ weight,  # the anchors' mean residual mean(y - x W)
            delta_bias_=np.zeros(q) if fit.bias is None else np.asarray(fit.bias, np.float64),
            scale_x_=scales[:p].copy(),
            scale_y_=scales[p:].copy(),
            group_keys_=seen_keys,
            group_intercepts_=group_intercepts,
            group_name_=getattr(groups, "name", None) if isinstance(groups, pd.Series) else None,
            history_=fit.history,
            n_iter_=fit.epochs,
            n_pairs_=n_pairs,
            device_=fit.device,
        )
        return self

    def _pairs(self, x: np.ndarray, target: np.ndarray, keys: Any) -> PackedPairs:
        """The training pairs, made in place (float64; compact float32 on many rows for the
        gradient solver)."""
        return packed_pairs(
            x,
            target,
            keys,
            pairing=self.pairing,
            random_state=self.random_state,
            dtype=np.float64,
            compact=self.solver == "gradient",
        )

    def _validate_params(self) -> None:
        super()._validate_params()
        check_choice("pairing", self.pairing, PAIRINGS)
        check_choice("scale", self.scale, ("rms", None))
        if not isinstance(self.delta_bias, (bool, np.bool_)):
            raise fail("delta_bias", "be True or False", repr(self.delta_bias))

    def _intercepts(self, n: int, groups: Any) -> np.ndarray:
        base = super()._intercepts(n, groups)
        if groups is None or self.group_keys_ is None or self.group_intercepts_ is None:
            return base
        keys = group_keys(groups, n)
        index = pd.Index(self.group_keys_).get_indexer(pd.Index(json_keys(keys)))
        known = index >= 0
        out = np.array(base, dtype=np.float64)
        out[known] = self.group_intercepts_[index[known]]
        return out

    def predict(self, X: Any, groups: Any = None) -> np.ndarray:
        """Absolute predictions: ``X W`` plus the anchor intercept.

        Rows whose group was seen in ``fit`` use that group's intercept (its mean residual);
        other rows, and every row when ``groups`` is None, use the overall ``intercept_``.
        """
        return super().predict(X, groups)

    def predict_path(self, X: Any, y0: Any, groups: Any = None) -> np.ndarray:
        """Rebuild a path from one known anchor by a cumulative sum of predicted deltas.

        ``y[0] = y0`` and ``y[t] = y[t-1] + (x[t] - x[t-1]) W (+ c)``, summed in float64, per
        group (rows of a group in time order). ``y0`` is a scalar or ``(q,)`` for every group,
        or ``(G, q)``, one anchor per group in order of first appearance.

        Examples
        --------
        >>> model = DeltaLinearRegressor(solver="lstsq").fit(np.arange(5.0), 2 * np.arange(5.0))
        >>> np.round(model.predict_path([0.0, 1.0, 5.0, 6.0], [1.0, -3.0],
        ...                             groups=["a", "a", "b", "b"]), 6).tolist()
        [1.0, 3.0, -3.0, -1.0]
        """
        arr = self._features(X)
        weight = self._weight()
        n, q = arr.shape[0], weight.shape[1]
        if groups is None:
            order, offsets = np.arange(n), np.array([0, n], dtype=np.int64)
        else:
            order, offsets, _ = group_order(group_keys(groups, n))
        n_groups = len(offsets) - 1
        anchors = np.asarray(y0, dtype=np.float64)
        if anchors.ndim <= 1 and anchors.size in (1, q):
            anchors = np.broadcast_to(anchors.reshape(1, -1), (n_groups, q))
        elif anchors.ndim == 1 and q == 1 and anchors.size == n_groups:
            anchors = anchors[:, None]
        if anchors.shape != (n_groups, q):
            raise fail("y0", f"be a scalar, ({q},) or ({n_groups}, {q})", tuple(anchors.shape))
        steps = to_deltas(arr[order], offsets) @ weight + self.delta_bias_
        steps[offsets[:-1][np.diff(offsets) > 0]] = anchors[np.diff(offsets) > 0]
        path = np.empty_like(steps)
        path[order] = from_deltas(steps, offsets)
        return self._shape_output(path)


def _check_finite(x: np.ndarray, target: np.ndarray) -> None:
    """Refuse a NaN or an inf in ``x`` or ``target``, naming its row and column."""
    check_table("X", x)
    check_table("y", target)


class AbsoluteLinearRegressor(TableRegressor):
    """The baseline: ``y = X W + b`` on absolute values, unscaled, same optimiser and loop.

    The model is the one ``nn.Linear`` computes (and starts from ``nn.Linear``'s uniform
    initialisation), trained by the hand-written minibatch loop of the delta model with a bias.

    It is deliberately plain: gradients scale with the inputs, so its largest stable learning
    rate falls with the square of their size and a shift of the data can make it diverge
    (``TrainingDivergedError``). Parameters are those of :class:`DeltaLinearRegressor` that
    apply (``solver="lstsq"`` solves least squares on the levels with an intercept).

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> model = AbsoluteLinearRegressor(optimizer="sgd", lr=0.01, batch_size=10, epochs=2000,
    ...                                 schedule="constant").fit(x, 2 * x + 1)
    >>> np.round(model.predict([20.0]), 2).tolist()
    [41.0]
    """

    def __init__(
        self,
        *,
        solver: str = "gradient",
        optimizer: str = "adam",
        lr: float = 0.1,
        epochs: int | None = None,
        batch_size: int = 1000,
        schedule: str = "linear",
        device: str = "auto",
        random_state: int | None = 0,
        progress: bool = False,
    ) -> None:
        self.solver = solver
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.schedule = schedule
        self.device = device
        self.random_state = random_state
        self.progress = progress

    def fit(self, X: Any, y: Any, groups: Any = None) -> AbsoluteLinearRegressor:
        """Fit ``y = X W + b`` on the levels (``groups`` is accepted and ignored).

        Raises
        ------
        TrainingDivergedError
            When the loss becomes non-finite or explodes; the model stays unfitted.
        """
        x, target, inputs = self._start_fit(X, y)
        fit = fit_linear(
            np.concatenate([x, target], axis=1),
            x.shape[1],
            solver=self.solver,
            bias=True,
            desc="absolute fit",
            **self._training_kwargs(),
        )
        assert fit.bias is not None
        self._finish_fit(
            inputs,
            fit.weight,
            fit.bias,
            group_name_=None,
            history_=fit.history,
            n_iter_=fit.epochs,
            device_=fit.device,
        )
        return self
