"""Sketch data: the :class:`Drawings` container, exact format conversions, simplification,
Sketch-RNN preprocessing, augmentation and summary statistics. The torch ``StrokeDataset``
lives in :mod:`strokedelta.sketch.dataset` (imported on demand, as it needs torch)."""

from typing import TYPE_CHECKING

from strokedelta._lazy import lazy_attributes
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
from strokedelta.sketch.moments import DeltaMoments
from strokedelta.sketch.preprocess import (
    clamp_offsets,
    denormalize,
    filter_length,
    fit_scale_factor,
    normalize,
    preparation,
    prepare_drawings,
)
from strokedelta.sketch.stats import (
    DrawingsSummary,
    describe_drawings,
    describe_groups,
    describe_summaries,
    group_drawings,
    merge_groups,
    summarize_groups,
)

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports these
    from strokedelta.sketch.polyline import rdp, rdp_mask, resample
    from strokedelta.sketch.scaler import ScaleNormalizer
    from strokedelta.sketch.simplify import simplify_drawings, simplify_polylines

#: Names imported on first use: scikit-learn (``ScaleNormalizer``) and numba (the RDP and
#: resampling kernels) take seconds to import, and reading or summarising drawings needs neither.
_LAZY = {
    "ScaleNormalizer": "strokedelta.sketch.scaler",
    **dict.fromkeys(["rdp", "rdp_mask", "resample"], "strokedelta.sketch.polyline"),
    **dict.fromkeys(["simplify_drawings", "simplify_polylines"], "strokedelta.sketch.simplify"),
}


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY)


__all__ = [
    "META_COLUMNS",
    "SPLITS",
    "DeltaMoments",
    "Drawings",
    "DrawingsSummary",
    "ScaleNormalizer",
    "absolute_to_stroke3",
    "clamp_offsets",
    "denormalize",
    "describe_drawings",
    "describe_groups",
    "describe_summaries",
    "drop_points",
    "filter_length",
    "fit_scale_factor",
    "group_drawings",
    "merge_groups",
    "normalize",
    "polylines_to_stroke3",
    "preparation",
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
    "summarize_groups",
]
