"""The training loop shared by every linear model: seeded minibatch SGD or Adam, CPU or GPU.

It uses neither ``torch.nn`` nor ``torch.optim`` nor autograd. The models are linear with a
mean-squared-error loss, so the gradient of a minibatch is written in closed form
(``2/(B q) X^T r``), and the updates are the hand-written SGD and Adam of
:mod:`~strokedelta.models._optimizers` (which follow ``torch.optim.SGD`` / ``torch.optim.Adam``
step for step). On the CPU an epoch is one compiled loop (:mod:`~strokedelta.models._epoch`):
it reads the packed ``[X | Y]`` rows in the epoch's seeded order (a Fisher-Yates shuffle,
:func:`epoch_order`), computes each minibatch's residuals and gradient and applies the update,
in float64, on one thread. On a GPU each step is a handful of in-place torch ops in inference
mode on the rows gathered in the same order; the residual of a block is one matmul with
``[W / sx; -1 / sy]``, so scaled training never rescales the data. There is no ``DataLoader``.

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

import contextlib
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from strokedelta._validation import check_choice
from strokedelta.exceptions import TrainingDivergedError
from strokedelta.models._epoch import EpochState, epoch_order, learning_rates, run_epoch
from strokedelta.models._optimizers import OPTIMIZERS, Adam, Sgd, make_optimizer
from strokedelta.models.device import resolve_device

__all__ = [
    "DEFAULT_HINT",
    "EXPLODE_FACTOR",
    "MIN_STEPS",
    "SCALE_HINT",
    "SCHEDULES",
    "LinearFit",
    "auto_epochs",
    "epoch_order",
    "learning_rate",
    "learning_rates",
    "train_linear",
]

#: Training stops as diverged when an epoch's loss exceeds this multiple of the first epoch's.
EXPLODE_FACTOR = 1e6
#: ``epochs=None`` runs enough epochs for at least this many optimiser steps.
MIN_STEPS = 1000
#: The learning-rate schedules a model's ``schedule`` parameter takes.
SCHEDULES = ("constant", "linear")


@dataclass
class LinearFit:
    """What training returns: float64 weights ``(p, q)``, bias ``(q,)`` or None, the history,
    the number of epochs and the device type it ran on (``"cpu"`` or ``"cuda"``)."""

    weight: np.ndarray
    bias: np.ndarray | None
    history: np.ndarray
    epochs: int
    device: str = "cpu"


def auto_epochs(n_rows: int, batch_size: int) -> int:
    """Epochs needed for at least :data:`MIN_STEPS` optimiser steps (at least one epoch).

    Examples
    --------
    >>> auto_epochs(1_000_000, 1000), auto_epochs(20_000, 1000), auto_epochs(500, 1000)
    (1, 50, 1000)
    """
    steps_per_epoch = max(1, math.ceil(n_rows / max(1, min(batch_size, n_rows))))
    return max(1, math.ceil(MIN_STEPS / steps_per_epoch))


def _diverged(
    epoch: int,
    epochs: int,
    loss: float,
    first: float | None,
    lr: float,
    optimizer: str,
    problem: _Problem,
    hint: str,
) -> TrainingDivergedError:
    """The divergence error: epoch, loss, learning rate, input scale and what to do, in the
    message and as the error's fields."""
    x, inv_scale = problem.packed[:, : problem.p], problem.inv_x[:, 0]
    x_max = float(x.abs().max()) if x.numel() else 0.0
    seen = x.double() * inv_scale.double()
    mean_sq = float(seen.square().sum(dim=1).mean()) if x.numel() else 0.0
    stable = f"; stable SGD needs lr below about {0.5 / mean_sq:.1g} here" if mean_sq > 0 else ""
    first_text = "" if first is None else f" (first epoch {first:.3g})"
    scaled = "" if bool((inv_scale == 1).all()) else " before RMS scaling"
    return TrainingDivergedError(
        f"training diverged at epoch {epoch} of {epochs}: loss {loss:.3g}{first_text} with "
        f"lr={lr:g} ({optimizer}) and input scale max|x|={x_max:.4g}{scaled}; gradients grow "
        f"with the size of the inputs, so {hint}{stable}",
        epoch=epoch,
        lr=lr,
        loss=loss,
        input_scale=x_max,
    )


DEFAULT_HINT = (
    "use the delta model (DeltaLinearRegressor, CLI --mode delta: shift invariant, RMS-scaled "
    "deltas) or a smaller lr"
)
#: The divergence advice of the delta models.
SCALE_HINT = "use scale='rms' (the default) or a smaller lr"


@contextlib.contextmanager
def _single_thread(device: torch.device) -> Iterator[None]:
    """Run the minibatch loop on one CPU thread: its ops are tiny, and torch's intra-op
    threads cost more in synchronisation than they save (several times slower on 2 busy cores).
    """
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
    if random_state is None:  # fresh entropy, without reseeding torch's global generator
        return int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    return int(random_state)


