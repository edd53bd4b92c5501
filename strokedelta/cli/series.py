"""CLI commands for series in tables: ``delta`` (absolute values -> differences) and ``integrate``.

Thin wrappers over :class:`strokedelta.DeltaTransformer`, :func:`strokedelta.read_table` and
:func:`strokedelta.write_table`. Float columns read from text with a fixed number of decimals are
rounded back to those decimals when that is provably exact
(:func:`strokedelta.io.tables.round_to_source_decimals`), so ``integrate(delta(f)) == f`` holds
value for value, not just to rounding error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import numpy as np
import pandas as pd

from strokedelta.cli._common import (
    check_paths,
    debug,
    limit_option,
    one_line_errors,
    output_options,
    split_columns,
    stack_options,
    wrote,
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
    initial: str | None = None,
) -> None:
    table_format(output_path)  # an unknown output extension fails before any work
    from_file = initial is not None and "=" not in initial
    check_paths([input_path, *([initial] if from_file else [])], [output_path])
    frame = read_table(input_path, limits=limits)
    debug(f"read {len(frame)} rows from {'stdin' if input_path == '-' else input_path}")
    index = frame.index
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # messages count data rows from 1
    names = split_columns(columns) or []
    coder = DeltaTransformer(columns=names, group=group, order=order, lag=lag, na=na)
    try:
        coder.fit(frame)
        if inverse and initial is not None:
            lead = _initial_rows(initial, frame, names, group, order * lag, limits)
            result = coder.inverse_transform(frame, initial=lead)
            undo = _continued(coder, lead, names, group)
            result = round_to_source_decimals(result, frame, undo, names)
        elif inverse:
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
    wrote(output_path, f"{len(result)} rows; {columns} {'integrated' if inverse else 'as deltas'}")


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _initial_rows(
    text: str,
    frame: pd.DataFrame,
    names: list[str],
    group: str | None,
    span: int,
    limits: ReadLimits | None,
) -> pd.DataFrame:
    """``--initial``: a table of the rows before IN (FILE), or ``x=5,y=3`` (``x=4:5`` for
    order * lag = 2, oldest first) for every sequence, as rows that precede IN's rows."""
    if "=" not in text:
        return read_table(text, limits=limits)
    given: dict[str, list[int | float]] = {}
    for item in text.split(","):
        name, _, values = item.partition("=")
        try:
            given[name.strip()] = [_number(v) for v in values.split(":")]
        except ValueError:
            raise click.BadParameter(
                f"{item!r}: values must be numbers, e.g. x=5,y=3", param_hint="--initial"
            ) from None
    wrong = sorted(set(given) ^ set(names))
    short = [n for n in names if n in given and len(given[n]) != span]
    if wrong or short:
        raise click.BadParameter(
            f"give {span} value(s) (order * lag, oldest first, ':'-separated) for each of "
            f"the columns {','.join(names)}; got {text!r}",
            param_hint="--initial",
        )
    keys = [None] if group is None else list(pd.unique(frame[group]))
    lead = pd.DataFrame({n: np.tile(given[n], len(keys)) for n in names})
    if group is not None:
        lead.insert(0, group, np.repeat(np.asarray(keys, dtype=object), span))
    return lead


def _continued(
    coder: DeltaTransformer, lead: pd.DataFrame, names: list[str], group: str | None
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The deltas of values that continue the rows ``lead`` (the inverse of ``--initial``)."""

    def undo(values: pd.DataFrame) -> pd.DataFrame:
        wanted = [*([] if group is None else [group]), *names]
        both = pd.concat([lead[wanted], values[wanted]], ignore_index=True)
        deltas = DeltaTransformer(**coder.get_params()).fit_transform(both)
        out = values.copy(deep=False)
        for name in names:
            out[name] = deltas[name].iloc[len(lead) :].to_numpy()
        return out

    return undo


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
    output_options,
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
@click.option(
    "--initial",
    default=None,
    metavar="X=V,...|FILE",
    help="Values just before IN's first row, so every row of IN is a delta (forecast "
    "deltas, a later slice): x=5,y=3 for every sequence (x=4:5 when order * lag is 2, oldest "
    "first), or a table FILE of the rows before IN (its last order * lag rows of each group "
    "are used). Like R's diffinv(xi=), but OUT holds IN's rows only.",
)
@one_line_errors
def integrate(**options: Any) -> None:
    """Integrate COLUMNS of table IN (differences) back to absolute values; write table OUT.

    The exact inverse of `strokedelta delta` run with the same options: integrating its output
    gives back every value of every row, in the same row order. IN and OUT are .csv, .csv.gz or
    .parquet (by extension), or - for CSV on stdin/stdout. With --initial, IN holds deltas
    only (e.g. forecast deltas) and continues from the given last known values.

    \b
    Example:
        strokedelta delta data/series.csv deltas.parquet --columns x,y --group id --order 2
        strokedelta integrate deltas.parquet restored.csv --columns x,y --group id --order 2
        strokedelta integrate forecast.csv future.csv --columns x,y --initial x=5,y=3
        strokedelta integrate forecast.csv future.csv --columns x --group id --initial last.csv
    """
    _run(inverse=True, **options)


COMMANDS: list[click.Command] = [delta, integrate]
