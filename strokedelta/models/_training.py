"""The training loop shared by every linear model: seeded minibatch SGD or Adam, CPU or GPU.

It uses neither ``torch.nn`` nor ``torch.optim`` nor autograd. The models are linear with a
mean-squared-error loss, so the gradient of a minibatch is written in closed form
(``2/(B q) X^T r``), and the updates are the hand-written SGD and Adam of
:mod:`~strokedelta.models._optimizers` (which follow ``torch.optim.SGD`` / ``torch.optim.Adam``
step for step). The initial weights and every epoch's row order come from one numpy
``Generator`` seeded by ``random_state`` (:func:`epoch_order`), on every device. On the CPU an
epoch is one compiled loop (:mod:`~strokedelta.models._epoch`): it reads the packed
``[X | Y]`` rows in the epoch's order, computes each minibatch's residuals and gradient and
applies the update, in float64, on one thread; a small run goes to the same steps in numpy,
and the CPU path never imports torch. On a GPU each step is a handful of torch ops
(:mod:`~strokedelta.models._torch_training`). There is no ``DataLoader``.

A loss that turns non-finite, or grows more than :data:`EXPLODE_FACTOR` times above the first
epoch's, stops training with :class:`~strokedelta.exceptions.TrainingDivergedError`.

Examples
--------
>>> import numpy as np
>>> x = np.arange(8, dtype=np.float32)
>>> rows = np.stack([x, 3 * x], axis=1)  # packed [x | y]
>>> fit = train_linear(rows, 1, bias=False, lr=0.1, epochs=None, batch_size=4,
...                    optimizer="adam", schedule="linear", device="cpu", random_state=0)
>>> round(float(fit.weight[0, 0]), 3), fit.bias is None
(3.0, True)
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from strokedelta._validation import check_choice
from strokedelta.exceptions import TrainingDivergedError
from strokedelta.models._epoch import (
    EpochState,
    epoch_order,
    epoch_rows,
    learning_rates,
    numpy_epoch,
    run_epoch,
    use_kernel,
)
from strokedelta.models._loop import (
    DEFAULT_HINT,
    EXPLODE_FACTOR,
    SCALE_HINT,
    LinearFit,
    diverged,
    run_epochs,
)
from strokedelta.models._optimizers import OPTIMIZERS
from strokedelta.models.device import device_type

__all__ = [
    "DEFAULT_HINT",
    "EXPLODE_FACTOR",
    "MIN_STEPS",
    "SCALE_HINT",
    "SCHEDULES",
    "LinearFit",
    "auto_epochs",
    "epoch_order",
    "initial_weights",
    "learning_rate",
    "learning_rates",
    "train_linear",
]

#: ``epochs=None`` runs enough epochs for at least this many optimiser steps.
MIN_STEPS = 1000
#: The learning-rate schedules a model's ``schedule`` parameter takes.
SCHEDULES = ("constant", "linear")


def auto_epochs(n_rows: int, batch_size: int) -> int:
    """Epochs needed for at least :data:`MIN_STEPS` optimiser steps (at least one epoch).

    Examples
    --------
    >>> auto_epochs(1_000_000, 1000), auto_epochs(20_000, 1000), auto_epochs(500, 1000)
    (1, 50, 1000)
    """
    steps_per_epoch = max(1, math.ceil(n_rows / max(1, min(batch_size, n_rows))))
    return max(1, math.ceil(MIN_STEPS / steps_per_epoch))


def learning_rate(lr: float, schedule: str, step: int, total_steps: int) -> float:
    """The learning rate of 0-based optimiser step ``step`` of ``total_steps``.

    ``"constant"`` is ``lr``; ``"linear"`` decays to zero, ``lr * (1 - step / total_steps)``
    (``torch.optim.lr_scheduler.LambdaLR`` with that factor).

    Examples
    --------
    >>> learning_rate(0.1, "linear", 5, 10), learning_rate(0.1, "constant", 5, 10)
    (0.05, 0.1)
    """
    return lr * (1.0 - step / total_steps) if schedule == "linear" else lr


def _plan(n: int, batch_size: int, epochs: int | None) -> tuple[int, int, int]:
    """Minibatch size, number of epochs and total optimiser steps of a run on ``n`` rows."""
    batch = max(1, min(int(batch_size), n))
    n_epochs = auto_epochs(n, batch) if epochs is None else int(epochs)
    return batch, n_epochs, max(1, n_epochs * math.ceil(n / batch))


def _seed(random_state: int | None) -> int:
    if random_state is None:  # fresh entropy
        return int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    return int(random_state)


def initial_weights(rng: np.random.Generator, p: int, q: int, bias: bool, init: str) -> Any:
    """The starting ``(p + bias, q)`` float64 weights (last row the bias): ``nn.Linear``'s
    uniform(-1/sqrt(p), 1/sqrt(p)) from ``rng``, or zeros (``init="zeros"``, no draw)."""
    if init != "uniform" or not p:
        return np.zeros((p + int(bias), q))
    return (rng.random((p + int(bias), q)) * 2 - 1) * (1.0 / math.sqrt(p))


def _scales(p: int, q: int, x_scale: Any, y_scale: Any) -> np.ndarray:
    inv = np.ones(p + q)
    if x_scale is not None:
        inv[:p] = 1.0 / np.asarray(x_scale, dtype=np.float64)
    if y_scale is not None:
        inv[p:] = 1.0 / np.asarray(y_scale, dtype=np.float64)
    return inv


def _train_cpu(
    rows: np.ndarray,
    p: int,
    setup: tuple[int, bool, np.ndarray, str, bool],
    initial: np.ndarray,
    rng: np.random.Generator,
    rates: Any,
    epochs: Any,
    failed: Any,
) -> LinearFit:
    """The CPU run: every epoch on its seeded order, compiled or in numpy (:func:`use_kernel`)."""
    batch, bias, inv, optimizer, shuffle_first = setup
    wide = rows.dtype == np.float64  # float64 rows are read as they are, others as float32
    rows = np.asarray(rows, dtype=np.float64 if wide else np.float32, order="C")
    n, q = rows.shape[0], rows.shape[1] - p
    state = np.zeros((p + q + 1, q))
    state[:p] = initial[:p].astype(np.float32)  # the float32 start the GPU loop has too
    if bias:
        state[p + q] = initial[p].astype(np.float32)
    run = EpochState(state, optimizer)
    steps = math.ceil(n / batch)
    compiled = use_kernel(rows.size * len(epochs), n)
    scaled = None if compiled else rows.astype(np.float64) * inv  # numpy's steps read these
    buf: list[np.ndarray] = []  # the bucketed copy of the rows, made once, refilled per epoch
    every = rates(0, steps * len(epochs)) if steps * len(epochs) <= 1 << 20 else None

    def epoch(e: int) -> float:
        shuffle = e > 0 or shuffle_first
        # the same float64 rates, computed at once for a run of many short epochs
        lrs = rates(e * steps, steps) if every is None else every[e * steps : (e + 1) * steps]
        if scaled is not None:
            order = epoch_order(n, rng, rows.strides[0]) if shuffle else None
            losses = numpy_epoch(scaled, order, p, batch, bias, lrs, run)
        else:
            source, order = (
                epoch_rows(rows, rng, buf[0] if buf else None) if shuffle else (rows, None)
            )
            if source is not rows and not buf:
                buf.append(source)
            losses = run_epoch(source, order, p, batch, bias, inv, lrs, run)
        return float(losses.sum()) / (n * q)

    history, first = run_epochs(epochs, epoch, failed)
    final = run.state
    if not np.isfinite(final).all():
        raise failed(len(history), math.nan, first)
    fitted_bias = final[p + q].copy() if bias else None
    return LinearFit(final[:p].copy(), fitted_bias, history, len(history), "cpu")


def _train_gpu(
    rows: np.ndarray,
    p: int,
    setup: tuple[int, bool, np.ndarray, str, bool],
    initial: np.ndarray,
    rng: np.random.Generator,
    rates: Any,
    epochs: Any,
    failed: Any,
    dev: str,
) -> LinearFit:
    """The GPU run (torch ops per step), on the orders of the same seeded draws."""
    from strokedelta.models._torch_training import train_on_torch  # here: torch, GPU only

    batch, bias, inv, optimizer, shuffle_first = setup
    first_epoch = [True]

    def orders() -> np.ndarray | None:
        shuffle = shuffle_first or not first_epoch[0]
        first_epoch[0] = False
        return epoch_order(rows.shape[0], rng, 4 * rows.shape[1]) if shuffle else None

    return train_on_torch(
        rows,
        p,
        batch=batch,
        bias=bias,
        inv=inv,
        initial=initial,
        orders=orders,
        optimizer=optimizer,
        rates=rates,
        epochs=epochs,
        failed=failed,
        device=dev,
    )


def train_linear(
    rows: np.ndarray,
    p: int,
    *,
    bias: bool,
    lr: float,
    epochs: int | None,
    batch_size: int,
    optimizer: str,
    schedule: str,
    device: str,
    random_state: int | None,
    progress: bool = False,
    x_scale: np.ndarray | None = None,
    y_scale: np.ndarray | None = None,
    shuffle_first: bool = True,
    init: str = "uniform",
    desc: str = "training",
    hint: str = DEFAULT_HINT,
) -> LinearFit:
    """Fit ``y ~ (x / x_scale) W (+ b)`` on ``y / y_scale`` by minibatch SGD or Adam.

    Closed-form MSE gradients, hand-written updates, :func:`learning_rate` (module docstring).

    Parameters
    ----------
    rows : ndarray, shape (n, p + q)
        Training rows packed as ``[x | y]``, float64 or float32 (others as float32; unmodified).
    p : int
        Number of feature columns.
    bias : bool
        Learn an intercept (``X W + b``, the absolute baseline) or not (the delta model).
    lr, epochs, batch_size, optimizer, schedule
        Learning rate; number of epochs (None: enough for :data:`MIN_STEPS` steps); minibatch
        size; ``"sgd"`` or ``"adam"``; ``"constant"`` or ``"linear"`` decay to zero.
    device, random_state, progress
        ``"auto"``, ``"cpu"`` or ``"cuda"``; seed of the initial weights and shuffles; tqdm.
    x_scale, y_scale : ndarray, optional
        Per-column scale factors (None means 1): training fits ``y / y_scale ~ (x / x_scale) W
        (+ b)`` without rescaling the data; the weights returned are the scaled problem's.
    shuffle_first : bool
        False when the rows already come in random order, which saves the first shuffle.
    init : {"uniform", "zeros"}
        ``nn.Linear``'s uniform(-1/sqrt(p), 1/sqrt(p)) start (seeded), or zeros, which keeps
        the weight of a column that is always zero in training at exactly zero.
    desc, hint : str
        Progress-bar label; advice appended to the divergence message.

    Returns
    -------
    LinearFit
        Float64 weights on the CPU and the mean loss of every epoch (scaled units).

    Raises
    ------
    TrainingDivergedError
        When an epoch's loss is non-finite or explodes (with ``epoch``, ``lr``, ``loss``).
    """
    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_choice("schedule", schedule, SCHEDULES)
    check_choice("init", init, ("uniform", "zeros"))
    dev = device_type(device)
    n, q = rows.shape[0], rows.shape[1] - p
    batch, n_epochs, total_steps = _plan(n, batch_size, epochs)
    rng = np.random.default_rng(_seed(random_state))
    initial = initial_weights(rng, p, q, bias, init)
    inv = _scales(p, q, x_scale, y_scale)

    def failed(epoch: int, loss: float, first: float | None) -> TrainingDivergedError:
        return diverged(epoch, n_epochs, loss, first, (lr, optimizer, hint), rows, inv[:p])

    def rates(start: int, count: int) -> np.ndarray:
        return learning_rates(lr, schedule, start, count, total_steps)

    bar = tqdm(range(n_epochs), desc=desc, disable=not progress, file=sys.stderr, leave=False)
    with bar:
        setup = (batch, bias, inv, optimizer, shuffle_first)
        if dev == "cpu":
            return _train_cpu(rows, p, setup, initial, rng, rates, bar, failed)
        return _train_gpu(rows, p, setup, initial, rng, rates, bar, failed, dev)
