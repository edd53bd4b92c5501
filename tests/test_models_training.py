"""The shared pieces: pairing of rows, the training loop, the divergence guard, lstsq."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from strokedelta import _kernels
from strokedelta.delta import to_deltas
from strokedelta.exceptions import TrainingDivergedError, ValidationError
from strokedelta.models import _buckets, _epoch, _training, delta_pairs
from strokedelta.models._optimizers import make_optimizer
from strokedelta.models._solvers import solve_lstsq
from strokedelta.models._training import (
    EXPLODE_FACTOR,
    auto_epochs,
    epoch_order,
    initial_weights,
    learning_rate,
    learning_rates,
    train_linear,
)
from strokedelta.models.pairs import packed_pairs, pair_order
from strokedelta.ragged import group_order

TRAIN = {
    "lr": 0.1,
    "epochs": None,
    "batch_size": 16,
    "optimizer": "adam",
    "schedule": "linear",
    "device": "cpu",
    "random_state": 0,
}


# ----------------------------------------------------------------------- pairs
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-1000, 1000)), min_size=1, max_size=60))
def test_consecutive_pairs_equal_to_deltas_per_group_without_first_rows(rows):
    keys = np.array([k for k, _ in rows])
    x = np.array([[v, 2 * v] for _, v in rows], dtype=np.float64)
    y = x[:, :1] * 3
    dx, dy = delta_pairs(x, y, keys, pairing="consecutive")
    order, offsets, _ = group_order(keys)
    expected = np.delete(to_deltas(x[order], offsets), offsets[:-1], axis=0)
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_array_equal(dy, expected[:, :1] * 3)


@given(
    st.lists(st.integers(0, 4), min_size=2, max_size=80),
    st.integers(0, 2**32 - 1),
)
def test_random_pairs_stay_within_groups_and_use_every_row(keys, seed):
    keys = np.array(keys)
    rows = np.arange(len(keys), dtype=np.float64)
    # encode (group, row) so that each difference tells which group it came from
    x = (keys * 1000.0)[:, None]
    y = rows[:, None]
    dx, dy = delta_pairs(x, y, keys, pairing="random", random_state=seed)
    assert np.all(dx == 0)  # never paired across groups
    assert len(dx) == len(keys) - len(np.unique(keys))
    order, offsets = pair_order(len(keys), keys, pairing="random", random_state=seed)
    assert sorted(order.tolist()) == list(range(len(keys)))
    expected = np.delete(to_deltas(y[order], offsets), offsets[:-1], axis=0)
    np.testing.assert_array_equal(dy, expected)


def test_random_pairing_is_seeded_and_pairs_far_rows():
    x = np.arange(1000.0)[:, None]
    first, _ = delta_pairs(x, x, pairing="random", random_state=1)
    again, _ = delta_pairs(x, x, pairing="random", random_state=1)
    other, _ = delta_pairs(x, x, pairing="random", random_state=2)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    # random pairs span the spread of the data (mean |difference| ~ n / 3), neighbours do not
    assert np.abs(first).mean() > 250


def test_packed_pairs_sum_of_squares_is_exact():
    x = np.array([[1.0], [4.0], [6.0]])
    packed, p, squares, means = packed_pairs(x, -x, pairing="consecutive", dtype=np.float64)
    assert p == 1
    assert packed.tolist() == [[3.0, -3.0], [2.0, -2.0]]
    assert squares.tolist() == [13.0, 13.0]
    assert means.tolist() == [11 / 3, -11 / 3]


def test_pairs_errors():
    with pytest.raises(ValidationError, match="pairing must be one of 'random', 'consecutive'"):
        pair_order(3, pairing="sorted")
    with pytest.raises(ValidationError, match=r"groups must have shape \(3,\); got \(2,\)"):
        pair_order(3, [1, 2])


# ----------------------------------------------------------------------- training loop
def _line(n: int = 64, slope: float = 3.0) -> np.ndarray:
    x = np.linspace(-1, 1, n, dtype=np.float32)
    return np.stack([x, slope * x - 0.5], axis=1)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_fits_a_line_with_bias(optimizer):
    fit = train_linear(_line(), 1, bias=True, **{**TRAIN, "optimizer": optimizer})
    assert fit.weight[0, 0] == pytest.approx(3.0, abs=1e-3)
    assert fit.bias is not None
    assert fit.bias[0] == pytest.approx(-0.5, abs=1e-3)
    assert fit.epochs == auto_epochs(64, 16) == 250
    assert len(fit.history) == 250


def test_scales_give_the_weights_of_the_scaled_problem_without_touching_the_rows():
    rows = _line() * np.float32(100)
    before = rows.copy()
    fit = train_linear(
        rows,
        1,
        bias=False,
        x_scale=np.array([100.0]),
        y_scale=np.array([50.0]),
        **{**TRAIN, "epochs": 200},  # converged whatever the shuffles (50 is not, for some seeds)
    )
    # y / 50 = w (x / 100): w = 3 * 100 / 50 = 6 (plus the -0.5 offset, not learnt: no bias)
    assert fit.weight[0, 0] == pytest.approx(6.0, abs=0.05)
    assert np.array_equal(rows, before)


def test_zero_init_keeps_an_all_zero_column_at_zero():
    rows = np.column_stack([_line()[:, 0], np.zeros(64, np.float32), _line()[:, 1] + 0.5])
    fit = train_linear(rows, 2, bias=False, init="zeros", **TRAIN)
    assert fit.weight[1, 0] == 0.0
    assert fit.weight[0, 0] == pytest.approx(3.0, abs=1e-3)


def test_the_loop_restores_torch_threads():
    before = torch.get_num_threads()
    train_linear(_line(), 1, bias=True, **{**TRAIN, "epochs": 1})
    assert torch.get_num_threads() == before


def test_an_exploding_loss_is_caught_before_it_overflows():
    rows = np.stack([np.full(10, 30.0), np.full(10, 1.0)], axis=1).astype(np.float32)
    # a finite loss a million times the first epoch's stops training (epoch 4 here)
    with pytest.raises(
        TrainingDivergedError,
        match=r"diverged at epoch 4 of 1000: loss [\d.]+e\+09 "
        r"\(first epoch 52\.1\) with lr=0\.01 \(sgd\) and input scale max\|x\|=30",
    ):
        train_linear(
            rows,
            1,
            bias=False,
            **{**TRAIN, "lr": 0.01, "optimizer": "sgd", "epochs": 1000, "batch_size": 10},
        )
    assert EXPLODE_FACTOR == 1e6


def test_nan_inputs_diverge_at_the_first_epoch():
    rows = np.array([[np.nan, 1.0], [1.0, 2.0]], dtype=np.float32)
    with pytest.raises(TrainingDivergedError, match="diverged at epoch 1 of 3: loss nan"):
        train_linear(rows, 1, bias=True, **{**TRAIN, "epochs": 3})


def test_lstsq_without_bias_and_with_constant_columns():
    x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    weight, bias = solve_lstsq(x, 2 * x[:, :1] + 7, bias=True)
    assert np.round(weight[:, 0], 9).tolist() == [2.0, 0.0]
    assert bias[0] == pytest.approx(7.0)
    weight, bias = solve_lstsq(x[:, :1], 4 * x[:, :1], bias=False)
    assert bias is None
    assert weight[0, 0] == pytest.approx(4.0)


def test_divergence_carries_its_numbers_as_fields():
    rows = np.stack([np.full(10, 30.0), np.full(10, 1.0)], axis=1).astype(np.float32)
    with pytest.raises(TrainingDivergedError) as caught:
        train_linear(
            rows,
            1,
            bias=False,
            **{**TRAIN, "lr": 0.01, "optimizer": "sgd", "epochs": 1000, "batch_size": 10},
        )
    exc = caught.value
    assert (exc.epoch, exc.lr, exc.input_scale) == (4, 0.01, 30.0)
    assert exc.loss > EXPLODE_FACTOR * 52.1
    assert f"at epoch {exc.epoch} of 1000: loss {exc.loss:.3g}" in str(exc)
    assert exc.message == str(exc)


def test_a_nan_loss_is_a_field_too():
    rows = np.array([[np.nan, 1.0], [1.0, 2.0]], dtype=np.float32)
    with pytest.raises(TrainingDivergedError) as caught:
        train_linear(rows, 1, bias=True, **{**TRAIN, "epochs": 3})
    assert caught.value.epoch == 1
    assert caught.value.lr == 0.1
    assert np.isnan(caught.value.loss)
    assert np.isnan(caught.value.input_scale)  # max|x| of inputs holding a NaN


# ------------------------------------------------- the hand-written optimisers vs torch.optim
def _torch_optimizer(name: str, params: list[torch.Tensor], lr: float) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    return torch.optim.SGD(params, lr=lr)


def _factor(schedule: str, total: int):
    """The learning-rate factor of a schedule, written independently for ``LambdaLR``."""
    if schedule == "linear":
        return lambda t: 1 - t / total
    return lambda t: 1.0


def test_learning_rate_schedules():
    assert [learning_rate(0.5, "linear", t, 4) for t in range(4)] == [0.5, 0.375, 0.25, 0.125]
    assert learning_rate(0.5, "constant", 3, 4) == 0.5
    for schedule in ("linear", "constant"):
        expected = [learning_rate(0.3, schedule, t, 7) for t in range(2, 6)]
        assert learning_rates(0.3, schedule, 2, 4, 7).tolist() == expected  # the same floats


# numpy's permutation; the compiled Fisher-Yates (rows in the cache); 16 buckets (beyond it)
@pytest.mark.parametrize(("n", "row_bytes"), [(1000, 1 << 30), (50_000, 24), (50_000, 1 << 10)])
def test_an_epoch_order_is_a_seeded_permutation(n, row_bytes):
    first = epoch_order(n, np.random.default_rng(4), row_bytes)
    assert sorted(first.tolist()) == list(range(n))
    again = np.random.default_rng(4)
    assert epoch_order(n, again, row_bytes).tolist() == first.tolist()
    assert epoch_order(n, again, row_bytes).tolist() != first.tolist()  # the next one differs


def test_an_epoch_order_is_uniform():
    rng = np.random.default_rng(0)
    counts: dict[tuple[int, ...], int] = {}
    for _ in range(6000):
        order = tuple(epoch_order(3, rng).tolist())
        counts[order] = counts.get(order, 0) + 1
    assert len(counts) == 6
    assert all(850 < c < 1150 for c in counts.values()), counts  # 1000 each; sd about 29


@pytest.mark.parametrize("row_bytes", [24, 1 << 10])
def test_an_order_of_many_rows_sends_every_row_anywhere(row_bytes):
    """Many rows (Fisher-Yates, or 16 buckets): where row 0 and row n - 1 land, and which rows
    open the order, spread evenly over the whole range (10% per decile; sd about 1.3% here)."""
    n, draws = 50_000, 500
    rng = np.random.default_rng(1)
    places, heads = [], []
    for _ in range(draws):
        order = epoch_order(n, rng, row_bytes)
        inverse = np.empty(n, dtype=np.int64)
        inverse[order] = np.arange(n)
        places += [inverse[0], inverse[n - 1]]
        heads += order[:10].tolist()
    for values in (places, heads):
        share = np.bincount(np.asarray(values) * 10 // n, minlength=10) / len(values)
        assert np.all(np.abs(share - 0.1) < 0.03), share


@pytest.mark.parametrize("schedule", ["constant", "linear"])
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_hand_written_optimisers_follow_torch_optim_step_for_step(name, schedule):
    gen = torch.Generator().manual_seed(0)
    start = torch.randn(5, 3, generator=gen)
    ours = start.clone()
    theirs = start.clone().requires_grad_()
    optimiser = make_optimizer(name, ours)
    reference = _torch_optimizer(name, [theirs], lr=0.1)
    total = 60
    scheduler = torch.optim.lr_scheduler.LambdaLR(reference, _factor(schedule, total))
    for step in range(total):
        # gradients over five orders of magnitude, so Adam's eps and corrections matter
        grad = torch.randn(5, 3, generator=gen) * 10.0 ** (step % 5 - 3)
        optimiser.step(grad, learning_rate(0.1, schedule, step, total))
        theirs.grad = grad.clone()
        reference.step()
        scheduler.step()
        torch.testing.assert_close(ours, theirs.detach(), rtol=0, atol=1e-6)


def _reference_run(rows, p, *, bias, lr, epochs, batch_size, optimizer, schedule, seed, scales):
    """train_linear's run written with autograd, torch.optim and LambdaLR on the same batches
    (same seeded start, same permutations): the scaled problem ``y / sy ~ (x / sx) W + b``."""
    n, q = rows.shape[0], rows.shape[1] - p
    rng = np.random.default_rng(seed)
    initial = torch.from_numpy(initial_weights(rng, p, q, bias, "uniform"))
    assert float(initial.abs().max()) <= 1.0 / math.sqrt(p)
    weight = initial[:p].to(torch.float32).clone().requires_grad_()
    offset = (initial[p] if bias else torch.zeros(q, dtype=torch.float64)).to(torch.float32)
    offset = offset.clone().requires_grad_(bias)
    reference = _torch_optimizer(optimizer, [weight, offset] if bias else [weight], lr)
    total = epochs * math.ceil(n / batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(reference, _factor(schedule, total))
    data = torch.from_numpy((rows / scales).astype(np.float32))
    history = []
    for _ in range(epochs):
        squares = 0.0
        order = epoch_order(n, rng, rows.strides[0])
        for block in data[torch.from_numpy(order)].split(batch_size):
            loss = torch.nn.functional.mse_loss(block[:, :p] @ weight + offset, block[:, p:])
            reference.zero_grad()
            loss.backward()
            reference.step()
            scheduler.step()
            squares += float(loss.detach()) * block.shape[0] * q
        history.append(squares / (n * q))
    return weight.detach().numpy(), offset.detach().numpy(), np.array(history)


@pytest.mark.parametrize(
    ("optimizer", "schedule", "bias", "scaled"),
    [
        ("adam", "linear", True, False),
        ("adam", "constant", False, True),
        ("sgd", "linear", False, False),
        ("sgd", "constant", True, True),
    ],
)
def test_the_training_loop_follows_torch_optim_on_the_same_batches(
    optimizer, schedule, bias, scaled
):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 3))
    y = x @ rng.normal(size=(3, 2)) + 0.5 + 0.1 * rng.normal(size=(64, 2))
    rows = np.concatenate([x, y], axis=1).astype(np.float32)
    scales = np.array([2.0, 0.5, 1.0, 4.0, 3.0]) if scaled else np.ones(5)
    settings = {"lr": 0.05, "epochs": 3, "batch_size": 10, "optimizer": optimizer}
    fit = train_linear(
        rows,
        3,
        bias=bias,
        **{**TRAIN, **settings, "schedule": schedule},
        x_scale=scales[:3] if scaled else None,
        y_scale=scales[3:] if scaled else None,
    )
    weight, offset, history = _reference_run(
        rows, 3, bias=bias, schedule=schedule, seed=0, scales=scales, **settings
    )
    np.testing.assert_allclose(fit.weight, weight, rtol=0, atol=1e-6)
    if bias:
        np.testing.assert_allclose(fit.bias, offset, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.history, history, rtol=1e-5)


# ------------------------------------------------------- compiled and numpy paths agree
# numpy's permutation; Fisher-Yates in place; four buckets, the rows copied bucket by bucket
@pytest.mark.parametrize(("n", "cache_bytes"), [(700, 1 << 25), (20_000, 1 << 25), (20_000, 0)])
@pytest.mark.parametrize(("optimizer", "bias"), [("adam", False), ("sgd", True)])
def test_the_numpy_epoch_equals_the_compiled_epoch(optimizer, bias, n, cache_bytes, monkeypatch):
    monkeypatch.setattr(_buckets, "CACHE_BYTES", cache_bytes)
    rng = np.random.default_rng(5)
    rows = (rng.normal(size=(n, 5)) * [1, 10, 0.1, 2, 3]).astype(np.float32)
    p, q = 3, 2
    inv = 1.0 / np.array([1.0, 10.0, 0.1, 2.0, 3.0])
    start = np.zeros((p + q + 1, q))
    start[:p] = rng.normal(size=(p, q))
    results = []
    for compiled in (False, True):
        run = _epoch.EpochState(start, optimizer)
        order_rng = np.random.default_rng(8)
        losses = []
        for e in range(3):
            steps = math.ceil(n / 64)
            rates = learning_rates(0.05, "linear", e * steps, steps, 10**4)
            if compiled:  # the bucketed copy of the rows and the places in it
                source, order = _epoch.epoch_rows(rows, order_rng, None) if e else (rows, None)
                losses.append(_epoch.run_epoch(source, order, p, 64, bias, inv, rates, run))
            else:  # the permutation of the same draws, on the scaled float64 rows
                order = _epoch.epoch_order(n, order_rng, rows.strides[0]) if e else None
                scaled = rows.astype(np.float64) * inv
                losses.append(_epoch.numpy_epoch(scaled, order, p, 64, bias, rates, run))
        results.append((run.state.copy(), np.concatenate(losses)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)


@pytest.mark.parametrize("p", [1, 3, 8])
@pytest.mark.parametrize(
    ("optimizer", "bias", "shuffled"), [("adam", True, True), ("sgd", False, False)]
)
def test_the_one_target_epoch_gives_the_bits_of_the_general_epoch(p, optimizer, bias, shuffled):
    """The kernel for one target keeps its gradient in registers: the same sums, same bits."""
    rng = np.random.default_rng(p)
    n = 3001
    rows = (rng.normal(size=(n, p + 1)) * 3).astype(np.float32)
    inv = rng.uniform(0.5, 2.0, size=p + 1)
    order = rng.permutation(n) if shuffled else np.empty(0, dtype=np.int64)
    rates = learning_rates(0.05, "linear", 0, math.ceil(n / 64), math.ceil(n / 64))
    start = np.zeros((p + 2, 1))
    start[:p] = rng.normal(size=(p, 1))
    results = []
    for kernel, width in ((_epoch._epoch["f4"], ()), (_epoch._epoch_one[f"f4_{p}"], (0.0,) * p)):
        run = _epoch.EpochState(start, optimizer)
        losses = np.empty(len(rates))
        kernel(rows, order, p, 64, bias, run.adam, inv, rates, run.state, run.grad,
               run.m, run.v, 0, losses, *[width] if width else [])  # fmt: skip
        results.append((run.state, losses))
    assert results[0][0].tobytes() == results[1][0].tobytes()
    assert results[0][1].tobytes() == results[1][1].tobytes()
    assert not np.array_equal(results[0][0], start)  # it trained


def test_a_small_fit_takes_the_numpy_epoch_and_a_large_one_the_kernel(monkeypatch):
    calls = []
    for name in ("numpy_epoch", "run_epoch"):
        real = getattr(_training, name)
        monkeypatch.setattr(
            _training, name, lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a)
        )
    monkeypatch.setattr(_epoch._epoch, "_compiled", {})  # as in a fresh process
    monkeypatch.setattr(_epoch._epoch_one, "_compiled", {})
    monkeypatch.setattr(_epoch, "_numpy_done", [0])
    train_linear(_line(), 1, bias=True, **{**TRAIN, "epochs": 2})
    assert set(calls) == {"numpy_epoch"}
    calls.clear()
    rows = np.tile(_line(), (20_000, 1))  # 1.28M rows x 2 columns: more than NUMPY_WORK values
    train_linear(rows, 1, bias=True, **{**TRAIN, "epochs": 4, "batch_size": 50_000})
    assert set(calls) == {"run_epoch"}
    assert rows.size * 4 > _epoch.NUMPY_WORK
    calls.clear()
    monkeypatch.setattr(_epoch._epoch, "_compiled", {})
    monkeypatch.setattr(_epoch._epoch_one, "_compiled", {})
    monkeypatch.setattr(_epoch, "_numpy_done", [_epoch.NUMPY_BUDGET + 1])  # numpy has had its share
    train_linear(_line(), 1, bias=True, **{**TRAIN, "epochs": 2})
    assert set(calls) == {"run_epoch"}


@pytest.fixture
def threaded(monkeypatch):
    """Three threads for any call: the scatter in three parts, the buckets in many chunks."""
    monkeypatch.setattr(_kernels, "PARALLEL_MIN", 8)
    monkeypatch.setenv("STROKEDELTA_THREADS", "3")


@pytest.mark.parametrize(("n", "p"), [(20_000, 3), (70_001, 3), (20_000, 8)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bucketed_pairs_equal_the_differences_of_the_shuffled_rows(n, p, dtype, threaded):
    """4 columns (the kernel with its sums in registers) and 9 (the general one)."""
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, p)) * 1e3 + 1e6
    y = rng.normal(size=(n, 1))
    assert _buckets.n_buckets(n) > 1
    pairs = packed_pairs(x, y, random_state=3, dtype=dtype)
    order, offsets = pair_order(n, random_state=3)
    assert offsets.tolist() == [0, n]
    assert sorted(order.tolist()) == list(range(n))
    rows = np.hstack([x, y])
    expected = np.diff(rows[order], axis=0)
    np.testing.assert_array_equal(pairs.rows, expected.astype(dtype))
    np.testing.assert_allclose(pairs.sum_squares, (expected**2).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(pairs.means, rows.mean(axis=0), rtol=1e-12)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STROKEDELTA_THREADS", "1")
        one = packed_pairs(x, y, random_state=3, dtype=dtype)
    np.testing.assert_array_equal(one.rows, pairs.rows)
    assert one.sum_squares.tobytes() == pairs.sum_squares.tobytes()
    assert one.means.tobytes() == pairs.means.tobytes()


def _centred_rows(x, y):
    """The documented centre (median of 65 evenly spaced rows) and the float32 rows."""
    rows = np.hstack([x, y])
    sample = rows[np.linspace(0, len(rows) - 1, 65).round().astype(int)]
    centre = np.sort(sample, axis=0)[32]
    return rows, centre, (rows - centre).astype(np.float32)


@pytest.mark.parametrize(("n", "p"), [(20_000, 1), (70_001, 5), (20_000, 7)])
def test_compact_pairs_are_float32_differences_of_centred_float32_rows(n, p, threaded):
    """The default fit's pairs: the bits of the documented recipe, within the documented
    bound of the exact differences, the same on one thread and on three."""
    rng = np.random.default_rng(n + p)
    x = rng.normal(size=(n, p)) * np.geomspace(1e-3, 1e3, p) + np.linspace(1e6, -5.0, p)
    y = rng.normal(size=(n, 1)) + 40.0
    pairs = packed_pairs(x, y, random_state=3, dtype=np.float64, compact=True)
    assert pairs.rows.dtype == np.float32
    assert pairs.rows.shape == (n - 1, p + 1)
    order, _ = pair_order(n, random_state=3)
    rows, centre, stored = _centred_rows(x, y)
    wide = np.diff(stored.astype(np.float64)[order], axis=0)
    np.testing.assert_array_equal(pairs.rows, wide.astype(np.float32))
    np.testing.assert_allclose(pairs.sum_squares, (wide**2).sum(axis=0), rtol=1e-12)
    exact = np.diff(rows[order], axis=0)
    far = np.abs(rows[order] - centre)
    bound = 2.0**-24 * (far[1:] + far[:-1] + np.abs(exact)) * 1.001
    assert (np.abs(pairs.rows - exact) <= bound).all()
    mean = rows.mean(axis=0)  # float64 rounding of ~1e6 and float32 rounding of ~the spread
    assert (np.abs(pairs.means - mean) <= 1e-6 * rows.std(axis=0) + 1e-12 * np.abs(mean)).all()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STROKEDELTA_THREADS", "1")
        one = packed_pairs(x, y, random_state=3, dtype=np.float64, compact=True)
    np.testing.assert_array_equal(one.rows, pairs.rows)
    assert one.sum_squares.tobytes() == pairs.sum_squares.tobytes()
    assert one.means.tobytes() == pairs.means.tobytes()


@pytest.mark.parametrize(("size", "constant"), [(1e100, False), (1e-60, False), (1.0, True)])
def test_compact_pairs_outside_float32s_safe_range_are_the_exact_pairs(size, constant):
    """Differences too large or too small for float32 (1e-60 would all round to zero), or a
    constant column (which might have underflowed), take the exact float64 pairs."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(20_000, 2)) * size
    y = rng.normal(size=(20_000, 1)) * size
    if constant:
        x[:, 1] = 3.0
    compact = packed_pairs(x, y, random_state=1, dtype=np.float64, compact=True)
    exact = packed_pairs(x, y, random_state=1, dtype=np.float64)
    assert compact.rows.dtype == np.float64
    np.testing.assert_array_equal(compact.rows, exact.rows)
    assert compact.sum_squares.tobytes() == exact.sum_squares.tobytes()
    assert (compact.sum_squares[[0, 2]] > 0).all()


