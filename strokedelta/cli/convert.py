"""CLI commands for sketch files: ``convert`` (any format to any format) and ``stats``.

Thin wrappers over :func:`strokedelta.io.convert_drawings` (with
:func:`strokedelta.sketch.prepare_drawings` as the per-chunk simplification and length filter;
:func:`strokedelta.distributed.convert_many` for ``--engine dask``) and
:func:`strokedelta.io.describe_files` (the summary per split and per word;
:func:`strokedelta.distributed.describe_files_dask` for ``--engine dask``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from strokedelta._files import TEMP_MARK
from strokedelta.cli._common import (
    check_paths,
    engine_client,
    engine_options,
    epsilon_option,
    errors_option,
    limit_option,
    one_line_errors,
    output_options,
    progress_enabled,
    skip_summary,
    split_option,
    summary,
    wrote,
)
from strokedelta.io import convert_drawings, describe_files, format_of, output_paths
from strokedelta.limits import ReadLimits
from strokedelta.sketch import preparation

__all__ = ["COMMANDS", "convert", "stats"]


def _progress(desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(
        desc=desc, unit=" drawings", file=sys.stderr, disable=not progress_enabled(), leave=False
    )


@click.command("convert")
@click.argument(
    "sources", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True)
)
@click.argument("target", type=click.Path())
@click.option(
    "--to",
    "to",
    metavar="SUFFIX",
    default=None,
    help="Convert every SOURCE into the folder TARGET as STEM + SUFFIX (e.g. .parquet); "
    "needed for several SOURCES and for --engine dask.",
)
@click.option(
    "--simplify",
    is_flag=True,
    help="Apply Google's simplification (align, scale to 255, resample at 1 px, "
    "RDP, round) before writing.",
)
@epsilon_option
@click.option(
    "--min-len", type=int, default=None, help="Drop drawings with fewer points (after --simplify)."
)
@click.option(
    "--max-len", type=int, default=None, help="Drop drawings with more points (after --simplify)."
)
@click.option(
    "--merge-splits",
    is_flag=True,
    help="Let a format that cannot keep splits (.bin) write train, valid and test as one set.",
)
@split_option
@errors_option
@limit_option
@engine_options
@output_options
@one_line_errors
def convert(
    sources: tuple[str, ...],
    target: str,
    to: str | None,
    simplify: bool,
    epsilon: float,
    min_len: int | None,
    max_len: int | None,
    merge_splits: bool,
    split: str | None,
    errors: str,
    limits: ReadLimits | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Convert drawings from SOURCES to TARGET; formats come from the extensions.

    Formats: .ndjson / .ndjson.gz (Quick, Draw! raw or simplified), .bin (Quick, Draw!
    binary), .npz (Sketch-RNN, read without running any code from the file), .parquet.
    Splits (an npz's train / valid / test, a 'split' column or field) are kept by ndjson,
    npz and Parquet; .bin cannot hold them and refuses unless --merge-splits is given (or
    --split picks one).
    Reading streams in chunks, and TARGET only appears when everything was written; a
    TARGET that is SOURCE (also through a link) is refused before any work. With --to,
    TARGET is a folder and each SOURCE becomes TARGET/STEM+SUFFIX, all or none: the files
    are written into a temporary folder inside TARGET and moved into place only when every
    SOURCE was converted. --engine dask converts the files as one Dask task each (the same
    bytes as --engine single).

    \b
    Example:
        strokedelta convert cat.ndjson cat.parquet
        strokedelta convert cat_raw.ndjson cat_simple.ndjson --simplify
        strokedelta convert sheep.npz sheep_train.parquet --split train --max-len 250
        strokedelta convert sheep.npz sheep.bin --merge-splits
        strokedelta convert data/*.ndjson.gz parquet/ --to .parquet --engine dask --workers 2
    """
    for source in sources:
        format_of(source)  # an unknown extension fails before any work
    if epsilon < 0:
        raise click.BadParameter("must be >= 0", param_hint="--epsilon")
    options: dict[str, Any] = {
        "split": split,
        "errors": errors,
        "limits": limits,
        "merge_splits": merge_splits,
    }
    steps: dict[str, Any] = {
        "simplify": simplify,
        "epsilon": epsilon,
        "min_len": min_len,
        "max_len": max_len,
    }
    if to is None:
        if len(sources) > 1 or engine == "dask":
            raise click.UsageError(
                "several SOURCES or --engine dask need --to SUFFIX (TARGET is then a folder)"
            )
        pairs = [(sources[0], target)]
    else:
        pairs = list(zip(sources, map(str, output_paths(sources, target, to))))
    folder_existed = to is None or Path(target).exists()
    check_paths(sources, [t for _, t in pairs])
    if to is None:
        done = _convert_single(pairs, steps, options)
    else:
        with _all_or_none(target, folder_existed) as staging:
            staged = [(s, os.path.join(staging, Path(t).name)) for s, t in pairs]
            if engine == "dask":
                with engine_client(engine, scheduler, workers) as client:
                    done = _convert_dask(sources, staging, to, client, steps, options)
            else:
                done = _convert_single(staged, steps, options)
        done = [(os.path.join(target, Path(p).name), n, k) for p, n, k in done]
    for out, count, points in done:
        wrote(out, f"{count} drawings, {points} points")


@contextlib.contextmanager
def _all_or_none(folder: str, existed: bool) -> Iterator[str]:
    """A temporary folder inside ``folder`` whose files move into ``folder`` when the block
    ends normally; on failure it is removed (and ``folder`` too when this command made it and
    it is empty), so a failed conversion of several files leaves none of them."""
    staging = tempfile.mkdtemp(prefix=f".convert{TEMP_MARK}", dir=folder)
    try:
        yield staging
        for name in sorted(os.listdir(staging)):
            os.replace(os.path.join(staging, name), os.path.join(folder, name))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not existed:
            with contextlib.suppress(OSError):  # not empty: something else is in it now
                os.rmdir(folder)
        raise
    os.rmdir(staging)


