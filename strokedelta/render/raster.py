"""Drawings as grey bitmaps, by Google's ``numpy_bitmap`` recipe, rendered with cairo.

Quick, Draw!'s ``numpy_bitmap`` files hold one ``(N, 784)`` ``uint8`` array per category: 28x28
images of the simplified drawings. The recipe is the ``vector_to_raster`` snippet linked from the
dataset's README (quickdraw-dataset issue #19), and this module follows it step for step:

1. a canvas of ``size`` x ``size`` pixels standing for the 256 px square of the simplified
   drawings plus a margin: the user space is scaled by ``size / (256 + 2 * padding +
   line_width)``, then translated by ``padding + line_width / 2`` (in that order, so the
   translation is in 256-space units);
2. each drawing is centred by its bounding box's maximum: every point moves by
   ``(256 - max) / 2`` per axis (the simplified drawings start at 0, so this centres them);
3. the background is painted black, then each stroke is stroked on its own, white, ``line_width``
   wide (in 256-space units: 16 is a 1.75 px line at 28 px), round caps and joins, cairo's best
   antialiasing (``ANTIALIAS_BEST``); the path of a stroke is ``move_to`` its first point, then
   ``line_to`` every point, the first one included;
4. the grey level of a pixel is the stroke coverage (white on black, 0 = background).

The snippet draws on an ``ARGB32`` surface and keeps every fourth byte (blue, on little-endian
machines); this module draws on an ``A8`` surface (one coverage byte a pixel) and hands cairo the
path of each stroke in one ``cairo_append_path`` call from a buffer built with numpy for a whole
chunk of drawings, instead of one Python call a point. ``tests/test_raster.py`` checks the result
against a plain transcription of the snippet (ARGB32, one ``line_to`` a point) on the real sample
files, at 28, 30, 64, 128 and 256 px: every pixel is identical
(``python scripts/check_raster.py`` prints the counts). Each drawing is drawn on a freshly
cleared canvas, so the result does not depend on the chunking or on ``workers``.

cairo is reached through cairocffi over the system's ``libcairo.so.2``; without it
:class:`~strokedelta.exceptions.MissingDependencyError` says what to install.

Examples
--------
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 255], [0, 255]]], [[[0, 255], [0, 0]]]])
>>> images = rasterize(d, size=28)
>>> images.shape, images.dtype.name
((2, 784), 'uint8')
>>> line = images[1].reshape(28, 28)  # y = 0 moves to 128: the line straddles rows 13 and 14
>>> line[12:16, 14].tolist(), int(line[13, 0]), int(line[13, 1])
([0, 187, 187, 0], 0, 58)
"""

from __future__ import annotations

import io
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from strokedelta._files import atomic_path, check_output_is_not_input
from strokedelta._validation import check_int, check_number, fail
from strokedelta.exceptions import MissingDependencyError
from strokedelta.io import ReadReport, iter_drawings
from strokedelta.limits import ReadLimits
from strokedelta.sketch.drawings import Drawings, check_drawings

__all__ = ["ORIGINAL_SIDE", "Rasterizer", "rasterize", "rasterize_file"]

#: The side of the square the simplified Quick, Draw! drawings live in.
ORIGINAL_SIDE = 256.0
_CHUNK = 1024  # drawings per path buffer (bounds its memory: ~32 bytes a point)
_MAX_SIZE = 4096


def _cairo() -> Any:
    """cairocffi, imported on first use: it loads the system libcairo at import time."""
    try:
        import cairocffi
    except (ImportError, OSError) as exc:  # no cairocffi, or no libcairo.so.2 under it
        missing = "libcairo" if isinstance(exc, OSError) else "cairocffi"
        hint = (
            "install the system cairo library (Debian/Ubuntu: apt-get install libcairo2; "
            "macOS: brew install cairo)"
            if missing == "libcairo"
            else "install it with: pip install cairocffi"
        )
        raise MissingDependencyError(missing, hint=hint) from exc
    return cairocffi


