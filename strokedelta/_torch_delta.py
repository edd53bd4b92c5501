"""The delta codec on torch tensors: same rules as the numpy path, on the tensor's device.

Imported lazily by :mod:`strokedelta.delta` so numpy users never pay for importing torch.

Examples
--------
>>> import torch
>>> d = to_deltas(torch.tensor([3, 5, 4, 10]), offsets=[0, 2, 4], order=1, lag=1)
>>> d.tolist(), from_deltas(d, offsets=[0, 2, 4], order=1, lag=1).tolist()
([3, 2, 4, 6], [3, 5, 4, 10])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from strokedelta._kernels import overflow_error
from strokedelta._validation import check_int, check_offsets, fail

__all__ = ["from_deltas", "to_deltas"]

_SIGNED = (torch.int8, torch.int16, torch.int32, torch.int64)
_UNSIGNED_FLOOR = {torch.uint8: torch.int16}
for _name, _floor in (("uint16", torch.int32), ("uint32", torch.int64), ("uint64", torch.int64)):
    if hasattr(torch, _name):
        _UNSIGNED_FLOOR[getattr(torch, _name)] = _floor


def _prepare(name: str, x: torch.Tensor, offsets: Any, order: int, lag: int) -> tuple[Any, ...]:
    check_int("order", order, minimum=1)
    check_int("lag", lag, minimum=1)
    if x.dim() not in (1, 2):
        raise fail(name, "have shape (n,) or (n, C)", tuple(x.shape))
    if x.dtype == torch.bool or x.is_complex():
        raise fail(name, "have a numeric dtype", x.dtype)
    n = x.shape[0]
    if offsets is None:
        offs_np = np.array([0, n], dtype=np.int64)
    else:
        if isinstance(offsets, torch.Tensor):
            offsets = offsets.detach().cpu().numpy()
        offs_np = check_offsets(offsets, n)
    flat = x.reshape(n, x.shape[1] if x.dim() == 2 else 1)
    work = flat if x.is_floating_point() else flat.to(torch.int64)
    return torch.as_tensor(offs_np, device=x.device), work


def _heads(offsets: torch.Tensor, lag: int) -> torch.Tensor:
    idx = (offsets[:-1, None] + torch.arange(lag, device=offsets.device)).reshape(-1)
    return idx[idx < offsets[1:].repeat_interleave(lag)]


def _signs_differ(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """True where both ``a`` and ``c`` differ in sign from ``b`` (the int64 wrap tests)."""
    return torch.bitwise_and(torch.bitwise_xor(a, b), torch.bitwise_xor(c, b)) < 0


def _diff(work: torch.Tensor, offsets: torch.Tensor, lag: int) -> torch.Tensor:
    out = work.clone()
    out[lag:] = work[lag:] - work[:-lag]
    heads = _heads(offsets, lag)
    out[heads] = work[heads]
    if out.dtype == torch.int64 and out.shape[0] > lag:
        # a - b = r wraps when a and b differ in sign and r's sign differs from a's
        a, b, r = work[lag:], work[:-lag], out[lag:]
        wrapped = _signs_differ(b, a, r)
        wrapped[heads[heads >= lag] - lag] = False
        if bool(wrapped.any()):
            raise overflow_error("difference")
    return out


def _cumsum(d: torch.Tensor, offsets: torch.Tensor, lag: int) -> torch.Tensor:
    work_dtype = torch.float64 if d.is_floating_point() else torch.int64
    out = torch.empty(d.shape, dtype=work_dtype, device=d.device)
    lengths = offsets[1:] - offsets[:-1]
    nonempty = torch.nonzero(lengths).reshape(-1)
    if nonempty.numel() == 0:
        return out
    steps = (lengths[nonempty] + lag - 1) // lag
    bucket = torch.ceil(torch.log2(steps.to(torch.float64))).to(torch.int64)
    for b in torch.unique(bucket).tolist():
        seqs = nonempty[bucket == b]
        width = 2**b * lag
        pos = torch.arange(width, device=d.device)
        valid = pos < lengths[seqs, None]
        rows = torch.where(valid, offsets[seqs, None] + pos, 0)
        block = torch.where(valid[..., None], d[rows].to(work_dtype), 0)
        block = block.reshape(len(seqs), width // lag, lag, -1)
        scanned = torch.cumsum(block, dim=1)
        if work_dtype == torch.int64:
            here, add = scanned[:, 1:], block[:, 1:]
            # p + q = r wraps when p and q share a sign that r does not
            if bool(_signs_differ(scanned[:, :-1], here, add).any()):
                raise overflow_error("cumulative sum")
        out[rows[valid]] = scanned.reshape(len(seqs), width, -1)[valid]
    return out


def _finish(x: torch.Tensor, work: torch.Tensor) -> torch.Tensor:
    if x.is_floating_point():
        return work.to(x.dtype).reshape(x.shape)
    floor = _UNSIGNED_FLOOR.get(x.dtype, x.dtype)
    floor_bits = torch.iinfo(floor).bits
    low = int(work.min()) if work.numel() else 0
    high = int(work.max()) if work.numel() else 0
    for dtype in _SIGNED:
        info = torch.iinfo(dtype)
        if info.bits >= floor_bits and info.min <= low and high <= info.max:
            return work.to(dtype).reshape(x.shape)
    return work.reshape(x.shape)  # pragma: no cover


def to_deltas(x: torch.Tensor, offsets: Any, *, order: int, lag: int) -> torch.Tensor:
    """Tensor version of :func:`strokedelta.to_deltas` (same device, dtype rules)."""
    offs, work = _prepare("x", x, offsets, order, lag)
    for _ in range(order):
        work = _diff(work, offs, lag)
    return _finish(x, work)


def from_deltas(d: torch.Tensor, offsets: Any, *, order: int, lag: int) -> torch.Tensor:
    """Tensor version of :func:`strokedelta.from_deltas` (float64 accumulation on device)."""
    offs, work = _prepare("d", d, offsets, order, lag)
    for _ in range(order):
        work = _cumsum(work, offs, lag)
    return _finish(d, work)
