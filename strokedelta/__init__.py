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

from typing import TYPE_CHECKING

from strokedelta._lazy import lazy_attributes
from strokedelta._version import __version__

if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ imports these
    from strokedelta.datasets.bitmaps import BitmapDataset
    from strokedelta.datasets.loader import load_dataset
    from strokedelta.datasets.streaming import ParquetStrokeDataset
    from strokedelta.delta import from_deltas, to_deltas
    from strokedelta.demo import run_demo
    from strokedelta.distributed import (
        client_for,
        convert_files,
        delta_dask_frame,
        local_client,
    )
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
    from strokedelta.experiments import (
        drift_experiment,
        run_experiment,
        shift_experiment,
        sketch_shift_experiment,
        translate_drawings,
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
    from strokedelta.models import (
        AbsoluteLinearRegressor,
        DeltaLinearRegressor,
        NextDeltaRegressor,
        NextPointRegressor,
        load_model,
        save_model,
    )
    from strokedelta.ragged import Ragged
    from strokedelta.render import drawing_svg, save_png, save_svg
    from strokedelta.render.raster import rasterize
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
    from strokedelta.sketch.dataset import StrokeDataset, collate_stroke5
    from strokedelta.sketch.scaler import ScaleNormalizer
    from strokedelta.synthetic import synthetic_drawings, synthetic_series
    from strokedelta.transformer import DeltaTransformer

#: Public name -> the module that defines it. Each is imported on first use, so ``import
#: strokedelta`` costs only this table and a command or script pays for what it uses: pandas,
#: numba, pyarrow, torch, scikit-learn or Dask load with the first name that needs them.
_LAZY = {
    **dict.fromkeys(["from_deltas", "to_deltas"], "strokedelta.delta"),
    **dict.fromkeys(
        [
            "DeltaOverflowError",
            "FormatError",
            "MissingAnchorError",
            "ModelFileError",
            "NotFittedError",
            "StrokeDeltaError",
            "TrainingDivergedError",
            "UnsafeFileError",
            "ValidationError",
        ],
        "strokedelta.exceptions",
    ),
    **dict.fromkeys(
        [
            "ReadReport",
            "convert_drawings",
            "iter_drawings",
            "open_writer",
            "read_drawings",
            "write_drawings",
        ],
        "strokedelta.io",
    ),
    **dict.fromkeys(["read_table", "write_table"], "strokedelta.io.tables"),
    "Ragged": "strokedelta.ragged",
    **dict.fromkeys(["drawing_svg", "save_png", "save_svg"], "strokedelta.render"),
    "rasterize": "strokedelta.render.raster",
    **dict.fromkeys(
        [
            "Drawings",
            "absolute_to_stroke3",
            "clamp_offsets",
            "denormalize",
            "describe_drawings",
            "describe_groups",
            "drop_points",
            "filter_length",
            "fit_scale_factor",
            "group_drawings",
            "normalize",
            "polylines_to_stroke3",
            "prepare_drawings",
            "random_scale",
            "rdp",
            "rdp_mask",
            "resample",
            "simplify_drawings",
            "simplify_polylines",
            "stroke3_to_absolute",
            "stroke3_to_polylines",
            "stroke3_to_stroke5",
            "stroke3_to_stroke5_batch",
            "stroke5_to_stroke3",
            "stroke5_to_stroke3_batch",
        ],
        "strokedelta.sketch",
    ),
    **dict.fromkeys(["synthetic_drawings", "synthetic_series"], "strokedelta.synthetic"),
    "DeltaTransformer": "strokedelta.transformer",
    "ScaleNormalizer": "strokedelta.sketch.scaler",
    **dict.fromkeys(
        [
            "AbsoluteLinearRegressor",
            "DeltaLinearRegressor",
            "NextDeltaRegressor",
            "NextPointRegressor",
            "load_model",
            "save_model",
        ],
        "strokedelta.models",
    ),
    **dict.fromkeys(["StrokeDataset", "collate_stroke5"], "strokedelta.sketch.dataset"),
    "BitmapDataset": "strokedelta.datasets.bitmaps",
    "ParquetStrokeDataset": "strokedelta.datasets.streaming",
    "load_dataset": "strokedelta.datasets.loader",
    **dict.fromkeys(
        ["client_for", "convert_files", "delta_dask_frame", "local_client"],
        "strokedelta.distributed",
    ),
    **dict.fromkeys(
        [
            "drift_experiment",
            "run_experiment",
            "shift_experiment",
            "sketch_shift_experiment",
            "translate_drawings",
        ],
        "strokedelta.experiments",
    ),
    "run_demo": "strokedelta.demo",
}
#: Sub-packages and modules reachable as attributes (``strokedelta.io.read_drawings``) after a
#: bare ``import strokedelta``, as when this module imported them eagerly.
_SUBMODULES = frozenset(
    {"delta", "exceptions", "io", "limits", "ragged", "render", "sketch", "synthetic"}
)


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY, _SUBMODULES)


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