def _check_geometry(size: Any, line_width: Any, padding: Any) -> tuple[int, float, float]:
    size = check_int("size", size, minimum=1)
    if size > _MAX_SIZE:
        raise fail("size", f"be at most {_MAX_SIZE} pixels", size)
    return (
        size,
        check_number("line_width", line_width, positive=True),
        check_number("padding", padding, minimum=0),
    )


def _path_buffer(drawings: Drawings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """cairo path data of every stroke of ``drawings``, centred, in one buffer.

    Returns the buffer (``cairo_path_data_t`` elements as float64 pairs: a header, whose first
    8 bytes are the int32 type and length, then the point), the first element of each stroke
    (plus the end), and the first stroke of each drawing (plus the end).
    """
    points = drawings.absolute().values.astype(np.float64)
    offsets = drawings.strokes.offsets
    bounds = drawings.stroke_offsets()
    counts = np.diff(offsets)
    top = np.zeros((len(drawings), 2))
    filled = counts > 0
    if filled.any():
        top[filled] = np.maximum.reduceat(points, offsets[:-1][filled], axis=0)
    centred = points + np.repeat((ORIGINAL_SIDE - top) / 2.0, counts, axis=0)
    lengths = np.diff(bounds)
    sizes = 2 * (lengths + 1)  # move_to + line_to of the first point, then line_to each point
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    buffer = np.zeros((int(starts[-1]), 2), dtype=np.float64)
    header = buffer.view(np.int32).reshape(-1, 4)
    header[0::2, 0] = 1  # CAIRO_PATH_LINE_TO
    header[starts[:-1], 0] = 0  # CAIRO_PATH_MOVE_TO
    header[0::2, 1] = 2  # a header and one point
    stroke_of = np.repeat(np.arange(len(lengths)), lengths)
    within = np.arange(len(points)) - bounds[:-1][stroke_of]
    buffer[starts[:-1][stroke_of] + 3 + 2 * within] = centred
    buffer[starts[:-1] + 1] = centred[bounds[:-1]]
    return buffer, starts, np.searchsorted(bounds, offsets)


class Rasterizer:
    """A reusable cairo canvas of one size drawing Google's ``numpy_bitmap`` images.

    The canvas is made on the first call and kept (one per object; not shared between
    threads); a pickled copy (a ``DataLoader`` worker's) makes its own.

    Parameters
    ----------
    size : int
        Side of the images in pixels (28 for Google's files; 64, 128, 256 ... also work).
    line_width : float
        Line diameter in the 256 px space of the drawings (Google: 16).
    padding : float
        Margin on each side in the 256 px space, besides half a line (Google: 16).

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> d = Drawings.from_polylines([[[[10], [10]]]])  # one dot, drawn as a round cap
    >>> image = Rasterizer(8)(d).reshape(8, 8)
    >>> int(image.argmax() // 8), int(image.argmax() % 8), int(image.max()) > 0
    (4, 4, True)
    """

    def __init__(self, size: int = 28, *, line_width: float = 16.0, padding: float = 16.0) -> None:
        self.size, self.line_width, self.padding = _check_geometry(size, line_width, padding)
        self._canvas: tuple[Any, ...] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"size": self.size, "line_width": self.line_width, "padding": self.padding}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __repr__(self) -> str:
        return (
            f"Rasterizer(size={self.size}, line_width={self.line_width:g}, "
            f"padding={self.padding:g})"
        )

    def _open(self) -> tuple[Any, ...]:
        cairo = _cairo()
        surface = cairo.ImageSurface(cairo.FORMAT_A8, self.size, self.size)
        ctx = cairo.Context(surface)
        ctx.set_antialias(cairo.ANTIALIAS_BEST)
        ctx.set_line_cap(cairo.LINE_CAP_ROUND)
        ctx.set_line_join(cairo.LINE_JOIN_ROUND)
        ctx.set_line_width(self.line_width)
        margin = 2.0 * self.padding + self.line_width
        scale = self.size / (ORIGINAL_SIDE + margin)
        ctx.scale(scale, scale)
        ctx.translate(margin / 2.0, margin / 2.0)
        ctx.set_source_rgb(1, 1, 1)
        pixels = np.frombuffer(surface.get_data(), dtype=np.uint8)
        pixels = pixels.reshape(self.size, surface.get_stride())[:, : self.size]
        path = cairo.ffi.new("cairo_path_t *")
        path.status = cairo.STATUS_SUCCESS
        self._canvas = (cairo, surface, ctx, pixels, path)
        return self._canvas

    def __call__(self, drawings: Drawings, out: np.ndarray | None = None) -> np.ndarray:
        """Draw ``drawings``: ``(N, size * size)`` uint8 (into ``out`` when given)."""
        drawings = check_drawings(drawings)
        pixels_each = self.size * self.size
        if out is None:
            out = np.empty((len(drawings), pixels_each), dtype=np.uint8)
        elif out.shape != (len(drawings), pixels_each) or out.dtype != np.uint8:
            raise fail(
                "out", f"be a uint8 array of shape {(len(drawings), pixels_each)}", out.shape
            )
        for first in range(0, len(drawings), _CHUNK):
            chunk = drawings[first : first + _CHUNK]
            self._draw(chunk, out[first : first + len(chunk)])
        return out

    def _draw(self, drawings: Drawings, out: np.ndarray) -> None:
        cairo, surface, ctx, pixels, path = self._canvas or self._open()
        lib, ffi = cairo.cairo, cairo.ffi
        buffer, starts, first_stroke = _path_buffer(drawings)
        data = ffi.cast("cairo_path_data_t *", ffi.from_buffer(buffer))
        pointer = ctx._pointer
        clear, over = cairo.OPERATOR_CLEAR, cairo.OPERATOR_OVER
        for i in range(len(drawings)):
            lib.cairo_set_operator(pointer, clear)
            lib.cairo_paint(pointer)
            lib.cairo_set_operator(pointer, over)
            for stroke in range(int(first_stroke[i]), int(first_stroke[i + 1])):
                path.data = data + int(starts[stroke])
                path.num_data = int(starts[stroke + 1] - starts[stroke])
                lib.cairo_append_path(pointer, path)
                lib.cairo_stroke(pointer)
            surface.flush()
            out[i] = pixels.reshape(-1)
        status = lib.cairo_status(pointer)
        if status != cairo.STATUS_SUCCESS:
            message = ffi.string(lib.cairo_status_to_string(status)).decode()
            raise RuntimeError(f"cairo failed: {message}")
        del data  # the buffer must outlive every cairo_append_path above