def test_the_default_fit_on_many_rows_matches_least_squares_whatever_the_offset():
    """30,000 rows without groups: the compact bucket pairs; offsets of 1e6 and columns
    a million times apart in size cost no accuracy, and a shift moves only the intercept."""
    from strokedelta.models import AbsoluteLinearRegressor, DeltaLinearRegressor

    rng = np.random.default_rng(8)
    x = rng.normal(size=(30_000, 3)) * [1e-3, 1.0, 1e3] + [1e6, -5.0, 0.0]
    y = x @ np.array([2e3, -1.0, 1e-3]) + 7.0 + rng.normal(size=30_000)
    best = AbsoluteLinearRegressor(solver="lstsq").fit(x, y).predict(x)
    model = DeltaLinearRegressor().fit(x, y)
    assert np.sqrt(np.mean((model.predict(x) - y) ** 2)) <= 1.01 * np.sqrt(np.mean((best - y) ** 2))
    shifted = DeltaLinearRegressor().fit(x + 1e4, y - 3.0)
    np.testing.assert_allclose(shifted.coef_, model.coef_, rtol=1e-4)
    np.testing.assert_allclose(shifted.predict(x + 1e4), model.predict(x) - 3.0, atol=1e-2)


@pytest.mark.parametrize(("optimizer", "bias"), [("adam", True), ("sgd", False)])
def test_the_torch_loop_follows_the_cpu_loop(optimizer, bias):
    """The GPU loop's code, run on CPU tensors: the same steps as the CPU loop on the same
    seeded orders and start (float32 matmuls there, float64 here)."""
    rows = np.tile(_line(), (3, 1))
    inv = np.array([1.0, 0.5])
    setup = (16, bias, inv, optimizer, True)
    initial = _training.initial_weights(np.random.default_rng(0), 1, 1, bias, "uniform")

    def rates(start, count):
        return learning_rates(0.05, "linear", start, count, 12 * 5)

    fits = [
        train(rows, 1, setup, initial, np.random.default_rng(1), rates, range(5), None, *dev)
        for train, dev in ((_training._train_cpu, ()), (_training._train_gpu, ("cpu",)))
    ]
    np.testing.assert_allclose(fits[1].weight, fits[0].weight, rtol=1e-5, atol=1e-6)
    if bias:
        np.testing.assert_allclose(fits[1].bias, fits[0].bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fits[1].history, fits[0].history, rtol=1e-4)
    assert (fits[0].device, fits[1].device) == ("cpu", "cpu")
