"""CLI commands for series in tables: ``delta`` (absolute values -> differences) and ``integrate``.

Thin wrappers over :class:`strokedelta.DeltaTransformer`, :func:`strokedelta.read_table` and
:func:`strokedelta.write_table`. Float columns read from text with a fixed number of decimals are
rounded back to those decimals when that is provably exact
(:func:`strokedelta.io.tables.round_to_source_decimals`), so ``integrate(delta(f)) == f`` holds
value for value, not just to rounding error.
"""

from __future__ import annotations

from typing import Any

import click
import pandas as pd

from strokedelta.cli._common import (
    check_paths,
    limit_option,
    one_line_errors,
    split_columns,
    stack_options,
)
from strokedelta.exceptions import DeltaOverflowError, FormatError, ValidationError
from strokedelta.io.tables import read_table, round_to_source_decimals, table_format, write_table
from strokedelta.limits import ReadLimits
from strokedelta.transformer import DeltaTransformer

__all__ = ["COMMANDS", "delta", "integrate"]


def _run(
    *,
    input_path: str,
    output_path: str,
    inverse: bool,
    columns: str,
    group: str | None,
    order: int,
    lag: int,
    na: str,
    limits: ReadLimits | None,
) -> None:
    table_format(output_path)  # an unknown output extension fails before any work
    check_paths([input_path], [output_path])
    frame = read_table(input_path, limits=limits)
    index = frame.index
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # messages count data rows from 1
    names = split_columns(columns) or []
    coder = DeltaTransformer(columns=names, group=group, order=order, lag=lag, na=na)
    try:
        coder.fit(frame)
        if inverse:
            result = coder.inverse_transform(frame)
            result = round_to_source_decimals(result, frame, coder.transform, names)
        else:
            result = coder.transform(frame)
            result = round_to_source_decimals(result, frame, coder.inverse_transform, names)
    except (ValidationError, DeltaOverflowError) as exc:
        name = "<stdin>" if input_path == "-" else input_path
        raise FormatError(str(exc), path=name) from None
    result.index = index
    write_table(result, output_path)


_table_options = stack_options(
    click.argument("input_path", metavar="IN", type=click.Path(dir_okay=False, allow_dash=True)),
    click.argument("output_path", metavar="OUT", type=click.Path(dir_okay=False, allow_dash=True)),
    click.option("--columns", required=True, help="Comma-separated columns to convert, e.g. x,y."),
    click.option(
        "--group",
        default=None,
        help="Column naming the sequence of each row; each sequence restarts. Rows of "
        "different sequences may be interleaved.",
    ),
    click.option(
        "--order",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="How many times to difference.",
    ),
    click.option(
        "--lag",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="Seasonal lag: d[i] = x[i] - x[i - lag].",
    ),
    click.option(
        "--na",
        type=click.Choice(["raise", "keep"]),
        default="raise",
        show_default=True,
        help="On an empty cell: stop naming its row and column, or keep it empty and "
        "restart the sequence after it.",
    ),
    limit_option,
)
"""The arguments and options ``delta`` and ``integrate`` share (passed on to ``_run``)."""


@click.command("delta")
@_table_options
@one_line_errors
def delta(**options: Any) -> None:
    """Replace COLUMNS of table IN by their differences and write table OUT.

    IN and OUT are .csv, .csv.gz or .parquet (by extension), or - for CSV on stdin/stdout.
    The first value of each sequence is kept, so OUT alone is enough to go back with
    `strokedelta integrate` (same options). Other columns and the row order pass through.
    Rows are counted from 1 (the first data row) in error messages. An OUT that is IN (also
    through a link) is refused before any work.

    \b
    Example:
        strokedelta delta data/series.csv deltas.csv --columns x,y --group id
        strokedelta integrate deltas.csv restored.csv --columns x,y --group id
    """
    _run(inverse=False, **options)


@click.command("integrate")
@_table_options
@one_line_errors
def integrate(**options: Any) -> None:
    """Integrate COLUMNS of table IN (differences) back to absolute values; write table OUT.

    The exact inverse of `strokedelta delta` run with the same options: integrating its output
    gives back every value of every row, in the same row order. IN and OUT are .csv, .csv.gz or
    .parquet (by extension), or - for CSV on stdin/stdout.

    \b
    Example:
        strokedelta delta data/series.csv deltas.parquet --columns x,y --group id --order 2
        strokedelta integrate deltas.parquet restored.csv --columns x,y --group id --order 2
    """
    _run(inverse=True, **options)


COMMANDS: list[click.Command] = [delta, integrate]
