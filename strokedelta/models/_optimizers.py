"""The hand-written optimisers of the training loop: SGD and Adam as in-place torch updates.

The training loop computes the gradient of its linear least-squares problem in closed form
(no autograd), so it does not use ``torch.optim``; these two classes are the updates of
``torch.optim.SGD`` (no momentum) and ``torch.optim.Adam`` (betas ``(0.9, 0.999)``, eps
``1e-8``, no weight decay, no amsgrad) written out on one tensor, the learning rate passed to
every step (the loop's linear decay ``lr * (1 - t / T)`` is ``LambdaLR`` with that factor).
``tests/test_models_training.py`` checks that they follow ``torch.optim`` step for step.

Adam's update is ``param -= rate * c2 / c1 * m / (sqrt(v) + eps * c2)`` with the bias
corrections ``c1 = 1 - beta1**t`` and ``c2 = sqrt(1 - beta2**t)``: algebraically torch's
``rate / c1 * m / (sqrt(v) / c2 + eps)``, in fewer tensor operations.

Examples
--------
>>> import torch
>>> param = torch.zeros(2)
>>> adam = make_optimizer("adam", param)
>>> adam.step(torch.tensor([1.0, -2.0]), rate=0.1)  # Adam's first step: -rate * sign(grad)
>>> [round(value, 6) for value in param.tolist()]
[-0.1, 0.1]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from strokedelta._validation import check_choice

if TYPE_CHECKING:  # the updates are tensor methods: importing this module needs no torch
    import torch

__all__ = ["ADAM_BETAS", "ADAM_EPS", "OPTIMIZERS", "Adam", "Sgd", "make_optimizer"]

#: The optimiser names a model's ``optimizer`` parameter takes.
OPTIMIZERS = ("sgd", "adam")
#: ``torch.optim.Adam``'s default decay rates of the two moment estimates.
ADAM_BETAS = (0.9, 0.999)
#: ``torch.optim.Adam``'s default term added to the denominator.
ADAM_EPS = 1e-8


class Sgd:
    """Plain gradient descent on ``param`` in place: ``param -= rate * grad``."""

    def __init__(self, param: torch.Tensor) -> None:
        self.param = param

    def step(self, grad: torch.Tensor, rate: float) -> None:
        """One update with learning rate ``rate``."""
        self.param.add_(grad, alpha=-rate)


class Adam:
    """Adam on ``param`` in place, with its moment estimates and step count."""

    def __init__(self, param: torch.Tensor) -> None:
        self.param = param
        self.m = param.new_zeros(param.shape)
        self.v = param.new_zeros(param.shape)
        self.steps = 0

    def step(self, grad: torch.Tensor, rate: float) -> None:
        """One update with learning rate ``rate`` (see the module docstring)."""
        beta1, beta2 = ADAM_BETAS
        self.steps += 1
        self.m.lerp_(grad, 1 - beta1)
        self.v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        correction2 = math.sqrt(1 - beta2**self.steps)
        denom = self.v.sqrt().add_(ADAM_EPS * correction2)
        self.param.addcdiv_(self.m, denom, value=-rate * correction2 / (1 - beta1**self.steps))


def make_optimizer(name: str, param: torch.Tensor) -> Sgd | Adam:
    """The optimiser ``name`` (``"sgd"`` or ``"adam"``) of ``param``.

    Examples
    --------
    >>> import torch
    >>> type(make_optimizer("sgd", torch.zeros(1))).__name__
    'Sgd'
    """
    check_choice("optimizer", name, OPTIMIZERS)
    return Adam(param) if name == "adam" else Sgd(param)
