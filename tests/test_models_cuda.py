"""CPU and CUDA give the same fits (skipped without a CUDA GPU)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from strokedelta.models import (
    AbsoluteLinearRegressor,
    DeltaLinearRegressor,
    NextDeltaRegressor,
    NextPointRegressor,
)
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def _table():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 4)) * [1.0, 10.0, 0.1, 3.0] + 500
    y = x @ np.array([0.5, -0.1, 8.0, 0.2]) + rng.normal(size=20_000)
    return x, y, np.repeat(np.arange(20), 1000)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_delta_regressor_cpu_and_cuda_agree(optimizer):
    x, y, groups = _table()
    cpu = DeltaLinearRegressor(optimizer=optimizer, device="cpu").fit(x, y, groups)
    gpu = DeltaLinearRegressor(optimizer=optimizer, device="cuda").fit(x, y, groups)
    assert gpu.device_ == "cuda"
    assert cpu.device_ == "cpu"
    # float32 rounding differs between the devices, so trajectories differ at the noise level
    np.testing.assert_allclose(gpu.coef_, cpu.coef_, rtol=1e-2, atol=1e-3)
    cpu_rmse = np.sqrt(np.mean((cpu.predict(x) - y) ** 2))
    gpu_rmse = np.sqrt(np.mean((gpu.predict(x) - y) ** 2))
    assert gpu_rmse == pytest.approx(cpu_rmse, rel=1e-3)
    np.testing.assert_allclose(gpu.history_, cpu.history_, rtol=1e-2)


def test_absolute_regressor_cpu_and_cuda_agree():
    x, y, _ = _table()
    x = x - 500  # keep the unscaled baseline stable
    cpu = AbsoluteLinearRegressor(device="cpu").fit(x, y)
    gpu = AbsoluteLinearRegressor(device="cuda").fit(x, y)
    np.testing.assert_allclose(gpu.coef_, cpu.coef_, rtol=1e-2, atol=1e-3)
    assert gpu.intercept_ == pytest.approx(cpu.intercept_, rel=1e-2, abs=1e-2)


@pytest.mark.parametrize("cls", [NextDeltaRegressor, NextPointRegressor])
def test_sketch_models_cpu_and_cuda_agree(cls):
    rng = np.random.default_rng(1)
    values = rng.integers(-9, 10, size=(5000, 3))
    values[:, 2] = (rng.random(5000) < 0.08).astype(int)
    drawings = Drawings(Ragged(values, np.arange(0, 5001, 100)))
    cpu = cls(window=3, device="cpu").fit(drawings)
    gpu = cls(window=3, device="cuda").fit(drawings)
    np.testing.assert_allclose(gpu.coef_, cpu.coef_, rtol=1e-2, atol=1e-3)
    assert gpu.rmse(drawings) == pytest.approx(cpu.rmse(drawings), rel=1e-3)
