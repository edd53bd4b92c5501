"""The exceptions strokedelta raises.

Every error the library raises on purpose is a :class:`StrokeDeltaError`, so callers (and the
CLI, which turns them into a one-line message) can catch them all at once. Where a built-in base
is natural it is mixed in, so ``except ValueError`` keeps working::

    StrokeDeltaError
    ├── ValidationError (ValueError)         an argument has the wrong shape, dtype or value
    │   ├── MissingAnchorError               first="drop" data whose anchors were never stored
    │   └── NotFittedError (AttributeError)  transform/predict before fit
    ├── DeltaOverflowError (OverflowError)   an integer delta or sum does not fit int64
    ├── FormatError (ValueError)             a file's content is malformed (names file and line)
    │   ├── UnsafeFileError                  a file asks to run code or load forbidden objects
    │   └── ModelFileError                   a model file is tampered, truncated or foreign
    └── TrainingDivergedError (ArithmeticError)  the loss became non-finite or exploded

Examples
--------
>>> from strokedelta.exceptions import FormatError, StrokeDeltaError
>>> err = FormatError("drawing must be a list of strokes", path="cat.ndjson", line=3)
>>> str(err)
'cat.ndjson, line 3: drawing must be a list of strokes'
>>> isinstance(err, StrokeDeltaError) and isinstance(err, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "DeltaOverflowError",
    "FormatError",
    "MissingAnchorError",
    "ModelFileError",
    "NotFittedError",
    "StrokeDeltaError",
    "TrainingDivergedError",
    "UnsafeFileError",
    "ValidationError",
]


class StrokeDeltaError(Exception):
    """Base class of every error strokedelta raises on purpose."""


class ValidationError(StrokeDeltaError, ValueError):
    """An argument has the wrong shape, dtype or value ("NAME must ...; got ...")."""


class MissingAnchorError(ValidationError):
    """Data to integrate needs an anchor (first value) that was never stored."""


class NotFittedError(ValidationError, AttributeError):
    """An estimator or transformer was used before ``fit``."""


class DeltaOverflowError(StrokeDeltaError, OverflowError):
    """An integer difference or cumulative sum does not fit in int64."""


class FormatError(StrokeDeltaError, ValueError):
    """A file's content is malformed.

    Parameters
    ----------
    message : str
        What was wrong.
    path : str, optional
        The file, prefixed to the message.
    line : int, optional
        1-based line number (text formats), prefixed to the message.
    record : int, optional
        0-based record index (binary and array formats), prefixed to the message.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        record: int | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.record = record
        where = [p for p in (self.path,) if p]
        if line is not None:
            where.append(f"line {line}")
        if record is not None:
            where.append(f"record {record}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class UnsafeFileError(FormatError):
    """A file asks to execute code or to build objects the reader does not allow."""


class ModelFileError(FormatError):
    """A saved model is tampered with, truncated or not a strokedelta model."""


class TrainingDivergedError(StrokeDeltaError, ArithmeticError):
    """Training produced a non-finite or exploding loss; the estimator stays unfitted."""
