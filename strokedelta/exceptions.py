"""The exceptions strokedelta raises.

Every error the library raises on purpose is a :class:`StrokeDeltaError`, so callers (and the
CLI, which turns them into a one-line message) can catch them all at once. Where a built-in base
is natural it is mixed in, so ``except ValueError`` keeps working::

    StrokeDeltaError
    ├── ValidationError (ValueError)         an argument has the wrong shape, dtype or value
    │   ├── MissingAnchorError               first="drop" data whose anchors were never stored
    │   └── NotFittedError (AttributeError)  transform/predict before fit (also scikit-learn's
    │                                        sklearn.exceptions.NotFittedError)
    ├── DeltaOverflowError (OverflowError)   an integer delta or sum does not fit int64
    ├── FormatError (ValueError)             a file's content is malformed (names file and line)
    │   ├── UnsafeFileError                  a file asks to run code or load forbidden objects
    │   ├── ModelFileError                   a model file is tampered, truncated or foreign
    │   └── ResourceLimitError               a file exceeds a reader limit (names the limit)
    ├── FileAccessError (OSError)            a file cannot be opened, read or written at all
    ├── MissingDependencyError (ImportError) an optional extra is not installed (names it)
    └── TrainingDivergedError (ArithmeticError)  the loss became non-finite or exploded

The CLI maps this tree to exit codes in one place (:data:`strokedelta.cli.errors.EXIT_CODES`).

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

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "DeltaOverflowError",
    "FileAccessError",
    "FormatError",
    "MissingAnchorError",
    "MissingDependencyError",
    "ModelFileError",
    "NotFittedError",
    "ResourceLimitError",
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


if TYPE_CHECKING:

    class NotFittedError(ValidationError, _SklearnNotFittedError):
        """An estimator or transformer was used before ``fit`` (see :func:`_not_fitted_error`)."""


_LOCK = threading.Lock()


def _not_fitted_error() -> type[ValidationError]:
    """Create :class:`NotFittedError` on first use: it subclasses scikit-learn's, and importing
    scikit-learn takes seconds, which a command that fits nothing should not pay."""
    from sklearn.exceptions import NotFittedError as sklearn_not_fitted  # lazy: see above

    class NotFittedError(ValidationError, sklearn_not_fitted):
        """An estimator or transformer was used before ``fit``.

        It is also scikit-learn's ``NotFittedError`` (a ``ValueError`` and an
        ``AttributeError``), so scikit-learn's tools and ``except
        sklearn.exceptions.NotFittedError`` recognise it. The class is created (and
        scikit-learn imported) the first time ``strokedelta.exceptions.NotFittedError`` is
        looked up.
        """

    NotFittedError.__module__ = __name__
    NotFittedError.__qualname__ = "NotFittedError"  # pickles and tracebacks name it so
    return NotFittedError


def __getattr__(name: str) -> Any:
    """``NotFittedError`` on first use (:func:`_not_fitted_error`), then a module global."""
    if name == "NotFittedError":
        with _LOCK:  # one class, whichever thread asks first
            if "NotFittedError" not in globals():
                globals()["NotFittedError"] = _not_fitted_error()
        return globals()["NotFittedError"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with every attribute (Dask sends errors and reports from its workers)."""
        return (_rebuild_error, (type(self), self.args, self.__dict__))


def _rebuild_error(cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """The error :meth:`FormatError.__reduce__` pickled, rebuilt without calling ``__init__``."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class UnsafeFileError(FormatError):
    """A file asks to execute code or to build objects the reader does not allow."""


class ModelFileError(FormatError):
    """A saved model is tampered with, truncated or not a strokedelta model."""


class ResourceLimitError(FormatError):
    """A file exceeds one of the readers' limits (:class:`strokedelta.limits.ReadLimits`).

    The message names the limit and how to raise it; ``limit`` is its name and ``value`` the
    limit in force.

    Examples
    --------
    >>> err = ResourceLimitError("line has 300 bytes", limit="max_line_bytes", value=100,
    ...                          path="cat.ndjson", line=2)
    >>> str(err)  # doctest: +NORMALIZE_WHITESPACE
    'cat.ndjson, line 2: line has 300 bytes, over the limit max_line_bytes=100
        (raise it with --limit max_line_bytes=N or ReadLimits(max_line_bytes=N))'
    >>> err.limit, err.value
    ('max_line_bytes', 100)
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str,
        value: int,
        path: str | None = None,
        line: int | None = None,
        record: int | None = None,
    ) -> None:
        self.limit = limit
        self.value = value
        text = (
            f"{message}, over the limit {limit}={value} "
            f"(raise it with --limit {limit}=N or ReadLimits({limit}=N))"
        )
        super().__init__(text, path=path, line=line, record=record)


class FileAccessError(StrokeDeltaError, OSError):
    """A file cannot be opened, read or written (missing, a directory, no permission).

    Parameters
    ----------
    message : str
        What went wrong (the operating system's reason).
    path : str, optional
        The file, prefixed to the message.

    Examples
    --------
    >>> err = FileAccessError("cannot open file: No such file or directory", path="cat.ndjson")
    >>> str(err), err.path, isinstance(err, OSError)
    ('cat.ndjson: cannot open file: No such file or directory', 'cat.ndjson', True)
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        text = f"{self.path}: {message}" if self.path else message
        # OSError's own constructor would treat several arguments as (errno, strerror)
        super().__init__(text)


class MissingDependencyError(StrokeDeltaError, ImportError):
    """An optional dependency is missing; the message names the extra that installs it.

    Examples
    --------
    >>> err = MissingDependencyError("dask", extra="dask")
    >>> str(err)
    "this needs dask, which is not installed; install it with: pip install 'strokedelta[dask]'"

    A system library has no extra; ``hint`` says how to get it instead:

    >>> str(MissingDependencyError("libcairo", hint="install it with: apt-get install libcairo2"))
    'this needs libcairo, which is not installed; install it with: apt-get install libcairo2'
    """

    def __init__(self, package: str, *, extra: str | None = None, hint: str | None = None) -> None:
        self.package = package
        self.extra = extra
        how = hint or f"install it with: pip install 'strokedelta[{extra}]'"
        super().__init__(f"this needs {package}, which is not installed; {how}")


class TrainingDivergedError(StrokeDeltaError, ArithmeticError):
    """Training produced a non-finite or exploding loss; the estimator stays unfitted.

    Parameters
    ----------
    message : str
        The whole explanation (epoch, loss, learning rate, input scale and advice).
    epoch : int, optional
        1-based epoch at which the loss stopped being finite or exploded.
    lr : float, optional
        The learning rate of the run.
    loss : float, optional
        The loss that was judged divergent.
    input_scale : float, optional
        ``max|x|`` of the inputs the optimiser saw.

    Examples
    --------
    >>> err = TrainingDivergedError("training diverged", epoch=2, lr=0.01, loss=float("inf"))
    >>> err.epoch, err.lr, err.loss, err.input_scale
    (2, 0.01, inf, None)
    """

    def __init__(
        self,
        message: str,
        *,
        epoch: int | None = None,
        lr: float | None = None,
        loss: float | None = None,
        input_scale: float | None = None,
    ) -> None:
        self.message = message
        self.epoch = epoch
        self.lr = lr
        self.loss = loss
        self.input_scale = input_scale
        super().__init__(message)
