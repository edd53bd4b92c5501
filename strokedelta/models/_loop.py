"""What the CPU and the GPU training loops share: the result, the epochs with their
divergence guard, and the divergence message.

A loss that turns non-finite, or grows more than :data:`EXPLODE_FACTOR` times above the first
epoch's, stops training with :class:`~strokedelta.exceptions.TrainingDivergedError`.

Examples
--------
>>> import numpy as np
>>> history, first = run_epochs(range(3), lambda epoch: 1.0 / (epoch + 1), None)
>>> history.tolist(), first
([1.0, 0.5, 0.3333333333333333], 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from strokedelta.exceptions import TrainingDivergedError

__all__ = ["DEFAULT_HINT", "EXPLODE_FACTOR", "SCALE_HINT", "LinearFit", "diverged", "run_epochs"]

#: Training stops as diverged when an epoch's loss exceeds this multiple of the first epoch's.
EXPLODE_FACTOR = 1e6

DEFAULT_HINT = (
    "use the delta model (DeltaLinearRegressor, CLI --mode delta: shift invariant, RMS-scaled "
    "deltas) or a smaller lr"
)
#: The divergence advice of the delta models.
SCALE_HINT = "use scale='rms' (the default) or a smaller lr"


@dataclass
class LinearFit:
    """What training returns: float64 weights ``(p, q)``, bias ``(q,)`` or None, the history,
    the number of epochs and the device type it ran on (``"cpu"`` or ``"cuda"``)."""

    weight: np.ndarray
    bias: np.ndarray | None
    history: np.ndarray
    epochs: int
    device: str = "cpu"


def diverged(
    epoch: int,
    epochs: int,
    loss: float,
    first: float | None,
    settings: tuple[float, str, str],
    rows: np.ndarray,
    inv_x: np.ndarray,
) -> TrainingDivergedError:
    """The divergence error: epoch, loss, learning rate, input scale and what to do, in the
    message and as the error's fields. ``settings`` is ``(lr, optimizer, hint)``, ``rows`` the
    packed training rows and ``inv_x`` the inverse scales of their ``p`` feature columns."""
    lr, optimizer, hint = settings
    x = rows[:, : len(inv_x)]
    x_max = float(np.abs(x).max()) if x.size else 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        seen = x.astype(np.float64) * inv_x
        mean_sq = float(np.square(seen).sum(axis=1).mean()) if x.size else 0.0
    stable = f"; stable SGD needs lr below about {0.5 / mean_sq:.1g} here" if mean_sq > 0 else ""
    first_text = "" if first is None else f" (first epoch {first:.3g})"
    scaled = "" if bool((inv_x == 1).all()) else " before RMS scaling"
    return TrainingDivergedError(
        f"training diverged at epoch {epoch} of {epochs}: loss {loss:.3g}{first_text} with "
        f"lr={lr:g} ({optimizer}) and input scale max|x|={x_max:.4g}{scaled}; gradients grow "
        f"with the size of the inputs, so {hint}{stable}",
        epoch=epoch,
        lr=lr,
        loss=loss,
        input_scale=x_max,
    )


def run_epochs(
    bar: Iterable[int],
    epoch: Callable[[int], float],
    failed: Callable[[int, float, float | None], TrainingDivergedError] | None,
) -> tuple[np.ndarray, float | None]:
    """Run ``epoch(e)`` (its mean loss) for every ``e`` of ``bar`` (a tqdm over the epochs, or
    any iterable); a non-finite or exploding loss raises ``failed(e + 1, loss, first)``.
    Returns the history and the first epoch's loss."""
    losses: list[float] = []
    first: float | None = None
    for e in bar:
        loss = epoch(e)
        if not math.isfinite(loss) or (first is not None and loss > EXPLODE_FACTOR * first):
            assert failed is not None
            raise failed(e + 1, loss, first)
        if first is None:
            first = max(loss, float(np.finfo(np.float32).tiny))
        losses.append(loss)
        postfix: Any = getattr(bar, "set_postfix", None)
        if postfix is not None and not getattr(bar, "disable", True):
            postfix(loss=f"{loss:.4g}")
    return np.asarray(losses, dtype=np.float64), first
