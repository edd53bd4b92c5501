"""strokedelta: delta coding of sketch strokes and series, and delta linear regressors.

Everything public is importable from here. Names that need torch (models, the stroke-5
``StrokeDataset``), scikit-learn (``DeltaTransformer``, ``ScaleNormalizer``,
``NotFittedError``), Dask (:mod:`strokedelta.distributed`, the extra ``strokedelta[dask]``) or
run experiments are loaded on first use, so ``import strokedelta`` stays light for the codec and
file formats.

Examples
--------
>>> import numpy as np
>>> import strokedelta as sd
>>> d = sd.to_deltas(np.array([3, 5, 4, 10]))
>>> d.tolist(), sd.from_deltas(d).tolist()
([3, 2, -1, 6], [3, 5, 4, 10])
"""

from __future__ import annotations

import importlib
from typing import Any

from strokedelta._version import __version__
from strokedelta.delta import from_deltas, to_deltas
from strokedelta.exceptions import (
    DeltaOverflowError,
    FormatError,
    MissingAnchorError,
    ModelFileError,
    StrokeDeltaError,
    TrainingDivergedError,
    UnsafeFileError,
    ValidationError,
)
from strokedelta.io import (
    ReadReport,
    convert_drawings,
    iter_drawings,
    open_writer,
    read_drawings,
    write_drawings,
)
from strokedelta.io.tables import read_table, write_table
from strokedelta.ragged import Ragged
from strokedelta.render import drawing_svg, save_png, save_svg
from strokedelta.sketch import (
    Drawings,
    absolute_to_stroke3,
    clamp_offsets,
    denormalize,
    describe_drawings,
    describe_groups,
    drop_points,
    filter_length,
    fit_scale_factor,
    group_drawings,
    normalize,
    polylines_to_stroke3,
    prepare_drawings,
    random_scale,
    rdp,
    rdp_mask,
    resample,
    simplify_drawings,
    simplify_polylines,
    stroke3_to_absolute,
    stroke3_to_polylines,
    stroke3_to_stroke5,
    stroke3_to_stroke5_batch,
    stroke5_to_stroke3,
    stroke5_to_stroke3_batch,
)
from strokedelta.synthetic import synthetic_drawings, synthetic_series

_LAZY = {  # torch, Dask, scikit-learn (seconds to import) or the experiments
    "DeltaTransformer": "strokedelta.transformer",
    "NotFittedError": "strokedelta.exceptions",
    "ScaleNormalizer": "strokedelta.sketch.scaler",
    "AbsoluteLinearRegressor": "strokedelta.models",
    "DeltaLinearRegressor": "strokedelta.models",
    "NextDeltaRegressor": "strokedelta.models",
    "NextPointRegressor": "strokedelta.models",
    "StrokeDataset": "strokedelta.sketch.dataset",
    "BitmapDataset": "strokedelta.datasets.bitmaps",
    "ParquetStrokeDataset": "strokedelta.datasets.streaming",
    "load_dataset": "strokedelta.datasets.loader",
    "rasterize": "strokedelta.render.raster",
    "client_for": "strokedelta.distributed",
    "collate_stroke5": "strokedelta.sketch.dataset",
    "convert_files": "strokedelta.distributed",
    "delta_dask_frame": "strokedelta.distributed",
    "drift_experiment": "strokedelta.experiments",
    "load_model": "strokedelta.models",
    "local_client": "strokedelta.distributed",
    "run_demo": "strokedelta.demo",
    "run_experiment": "strokedelta.experiments",
    "save_model": "strokedelta.models",
    "shift_experiment": "strokedelta.experiments",
    "sketch_shift_experiment": "strokedelta.experiments",
    "translate_drawings": "strokedelta.experiments",
}


def __getattr__(name: str) -> Any:
    """Import the torch- and experiment-backed names on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'strokedelta' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AbsoluteLinearRegressor",
    "BitmapDataset",
    "DeltaLinearRegressor",
    "DeltaOverflowError",
    "DeltaTransformer",
    "Drawings",
    "FormatError",
    "MissingAnchorError",
    "ModelFileError",
    "NextDeltaRegressor",
    "NextPointRegressor",
    "NotFittedError",
    "ParquetStrokeDataset",
    "Ragged",
    "ReadReport",
    "ScaleNormalizer",
    "StrokeDataset",
    "StrokeDeltaError",
    "TrainingDivergedError",
    "UnsafeFileError",
    "ValidationError",
    "__version__",
    "absolute_to_stroke3",
    "clamp_offsets",
    "client_for",
    "collate_stroke5",
    "convert_drawings",
    "convert_files",
    "delta_dask_frame",
    "denormalize",
    "describe_drawings",
    "describe_groups",
    "drawing_svg",
    "drift_experiment",
    "drop_points",
    "filter_length",
    "fit_scale_factor",
    "from_deltas",
    "group_drawings",
    "iter_drawings",
    "load_dataset",
    "load_model",
    "local_client",
    "normalize",
    "open_writer",
    "polylines_to_stroke3",
    "prepare_drawings",
    "random_scale",
    "rasterize",
    "rdp",
    "rdp_mask",
    "read_drawings",
    "read_table",
    "resample",
    "run_demo",
    "run_experiment",
    "save_model",
    "save_png",
    "save_svg",
    "shift_experiment",
    "simplify_drawings",
    "simplify_polylines",
    "sketch_shift_experiment",
    "stroke3_to_absolute",
    "stroke3_to_polylines",
    "stroke3_to_stroke5",
    "stroke3_to_stroke5_batch",
    "stroke5_to_stroke3",
    "stroke5_to_stroke3_batch",
    "synthetic_drawings",
    "synthetic_series",
    "to_deltas",
    "translate_drawings",
    "write_drawings",
    "write_table",
]
