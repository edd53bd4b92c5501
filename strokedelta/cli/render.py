"""CLI commands ``render`` (one drawing or a grid as SVG or PNG) and ``rasterize`` (every
drawing as a grey bitmap in an ``.npy``, Google's ``numpy_bitmap`` layout)."""

from __future__ import annotations

import click

from strokedelta.cli._common import (
    check_paths,
    errors_option,
    limit_option,
    one_line_errors,
    output_options,
    progress_enabled,
    skip_summary,
    split_option,
    wrote,
)
from strokedelta.exceptions import ValidationError
from strokedelta.limits import ReadLimits
from strokedelta.render import parse_grid, picture_format, render_file

__all__ = ["COMMANDS", "rasterize", "render"]


@click.command("render")
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("target", type=click.Path(dir_okay=False))
@click.option(
    "--index",
    type=click.IntRange(min=0),
    default=None,
    help="The drawing to draw (with --grid, the first of the grid). Default 0.",
)
@click.option(
    "--grid",
    metavar="RxC",
    default=None,
    help="Draw R rows by C columns of drawings, each labelled by its index.",
)
@split_option
@errors_option
@limit_option
@output_options
@one_line_errors
def render(
    source: str,
    target: str,
    index: int | None,
    grid: str | None,
    split: str | None,
    errors: str,
    limits: ReadLimits | None,
) -> None:
    """Draw drawings of SOURCE (any drawings format) into TARGET, an .svg or .png file.

    Without --grid, one drawing (--index, default 0) is drawn alone, in its own coordinates
    for SVG. With --grid RxC, R*C drawings from --index on are drawn in a grid. Drawings are
    shown the right way up (y grows downward, as in Quick, Draw!).

    \b
    Example:
        strokedelta render cat.ndjson cat.svg --index 3
        strokedelta render aaron_sheep.npz sheep.png --grid 4x5 --split test
    """
    try:
        picture_format(target)
    except ValidationError as exc:
        raise click.BadParameter(str(exc), param_hint="TARGET") from None
    try:
        shape = None if grid is None else parse_grid(grid)
    except ValidationError as exc:
        raise click.BadParameter(str(exc), param_hint="--grid") from None
    check_paths([source], [target])
    with skip_summary(errors) as report:
        drawn = render_file(
            source,
            target,
            grid=shape,
            index=index,
            split=split,
            errors=errors,
            report=report,
            limits=limits,
        )
    wrote(target, f"{drawn} drawing{'s' if drawn != 1 else ''}")


_RASTERIZE_HELP = "Rasterize drawings of SOURCE into fixed-size images."


@click.command("rasterize", short_help=_RASTERIZE_HELP)
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("target", type=click.Path(dir_okay=False))
@click.option(
    "--size",
    type=click.IntRange(min=1, max=4096),
    default=28,
    show_default=True,
    help="Side of the images in pixels (Google's numpy_bitmap files: 28).",
)
@click.option(
    "--line-width",
    type=click.FloatRange(min=0, min_open=True),
    default=16.0,
    show_default=True,
    help="Line diameter in the 256 px space of the drawings.",
)
@click.option(
    "--padding",
    type=click.FloatRange(min=0),
    default=16.0,
    show_default=True,
    help="Margin on each side in the 256 px space (besides half a line).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Threads drawing at once (the images do not depend on it).",
)
@split_option
@errors_option
@limit_option
@output_options
@one_line_errors
def rasterize(
    source: str,
    target: str,
    size: int,
    line_width: float,
    padding: float,
    workers: int,
    split: str | None,
    errors: str,
    limits: ReadLimits | None,
) -> None:
    """Rasterize drawings of SOURCE into fixed-size images.

    Every drawing of SOURCE (any drawings format; simplified Quick, Draw! coordinates, in a
    256 px square) is drawn by Google's numpy_bitmap recipe (cairo, round caps and joins,
    best antialiasing, centred, white strokes on black) and TARGET, an .npy file, gets one
    uint8 row of SIZE*SIZE pixels per drawing, in the order of SOURCE: at --size 28 the
    layout of Google's numpy_bitmap files, np.load(TARGET).reshape(-1, 28, 28).

    \b
    Example:
        strokedelta rasterize cat.ndjson cat.npy
        strokedelta rasterize aaron_sheep.npz sheep64.npy --size 64 --split test
    """
    if not target.lower().endswith(".npy"):
        raise click.BadParameter(f"must end in .npy; got {target!r}", param_hint="TARGET")
    from strokedelta.render import rasterize_file  # cairo and tqdm: loaded only to rasterize

    check_paths([source], [target])
    with skip_summary(errors) as report:
        count = rasterize_file(
            source,
            target,
            size=size,
            line_width=line_width,
            padding=padding,
            split=split,
            errors=errors,
            report=report,
            limits=limits,
            workers=workers,
            progress=progress_enabled(),
        )
    wrote(target, f"{count} drawing{'s' if count != 1 else ''}, {size}x{size} px")


COMMANDS: list[click.Command] = [render, rasterize]
