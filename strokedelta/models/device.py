"""Where the models train: the ``device`` parameter (``"auto"``, ``"cpu"``, ``"cuda"``).

:func:`device_type` answers ``"cpu"`` or ``"cuda"`` without importing torch when torch cannot
reach a GPU here (a CPU-only build of torch, or no GPU driver), so that training on the CPU,
which does not use torch, never pays for importing it; :func:`resolve_device` gives the torch
device.

Examples
--------
>>> device_type("cpu"), resolve_device("cpu")
('cpu', device(type='cpu'))
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from typing import TYPE_CHECKING

from strokedelta._validation import check_device, fail

if TYPE_CHECKING:
    import torch

__all__ = ["device_type", "resolve_device"]


def _torch_may_see_a_gpu() -> bool:
    """False when torch certainly cannot use a GPU here, found without importing torch: its
    build has neither CUDA nor ROCm (``torch/version.py``), or no NVIDIA or AMD GPU device
    file exists. True when unsure (then torch is asked)."""
    if "torch" in sys.modules:
        return True
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return True
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        try:
            with open(os.path.join(folder, "version.py"), encoding="utf-8") as file:
                text = file.read()
        except OSError:
            return True
        built = re.findall(r"^(cuda|hip)\s*(?::[^=]*)?=\s*(.+)$", text, flags=re.MULTILINE)
        if len(built) == 2 and all(value.strip() == "None" for _, value in built):
            return False
    if os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/kfd"):
        return True
    return not sys.platform.startswith("linux")  # elsewhere, no cheap check: ask torch


def device_type(device: str) -> str:
    """``"cpu"`` or ``"cuda"`` for a ``device`` parameter, importing torch only when a GPU may
    be there.

    ``"auto"`` picks CUDA when it is available; asking for ``"cuda"`` without it is an error.

    Examples
    --------
    >>> device_type("cpu")
    'cpu'
    >>> device_type("gpu")
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: device must be one of 'auto', 'cpu', 'cuda'; got 'gpu'
    """
    check_device(device)
    if device == "cpu" or (device == "auto" and not _torch_may_see_a_gpu()):
        return "cpu"
    import torch  # here: only when a GPU may be used (torch takes seconds to import)

    available = torch.cuda.is_available()
    if device == "cuda" and not available:
        raise fail("device", "be 'cpu' or 'auto' on a machine without CUDA", "'cuda'")
    return "cuda" if available else "cpu"


def resolve_device(device: str) -> torch.device:
    """Turn ``"auto"``, ``"cpu"`` or ``"cuda"`` into a torch device (see :func:`device_type`).

    Examples
    --------
    >>> resolve_device("cpu").type
    'cpu'
    """
    import torch  # here: the caller asked for a torch device

    return torch.device(device_type(device))
