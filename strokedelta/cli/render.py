"""CLI command ``render``: draw one drawing or a grid of drawings of any file as SVG or PNG."""

from __future__ import annotations

import click

from strokedelta.cli._common import (
    check_paths,
    errors_option,
    limit_option,
    one_line_errors,
    skip_summary,
    split_option,
)
from strokedelta.exceptions import ValidationError
from strokedelta.limits import ReadLimits
from strokedelta.render import parse_grid, picture_format, render_file

__all__ = ["COMMANDS", "render"]


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
    click.echo(f"wrote {drawn} drawing{'s' if drawn != 1 else ''} to {target}")


COMMANDS: list[click.Command] = [render]
