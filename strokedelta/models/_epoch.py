"""The CPU training epoch: seeded row order and the minibatch steps, compiled or in numpy.

On the CPU the minibatch steps of a linear least-squares model are tiny (a block of ``batch``
rows of ``p + q`` columns), so a step written as a handful of torch ops spends most of its time
in per-op overhead. :func:`run_epoch` runs a whole epoch in one serial numba kernel: it reads
the rows in the epoch's order from the packed ``[x | y]`` array, computes each minibatch's
residuals and closed-form gradient, and applies the SGD or Adam update of
:mod:`~strokedelta.models._optimizers` (the same formulas, in float64); one target with a few
features (:data:`ONE_TARGET_FEATURES`) takes :func:`_epoch_one`, the same sums with the gradient
kept in registers. A run too small to
repay loading the kernel (:data:`NUMPY_WORK`, while such runs add up to less than
:data:`NUMPY_BUDGET`) takes :func:`numpy_epoch`, the same steps as numpy operations per
minibatch (equal to the kernel's results up to float64 rounding).

The order of an epoch (:func:`epoch_order`) is a uniformly random permutation drawn from the
run's numpy ``Generator``: ``rng.permutation(n)`` for a few thousand rows; a compiled
Fisher-Yates for rows that fit in the last-level cache (the kernel prefetches the rows it will
read); beyond, the bucket shuffle of :mod:`~strokedelta.models._buckets`, whose rows are first
copied bucket by bucket (:func:`epoch_rows`), so the kernel's random reads stay inside a bucket
that fits in a core's cache: every row once per epoch, in minibatches that differ every epoch
(scripts/bench.py times the epoch).

Examples
--------
>>> rng = np.random.default_rng(1)
>>> order = epoch_order(5, rng)
>>> sorted(order.tolist()), order.tolist() == epoch_order(5, np.random.default_rng(1)).tolist()
([0, 1, 2, 3, 4], True)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from strokedelta import _kernels
from strokedelta._kernels import PREFETCH_AHEAD, array_type, jit_kernel
from strokedelta.models._buckets import (
    BUCKET_ROWS,
    BucketShuffle,
    bucketed_rows,
    cached_shuffle,
    shuffle_order,
)
from strokedelta.models._optimizers import ADAM_BETAS, ADAM_EPS

if TYPE_CHECKING:
    #: Bound when the first kernel here compiles: the numba intrinsic of strokedelta._kernels.
    prefetch: Any

__all__ = [
    "NUMPY_BUDGET",
    "NUMPY_WORK",
    "ONE_TARGET_FEATURES",
    "EpochState",
    "epoch_order",
    "epoch_rows",
    "learning_rates",
    "numpy_epoch",
    "run_epoch",
    "use_kernel",
]

_BETA1, _BETA2 = ADAM_BETAS
#: A run visiting at most this many values (rows x columns x epochs) while the epoch kernel is
#: not loaded runs in numpy: loading numba's compiled code costs more than that work ...
NUMPY_WORK = 1 << 23
#: ... until the runs left to numpy in this process add up to this many values (a process
#: that trains again and again then loads the kernel).
NUMPY_BUDGET = 1 << 23
_numpy_done = [0]


def epoch_order(n: int, rng: np.random.Generator, row_bytes: int = 0) -> np.ndarray:
    """The row order of one epoch (int64) of ``n`` rows of ``row_bytes`` bytes, drawn from
    ``rng`` (the module docstring)."""
    return shuffle_order(cached_shuffle(n, rng, row_bytes))


def epoch_rows(
    rows: np.ndarray, rng: np.random.Generator, buf: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``(source, order)`` of one shuffled epoch, ``source[order]`` being
    ``rows[epoch_order(n, rng, row_bytes)]``: the rows themselves and the permutation when
    they fit in the cache, else the rows copied bucket by bucket into ``buf`` and the places
    in that copy."""
    plan: BucketShuffle = cached_shuffle(rows.shape[0], rng, rows.strides[0])
    if plan.labels is None:
        return rows, plan.positions
    return bucketed_rows(rows, plan, buf), plan.positions


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


def _epoch_signature(dtype: Any) -> Any:
    import numba  # here: numba loads when the kernel first compiles

    globals()["prefetch"] = _kernels.prefetch  # made with numba, for the kernel below
    f8, f8_2d = array_type(np.float64), array_type(np.float64, 2)
    return numba.void(
        array_type(dtype, 2, readonly=True),
        array_type(np.int64, readonly=True),
        numba.int64,
        numba.int64,
        numba.boolean,
        numba.boolean,
        array_type(np.float64, readonly=True),
        array_type(np.float64, readonly=True),
        f8_2d,
        f8_2d,
        f8_2d,
        f8_2d,
        numba.int64,
        f8,
    )


