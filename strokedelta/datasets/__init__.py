"""Training sets from whole Quick, Draw! categories: Sketch-RNN ``.npz``, Parquet and bitmaps.

:func:`build_dataset` (the CLI's ``strokedelta dataset build``) reads many drawings files,
filters them, cuts exact train/valid/test splits per category that depend only on the seed and
each drawing's identity, writes one of three layouts and a ``manifest.json``
(:mod:`.build`, :mod:`.scan`, :mod:`.collect`, :mod:`.outputs`, :mod:`.manifest`). It runs on
this machine's cores or on a Dask cluster (:mod:`.engine`; the Dask engine is
:mod:`strokedelta.distributed.datasets`), with identical bytes either way.
"""

import importlib
from typing import Any

from strokedelta.datasets.build import build_dataset, resolve_sources
from strokedelta.datasets.engine import ENGINES, Engine, ThreadEngine, engine_for, register_engine
from strokedelta.datasets.manifest import MANIFEST
from strokedelta.datasets.spec import FORMATS, BuildSpec, Filters, Splits, parse_splits

__all__ = [
    "ENGINES",
    "FORMATS",
    "MANIFEST",
    "BuildSpec",
    "Engine",
    "Filters",
    "Splits",
    "ThreadEngine",
    "build_dataset",
    "engine_for",
    "parse_splits",
    "register_engine",
    "resolve_sources",
]

# Training from a dataset (torch): loaded on first use, so that building one does not import torch.
_LAZY = {
    "BitmapDataset": "strokedelta.datasets.bitmaps",
    "LoadedDataset": "strokedelta.datasets.loader",
    "ParquetBitmapDataset": "strokedelta.datasets.bitmaps",
    "ParquetStream": "strokedelta.datasets.streaming",
    "ParquetStrokeDataset": "strokedelta.datasets.streaming",
    "load_dataset": "strokedelta.datasets.loader",
}
__all__ += sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Import the torch-backed training datasets on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'strokedelta.datasets' has no attribute {name!r}")
