"""Module attributes imported on first use (PEP 562), for packages whose names need heavy
libraries (numba, pandas, torch, scikit-learn) that most callers never touch.

Examples
--------
>>> import types
>>> module = types.ModuleType("demo")
>>> module.__getattr__, module.__dir__ = lazy_attributes(module.__dict__, {"sqrt": "math"})
>>> module.sqrt(9.0), "sqrt" in vars(module), "sqrt" in dir(module)
(3.0, True, True)
>>> module.cbrt
Traceback (most recent call last):
...
AttributeError: module 'demo' has no attribute 'cbrt'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    namespace: dict[str, Any],
    names: Mapping[str, str],
    submodules: frozenset[str] = frozenset(),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__``: ``names`` maps a public name to the module it
    is imported from on first use, ``submodules`` are sub-modules reachable as attributes;
    ``namespace`` is the module's ``globals()``, where each imported value is kept."""
    module = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
        elif name in submodules:
            value = importlib.import_module(f"{module}.{name}")
        else:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names) | submodules)

    return __getattr__, __dir__
