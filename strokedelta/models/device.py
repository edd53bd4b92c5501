"""Where the models train: the ``device`` parameter (``"auto"``, ``"cpu"``, ``"cuda"``) as torch.

Examples
--------
>>> resolve_device("cpu")
device(type='cpu')
"""

from __future__ import annotations

import torch

from strokedelta._validation import check_device, fail

__all__ = ["resolve_device"]


def resolve_device(device: str) -> torch.device:
    """Turn ``"auto"``, ``"cpu"`` or ``"cuda"`` into a torch device.

    ``"auto"`` picks CUDA when it is available; asking for ``"cuda"`` without it is an error.

    Examples
    --------
    >>> resolve_device("cpu").type
    'cpu'
    >>> resolve_device("gpu")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: device must be one of 'auto', 'cpu', 'cuda'; got 'gpu'
    """
    check_device(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise fail("device", "be 'cpu' or 'auto' on a machine without CUDA", "'cuda'")
    return torch.device(device)