def _convert_single(
    pairs: list[tuple[str, str]], steps: dict[str, Any], options: dict[str, Any]
) -> list[tuple[str, int, int]]:
    """``convert`` in this process: the files one after the other, one progress bar."""
    transform = preparation(**steps)
    done = []
    with skip_summary(options["errors"]) as report, _progress("convert") as bar:
        for source, out in pairs:
            count, points = convert_drawings(
                source,
                out,
                report=report,
                transform=transform,
                on_chunk=lambda c: bar.update(len(c)),
                **options,
            )
            done.append((out, count, points))
    return done


def _convert_dask(
    sources: tuple[str, ...],
    folder: str,
    to: str | None,
    client: Any,
    steps: dict[str, Any],
    options: dict[str, Any],
) -> list[tuple[str, int, int]]:
    """``convert --engine dask``: one Dask task per file; what the tasks skipped is merged in
    file order and reported as by the single engine."""
    from strokedelta.distributed import convert_many  # heavy optional extra: dask

    with skip_summary(options["errors"]) as report:
        done = convert_many(
            list(sources), folder, to=str(to), client=client, report=report, **steps, **options
        )
    return [(str(path), count, points) for path, count, points in done]


def _format_stats(path: str, sections: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = [path]
    for by, groups in sections.items():
        if by != "split" and list(groups) == ["all"]:
            continue  # no such column: the same numbers as the splits' "all"
        for name, info in groups.items():
            lines.append(f"  {name}:" if by == "split" else f"  {by} {name}:")
            lines += _format_group(info)
    return "\n".join(lines)


def _format_group(info: dict[str, Any]) -> list[str]:
    lengths = info["points_per_drawing"]
    lines = [
        f"    drawings       {info['drawings']}",
        f"    points         {info['points']}  ({info['dtype']}"
        + (", with time)" if info["time"] else ")"),
        f"    strokes        {info['strokes']}  "
        f"(mean {_num(info['strokes_per_drawing_mean'])} per drawing)",
        "    length         "
        + " / ".join(
            f"{key} {_num(lengths[key])}" for key in ("min", "p5", "p50", "p95", "max", "mean")
        ),
        f"    x range        {_span(info['x_range'])}    y range  {_span(info['y_range'])}",
        f"    dx range       {_span(info['dx_range'])}    dy range {_span(info['dy_range'])}",
    ]
    if "scale_factor" in info:
        lines.append(f"    scale factor   {_num(info['scale_factor'], 4)}")
    if info.get("attrs"):
        lines.append(f"    attrs          {json.dumps(info['attrs'])}")
    return lines


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def _span(pair: list[Any]) -> str:
    return f"{_num(pair[0])}..{_num(pair[1])}"


def _by_columns(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    if not names:
        raise click.BadParameter("must name at least one column", ctx=ctx, param=param)
    return names


#: The JSON key of each ``--by`` column's section.
_SECTION_KEYS = {"split": "splits", "word": "words"}


@click.command("stats")
@click.argument("sources", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--by",
    default="split,word",
    show_default=True,
    callback=_by_columns,
    metavar="COLUMNS",
    help="Metadata columns to summarise by, each its own section (comma-separated).",
)
@split_option
@errors_option
@limit_option
@engine_options
@output_options
@one_line_errors
def stats(
    sources: tuple[str, ...],
    as_json: bool,
    by: tuple[str, ...],
    split: str | None,
    errors: str,
    limits: ReadLimits | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Summarise drawings per split and per word: counts, lengths, scale factor.

    SOURCES are files, folders (a dataset: every drawings file under it, e.g. a partitioned
    Parquet dataset) or glob patterns, read chunk by chunk. Each --by column is one section
    (default: per split, then per word; a file without the column is the group "all"). The
    scale factor is the pooled standard deviation of dx and dy that Sketch-RNN divides by,
    computed from exact integer sums, so --engine dask (one task per file) gives the same
    numbers to the bit.

    \b
    Example:
        strokedelta stats aaron_sheep.npz
        strokedelta stats cat.ndjson --json
        strokedelta stats dataset/ --by word --engine dask --workers 2
    """
    pattern = set("*?[")
    files = [
        s for s in sources if not Path(s).is_dir() and (Path(s).exists() or not pattern & set(s))
    ]
    check_paths(files)  # folders and patterns are expanded (and checked) by describe_files
    options: dict[str, Any] = {"by": by, "split": split, "errors": errors, "limits": limits}
    with skip_summary(errors) as report:
        if engine == "dask":
            with engine_client(engine, scheduler, workers) as client:
                info = _stats_dask(list(sources), client, report, options)
        else:
            info = describe_files(list(sources), report=report, **options)
    sections = {name: info[name] for name in by}
    if as_json:
        keyed = {_SECTION_KEYS.get(name, name): groups for name, groups in sections.items()}
        out = {"sources": list(sources), "files": info["files"], **keyed}
        summary(json.dumps(out, indent=2))  # --quiet: only the exit status (a validity check)
    else:
        summary(_format_stats(" ".join(sources), sections))


def _stats_dask(
    sources: list[str], client: Any, report: Any, options: dict[str, Any]
) -> dict[str, Any]:
    from strokedelta.distributed import describe_files_dask  # heavy optional extra: dask

    return describe_files_dask(sources, client=client, report=report, **options)


COMMANDS: list[click.Command] = [convert, stats]
