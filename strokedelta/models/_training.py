"""The training loop shared by every linear model: minibatch SGD or Adam in torch, seeded.

The models are linear with a mean-squared-error loss, so the gradient of a minibatch is written
in closed form (``2/(B q) X^T r``) and the optimiser updates run as a handful of in-place torch
ops per step (no autograd, inference mode, one CPU thread: the ops are tiny). There is no
``DataLoader``: each epoch draws one ``torch.randperm``, gathers the packed ``[X | Y]`` rows
once, and slices contiguous minibatches from the permuted tensor; the residual of a block is
one matmul with ``[W / sx; -1 / sy]``, so scaled training never rescales the data.

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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from strokedelta._validation import check_choice
from strokedelta.exceptions import TrainingDivergedError

__all__ = [
    "DEFAULT_HINT",
    "EXPLODE_FACTOR",
    "MIN_STEPS",
    "SCALE_HINT",
    "LinearFit",
    "auto_epochs",
    "fit_linear",
    "positive_scales",
    "resolve_device",
    "rms_scales",
    "solve_lstsq",
    "train_linear",
]

#: Training stops as diverged when an epoch's loss exceeds this multiple of the first epoch's.
EXPLODE_FACTOR = 1e6
#: ``epochs=None`` runs enough epochs for at least this many optimiser steps.
MIN_STEPS = 1000

_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8


@dataclass
class LinearFit:
    """What training returns: float64 weights ``(p, q)``, bias ``(q,)`` or None, the history,
    the number of epochs and the device type it ran on (``"cpu"`` or ``"cuda"``)."""

    weight: np.ndarray
    bias: np.ndarray | None
    history: np.ndarray
    epochs: int
    device: str = "cpu"


def resolve_device(device: str) -> torch.device:
    """Turn ``"auto"``, ``"cpu"`` or ``"cuda"`` into a torch device.

    ``"auto"`` picks CUDA when it is available; asking for ``"cuda"`` without it is an error.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    check_choice("device", device, ("auto", "cpu", "cuda"))
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        from strokedelta._validation import fail

        raise fail("device", "be 'cpu' or 'auto' on a machine without CUDA", "'cuda'")
    return torch.device(device)


def auto_epochs(n_rows: int, batch_size: int) -> int:
    """Epochs needed for at least :data:`MIN_STEPS` optimiser steps (at least one epoch).

    Examples
    --------
    >>> auto_epochs(1_000_000, 1000), auto_epochs(20_000, 1000), auto_epochs(500, 1000)
    (1, 50, 1000)
    """
    steps_per_epoch = max(1, math.ceil(n_rows / max(1, min(batch_size, n_rows))))
    return max(1, math.ceil(MIN_STEPS / steps_per_epoch))


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


