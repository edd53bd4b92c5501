"""strokedelta: delta coding of sketch strokes and series, and delta linear regressors.

Examples
--------
>>> import numpy as np
>>> import strokedelta as sd
>>> d = sd.to_deltas(np.array([3, 5, 4, 10]))
>>> d.tolist(), sd.from_deltas(d).tolist()
([3, 2, -1, 6], [3, 5, 4, 10])
"""

from strokedelta.delta import from_deltas, to_deltas
from strokedelta.exceptions import (
    DeltaOverflowError,
    FormatError,
    MissingAnchorError,
    ModelFileError,
    NotFittedError,
    StrokeDeltaError,
    TrainingDivergedError,
    UnsafeFileError,
    ValidationError,
)
from strokedelta.ragged import Ragged

__version__ = "0.1.0"

__all__ = [
    "DeltaOverflowError",
    "FormatError",
    "MissingAnchorError",
    "ModelFileError",
    "NotFittedError",
    "Ragged",
    "StrokeDeltaError",
    "TrainingDivergedError",
    "UnsafeFileError",
    "ValidationError",
    "__version__",
    "from_deltas",
    "to_deltas",
]
