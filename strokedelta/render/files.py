"""Pictures of the drawings of a file: the picture format from the target's extension, and
reading only the drawings the picture shows (what ``strokedelta render`` calls).

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.io import write_drawings
>>> from strokedelta.sketch import Drawings
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_drawings(Drawings.from_polylines([[[[0, 3], [0, 4]]]] * 3), folder / "d.ndjson")
>>> render_file(folder / "d.ndjson", folder / "d.svg", grid=(1, 2), index=2)
1
>>> picture_format("cat.jpg")
Traceback (most recent call last):
...
strokedelta.exceptions.ValidationError: target must end in .svg or .png; got 'cat.jpg'
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from strokedelta._files import check_output_is_not_input, suffix_of
from strokedelta._validation import check_int, fail
from strokedelta.io import ReadReport, iter_drawings
from strokedelta.limits import ReadLimits
from strokedelta.render._picture import parse_grid
from strokedelta.render.png import save_png
from strokedelta.render.svg import save_svg
from strokedelta.sketch import Drawings

__all__ = [
    "PICTURE_FORMATS",
    "picture_format",
    "read_first_drawings",
    "render_file",
    "save_picture",
]

#: Picture formats by the extension of the target file.
PICTURE_FORMATS: dict[str, Callable[..., Path]] = {".svg": save_svg, ".png": save_png}


def picture_format(path: str | os.PathLike[str]) -> str:
    """The extension (``".svg"`` or ``".png"``) of a picture to write, checked.

    Examples
    --------
    >>> picture_format("Cat.SVG")
    '.svg'
    """
    suffix = suffix_of(path)
    if suffix not in PICTURE_FORMATS:
        raise fail("target", "end in .svg or .png", repr(str(path)))
    return suffix


def save_picture(
    drawings: Any, path: str | os.PathLike[str], *, grid: Any = None, index: int | None = None
) -> Path:
    """Write one drawing or a grid as SVG or PNG, as the extension of ``path`` says.

    See :func:`~strokedelta.render.save_svg` and :func:`~strokedelta.render.save_png`.
    """
    return PICTURE_FORMATS[picture_format(path)](drawings, path, grid=grid, index=index)


def read_first_drawings(
    source: Any,
    count: int,
    *,
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits | None = None,
) -> Drawings:
    """The first ``count`` drawings of ``source`` (reading stops once they are in).

    See :func:`strokedelta.io.iter_drawings` for ``split``, ``errors``, ``report`` and
    ``limits``.
    """
    count = check_int("count", count, minimum=1)
    chunks: list[Drawings] = []
    have = 0
    options: dict[str, Any] = {"split": split, "errors": errors, "report": report}
    for chunk in iter_drawings(source, limits=limits, **options):
        chunks.append(chunk)
        have += len(chunk)
        if have >= count:
            break
    if not chunks:
        raise fail("SOURCE", "hold at least one drawing", "none")
    return Drawings.concat(chunks)[:count]


def render_file(
    source: Any,
    target: str | os.PathLike[str],
    *,
    grid: Any = None,
    index: int | None = None,
    split: str | None = None,
    errors: str = "raise",
    report: ReadReport | None = None,
    limits: ReadLimits | None = None,
) -> int:
    """Draw drawings of the file ``source`` into ``target`` (.svg or .png); return how many.

    Without ``grid``, drawing ``index`` (default 0) alone; with ``grid`` (``(rows, columns)``
    or ``"RxC"``), up to ``rows * columns`` drawings from ``index`` on. Only the drawings up
    to the last one shown are read. Nothing is written when reading fails, nor when ``target``
    is ``source`` (also through a link). ``limits`` as for :func:`strokedelta.io.iter_drawings`.
    """
    picture_format(target)
    check_output_is_not_input([target], [source])
    shape = None if grid is None else parse_grid(grid)
    first = 0 if index is None else check_int("index", index, minimum=0)
    count = shape[0] * shape[1] if shape else 1
    options: dict[str, Any] = {"split": split, "errors": errors, "report": report}
    drawings = read_first_drawings(source, first + count, limits=limits, **options)
    save_picture(drawings, target, grid=shape, index=first)
    return max(0, min(count, len(drawings) - first))
