"""The model classes a model file may name: a registry filled by the classes themselves.

Every concrete subclass of :class:`~strokedelta.models.ModelBase` registers itself here when it
is defined (shared bases say ``abstract=True``), so :mod:`~strokedelta.models.persistence` looks
classes up by name without importing any of them, and a new model needs no table edited.

Examples
--------
>>> import strokedelta.models
>>> sorted(MODEL_CLASSES)[:2]
['AbsoluteLinearRegressor', 'DeltaLinearRegressor']
>>> model_class("os.system") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["MODEL_CLASSES", "model_class", "register_model"]

_CLASSES: dict[str, type] = {}

#: Read-only view of the registered model classes by class name.
MODEL_CLASSES: Mapping[str, type] = MappingProxyType(_CLASSES)


def register_model(cls: type) -> type:
    """Record ``cls`` under its class name (returned, so it also works as a decorator).

    A second class of the same name from another module is refused: a model file names its
    class by name alone, so two would be ambiguous. Redefining the same class (a module reload)
    replaces it.

    Examples
    --------
    >>> import strokedelta.models
    >>> class DeltaLinearRegressor:
    ...     pass
    >>> register_model(DeltaLinearRegressor)
    Traceback (most recent call last):
    ...
    TypeError: a model class named DeltaLinearRegressor is already registered (from
        strokedelta.models.linear); model files name their class by name, so give this one
        another name
    """
    name = cls.__name__
    known = _CLASSES.get(name)
    if known is not None and (known.__module__, known.__qualname__) != (
        cls.__module__,
        cls.__qualname__,
    ):
        raise TypeError(
            f"a model class named {name} is already registered (from {known.__module__}); "
            "model files name their class by name, so give this one another name"
        )
    _CLASSES[name] = cls
    return cls


def model_class(name: object) -> type | None:
    """The registered class called ``name``, or None (also for a name that is not a string)."""
    return _CLASSES.get(name) if isinstance(name, str) else None