@jit_kernel(f4=lambda: _epoch_signature(np.float32), f8=lambda: _epoch_signature(np.float64))
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
                    prefetch(rows, order[i + PREFETCH_AHEAD])  # noqa: F821
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


#: The most feature columns :func:`_epoch_one` keeps its gradient for in registers.
ONE_TARGET_FEATURES = 8


def _one_signature(dtype: Any, features: int) -> Any:
    import numba  # here: numba loads when the kernel first compiles

    signature = _epoch_signature(dtype)
    return numba.void(*signature.args, numba.types.UniTuple(numba.float64, features))


#: The signatures of :func:`_epoch_one`, one per dtype and number of features: ``"f4_5"``.
_ONE_SIGNATURES: dict[str, Any] = {
    f"{key}_{features}": (lambda dtype=dtype, features=features: _one_signature(dtype, features))
    for key, dtype in (("f4", np.float32), ("f8", np.float64))
    for features in range(1, ONE_TARGET_FEATURES + 1)
}


@jit_kernel(**_ONE_SIGNATURES)
def _epoch_one(
    rows, order, p, batch, bias, adam, inv, rates, state, grad, m, v, t0, losses, width
):  # pragma: no cover - compiled
    """:func:`_epoch` for one target and at most :data:`ONE_TARGET_FEATURES` features, the
    same sums in the same order: the weights and the gradient sit in scalars (registers)
    instead of arrays (memory, whose store-to-load latency chains the rows), and each feature
    is loaded once per row. The number of features is the length of the tuple ``width``, known
    when the kernel compiles (one signature per number), so the tests on it vanish: about 1.5
    times faster than the loop over an array of weights."""
    p = len(width)
    n = rows.shape[0]
    shuffled = order.shape[0] > 0
    x1 = x2 = x3 = x4 = x5 = x6 = x7 = 0.0
    for s in range(losses.shape[0]):
        start = s * batch
        stop = min(n, start + batch)
        w0 = state[0, 0] * inv[0]
        w1 = state[1, 0] * inv[1] if p > 1 else 0.0
        w2 = state[2, 0] * inv[2] if p > 2 else 0.0
        w3 = state[3, 0] * inv[3] if p > 3 else 0.0
        w4 = state[4, 0] * inv[4] if p > 4 else 0.0
        w5 = state[5, 0] * inv[5] if p > 5 else 0.0
        w6 = state[6, 0] * inv[6] if p > 6 else 0.0
        w7 = state[7, 0] * inv[7] if p > 7 else 0.0
        offset, inv_y = state[p + 1, 0], inv[p]
        loss = gb = g0 = g1 = g2 = g3 = g4 = g5 = g6 = g7 = 0.0
        for i in range(start, stop):
            a = i
            if shuffled:
                a = order[i]
                if i + PREFETCH_AHEAD < n:
                    prefetch(rows, order[i + PREFETCH_AHEAD])  # noqa: F821
            r = offset - rows[a, p] * inv_y
            x0 = np.float64(rows[a, 0])
            r += x0 * w0
            if p > 1:
                x1 = np.float64(rows[a, 1])
                r += x1 * w1
            if p > 2:
                x2 = np.float64(rows[a, 2])
                r += x2 * w2
            if p > 3:
                x3 = np.float64(rows[a, 3])
                r += x3 * w3
            if p > 4:
                x4 = np.float64(rows[a, 4])
                r += x4 * w4
            if p > 5:
                x5 = np.float64(rows[a, 5])
                r += x5 * w5
            if p > 6:
                x6 = np.float64(rows[a, 6])
                r += x6 * w6
            if p > 7:
                x7 = np.float64(rows[a, 7])
                r += x7 * w7
            loss += r * r
            g0 += x0 * r
            if p > 1:
                g1 += x1 * r
            if p > 2:
                g2 += x2 * r
            if p > 3:
                g3 += x3 * r
            if p > 4:
                g4 += x4 * r
            if p > 5:
                g5 += x5 * r
            if p > 6:
                g6 += x6 * r
            if p > 7:
                g7 += x7 * r
            gb += r
        losses[s] = loss
        scale = 2.0 / (stop - start)
        sums = (g0, g1, g2, g3, g4, g5, g6, g7)
        for j in range(p):
            grad[j, 0] = sums[j] * (scale * inv[j])
        grad[p + 1, 0] = gb * scale if bias else 0.0
        rate = rates[s]
        correction2 = 1.0
        step = rate
        if adam:
            t = t0 + s + 1
            correction2 = math.sqrt(1.0 - _BETA2**t)
            step = rate * correction2 / (1.0 - _BETA1**t)
        for j in range(p + 2):
            if j == p:
                continue
            g = grad[j, 0]
            if adam:
                m[j, 0] += (1.0 - _BETA1) * (g - m[j, 0])
                v[j, 0] = v[j, 0] * _BETA2 + (1.0 - _BETA2) * g * g
                state[j, 0] -= step * m[j, 0] / (math.sqrt(v[j, 0]) + ADAM_EPS * correction2)
            else:
                state[j, 0] -= rate * g


