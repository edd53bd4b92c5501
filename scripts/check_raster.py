"""Bitmaps of the real sample drawings against a plain transcription of Google's snippet.

Google's ``vector_to_raster`` (quickdraw-dataset issue #19) draws each point with one
``line_to`` on an ARGB32 cairo surface and keeps every fourth byte. This script renders the
simplified Quick, Draw! samples that way and with :func:`strokedelta.render.rasterize` (A8
surface, one ``cairo_append_path`` a stroke, optional threads) at several sizes, and prints how
many pixels differ and by how much, then the time per drawing of each path.

The real samples are ``../shared/data/real`` (or ``$STROKEDELTA_REAL_DATA``); without them the
repository's excerpts in ``data/`` are used, and the script says so.

Usage::

    python scripts/check_raster.py           # sizes 28, 30, 64, 128, 256; timing on 4000 drawings
    python scripts/check_raster.py --quick   # sizes 28 and 64; timing on 400 drawings
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import cairocffi as cairo
import numpy as np

from strokedelta.io import read_drawings
from strokedelta.render import rasterize
from strokedelta.sketch import Drawings

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("STROKEDELTA_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")
REAL_FILES = ("quickdraw_cat_simplified.ndjson", "quickdraw_sheep_simplified.ndjson")
SAMPLE_FILES = ("quickdraw_cat_sample.ndjson", "quickdraw_sheep_sample.ndjson")


def vector_to_raster(
    vector_images: list[Any], side: int = 28, line_diameter: float = 16, padding: float = 16
) -> Any:
    """Google's recipe (quickdraw-dataset issue #19) written out plainly: an ARGB32 surface,
    black paint, then per stroke a move_to and one line_to a point, white, and every fourth
    byte of the surface (blue on little-endian machines). One ``(side * side,)`` uint8 row per
    drawing. tests/test_raster.py checks :func:`strokedelta.render.rasterize` against it."""
    original_side = 256.0
    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, side, side)
    ctx = cairo.Context(surface)
    ctx.set_antialias(cairo.ANTIALIAS_BEST)
    ctx.set_line_cap(cairo.LINE_CAP_ROUND)
    ctx.set_line_join(cairo.LINE_JOIN_ROUND)
    ctx.set_line_width(line_diameter)
    total_padding = padding * 2.0 + line_diameter
    new_scale = float(side) / float(original_side + total_padding)
    ctx.scale(new_scale, new_scale)
    ctx.translate(total_padding / 2.0, total_padding / 2.0)
    out = []
    for vector_image in vector_images:
        strokes = [np.array(stroke, dtype=np.float64) for stroke in vector_image]
        ctx.set_source_rgb(0, 0, 0)
        ctx.paint()
        bbox = np.hstack(strokes).max(axis=1)
        offset = ((original_side, original_side) - bbox) / 2.0
        offset = offset.reshape(-1, 1)
        ctx.set_source_rgb(1, 1, 1)
        for xv, yv in [stroke + offset for stroke in strokes]:
            ctx.move_to(xv[0], yv[0])
            for x, y in zip(xv, yv):
                ctx.line_to(x, y)
            ctx.stroke()
        surface.flush()
        out.append(np.copy(np.asarray(surface.get_data())[::4]))
    return np.array(out, dtype=np.uint8).reshape(len(out), side * side)


def load() -> tuple[Drawings, str]:
    if REAL.is_dir():
        paths, where = [REAL / n for n in REAL_FILES], f"the real samples in {REAL}"
    else:
        paths, where = [ROOT / "data" / n for n in SAMPLE_FILES], "the excerpts in data/"
    drawings = Drawings.concat([Drawings(read_drawings(p).strokes) for p in paths])
    return drawings, where


def per_drawing(seconds: float, count: int) -> str:
    return f"{seconds / count * 1e6:7.0f} us/drawing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and drawings")
    args = parser.parse_args()
    drawings, where = load()
    polylines = drawings.to_polylines()
    print(f"data: {where} ({len(drawings)} drawings); cairo {cairo.cairo_version_string()}")
    sizes = (28, 64) if args.quick else (28, 30, 64, 128, 256)
    for size in sizes:
        want = vector_to_raster(polylines, size, 16.0, 16.0)
        got = rasterize(drawings, size)
        diff = np.abs(want.astype(np.int16) - got.astype(np.int16))
        print(
            f"size {size:3d}: {diff.size:9d} pixels compared, {int((diff > 0).sum())} differ, "
            f"largest difference {int(diff.max())}"
        )
    repeat = 4 if args.quick else 40
    many = Drawings.concat([drawings] * repeat)
    many_lines = polylines * repeat
    for size in (28, 256):
        start = time.perf_counter()
        vector_to_raster(many_lines, size, 16.0, 16.0)
        plain = time.perf_counter() - start
        timings = []
        for workers in (1, 2):
            start = time.perf_counter()
            rasterize(many, size, workers=workers)
            timings.append(time.perf_counter() - start)
        print(
            f"time at {size} px, {len(many)} drawings: snippet {per_drawing(plain, len(many))}, "
            f"rasterize {per_drawing(timings[0], len(many))} (1 thread), "
            f"{per_drawing(timings[1], len(many))} (2 threads)"
        )


if __name__ == "__main__":
    main()