def rasterize(
    drawings: Drawings,
    size: int = 28,
    *,
    line_width: float = 16.0,
    padding: float = 16.0,
    workers: int = 1,
    progress: bool = False,
) -> np.ndarray:
    """Render drawings as Google's ``numpy_bitmap`` grey images (white strokes on black).

    Parameters
    ----------
    drawings : Drawings
        Drawings in the 256 px space of Quick, Draw!'s simplified data (integer or float
        coordinates; raw drawings should be simplified first, their coordinates are not).
    size : int
        Side of the images in pixels (Google: 28).
    line_width, padding : float
        Line diameter and margin in the 256 px space (Google: 16 and 16).
    workers : int
        Threads drawing chunks of 1024 drawings at once (cairo runs without the GIL); the
        images do not depend on it.
    progress : bool
        Show a tqdm bar (drawings) on stderr.

    Returns
    -------
    ndarray, uint8, shape (N, size * size)
        Row-major images, 0 = background, 255 = fully covered.

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> d = Drawings.from_polylines([[[[0, 255], [0, 255]]]])
    >>> image = rasterize(d, size=64).reshape(64, 64)
    >>> bool((np.diag(image)[8:56] == 255).all()), int(image[0, 63]), int(image[63, 0])
    (True, 0, 0)
    """
    drawings = check_drawings(drawings)
    size, line_width, padding = _check_geometry(size, line_width, padding)
    workers = check_int("workers", workers, minimum=1)
    out = np.empty((len(drawings), size * size), dtype=np.uint8)
    step = min(_CHUNK, max(64, -(-len(drawings) // (4 * workers))))  # 4 chunks a thread
    starts = range(0, len(drawings), step)
    local = threading.local()

    def draw(first: int) -> int:
        if not hasattr(local, "rasterizer"):
            local.rasterizer = Rasterizer(size, line_width=line_width, padding=padding)
        chunk = drawings[first : first + step]
        local.rasterizer(chunk, out[first : first + len(chunk)])
        return len(chunk)

    bar = tqdm(
        total=len(drawings), unit=" drawings", file=sys.stderr, disable=not progress, leave=False
    )
    with bar, ThreadPoolExecutor(max(1, min(workers, len(starts)))) as pool:
        counts = map(draw, starts) if workers == 1 else pool.map(draw, starts)
        for count in counts:
            bar.update(count)
    return out


def _npy_header(shape: tuple[int, int]) -> bytes:
    """The .npy (version 1.0) header of a C-order uint8 array of ``shape``: the same bytes as
    ``np.save`` writes. numpy pads it for 21 digits of the first axis, so its length does not
    depend on the number of rows."""
    header = io.BytesIO()
    info = {"descr": "|u1", "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(header, info)
    return header.getvalue()


def rasterize_file(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    size: int = 28,
    line_width: float = 16.0,
    padding: float = 16.0,
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits | None = None,
    workers: int = 1,
    progress: bool = False,
) -> int:
    """Render every drawing of the file ``source`` into the ``.npy`` file ``target``.

    The drawings are read and drawn chunk by chunk (memory bounded by a chunk) and streamed to
    a temporary file renamed into place at the end (nothing is written when anything fails):
    the result is byte for byte what ``np.save`` writes for the ``(N, size * size)`` uint8
    array (Google's ``numpy_bitmap`` layout at ``size=28``). ``split``, ``errors``, ``report``
    and ``limits`` are those of :func:`strokedelta.io.iter_drawings`. Returns N.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.io import write_drawings
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_drawings(Drawings.from_polylines([[[[0, 9], [0, 9]]]] * 3), folder / "d.ndjson")
    >>> rasterize_file(folder / "d.ndjson", folder / "d.npy")
    3
    >>> np.load(folder / "d.npy").shape
    (3, 784)
    """
    size, line_width, padding = _check_geometry(size, line_width, padding)
    if Path(target).suffix.lower() != ".npy":
        raise fail("target", "end in .npy", repr(str(target)))
    check_output_is_not_input([target], [source])
    _cairo()  # fail before reading when cairo is missing
    width = size * size
    options: dict[str, Any] = {"split": split, "errors": errors, "report": report}
    total = 0
    bar = tqdm(unit=" drawings", file=sys.stderr, disable=not progress, leave=False)
    with bar, atomic_path(target) as tmp, open(tmp, "wb") as handle:
        head = _npy_header((0, width))
        handle.write(head)
        for chunk in iter_drawings(source, limits=limits, **options):
            images = rasterize(chunk, size, line_width=line_width, padding=padding, workers=workers)
            handle.write(images.tobytes())
            total += len(chunk)
            bar.update(len(chunk))
        final = _npy_header((total, width))
        if len(final) != len(head):  # numpy reserves room for 21 digits: cannot happen
            raise RuntimeError(f"npy header grew from {len(head)} to {len(final)} bytes")
        handle.seek(0)
        handle.write(final)
    return total