@dataclass
class _Problem:
    """The scaled problem ``r = (x / sx) W + b - y / sy`` of one run, on its device.

    It runs as ONE matmul of a contiguous block ``[x | y]`` of ``packed`` with
    ``ext = [W / sx; -1 / sy]``, so the data is never rescaled or split. ``state`` holds
    ``[W; (q unused rows); b]``: the optimiser's parameters, in scaled units; ``grad`` is its
    gradient and ``batch_losses`` the summed squared residual of every minibatch of an epoch,
    both written in place.
    """

    packed: torch.Tensor
    p: int
    batch: int
    bias: bool
    inv: np.ndarray
    inv_x: torch.Tensor
    state: torch.Tensor
    ext: torch.Tensor
    grad: torch.Tensor
    batch_losses: torch.Tensor

    def __post_init__(self) -> None:
        self.q = self.packed.shape[1] - self.p
        self.full_scale = self.grad_scale(self.batch)
        self.loss_slots = self.batch_losses.unbind()

    def grad_scale(self, size: int) -> torch.Tensor:
        """d loss / d state = column scale * (block^T r | sum r), unused rows zeroed."""
        p, q = self.p, self.q
        col = np.zeros((p + q + 1, 1))
        col[:p, 0] = self.inv[:p]
        col[p + q, 0] = 1.0 if self.bias else 0.0
        return torch.tensor(col * 2.0 / (size * q), dtype=torch.float32, device=self.state.device)


def _problem(
    rows: np.ndarray,
    p: int,
    batch: int,
    bias: bool,
    x_scale: np.ndarray | None,
    y_scale: np.ndarray | None,
    init: str,
    gen: torch.Generator,
    dev: torch.device,
) -> _Problem:
    """Move the rows to ``dev`` and set up the scaled operands and the initial weights."""
    n, q = rows.shape[0], rows.shape[1] - p
    packed = torch.from_numpy(np.asarray(rows, dtype=np.float32, order="C")).to(dev)
    inv = np.ones(p + q)
    if x_scale is not None:
        inv[:p] = 1.0 / np.asarray(x_scale, dtype=np.float64)
    if y_scale is not None:
        inv[p:] = 1.0 / np.asarray(y_scale, dtype=np.float64)
    inv_x = torch.tensor(inv[:p, None], dtype=torch.float32, device=dev)
    bound = 1.0 / math.sqrt(p) if p and init == "uniform" else 0.0  # nn.Linear's default
    initial = (torch.rand((p + int(bias), q), generator=gen, dtype=torch.float64) * 2 - 1) * bound
    state = torch.zeros((p + q + 1, q), dtype=torch.float32, device=dev)
    state[:p] = initial[:p].to(device=dev, dtype=torch.float32)
    if bias:
        state[p + q] = initial[p].to(device=dev, dtype=torch.float32)
    ext = torch.zeros((p + q, q), dtype=torch.float32, device=dev)
    ext[p:] = -torch.diag(torch.tensor(inv[p:], dtype=torch.float32, device=dev))
    batch_losses = torch.zeros(math.ceil(n / batch), dtype=torch.float32, device=dev)
    return _Problem(
        packed, p, batch, bias, inv, inv_x, state, ext, torch.zeros_like(state), batch_losses
    )


def _run_epoch(
    problem: _Problem,
    epoch_rows: torch.Tensor,
    optimiser: Sgd | Adam,
    rate_of: Callable[[int], float],
    step: int,
) -> float:
    """One pass of minibatch steps over ``epoch_rows``, from optimiser step ``step``; returns
    the epoch's mean loss (in the units of the scaled targets)."""
    p, q, batch = problem.p, problem.q, problem.batch
    state, ext, grad = problem.state, problem.ext, problem.grad
    weight, offset, inv_x = state[:p], state[p + q], problem.inv_x
    ext_top, grad_top, grad_bias = ext[:p], grad[: p + q], grad[p + q]
    for block, loss_slot in zip(epoch_rows.split(batch), problem.loss_slots):
        torch.mul(weight, inv_x, out=ext_top)
        r = torch.addmm(offset, block, ext)
        flat = r.view(-1)
        torch.dot(flat, flat, out=loss_slot)
        torch.mm(block.T, r, out=grad_top)
        if problem.bias:
            torch.sum(r, 0, out=grad_bias)
        size = block.shape[0]
        grad.mul_(problem.full_scale if size == batch else problem.grad_scale(size))
        optimiser.step(grad, rate_of(step))
        step += 1
    return float(problem.batch_losses.double().sum()) / (problem.packed.shape[0] * q)


