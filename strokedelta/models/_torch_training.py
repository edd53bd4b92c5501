"""The training loop on a GPU: each minibatch step as a handful of in-place torch ops.

In inference mode, on the rows gathered in each epoch's order (the same seeded orders and
initial weights as the CPU loop, drawn in numpy by :mod:`~strokedelta.models._training`); the
residual of a block is one matmul with ``[W / sx; -1 / sy]``, so scaled training never
rescales the data. There is no ``DataLoader``, no autograd and no ``torch.optim``: the updates
are :mod:`~strokedelta.models._optimizers`. Imported only when a model trains on a GPU.

Examples
--------
>>> import numpy as np
>>> rows = np.stack([np.arange(8.0), 3 * np.arange(8.0)], axis=1).astype(np.float32)
>>> fit = train_on_torch(rows, 1, batch=4, bias=False, inv=np.ones(2),
...                      initial=np.zeros((1, 1)), orders=lambda: None, optimizer="adam",
...                      rates=lambda start, count: np.full(count, 0.1), epochs=range(300),
...                      failed=None, device="cpu")
>>> round(float(fit.weight[0, 0]), 2)
3.0
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import torch

from strokedelta.models._loop import LinearFit, run_epochs
from strokedelta.models._optimizers import Adam, Sgd, make_optimizer

__all__ = ["train_on_torch"]


@contextlib.contextmanager
def _single_thread(device: torch.device) -> Iterator[None]:
    """Torch's CPU ops on one thread (its intra-op threads cost more than they save here)."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _grad_scale(inv: np.ndarray, p: int, q: int, bias: bool, size: int, dev: Any) -> Any:
    """d loss / d state = column scale * (block^T r | sum r), unused rows zeroed."""
    col = np.zeros((p + q + 1, 1))
    col[:p, 0] = inv[:p]
    col[p + q, 0] = 1.0 if bias else 0.0
    return torch.tensor(col * 2.0 / (size * q), dtype=torch.float32, device=dev)


def _epoch(
    packed: torch.Tensor,
    order: np.ndarray | None,
    state: torch.Tensor,
    optimiser: Sgd | Adam,
    rates: np.ndarray,
    setup: tuple[int, int, bool, np.ndarray],
) -> float:
    """One pass of minibatch steps over the rows in ``order`` (None: as they are); returns the
    epoch's mean loss (in the units of the scaled targets)."""
    p, batch, bias, inv = setup
    n, q = packed.shape[0], packed.shape[1] - p
    dev = packed.device
    epoch_rows = packed
    if order is not None:
        epoch_rows = torch.index_select(packed, 0, torch.from_numpy(order).to(dev))
    inv_x = torch.tensor(inv[:p, None], dtype=torch.float32, device=dev)
    ext = torch.zeros((p + q, q), dtype=torch.float32, device=dev)
    ext[p:] = -torch.diag(torch.tensor(inv[p:], dtype=torch.float32, device=dev))
    grad = torch.zeros_like(state)
    full_scale = _grad_scale(inv, p, q, bias, batch, dev)
    weight, offset = state[:p], state[p + q]
    ext_top, grad_top, grad_bias = ext[:p], grad[: p + q], grad[p + q]
    losses = torch.zeros(math.ceil(n / batch), dtype=torch.float32, device=dev)
    for step, (block, loss_slot) in enumerate(zip(epoch_rows.split(batch), losses.unbind())):
        torch.mul(weight, inv_x, out=ext_top)
        r = torch.addmm(offset, block, ext)
        flat = r.view(-1)
        torch.dot(flat, flat, out=loss_slot)
        torch.mm(block.T, r, out=grad_top)
        if bias:
            torch.sum(r, 0, out=grad_bias)
        size = block.shape[0]
        grad.mul_(full_scale if size == batch else _grad_scale(inv, p, q, bias, size, dev))
        optimiser.step(grad, float(rates[step]))
    return float(losses.double().sum()) / (n * q)


@torch.inference_mode()
def train_on_torch(
    rows: np.ndarray,
    p: int,
    *,
    batch: int,
    bias: bool,
    inv: np.ndarray,
    initial: np.ndarray,
    orders: Callable[[], np.ndarray | None],
    optimizer: str,
    rates: Callable[[int, int], np.ndarray],
    epochs: Iterable[int],
    failed: Any,
    device: str,
) -> LinearFit:
    """Train on ``device`` from ``initial`` (``(p + bias, q)``): ``orders()`` gives each epoch's
    row order (None: as the rows are), ``rates(start, count)`` the learning rates of an epoch's
    steps; ``failed`` builds the divergence error (see
    :func:`~strokedelta.models._loop.run_epochs`)."""
    dev = torch.device(device)
    n, q = rows.shape[0], rows.shape[1] - p
    packed = torch.from_numpy(np.asarray(rows, dtype=np.float32, order="C")).to(dev)
    state = torch.zeros((p + q + 1, q), dtype=torch.float32, device=dev)
    start = torch.from_numpy(np.asarray(initial, dtype=np.float32))
    state[:p] = start[:p].to(dev)
    if bias:
        state[p + q] = start[p].to(dev)
    optimiser = make_optimizer(optimizer, state)
    steps = math.ceil(n / batch)
    setup = (p, batch, bias, inv)

    def epoch(e: int) -> float:
        return _epoch(packed, orders(), state, optimiser, rates(e * steps, steps), setup)

    with _single_thread(dev):
        history, _ = run_epochs(epochs, epoch, failed)
    final = state.to("cpu", torch.float64).numpy()
    if not np.isfinite(final).all():
        raise failed(len(history), math.nan, None)
    fitted_bias = final[p + q].copy() if bias else None
    return LinearFit(final[:p].copy(), fitted_bias, history, len(history), dev.type)
