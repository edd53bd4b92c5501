"""The version of strokedelta (one place; the package and its metadata read it from here)."""

__version__ = "0.1.0"