def _cpu_epoch(
    problem: _Problem, order: np.ndarray | None, run: EpochState, rates: np.ndarray
) -> float:
    """One epoch on the CPU: the compiled loop of :mod:`~strokedelta.models._epoch`."""
    inv = problem.inv
    losses = run_epoch(
        problem.packed.numpy(), order, problem.p, problem.batch, problem.bias, inv, rates, run
    )
    return float(losses.sum()) / (problem.packed.shape[0] * problem.q)


def _torch_epoch(
    problem: _Problem, order: np.ndarray | None, optimiser: Sgd | Adam, rates: np.ndarray
) -> float:
    """One epoch on a GPU: the rows gathered in ``order``, then torch ops per minibatch."""
    epoch_rows = problem.packed
    if order is not None:
        index = torch.from_numpy(order).to(problem.packed.device)
        epoch_rows = torch.index_select(problem.packed, 0, index)
    return _run_epoch(problem, epoch_rows, optimiser, lambda step: float(rates[step]), 0)


def _train(
    problem: _Problem,
    bar: Any,
    gen: torch.Generator,
    optimizer: str,
    rates_of: Callable[[int, int], np.ndarray],
    *,
    shuffle_first: bool,
    diverged: Callable[[int, float, float | None], TrainingDivergedError],
) -> LinearFit:
    """Run the epochs of ``bar`` (a tqdm over ``range(epochs)``), each on a fresh seeded
    shuffle; a non-finite or exploding loss raises ``diverged(epoch, loss, first)``."""
    packed, n, p, q = problem.packed, problem.packed.shape[0], problem.p, problem.q
    steps_per_epoch = len(problem.loss_slots)
    cpu = packed.device.type == "cpu"
    run = EpochState(problem.state.double().numpy(), optimizer) if cpu else None
    optimiser = None if cpu else make_optimizer(optimizer, problem.state)
    losses: list[float] = []
    first: float | None = None
    for epoch in bar:
        shuffle = epoch > 0 or shuffle_first
        order = epoch_order(n, gen) if shuffle else None
        rates = rates_of(epoch * steps_per_epoch, steps_per_epoch)
        if run is not None:
            loss = _cpu_epoch(problem, order, run, rates)
        else:
            assert optimiser is not None
            loss = _torch_epoch(problem, order, optimiser, rates)
        if not math.isfinite(loss) or (first is not None and loss > EXPLODE_FACTOR * first):
            raise diverged(epoch + 1, loss, first)
        if first is None:
            first = max(loss, float(np.finfo(np.float32).tiny))
        losses.append(loss)
        if not bar.disable:
            bar.set_postfix(loss=f"{loss:.4g}")
    final = run.state.copy() if run is not None else problem.state.to("cpu", torch.float64).numpy()
    if not np.isfinite(final).all():
        raise diverged(bar.total, math.nan, first)
    history = np.asarray(losses, dtype=np.float64)
    fitted_bias = final[p + q].copy() if problem.bias else None
    return LinearFit(final[:p].copy(), fitted_bias, history, bar.total, packed.device.type)


@torch.inference_mode()
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
        Training rows packed as ``[x | y]``, float32 ideally (never modified).
    p : int
        Number of feature columns.
    bias : bool
        Learn an intercept (``X W + b``, the absolute baseline) or not (the delta model).
    lr, epochs, batch_size, optimizer, schedule
        Learning rate; number of epochs (None: enough for :data:`MIN_STEPS` steps); minibatch
        size; ``"sgd"`` or ``"adam"``; ``"constant"`` or ``"linear"`` decay to zero.
    device, random_state, progress
        Torch device name; seed of the initial weights and of the shuffles; tqdm on stderr.
    x_scale, y_scale : ndarray, optional
        Per-column scale factors (None means 1): training fits ``y / y_scale ~ (x / x_scale) W
        (+ b)`` without rescaling the data; the weights returned are the scaled problem's.
    shuffle_first : bool
        False when the rows already come in random order, which saves the first gather.
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
    dev = resolve_device(device)
    batch, n_epochs, total_steps = _plan(rows.shape[0], batch_size, epochs)
    gen = torch.Generator().manual_seed(_seed(random_state))
    problem = _problem(rows, p, batch, bias, x_scale, y_scale, init, gen, dev)

    def diverged(epoch: int, loss: float, first: float | None) -> TrainingDivergedError:
        return _diverged(epoch, n_epochs, loss, first, lr, optimizer, problem, hint)

    bar = tqdm(range(n_epochs), desc=desc, disable=not progress, file=sys.stderr, leave=False)
    with bar, _single_thread(dev):
        return _train(
            problem,
            bar,
            gen,
            optimizer,
            lambda start, count: learning_rates(lr, schedule, start, count, total_steps),
            shuffle_first=shuffle_first,
            diverged=diverged,
        )
