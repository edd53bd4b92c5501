"""What the binary readers (``.bin``, ``.npz``, Parquet) share: regular inputs, bounded sizes.

Examples
--------
>>> from strokedelta.limits import ReadLimits
>>> check_expansion(ReadLimits(max_ratio=10), 100 << 20, 1 << 20, "member a.npy", path="x.npz")
Traceback (most recent call last):
...
strokedelta.exceptions.ResourceLimitError: x.npz: member a.npy expands 100x (1048576 ->
    104857600 bytes), over the limit max_ratio=10 (raise it with --limit max_ratio=N or
    ReadLimits(max_ratio=N))
"""

from __future__ import annotations

import os

from strokedelta._files import cannot_open, check_input_file
from strokedelta.exceptions import FileAccessError, ResourceLimitError
from strokedelta.limits import ReadLimits

__all__ = ["RATIO_FLOOR", "check_expansion", "regular_size"]

#: Below this many bytes an expansion is never refused for its ratio (see ReadLimits.max_ratio).
RATIO_FLOOR = 64 << 20


def regular_size(path: str) -> int:
    """The size of ``path``, refusing what is not a regular file (FIFO, device, directory).

    Raises
    ------
    FileAccessError
        The file does not exist, cannot be looked at, or is not a regular file
        (:func:`strokedelta._files.check_input_file`).
    """
    check_input_file(path)
    try:
        return os.stat(path).st_size
    except OSError as exc:
        raise cannot_open(exc, path) from None
    except ValueError as exc:  # an embedded NUL in the name
        raise FileAccessError(f"cannot open file: {exc}", path=path) from None


def check_expansion(
    limits: ReadLimits, expanded: int, compressed: int, what: str, **where: object
) -> None:
    """Refuse ``expanded`` bytes from ``compressed`` over max_decompressed_bytes or max_ratio.

    ``what`` names the stream (``"member train.npy"``); ``where`` is ``path=`` etc.
    """
    limits.check("max_decompressed_bytes", expanded, f"{what} expands to {expanded} bytes", **where)
    if expanded > RATIO_FLOOR and expanded > limits.max_ratio * max(compressed, 1):
        ratio = expanded // max(compressed, 1)
        raise ResourceLimitError(
            f"{what} expands {ratio}x ({compressed} -> {expanded} bytes)",
            limit="max_ratio",
            value=limits.max_ratio,
            **where,  # type: ignore[arg-type]
        )