def _diverged(
    epoch: int,
    epochs: int,
    loss: float,
    first: float | None,
    lr: float,
    optimizer: str,
    x: torch.Tensor,
    inv_scale: torch.Tensor,
    hint: str,
) -> TrainingDivergedError:
    """The divergence error: epoch, loss, learning rate, input scale and what to do."""
    x_max = float(x.abs().max()) if x.numel() else 0.0
    seen = x.double() * inv_scale.double()
    mean_sq = float(seen.square().sum(dim=1).mean()) if x.numel() else 0.0
    stable = f"; stable SGD needs lr below about {0.5 / mean_sq:.1g} here" if mean_sq > 0 else ""
    first_text = "" if first is None else f" (first epoch {first:.3g})"
    scaled = "" if bool((inv_scale == 1).all()) else " before RMS scaling"
    return TrainingDivergedError(
        f"training diverged at epoch {epoch} of {epochs}: loss {loss:.3g}{first_text} with "
        f"lr={lr:g} ({optimizer}) and input scale max|x|={x_max:.4g}{scaled}; gradients grow "
        f"with the size of the inputs, so {hint}{stable}"
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

    Parameters
    ----------
    rows : ndarray, shape (n, p + q)
        Training rows packed as ``[x | y]``, float32 ideally (never modified).
    p : int
        Number of feature columns.
    bias : bool
        Learn an intercept (the ``nn.Linear`` baseline) or not (the delta model).
    lr, epochs, batch_size, optimizer, schedule
        Learning rate; number of epochs (None: enough for :data:`MIN_STEPS` steps); minibatch
        size; ``"sgd"`` or ``"adam"``; ``"constant"`` or ``"linear"`` decay to zero.
    device, random_state, progress
        Torch device name; seed of the initial weights and of the shuffles; tqdm on stderr.
    x_scale, y_scale : ndarray, optional
        Per-column scale factors: training fits ``y / y_scale ~ (x / x_scale) W (+ b)``
        without rescaling the data (the factors sit in the matmul operand); the weights and
        bias returned are those of the scaled problem. None means 1.
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
        Weights in float64 on the CPU and the mean loss of every epoch (in the units of the
        scaled targets).

    Raises
    ------
    TrainingDivergedError
        When an epoch's loss is non-finite or explodes.
    """
    check_choice("optimizer", optimizer, ("sgd", "adam"))
    check_choice("schedule", schedule, ("constant", "linear"))
    check_choice("init", init, ("uniform", "zeros"))
    dev = resolve_device(device)
    n = rows.shape[0]
    q = rows.shape[1] - p
    batch = max(1, min(int(batch_size), n))
    n_epochs = auto_epochs(n, batch) if epochs is None else int(epochs)
    total_steps = max(1, n_epochs * math.ceil(n / batch))

    if random_state is None:  # fresh entropy, without reseeding torch's global generator
        seed = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    else:
        seed = int(random_state)
    gen = torch.Generator().manual_seed(seed)
    packed = torch.from_numpy(np.asarray(rows, dtype=np.float32, order="C")).to(dev)
    inv = np.ones(p + q)
    if x_scale is not None:
        inv[:p] = 1.0 / np.asarray(x_scale, dtype=np.float64)
    if y_scale is not None:
        inv[p:] = 1.0 / np.asarray(y_scale, dtype=np.float64)
    inv_x = torch.tensor(inv[:p, None], dtype=torch.float32, device=dev)

    # The scaled problem r = (x / sx) W + b - y / sy runs as ONE matmul of a contiguous block
    # [x | y] with ``ext = [W / sx; -1 / sy]``, so the data is never rescaled or split.
    # ``state`` holds [W; (q unused rows); b]: the optimiser's parameters, in scaled units.
    bound = 1.0 / math.sqrt(p) if p and init == "uniform" else 0.0  # nn.Linear's default
    initial = (torch.rand((p + int(bias), q), generator=gen, dtype=torch.float64) * 2 - 1) * bound
    state = torch.zeros((p + q + 1, q), dtype=torch.float32, device=dev)
    state[:p] = initial[:p].to(device=dev, dtype=torch.float32)
    if bias:
        state[p + q] = initial[p].to(device=dev, dtype=torch.float32)
    ext = torch.zeros((p + q, q), dtype=torch.float32, device=dev)
    ext[p:] = -torch.diag(torch.tensor(inv[p:], dtype=torch.float32, device=dev))
    weight, offset = state[:p], state[p + q]
    grad = torch.zeros_like(state)

    def grad_scale(size: int) -> torch.Tensor:
        """d loss / d state = column scale * (block^T r | sum r), unused rows zeroed."""
        col = np.zeros((p + q + 1, 1))
        col[:p, 0] = inv[:p]
        col[p + q, 0] = 1.0 if bias else 0.0
        return torch.tensor(col * 2.0 / (size * q), dtype=torch.float32, device=dev)

    full_scale = grad_scale(batch)
    m = torch.zeros_like(state) if optimizer == "adam" else None
    v = torch.zeros_like(state) if optimizer == "adam" else None
    batch_losses = torch.zeros(math.ceil(n / batch), dtype=torch.float32, device=dev)
    loss_slots = batch_losses.unbind()
    ext_top, grad_top, grad_bias = ext[:p], grad[: p + q], grad[p + q]
    losses: list[float] = []
    first: float | None = None
    step = 0
    bar = tqdm(range(n_epochs), desc=desc, disable=not progress, file=sys.stderr, leave=False)
    with _single_thread(dev):
        for epoch in bar:
            if epoch == 0 and not shuffle_first:
                epoch_rows = packed
            else:
                epoch_rows = packed.index_select(0, torch.randperm(n, generator=gen).to(dev))
            for block, loss_slot in zip(epoch_rows.split(batch), loss_slots):
                torch.mul(weight, inv_x, out=ext_top)
                r = torch.addmm(offset, block, ext)
                flat = r.view(-1)
                torch.dot(flat, flat, out=loss_slot)
                torch.mm(block.T, r, out=grad_top)
                if bias:
                    torch.sum(r, 0, out=grad_bias)
                size = block.shape[0]
                grad.mul_(full_scale if size == batch else grad_scale(size))
                rate = lr * (1.0 - step / total_steps) if schedule == "linear" else lr
                step += 1
                if m is None or v is None:
                    state.add_(grad, alpha=-rate)
                    continue
                m.lerp_(grad, 1 - _BETA1)
                v.mul_(_BETA2).addcmul_(grad, grad, value=1 - _BETA2)
                correction2 = math.sqrt(1 - _BETA2**step)
                denom = v.sqrt().add_(_EPS * correction2)
                state.addcdiv_(m, denom, value=-rate * correction2 / (1 - _BETA1**step))
            loss = float(batch_losses.double().sum()) / (n * q)
            if not math.isfinite(loss) or (first is not None and loss > EXPLODE_FACTOR * first):
                bar.close()
                raise _diverged(
                    epoch + 1,
                    n_epochs,
                    loss,
                    first,
                    lr,
                    optimizer,
                    packed[:, :p],
                    inv_x[:, 0],
                    hint,
                )
            if first is None:
                first = max(loss, float(np.finfo(np.float32).tiny))
            losses.append(loss)
            if progress:
                bar.set_postfix(loss=f"{loss:.4g}")
    bar.close()
    final = state.to("cpu", torch.float64).numpy()
    if not np.isfinite(final).all():
        raise _diverged(
            n_epochs, n_epochs, math.nan, first, lr, optimizer, packed[:, :p], inv_x[:, 0], hint
        )
    return LinearFit(
        weight=final[:p].copy(),
        bias=final[p + q].copy() if bias else None,
        history=np.asarray(losses, dtype=np.float64),
        epochs=n_epochs,
        device=dev.type,
    )


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