class EpochState:
    """The float64 parameters ``[W; (q unused rows); b]`` and optimiser moments of a CPU run."""

    def __init__(self, initial: np.ndarray, optimizer: str) -> None:
        self.state = np.array(initial, dtype=np.float64, order="C")
        self.grad = np.zeros_like(self.state)
        self.m = np.zeros_like(self.state)
        self.v = np.zeros_like(self.state)
        self.adam = optimizer == "adam"
        self.steps = 0


def use_kernel(n_values: int, n_rows: int) -> bool:
    """Whether a run visiting ``n_values`` values should use the compiled epoch: when it is
    loaded already, when the run is larger than :data:`NUMPY_WORK` or has ``2 * BUCKET_ROWS``
    rows or more (their orders are compiled), or once the runs left to numpy add up to
    :data:`NUMPY_BUDGET`."""
    loaded = any(_epoch.loaded(key) for key in ("f4", "f8"))
    loaded = loaded or any(_epoch_one.loaded(key) for key in _ONE_SIGNATURES)
    if loaded or n_values > NUMPY_WORK or n_rows >= 2 * BUCKET_ROWS:
        return True
    if _numpy_done[0] > NUMPY_BUDGET:
        return True
    _numpy_done[0] += n_values
    return False


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
    of every minibatch. ``rows`` is C-contiguous float32 or float64, ``order`` a permutation
    or None."""
    losses = np.empty(len(rates))
    key = "f8" if rows.dtype == np.float64 else "f4"
    if rows.shape[1] - p == 1 and 1 <= p <= ONE_TARGET_FEATURES:
        one, width = _epoch_one[f"{key}_{p}"], (0.0,) * p

        def kernel(*args: Any) -> None:
            one(*args, width)

    else:
        kernel = _epoch[key]
    kernel(
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


def numpy_epoch(
    scaled: np.ndarray,
    order: np.ndarray | None,
    p: int,
    batch: int,
    bias: bool,
    rates: np.ndarray,
    run: EpochState,
) -> np.ndarray:
    """:func:`run_epoch` as numpy operations per minibatch, on the float64 rows already
    multiplied by ``inv`` (``scaled``, made once per run): the same steps, equal to the
    kernel's up to float64 rounding."""
    losses = np.empty(len(rates))
    with np.errstate(over="ignore", invalid="ignore"):  # divergence: the loop reports it
        _numpy_steps(scaled, order, p, batch, bias, rates, run, losses)
    run.steps += len(rates)
    return losses


def _numpy_steps(
    scaled: np.ndarray,
    order: np.ndarray | None,
    p: int,
    batch: int,
    bias: bool,
    rates: np.ndarray,
    run: EpochState,
    losses: np.ndarray,
) -> None:
    n, q = scaled.shape[0], scaled.shape[1] - p
    # [W; b] of the state, gradient and moments as views: W rows 0..p-1, b row p + q
    parts = [(a[:p], a[p + q : p + q + 1]) for a in (run.state, run.grad, run.m, run.v)]
    (weight, offset), (grad_w, grad_b), (m_w, m_b), (v_w, v_b) = parts
    for s, rate in enumerate(rates.tolist()):
        start, stop = s * batch, min(n, (s + 1) * batch)
        block = scaled[start:stop] if order is None else scaled[order[start:stop]]
        x = block[:, :p]
        r = x @ weight
        r += offset
        r -= block[:, p:]
        flat = r.ravel()
        losses[s] = float(flat @ flat)
        scale = 2.0 / ((stop - start) * q)
        np.multiply(x.T @ r, scale, out=grad_w)
        if bias:
            np.multiply(r.sum(axis=0, keepdims=True), scale, out=grad_b)
        else:
            grad_b[...] = 0.0
        if not run.adam:
            weight -= rate * grad_w
            offset -= rate * grad_b
            continue
        t = run.steps + s + 1  # run.steps counts the earlier epochs' steps
        correction2 = math.sqrt(1.0 - _BETA2**t)
        step = rate * correction2 / (1.0 - _BETA1**t)
        for param, g, m, v in ((weight, grad_w, m_w, v_w), (offset, grad_b, m_b, v_b)):
            m += (1.0 - _BETA1) * (g - m)
            v *= _BETA2
            v += (1.0 - _BETA2) * g * g
            param -= step * m / (np.sqrt(v) + ADAM_EPS * correction2)
