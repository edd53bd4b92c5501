"""Sketch data: the :class:`Drawings` container, exact format conversions, simplification,
Sketch-RNN preprocessing, augmentation and summary statistics. The torch ``StrokeDataset``
lives in :mod:`strokedelta.sketch.dataset` (imported on demand, as it needs torch)."""

from strokedelta.sketch.augment import drop_points, random_scale
from strokedelta.sketch.drawings import META_COLUMNS, SPLITS, Drawings
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
from strokedelta.sketch.polyline import rdp, rdp_mask, resample
from strokedelta.sketch.preprocess import (
    ScaleNormalizer,
    clamp_offsets,
    denormalize,
    filter_length,
    fit_scale_factor,
    normalize,
    prepare_drawings,
)
from strokedelta.sketch.simplify import simplify_drawings, simplify_polylines
from strokedelta.sketch.stats import describe_drawings, describe_groups, group_drawings

__all__ = [
    "META_COLUMNS",
    "SPLITS",
    "Drawings",
    "ScaleNormalizer",
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
]
