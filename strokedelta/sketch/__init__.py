"""Sketch data: the :class:`Drawings` container, exact format conversions, simplification and
Sketch-RNN preprocessing. The torch ``StrokeDataset`` lives in :mod:`strokedelta.sketch.dataset`
(imported on demand, as it needs torch)."""

from strokedelta.sketch.drawings import META_COLUMNS, Drawings
from strokedelta.sketch.formats import (
    absolute_to_stroke3,
    polylines_to_stroke3,
    stroke3_to_absolute,
    stroke3_to_polylines,
    stroke3_to_stroke5,
    stroke3_to_stroke5_batch,
    stroke5_to_stroke3,
    stroke5_to_stroke3_batch,
)
from strokedelta.sketch.preprocess import (
    ScaleNormalizer,
    clamp_offsets,
    denormalize,
    drop_points,
    filter_length,
    fit_scale_factor,
    normalize,
    random_scale,
)
from strokedelta.sketch.simplify import (
    rdp,
    rdp_mask,
    resample,
    simplify_drawings,
    simplify_polylines,
)

__all__ = [
    "META_COLUMNS",
    "Drawings",
    "ScaleNormalizer",
    "absolute_to_stroke3",
    "clamp_offsets",
    "denormalize",
    "drop_points",
    "filter_length",
    "fit_scale_factor",
    "normalize",
    "polylines_to_stroke3",
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
]
