"""The CPU training epoch as one compiled loop: seeded row order and the minibatch steps.

On the CPU the minibatch steps of a linear least-squares model are tiny (a block of ``batch``
rows of ``p + q`` columns), so a step written as a handful of torch ops spends most of its time
in per-op overhead. :func:`run_epoch` runs a whole epoch in one serial numba kernel: it reads
the rows in the epoch's order straight from the packed ``[x | y]`` array (prefetching the rows
it will need, so there is no separate gather), computes each minibatch's residuals and
closed-form gradient, and applies the SGD or Adam update of
:mod:`~strokedelta.models._optimizers` (the same formulas, in float64). The order of an epoch
is a Fisher-Yates shuffle of the rows driven by a SplitMix64 stream from one seed
(:func:`shuffled_order`): every row once per epoch, in minibatches that differ every epoch,
as ``torch.randperm`` gives (scripts/bench.py times the epoch).

Examples
--------
>>> order = shuffled_order(5, seed=1)
>>> sorted(order.tolist()), order.tolist() == shuffled_order(5, seed=1).tolist()
([0, 1, 2, 3, 4], True)
"""

from __future__ import annotations

import math

import numba
import numpy as np
import torch

from strokedelta._kernels import PREFETCH_AHEAD, array_type, jit_kernel, prefetch
from strokedelta.models._optimizers import ADAM_BETAS, ADAM_EPS

__all__ = ["EpochState", "epoch_order", "learning_rates", "run_epoch", "shuffled_order"]

_BETA1, _BETA2 = ADAM_BETAS


@jit_kernel(i8=numba.void(array_type(np.int64), numba.uint64))
def _shuffle(order, seed):  # pragma: no cover - compiled
    state = seed
    n = order.shape[0]
    for i in range(n):
        order[i] = i
    for i in range(n - 1, 0, -1):
        state += np.uint64(0x9E3779B97F4A7C15)  # SplitMix64
        z = state
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        j = np.int64((z >> np.uint64(11)) * np.float64(i + 1) * (1.0 / 9007199254740992.0))
        swap = order[i]
        order[i] = order[j]
        order[j] = swap


def shuffled_order(n: int, seed: int) -> np.ndarray:
    """A seeded random permutation of ``range(n)`` (int64), the row order of one epoch."""
    order = np.empty(n, dtype=np.int64)
    if n > 1:
        _shuffle["i8"](order, np.uint64(seed % 2**64))
    else:
        order[:] = np.arange(n)
    return order


def epoch_order(n: int, gen: torch.Generator) -> np.ndarray:
    """The row order of one epoch: :func:`shuffled_order` seeded by
    one draw from ``gen`` (the run's seeded generator)."""
    return shuffled_order(n, int(torch.randint(0, 2**62, (1,), generator=gen)))


def learning_rates(lr: float, schedule: str, start: int, count: int, total: int) -> np.ndarray:
    """:func:`learning_rate` of steps ``start .. start + count - 1``, the same float64 values.

    Examples
    --------
    >>> learning_rates(0.1, "linear", 5, 2, 10).tolist()
    [0.05, 0.04000000000000001]
    """
    if schedule != "linear":
        return np.full(count, float(lr))
    return lr * (1.0 - np.arange(start, start + count, dtype=np.float64) / total)


_F8 = array_type(np.float64)
_F8_2D = array_type(np.float64, 2)


@jit_kernel(
    f4=numba.void(
        array_type(np.float32, 2, readonly=True),
        array_type(np.int64, readonly=True),
        numba.int64,
        numba.int64,
        numba.boolean,
        numba.boolean,
        array_type(np.float64, readonly=True),
        array_type(np.float64, readonly=True),
        _F8_2D,
        _F8_2D,
        _F8_2D,
        _F8_2D,
        numba.int64,
        _F8,
    )
)
def _epoch(
    rows, order, p, batch, bias, adam, inv, rates, state, grad, m, v, t0, losses
):  # pragma: no cover - compiled
    """Minibatch steps over ``rows`` (in ``order`` unless it is empty). ``state`` is
    ``[W; (q unused rows); b]`` of the scaled problem, ``grad``, ``m`` and ``v`` alike."""
    n = rows.shape[0]
    q = rows.shape[1] - p
    shuffled = order.shape[0] > 0
    wx = np.empty((p, q))
    n_batches = losses.shape[0]
    for s in range(n_batches):
        start = s * batch
        stop = min(n, start + batch)
        for j in range(p):
            for k in range(q):
                wx[j, k] = state[j, k] * inv[j]
        grad[:] = 0.0
        loss = 0.0
        for i in range(start, stop):
            a = i
            if shuffled:
                a = order[i]
                if i + PREFETCH_AHEAD < n:
                    prefetch(rows, order[i + PREFETCH_AHEAD])  # type: ignore[call-arg]
            for k in range(q):
                r = state[p + q, k] - rows[a, p + k] * inv[p + k]
                for j in range(p):
                    r += rows[a, j] * wx[j, k]
                loss += r * r
                for j in range(p):
                    grad[j, k] += rows[a, j] * r
                grad[p + q, k] += r
        losses[s] = loss
        scale = 2.0 / ((stop - start) * q)
        for k in range(q):
            for j in range(p):
                grad[j, k] *= scale * inv[j]
            grad[p + q, k] = grad[p + q, k] * scale if bias else 0.0
        rate = rates[s]
        correction2 = 1.0
        step = rate
        if adam:
            t = t0 + s + 1
            correction2 = math.sqrt(1.0 - _BETA2**t)
            step = rate * correction2 / (1.0 - _BETA1**t)
        for k in range(q):
            for j in range(p + q + 1):
                if p <= j < p + q:
                    continue
                g = grad[j, k]
                if adam:
                    m[j, k] += (1.0 - _BETA1) * (g - m[j, k])
                    v[j, k] = v[j, k] * _BETA2 + (1.0 - _BETA2) * g * g
                    state[j, k] -= step * m[j, k] / (math.sqrt(v[j, k]) + ADAM_EPS * correction2)
                else:
                    state[j, k] -= rate * g


class EpochState:
    """The float64 parameters ``[W; (q unused rows); b]`` and optimiser moments of a CPU run."""

    def __init__(self, initial: np.ndarray, optimizer: str) -> None:
        self.state = np.array(initial, dtype=np.float64, order="C")
        self.grad = np.zeros_like(self.state)
        self.m = np.zeros_like(self.state)
        self.v = np.zeros_like(self.state)
        self.adam = optimizer == "adam"
        self.steps = 0


def run_epoch(
    rows: np.ndarray,
    order: np.ndarray | None,
    p: int,
    batch: int,
    bias: bool,
    inv: np.ndarray,
    rates: np.ndarray,
    run: EpochState,
) -> np.ndarray:
    """One epoch of minibatch steps (one per entry of ``rates``); the summed squared residual
    of every minibatch. ``rows`` is C-contiguous float32, ``order`` a permutation or None."""
    losses = np.empty(len(rates))
    _epoch["f4"](
        rows,
        np.empty(0, dtype=np.int64) if order is None else order,
        p,
        batch,
        bias,
        run.adam,
        inv,
        rates,
        run.state,
        run.grad,
        run.m,
        run.v,
        run.steps,
        losses,
    )
    run.steps += len(rates)
    return losses
