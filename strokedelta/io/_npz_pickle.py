"""Unpickling the object arrays of a ``.npy`` member without running anything from the file.

A pickle runs code by naming a global (``find_class``) and calling it (``REDUCE``) or by
handing state to an object's ``__setstate__`` (``BUILD``). :class:`SafeUnpickler` admits only
the globals that numpy's own array pickles name, and not even those: each admitted name is
replaced by a small checker (:data:`ALLOWED_GLOBALS`) that accepts exactly the arguments numpy
writes and builds a *stub*. numpy's ``ndarray.__setstate__`` and ``dtype.__setstate__`` are
never given data from the file (``ndarray.__setstate__`` crashes the process on an object
array whose element list is shorter than its shape); the stubs check every field, and real
arrays are made only from checked state, with memory in proportion to the pickle's size.

The admitted reconstructions:

- ``numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b"b")`` (also ``numpy._core``):
  an empty array to be filled by its state ``(1, shape, dtype, fortran, data)``, with ``data``
  the raw bytes (``str`` in Python 2 pickles read as latin-1) or, for ``dtype('O')``, the list
  of elements;
- ``numpy.dtype(code, align, copy)`` with ``code`` a plain numeric or object code (``'i2'``,
  ``'<f8'``, ``'O8'``) and its state ``(3, byteorder, None, None, None, -1, -1, flags)``;
- ``_codecs.encode(text, 'latin1')`` with ``text`` a ``str``: how Python 3 pickles ``bytes``
  with protocol 2 (only this codec, only a ``str``: no other codec, no errors argument);
- ``builtins.bytes()`` with no argument: how Python 3 pickles ``b""`` with protocol 2.

Examples
--------
>>> import io, pickle
>>> import numpy as np
>>> data = pickle.dumps(np.arange(4, dtype=np.int16), protocol=2)
>>> SafeUnpickler(io.BytesIO(data), "x.npz, key train").load().tolist()
[0, 1, 2, 3]
>>> evil = pickle.dumps(print)
>>> SafeUnpickler(io.BytesIO(evil), "x.npz, key train").load()
Traceback (most recent call last):
...
strokedelta.exceptions.UnsafeFileError: x.npz, key train: refusing to load: the pickle asks
    for builtins.print, which could run code; only numpy arrays are allowed
"""

from __future__ import annotations

import math
import pickle
import re
from typing import Any, Literal, NoReturn

import numpy as np

from strokedelta.exceptions import FormatError, UnsafeFileError

__all__ = ["ALLOWED_GLOBALS", "SafeUnpickler"]

#: dtype codes a pickled array may have: numbers and objects, with an optional byte order.
_DTYPE_CODE = re.compile(r"[<>|=]?(?:[iuf][1248]|b1|O[48]?)")


class _Refused(Exception):
    """An argument or state that numpy never writes (becomes an UnsafeFileError)."""


def _refuse(what: str) -> NoReturn:
    raise _Refused(what)


class _Checked:
    """An admitted global: calling it checks the arguments; no state may be given to it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __setstate__(self, state: Any) -> None:
        _refuse(f"state given to {self.name}")


class _NdarrayType(_Checked):
    """``numpy.ndarray``: only an argument of ``_reconstruct``, never called."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("numpy.ndarray called directly (it allocates any shape)")


class _Stub:
    """A dtype or an array being built; ``value`` is set once its state was checked."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Any = None

    def __repr__(self) -> str:
        return "an array" if self.value is None else f"array {self.value.shape}"


class _DtypeStub(_Stub):
    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def __repr__(self) -> str:
        return f"dtype({self.code!r})"

    def __setstate__(self, state: Any) -> None:
        if self.value is not None:
            _refuse("a dtype's state given twice")
        if (
            not isinstance(state, tuple)
            or len(state) != 8
            or state[0] != 3
            or state[1] not in ("<", ">", "|", "=")
            or state[2:7] != (None, None, None, -1, -1)
            or not isinstance(state[7], int)
        ):
            _refuse(f"dtype state {_short(state)}")
        dtype = (
            np.dtype(object) if self.code.lstrip("<>|=").startswith("O") else np.dtype(self.code)
        )
        self.value = dtype.newbyteorder(state[1]) if state[1] in "<>" else dtype


class _ArrayStub(_Stub):
    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        if self.value is not None:
            _refuse("an array's state given twice")
        if type(state) is tuple and len(state) == 5 and state[0] == 1:
            state = state[1:]
        if type(state) is not tuple or len(state) != 4:
            _refuse(f"array state {_short(state)}")
        shape, dtype, fortran, data = state
        if type(dtype) is not _DtypeStub or dtype.value is None:
            _refuse("an array whose dtype is not a built numpy.dtype")
        if type(shape) is not tuple or type(fortran) not in (bool, int):
            _refuse(f"array shape {_short(shape)}, fortran flag {_short(fortran)}")
        self.value = _array(shape, dtype.value, bool(fortran), data)


def _kind(exc: BaseException) -> str:
    """``zlib.error``, ``pickle.UnpicklingError``, ``ValueError``: the exception's name."""
    kind = type(exc)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _count(shape: tuple[Any, ...]) -> int:
    """Elements of ``shape``: at most 32 entries, each an int in 0..2**40 (C-speed checks)."""
    try:
        fits = len(shape) <= 32 and (not shape or (min(shape) >= 0 and max(shape) <= 1 << 40))
    except TypeError:  # entries that do not compare with ints
        fits = False
    count = math.prod(shape) if fits else None
    if type(count) is not int:
        _refuse(f"array shape {_short(shape)}")
    return count


