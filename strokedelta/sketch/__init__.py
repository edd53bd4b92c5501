"""Sketch data: the :class:`Drawings` container and exact format conversions."""

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

__all__ = [
    "META_COLUMNS",
    "Drawings",
    "absolute_to_stroke3",
    "polylines_to_stroke3",
    "stroke3_to_absolute",
    "stroke3_to_polylines",
    "stroke3_to_stroke5",
    "stroke3_to_stroke5_batch",
    "stroke5_to_stroke3",
    "stroke5_to_stroke3_batch",
]
