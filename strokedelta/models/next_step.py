"""Next-step models for drawings: a linear autoregression on deltas against one on points.

Both models predict where the pen goes next from the previous ``k`` rows of a drawing:

- :class:`NextDeltaRegressor` maps the previous ``k`` stroke-3 rows ``[dx, dy, pen]`` to the
  next ``(dx, dy)`` (no bias, RMS-scaled, like :class:`~strokedelta.DeltaLinearRegressor`).
  It never sees a position, so translating a drawing changes nothing.
- :class:`NextPointRegressor` (the baseline) maps the previous ``k`` absolute points
  ``[x, y, pen]`` to the next absolute point (``X W + b``, unscaled).

Both train with the hand-written minibatch loop of the tabular regressors
(:func:`~strokedelta.models._training.fit_linear`: closed-form MSE gradient, hand-written SGD
or Adam that follow ``torch.optim`` step for step), or by closed-form least squares.
:func:`round_to_pixels` rounds their predicted drawings to whole pixels.

Choices, shared by both so that they compare like for like:

- Targets are **pen-down continuations**: point ``t`` is a target when the pen did not lift
  after point ``t - 1`` (the jump to a new stroke is not a linear continuation).
- The pen column of every window row is carried as an input feature (it tells the model where
  a jump sits inside the window).
- A window never contains a drawing's first row (its stroke-3 row is the offset from the
  origin, an absolute position), so targets start at point ``k + 1``; windows never cross
  drawings. Windows are cut from the flat arrays with ``sliding_window_view`` and a mask: no
  Python loop per drawing.
- Weights start at zero, so a window column that is constant zero in training (the pen of the
  last row, always down for a target) keeps a zero weight.

Examples
--------
>>> import numpy as np
>>> from strokedelta import Ragged
>>> from strokedelta.sketch import Drawings
>>> line = np.array([[0, 0, 0]] + [[2, 1, 0]] * 11 + [[2, 1, 1]])
>>> d = Drawings(Ragged(line, [0, len(line)]))
>>> model = NextDeltaRegressor(window=2, solver="lstsq").fit(d)
>>> round(model.rmse(d), 6)
0.0
>>> model.rollout(line, 3).tolist()
[[26.0, 13.0], [28.0, 14.0], [30.0, 15.0]]
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import numpy as np

from strokedelta._validation import check_array, check_choice, check_int, fail
from strokedelta.delta import from_deltas
from strokedelta.models._base import ModelBase
from strokedelta.models._solvers import fit_linear, rms_scales
from strokedelta.models._training import SCALE_HINT
from strokedelta.models.windows import (
    absolute_points,
    next_step_windows,
    strokes_of,
    window_rows,
)
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch.drawings import Drawings

__all__ = [
    "NextDeltaRegressor",
    "NextPointRegressor",
    "NextStepRegressor",
    "next_step_windows",
    "round_to_pixels",
]


_Model = TypeVar("_Model", bound="NextStepRegressor")


class NextStepRegressor(ModelBase, abstract=True):
    """Shared fitting, prediction and rollout of the next-step models on drawings.

    ``isinstance(model, NextStepRegressor)`` tells a model of drawings from one of tables. They
    are scikit-learn estimators that learn from the drawings alone (``fit(drawings, y=None)``,
    so they end a ``Pipeline`` after :class:`~strokedelta.sketch.ScaleNormalizer`); their tags
    say that their input is not a 2-D array and that they need no target.
    """

    _absolute: ClassVar[bool] = False
    _array_attrs: ClassVar[tuple[str, ...]] = (
        "coef_",
        "intercept_",
        "scale_x_",
        "scale_y_",
        "history_",
    )
    _json_attrs: ClassVar[tuple[str, ...]] = ("n_features_in_", "n_iter_", "n_windows_", "device_")

    window: int
    scale: str | None
    scale_x_: np.ndarray
    scale_y_: np.ndarray
    n_windows_: int

    def __sklearn_tags__(self) -> Any:
        """Input: drawings (stroke-3 ``Drawings`` or ``Ragged``), not a 2-D array; no target."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags

    def fit(self: _Model, drawings: Drawings | Ragged, y: Any = None) -> _Model:
        """Fit on every pen-down continuation of every drawing (``y`` is ignored: the targets
        are the drawings' own next points).

        Raises
        ------
        TrainingDivergedError
            When the loss becomes non-finite or explodes; the model stays unfitted.
        """
        self._validate_params()
        k = int(self.window)
        self._clear_fitted()
        dtype = np.float64 if self.solver == "lstsq" else np.float32
        features, targets, _ = next_step_windows(drawings, k, absolute=self._absolute, dtype=dtype)
        if len(features) == 0:
            raise fail("drawings", f"have a pen-down point after {k + 1} points", "none")
        packed = np.concatenate([features, targets], axis=1)
        del features, targets
        p = 3 * k
        use_rms = not self._absolute and getattr(self, "scale", None) == "rms"
        scales = rms_scales(packed) if use_rms else np.ones(p + 2)
        fit = fit_linear(
            packed,
            p,
            solver=self.solver,
            bias=self._absolute,
            scales=scales,
            init="zeros",
            desc=type(self).__name__,
            hint="use NextDeltaRegressor or a smaller lr" if self._absolute else SCALE_HINT,
            **self._training_kwargs(),
        )
        self.coef_ = fit.weight.T.copy()
        self.intercept_ = np.zeros(2) if fit.bias is None else np.asarray(fit.bias, np.float64)
        self.scale_x_ = scales[:p].copy()
        self.scale_y_ = scales[p:].copy()
        self.history_ = fit.history
        self.n_iter_ = fit.epochs
        self.n_windows_ = int(packed.shape[0])
        self.n_features_in_ = p
        self.device_ = fit.device
        return self

    def _validate_params(self) -> None:
        super()._validate_params()
        check_int("window", self.window, minimum=1)
        if not self._absolute:
            check_choice("scale", getattr(self, "scale", None), ("rms", None))

    # ------------------------------------------------------------------ prediction
    def _step(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(features, dtype=np.float64) @ self.coef_.T + self.intercept_

    def _window_size(self) -> int:
        self._check_fitted()
        return int(self.n_features_in_) // 3

    def rmse(self, drawings: Drawings | Ragged) -> float:
        """One-step RMSE in absolute pixels over every pen-down continuation.

        The root of the mean squared error over both coordinates of every target point
        (for the delta model, previous point + predicted delta against the true point).
        """
        k = self._window_size()
        features, targets, _ = next_step_windows(drawings, k, absolute=self._absolute)
        if len(features) == 0:
            raise fail("drawings", f"have a pen-down point after {k + 1} points", "none")
        return float(np.sqrt(np.mean((self._step(features) - targets) ** 2)))

    def predict(self, drawings: Drawings | Ragged) -> np.ndarray:
        """Absolute ``(N, 2)`` points: one-step predictions where the model predicts.

        Every pen-down continuation (see the module docstring) gets its prediction from the
        true previous ``k`` rows; every other point (a drawing's first ``k + 1`` points and
        the first point of each later stroke) keeps its true position.
        """
        k = self._window_size()
        strokes, _ = strokes_of(drawings)
        points = absolute_points(strokes)
        features, _, at = next_step_windows(strokes, k, absolute=self._absolute)
        out = points.copy()
        step = self._step(features)
        out[at] = step if self._absolute else points[at - 1] + step
        return out

    def predict_drawings(self, drawings: Drawings) -> Drawings:
        """:meth:`predict` as Drawings (float64 stroke-3, same pen and metadata)."""
        strokes, source = strokes_of(drawings)
        points = Ragged(self.predict(strokes), strokes.offsets)
        meta = None if source is None else source.meta
        return Drawings.from_absolute(points, strokes.values[:, 2], meta)

    def rollout(self, prefix: Any, steps: int) -> np.ndarray:
        """Continue one stroke-3 drawing by ``steps`` pen-down points.

        Parameters
        ----------
        prefix : array_like, shape (n, 3)
            Stroke-3 rows, ``n >= window + 1``.
        steps : int

        Returns
        -------
        ndarray, shape (steps, 2)
            The next absolute points (the delta model sums its deltas from the prefix's last
            point in float64).
        """
        rows = check_array("prefix", prefix, ndim=2, columns=3, kinds="iuf")
        strokes = Ragged(rows, [0, len(rows)])
        return self._rollout(strokes, check_int("steps", steps, minimum=0))[0]

    def _rollout(self, strokes: Ragged, steps: int) -> np.ndarray:
        """Roll every drawing forward together: ``(S, steps, 2)`` absolute points."""
        k = self._window_size()
        lengths = strokes.lengths
        if len(lengths) and lengths.min() < k + 1:
            short = int(np.argmin(lengths))
            raise fail(
                "drawings",
                f"have at least window + 1 = {k + 1} points to roll out",
                (f"{int(lengths[short])} points in drawing {short}"),
            )
        points = absolute_points(strokes)
        rows = window_rows(strokes, self._absolute, points)
        ends = strokes.offsets[1:]
        windows = rows[ends[:, None] - k + np.arange(k)]  # (S, k, 3)
        out = np.empty((len(ends), steps, 2))
        for t in range(steps):
            step = self._step(windows.reshape(len(ends), -1))
            out[:, t] = step
            windows = np.concatenate([windows[:, 1:], np.zeros_like(windows[:, :1])], axis=1)
            windows[:, -1, :2] = step
        if self._absolute or steps == 0:
            return out
        start = points[ends - 1][:, None, :]
        path = np.concatenate([start, out], axis=1).reshape(-1, 2)
        summed = from_deltas(path, offsets_from_lengths(np.full(len(ends), steps + 1)))
        return np.asarray(summed).reshape(len(ends), steps + 1, 2)[:, 1:]

    def rollout_drawings(self, drawings: Drawings, steps: int) -> Drawings:
        """Every drawing followed by ``steps`` rolled-out points (one new stroke each).

        The appended points are pen-down continuations; the last one lifts the pen.
        """
        steps = check_int("steps", steps, minimum=0)
        strokes, source = strokes_of(drawings)
        new = self._rollout(strokes, steps)
        n, lengths = len(strokes), strokes.lengths
        offsets = offsets_from_lengths(lengths + steps)
        old_at = np.arange(strokes.n_points) + steps * strokes.segment_ids()
        new_at = (offsets[:-1] + lengths)[:, None] + np.arange(steps)
        points = np.empty((offsets[-1], 2))
        pen = np.zeros(offsets[-1], dtype=strokes.values.dtype)
        points[old_at] = absolute_points(strokes)
        pen[old_at] = strokes.values[:, 2]
        points[new_at.ravel()] = new.reshape(n * steps, 2)
        if steps:
            pen[new_at[:, -1]] = 1
        meta = None if source is None else source.meta
        return Drawings.from_absolute(Ragged(points, offsets), pen, meta)


class NextDeltaRegressor(NextStepRegressor):
    """Predict the next ``(dx, dy)`` from the previous ``window`` stroke-3 rows (no bias).

    Translation invariant: it only ever sees deltas and pen states.

    Parameters
    ----------
    window : int, default 4
        Previous rows per window.
    scale : {"rms", None}, default "rms"
        Scale every window column and target by its RMS while training.
    solver, optimizer, lr, epochs, batch_size, schedule, device, random_state, progress
        As for :class:`~strokedelta.DeltaLinearRegressor`.

    Attributes
    ----------
    coef_ : ndarray, shape (2, 3 * window)
        Weights of the window columns ``[dx, dy, pen]`` per row, oldest row first.
    intercept_ : ndarray, shape (2,)
        Zeros (no bias).
    history_, n_iter_, n_windows_, scale_x_, scale_y_
    """

    _absolute = False

    def __init__(
        self,
        *,
        window: int = 4,
        scale: str | None = "rms",
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
        self.window = window
        self.scale = scale
        self.solver = solver
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.schedule = schedule
        self.device = device
        self.random_state = random_state
        self.progress = progress


class NextPointRegressor(NextStepRegressor):
    """Baseline: predict the next absolute point from the previous ``window`` absolute points.

    ``X W + b`` on ``[x, y, pen]`` rows, unscaled: translating a drawing moves its
    inputs, and its predictions follow only as far as its weights happen to sum to identity.

    Parameters
    ----------
    window : int, default 4
    solver, optimizer, lr, epochs, batch_size, schedule, device, random_state, progress
        As for :class:`~strokedelta.AbsoluteLinearRegressor`.
    """

    _absolute = True

    def __init__(
        self,
        *,
        window: int = 4,
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
        self.window = window
        self.solver = solver
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.schedule = schedule
        self.device = device
        self.random_state = random_state
        self.progress = progress


def round_to_pixels(predicted: Drawings, like: Drawings) -> Drawings:
    """``predicted`` rounded to whole pixels when the drawings ``like`` have integer coordinates.

    The absolute points are rounded (half to even, ``np.rint``) and the drawings rebuilt as int64
    stroke-3 with the same pen and metadata, so a prediction looks like its input; drawings
    with float coordinates are returned unchanged.

    Examples
    --------
    >>> source = Drawings(Ragged(np.array([[1, 2, 0], [3, 4, 1]]), [0, 2]))
    >>> guess = Drawings(Ragged(np.array([[1.2, 2.0, 0.0], [2.9, 4.4, 1.0]]), [0, 2]))
    >>> round_to_pixels(guess, like=source).strokes.values.tolist()
    [[1, 2, 0], [3, 4, 1]]
    """
    if like.strokes.values.dtype.kind not in "iu":
        return predicted
    points = predicted.absolute()
    rounded = Ragged(np.rint(points.values).astype(np.int64), points.offsets)
    return Drawings.from_absolute(rounded, predicted.pen.astype(np.int64), predicted.meta)
