"""CLI commands for sketch files: ``convert`` (any format to any format) and ``stats``.

Thin wrappers over :func:`strokedelta.io.convert_drawings` (with
:func:`strokedelta.sketch.prepare_drawings` as the per-chunk simplification and length filter)
and :func:`strokedelta.sketch.describe_groups` (the summary per split).
"""

from __future__ import annotations

import functools
import json
import sys
from typing import Any

import click

from strokedelta.cli._common import (
    check_paths,
    errors_option,
    limit_option,
    one_line_errors,
    skip_summary,
    split_option,
)
from strokedelta.io import convert_drawings, format_of, read_drawings
from strokedelta.limits import ReadLimits
from strokedelta.sketch import describe_groups, prepare_drawings

__all__ = ["COMMANDS", "convert", "stats"]


def _progress(desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" drawings", file=sys.stderr, disable=None, leave=False)


@click.command("convert")
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("target", type=click.Path(dir_okay=False))
@click.option(
    "--simplify",
    is_flag=True,
    help="Apply Google's simplification (align, scale to 255, resample at 1 px, "
    "RDP, round) before writing.",
)
@click.option(
    "--epsilon",
    type=float,
    default=2.0,
    show_default=True,
    help="RDP tolerance in pixels for --simplify.",
)
@click.option(
    "--min-len", type=int, default=None, help="Drop drawings with fewer points (after --simplify)."
)
@click.option(
    "--max-len", type=int, default=None, help="Drop drawings with more points (after --simplify)."
)
@split_option
@errors_option
@limit_option
@one_line_errors
def convert(
    source: str,
    target: str,
    simplify: bool,
    epsilon: float,
    min_len: int | None,
    max_len: int | None,
    split: str | None,
    errors: str,
    limits: ReadLimits | None,
) -> None:
    """Convert drawings from SOURCE to TARGET; formats come from the extensions.

    Formats: .ndjson / .ndjson.gz (Quick, Draw! raw or simplified), .bin (Quick, Draw!
    binary), .npz (Sketch-RNN, read without running any code from the file), .parquet.
    Reading streams in chunks, and TARGET only appears when everything was written; a
    TARGET that is SOURCE (also through a link) is refused before any work.

    \b
    Example:
        strokedelta convert cat.ndjson cat.parquet
        strokedelta convert cat_raw.ndjson cat_simple.ndjson --simplify
        strokedelta convert sheep.npz sheep_train.parquet --split train --max-len 250
    """
    format_of(source)
    format_of(target)  # an unknown extension fails before any work
    check_paths([source], [target])
    if epsilon < 0:
        raise click.BadParameter("must be >= 0", param_hint="--epsilon")
    steps = simplify or min_len is not None or max_len is not None
    transform = (
        functools.partial(
            prepare_drawings, simplify=simplify, epsilon=epsilon, min_len=min_len, max_len=max_len
        )
        if steps
        else None
    )
    with skip_summary(errors) as report, _progress("convert") as bar:
        count, points = convert_drawings(
            source,
            target,
            split=split,
            errors=errors,
            report=report,
            transform=transform,
            on_chunk=lambda c: bar.update(len(c)),
            limits=limits,
        )
    click.echo(f"wrote {count} drawings ({points} points) to {target}")


def _format_stats(path: str, groups: dict[str, dict[str, Any]]) -> str:
    lines = [path]
    for name, info in groups.items():
        lengths = info["points_per_drawing"]
        lines.append(f"  {name}:")
        lines.append(f"    drawings       {info['drawings']}")
        lines.append(
            f"    points         {info['points']}  ({info['dtype']}"
            + (", with time)" if info["time"] else ")")
        )
        lines.append(
            f"    strokes        {info['strokes']}  "
            f"(mean {_num(info['strokes_per_drawing_mean'])} per drawing)"
        )
        lines.append(
            "    length         "
            + " / ".join(
                f"{key} {_num(lengths[key])}" for key in ("min", "p5", "p50", "p95", "max", "mean")
            )
        )
        lines.append(
            f"    x range        {_span(info['x_range'])}    y range  {_span(info['y_range'])}"
        )
        lines.append(
            f"    dx range       {_span(info['dx_range'])}    dy range {_span(info['dy_range'])}"
        )
        if "scale_factor" in info:
            lines.append(f"    scale factor   {_num(info['scale_factor'], 4)}")
        if info.get("attrs"):
            lines.append(f"    attrs          {json.dumps(info['attrs'])}")
    return "\n".join(lines)


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def _span(pair: list[Any]) -> str:
    return f"{_num(pair[0])}..{_num(pair[1])}"


@click.command("stats")
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@split_option
@errors_option
@limit_option
@one_line_errors
def stats(
    source: str, as_json: bool, split: str | None, errors: str, limits: ReadLimits | None
) -> None:
    """Summarise the drawings of SOURCE: counts, lengths, bounds and the scale factor.

    Sketch-RNN files (and files converted from them) are summarised per split. The scale
    factor is the pooled standard deviation of dx and dy that Sketch-RNN divides by.

    \b
    Example:
        strokedelta stats aaron_sheep.npz
        strokedelta stats cat.ndjson --json
    """
    check_paths([source])
    with skip_summary(errors) as report:
        drawings = read_drawings(source, split=split, errors=errors, report=report, limits=limits)
    groups = describe_groups(drawings, by="split")
    if as_json:
        click.echo(json.dumps({"file": source, "splits": groups}, indent=2))
    else:
        click.echo(_format_stats(source, groups))


COMMANDS: list[click.Command] = [convert, stats]
