"""CLI command ``render``: draw one drawing or a grid of drawings of any file as SVG or PNG."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from strokedelta._files import suffix_of
from strokedelta._validation import fail
from strokedelta.cli._common import errors_option, one_line_errors, split_option
from strokedelta.io import ReadReport, iter_drawings
from strokedelta.render import parse_grid, save_png, save_svg
from strokedelta.sketch.drawings import Drawings

__all__ = ["COMMANDS", "render"]

_WRITERS: dict[str, Callable[..., Path]] = {".svg": save_svg, ".png": save_png}


def _first_drawings(
    source: str, count: int, split: str | None, errors: str, report: ReadReport
) -> Drawings:
    """The first ``count`` drawings of ``source`` (reading stops once they are in)."""
    chunks: list[Drawings] = []
    have = 0
    for chunk in iter_drawings(source, split=split, errors=errors, report=report):
        chunks.append(chunk)
        have += len(chunk)
        if have >= count:
            break
    if not chunks:
        raise fail("SOURCE", "hold at least one drawing", "none")
    return Drawings.concat(chunks)[:count]


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
@one_line_errors
def render(
    source: str, target: str, index: int | None, grid: str | None, split: str | None, errors: str
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
    writer = _WRITERS.get(suffix_of(target))
    if writer is None:
        raise click.BadParameter(f"must end in .svg or .png; got {target!r}", param_hint="TARGET")
    shape = None
    if grid is not None:
        try:
            shape = parse_grid(grid)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--grid") from None
    first = index or 0
    count = shape[0] * shape[1] if shape else 1
    report = ReadReport()
    drawings = _first_drawings(source, first + count, split, errors, report)
    if report.skipped:
        click.echo(report.summary(), err=True)
    writer(drawings, target, grid=shape, index=first)
    drawn = max(0, min(count, len(drawings) - first))
    click.echo(f"wrote {drawn} drawing{'s' if drawn != 1 else ''} to {target}")


COMMANDS: list[click.Command] = [render]