def _array(shape: tuple[Any, ...], dtype: np.dtype[Any], fortran: bool, data: Any) -> np.ndarray:
    """A real array from checked state: no allocation beyond what ``data`` already holds.

    The element count must equal what ``data`` holds (numpy's reshape then refuses a shape
    entry that is not an int).
    """
    count = _count(shape)
    order: Literal["C", "F"] = "F" if fortran else "C"
    if dtype.hasobject:
        if type(data) is not list or len(data) != count:
            got = f"{len(data)} elements" if type(data) is list else type(data).__name__
            _refuse(f"object array of shape {_short(shape)} with {got}")
        out = np.empty(count, dtype=object)
        for i, item in enumerate(data):
            out[i] = _resolved(item)
        return out.reshape(shape, order=order)
    if type(data) is str:  # a Python 2 str read as latin-1
        data = data.encode("latin1")
    if type(data) is not bytes or len(data) != count * dtype.itemsize:
        got = f"{len(data)} bytes" if type(data) is bytes else type(data).__name__
        _refuse(f"{dtype} array of shape {_short(shape)} with {got} of data")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order)


def _resolved(item: Any) -> Any:
    if isinstance(item, _ArrayStub):
        if item.value is None:
            _refuse("an array used before its state was given")
        return item.value
    if isinstance(item, _Stub):
        _refuse("a dtype used as an array element")
    return item


def _reconstruct(subtype: Any, shape: Any, tag: Any) -> _ArrayStub:
    if not isinstance(subtype, _NdarrayType) or shape != (0,) or tag not in (b"b", "b"):
        _refuse(f"_reconstruct{_short((subtype, shape, tag))}")
    return _ArrayStub()


def _dtype(code: Any, align: Any = False, copy: Any = True) -> _DtypeStub:
    if type(code) is not str or not _DTYPE_CODE.fullmatch(code) or align not in (0, 1):
        _refuse(f"numpy.dtype{_short((code, align, copy))}")
    return _DtypeStub(code)


def _latin1(text: Any, encoding: Any) -> bytes:
    if type(text) is not str or encoding != "latin1":
        _refuse(f"_codecs.encode{_short((text, encoding))}")
    return text.encode("latin1")


def _empty_bytes() -> bytes:
    return b""


class _Call(_Checked):
    """An admitted callable global, forwarding to its checker with ``arity`` arguments."""

    __slots__ = ("arity", "func")

    def __init__(self, name: str, func: Any, arity: tuple[int, int]) -> None:
        super().__init__(name)
        self.func = func
        self.arity = arity

    def __call__(self, *args: Any) -> Any:
        if not self.arity[0] <= len(args) <= self.arity[1]:
            _refuse(f"{self.name} called with {len(args)} arguments")
        return self.func(*args)


_RECONSTRUCT = _Call("numpy._core.multiarray._reconstruct", _reconstruct, (3, 3))
_BYTES = _Call("builtins.bytes", _empty_bytes, (0, 0))

#: The only globals a pickle may name, each a checker of the arguments numpy's pickles use.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): _NdarrayType("numpy.ndarray"),
    ("numpy", "dtype"): _Call("numpy.dtype", _dtype, (1, 3)),
    ("_codecs", "encode"): _Call("_codecs.encode", _latin1, (2, 2)),
    ("builtins", "bytes"): _BYTES,
    ("__builtin__", "bytes"): _BYTES,
}


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that builds numpy arrays and refuses every other global.

    :meth:`load` returns the array (numeric or object) the pickle describes; a pickle that
    names any other global, or calls an admitted one with arguments numpy never writes, raises
    :class:`~strokedelta.UnsafeFileError` before anything it names is called.

    Parameters
    ----------
    file : binary file
        The pickle stream.
    where : str
        ``"FILE, key KEY"``, used in the error message.

    Examples
    --------
    >>> import io, pickle, os
    >>> evil = pickle.dumps(os.getcwd)
    >>> SafeUnpickler(io.BytesIO(evil), "x.npz, key train").load()
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.UnsafeFileError: x.npz, key train: refusing to load: the pickle asks
        for posix.getcwd, which could run code; only numpy arrays are allowed
    """

    def __init__(self, file: Any, where: str) -> None:
        super().__init__(file, encoding="latin1")
        self.where = where

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafeFileError(
                f"refusing to load: the pickle asks for {module}.{name}, which could run "
                "code; only numpy arrays are allowed",
                path=self.where,
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeFileError("refusing to load: the pickle uses persistent ids", path=self.where)

    def load(self) -> Any:
        """Unpickle; an array comes back as a real ``numpy.ndarray``.

        Raises
        ------
        UnsafeFileError
            A global other than numpy's, or arguments / state numpy never writes.
        FormatError
            A corrupt pickle.
        """
        try:
            result = super().load()
            return _resolved(result)
        except _Refused as exc:
            raise UnsafeFileError(
                f"refusing to load: the pickle is not a plain numpy array ({exc})", path=self.where
            ) from None
        except FormatError:
            raise
        except Exception as exc:  # a corrupt pickle raises many types
            raise FormatError(
                f"corrupt pickle: {_kind(exc)}: {_short(str(exc))}", path=self.where
            ) from None
