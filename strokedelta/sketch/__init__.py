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
from strokedelta.sketch.moments import DeltaMoments
from strokedelta.sketch.polyline import rdp, rdp_mask, resample
from strokedelta.sketch.preprocess import (
    clamp_offsets,
    denormalize,
    filter_length,
    fit_scale_factor,
    normalize,
    preparation,
    prepare_drawings,
)
from strokedelta.sketch.simplify import simplify_drawings, simplify_polylines
from strokedelta.sketch.stats import (
    DrawingsSummary,
    describe_drawings,
    describe_groups,
    describe_summaries,
    group_drawings,
    merge_groups,
    summarize_groups,
)


def __getattr__(name: str) -> object:
    """``ScaleNormalizer`` on first use: it imports scikit-learn (seconds of start-up)."""
    if name == "ScaleNormalizer":
        from strokedelta.sketch.scaler import ScaleNormalizer  # lazy: scikit-learn is slow

        globals()[name] = ScaleNormalizer
        return ScaleNormalizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
