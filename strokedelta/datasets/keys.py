"""The rank of a drawing in its category: a keyed hash of the seed and the drawing's identity.

A drawing's identity is its ``key_id`` (Quick, Draw!'s 64-bit id, as text) or, in a format
without one, its file's name and its position in that file. Its rank key is a 64-bit hash of the
seed and that identity, so which split a drawing lands in depends on nothing else: not on chunk
sizes, worker counts, the order of the files or the engine. Decimal key ids (all of Quick,
Draw!'s) are hashed in numpy with SplitMix64's finaliser; other identities through
``hashlib.blake2b`` keyed with the seed.

Examples
--------
>>> import numpy as np
>>> a = identity_keys(np.array(["5201136883597312", "x-1"], dtype=object), 0)
>>> b = identity_keys(np.array(["x-1"], dtype=object), 0)
>>> bool(a[1] == b[0]), a.dtype.name
(True, 'uint64')
>>> seven = np.array(["7"], dtype=object)
>>> bool(identity_keys(seven, 1)[0] != identity_keys(seven, 0)[0])
True
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["identity_keys", "position_keys"]

#: A decimal without leading zeros and below 10**19 (so it fits uint64).
_CANONICAL = r"^(0|[1-9][0-9]{0,18})$"
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on a uint64 array (wraps modulo 2**64, as intended)."""
    z = z.copy()
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def _seed_word(seed: int, salt: bytes) -> np.ndarray:
    digest = hashlib.blake2b(salt, digest_size=8, key=str(seed).encode()).digest()
    return np.frombuffer(digest, dtype="<u8").copy()


def _decimal(ids: Any) -> np.ndarray | None:
    """``ids`` as uint64 when every one is a canonical decimal below 10**19, else None."""
    text = pa.array(ids, type=pa.string(), from_pandas=True)
    if not len(text):
        return np.zeros(0, np.uint64)
    if text.null_count or not pc.all(pc.match_substring_regex(text, _CANONICAL)).as_py():
        return None
    return pc.cast(text, pa.uint64()).to_numpy(zero_copy_only=False)


def identity_keys(ids: Any, seed: int) -> np.ndarray:
    """64-bit rank keys of identities (text), keyed by ``seed``."""
    numbers = _decimal(ids)
    if numbers is not None:
        return _mix(numbers * _GOLDEN + _seed_word(seed, b"key_id"))
    key = str(seed).encode()
    texts = [str(v) for v in ids]
    out = np.empty(len(texts), dtype=np.uint64)
    for i, identity in enumerate(texts):
        digest = hashlib.blake2b(str(identity).encode(), digest_size=8, key=key).digest()
        out[i] = int.from_bytes(digest, "little")
    return out


def position_keys(file_name: str, positions: np.ndarray, seed: int) -> np.ndarray:
    """64-bit rank keys of drawings known by ``file_name`` and their position in it.

    Examples
    --------
    >>> position_keys("sheep.npz", np.arange(3), 0).shape
    (3,)
    """
    base = _seed_word(seed, b"position:" + file_name.encode())
    return _mix(positions.astype(np.uint64) * _GOLDEN + base)
