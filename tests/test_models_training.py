"""The shared pieces: pairing of rows, the training loop, the divergence guard, lstsq."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.delta import to_deltas
from strokedelta.exceptions import TrainingDivergedError, ValidationError
from strokedelta.models import delta_pairs
from strokedelta.models._optimizers import make_optimizer
from strokedelta.models._solvers import solve_lstsq
from strokedelta.models._training import (
    EXPLODE_FACTOR,
    auto_epochs,
    epoch_order,
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
        match=r"diverged at epoch 4 of 1000: loss [\d.]+e\+10 "
        r"\(first epoch 740\) with lr=0\.01 \(sgd\) and input scale max\|x\|=30",
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
    assert exc.loss > EXPLODE_FACTOR * 740
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


def test_an_epoch_order_is_a_seeded_uniform_permutation():
    first = epoch_order(1000, torch.Generator().manual_seed(4))
    assert sorted(first.tolist()) == list(range(1000))
    again = torch.Generator().manual_seed(4)
    assert epoch_order(1000, again).tolist() == first.tolist()
    assert epoch_order(1000, again).tolist() != first.tolist()  # the next epoch differs
    gen = torch.Generator().manual_seed(0)
    counts: dict[tuple[int, ...], int] = {}
    for _ in range(6000):
        order = tuple(epoch_order(3, gen).tolist())
        counts[order] = counts.get(order, 0) + 1
    assert len(counts) == 6
    assert all(850 < c < 1150 for c in counts.values()), counts  # 1000 each; sd about 29


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
    gen = torch.Generator().manual_seed(seed)
    initial = (torch.rand((p + int(bias), q), generator=gen, dtype=torch.float64) * 2 - 1) * (
        1.0 / math.sqrt(p)
    )
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
        for block in data[torch.from_numpy(epoch_order(n, gen))].split(batch_size):
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
