"""CLI commands for training sets: ``strokedelta dataset build``.

A thin wrapper over :func:`strokedelta.datasets.build_dataset`: it parses the options, opens the
engine (:func:`~strokedelta.cli._common.engine_client`) and prints one ``wrote`` line per file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from strokedelta.cli._common import (
    debug,
    engine_client,
    engine_options,
    epsilon_option,
    one_line_errors,
    output_options,
    prepare_folders,
    progress_enabled,
    warn,
    wrote,
)
from strokedelta.datasets import FORMATS, MANIFEST, build_dataset, parse_splits
from strokedelta.exceptions import FileAccessError, ValidationError
from strokedelta.limits import ReadLimits

__all__ = ["COMMANDS", "build", "dataset"]


def _names(option: str, value: str | None) -> list[str] | None:
    """``a,b`` or ``@FILE`` (one name per line or comma-separated; ``#`` starts a comment)."""
    if value is None:
        return None
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FileAccessError(
                f"cannot read the {option} file: {exc.strerror}", path=str(path)
            ) from None
        text = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    names = [n.strip() for line in text.splitlines() for n in line.split(",") if n.strip()]
    if not names:
        raise click.BadParameter("must name at least one value", param_hint=option)
    return names


def _limits(values: tuple[str, ...]) -> tuple[int | None, ReadLimits | None]:
    """``--limit N`` (drawings per category) and ``--limit NAME=N`` (reader limits)."""
    counts = [v for v in values if "=" not in v]
    readers = [v for v in values if "=" in v]
    if len(counts) > 1 or any(not v.strip().isdigit() or int(v) < 1 for v in counts):
        raise click.BadParameter(
            f"must be N (drawings per category, once) or NAME=N; got {', '.join(counts)}",
            param_hint="--limit",
        )
    try:
        limits = ReadLimits.parse(readers) if readers else None
    except ValidationError as exc:
        raise click.BadParameter(str(exc), param_hint="--limit") from None
    return (int(counts[0]) if counts else None), limits


def _what(manifest: dict[str, Any], name: str) -> str:
    word = next(w for w, info in manifest["categories"].items() if name in info["files"])
    counts = manifest["categories"][word]["counts"]
    return ", ".join(f"{split} {counts[split]}" for split in ("train", "valid", "test"))


def _report(manifest: dict[str, Any], out: Path) -> None:
    for word, info in manifest["categories"].items():
        short = {s: n for s, n in info["shortfall"].items() if n}
        if short:
            missing = ", ".join(f"{s} {n}" for s, n in short.items())
            warn(f"{word}: {info['available']} drawings, short of the splits by {missing}")
    for name in manifest["files"]:
        wrote(out / name, _what(manifest, name))
    totals = manifest["totals"]
    kept = sum(totals["counts"].values())
    removed = ", ".join(f"{k} {v}" for k, v in totals["removed"].items() if v) or "none"
    wrote(
        out / MANIFEST,
        f"{kept} of {totals['read']} drawings in {len(manifest['categories'])} categories; "
        f"filters removed {removed}",
    )


@click.group("dataset", short_help="Build training sets from whole categories.")
def dataset() -> None:
    """Build training sets from whole categories.

    \b
    Example:
        strokedelta dataset build 'quickdraw/*.ndjson' sketchrnn/ --splits 70000,2500,2500
    """


@dataset.command("build", short_help="Build a training set from drawings files.")
@click.argument("sources", nargs=-1, required=True)
@click.argument("out", type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="npz",
    show_default=True,
    help="npz: Sketch-RNN per category; parquet: one dataset by word; bitmap: "
    "Google's numpy_bitmap .npy per category.",
)
@click.option(
    "--splits",
    default="70000,2500,2500",
    show_default=True,
    help="TRAIN,VALID,TEST drawings per category, or fractions such as 0.9,0.05,0.05.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Keys every drawing's rank (its split depends on the seed and its key_id).",
)
@click.option("--recognized", is_flag=True, help="Only drawings the game recognised.")
@click.option("--country", metavar="CC,CC", default=None, help="Only these country codes.")
@click.option(
    "--words",
    metavar="W,W|@FILE",
    default=None,
    help="Only these categories (or the words listed in FILE).",
)
@click.option("--simplify", is_flag=True, help="Apply Google's simplification (raw drawings).")
@epsilon_option
@click.option(
    "--min-len",
    type=click.IntRange(min=0),
    default=None,
    help="Drop drawings with fewer stroke-3 rows (after --simplify).",
)
@click.option(
    "--max-len",
    type=click.IntRange(min=0),
    default=None,
    help="Drop drawings with more stroke-3 rows (after --simplify).",
)
@click.option(
    "--limit",
    "limit_values",
    metavar="N|NAME=N",
    multiple=True,
    help="N: keep the best-ranked N drawings per category. NAME=N: a reader limit "
    "(repeatable), e.g. --limit max_points=50000000.",
)
@click.option(
    "--row-group-size",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Rows per Parquet row group (--format parquet).",
)
@click.option(
    "--size",
    type=click.IntRange(min=1),
    default=28,
    show_default=True,
    help="Bitmap side in pixels (--format bitmap).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace OUT if it exists (only once the new build succeeded).",
)
@engine_options
@output_options
@one_line_errors
def build(
    sources: tuple[str, ...],
    out: str,
    fmt: str,
    splits: str,
    seed: int,
    recognized: bool,
    country: str | None,
    words: str | None,
    simplify: bool,
    epsilon: float,
    min_len: int | None,
    max_len: int | None,
    limit_values: tuple[str, ...],
    row_group_size: int,
    size: int,
    overwrite: bool,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Build a training set from drawings files.

    SOURCES are files or globs (.ndjson, .ndjson.gz, .bin, .npz, .parquet, mixed); a
    drawing's category is its word (or its file's name). Each category is cut into
    train/valid/test by a keyed hash of --seed and the drawing's key_id, so the split never
    depends on file order, chunking or the engine; a small category fills test, then valid,
    then train. OUT is a new folder (written whole or not at all) with a manifest.json.

    \b
    Example:
        strokedelta dataset build 'data/*.ndjson' sketchrnn/ --splits 70000,2500,2500
        strokedelta dataset build cat.ndjson dog.bin set/ --format parquet --splits 0.9,0.05,0.05
        strokedelta dataset build raw/*.ndjson.gz bitmaps/ --format bitmap --simplify --recognized
        strokedelta dataset build 'data/*.ndjson' set/ --engine dask --workers 2
    """
    parsed = parse_splits(splits)  # bad --splits: one line before any work
    per_category, limits = _limits(limit_values)
    if epsilon < 0:
        raise click.BadParameter("must be >= 0", param_hint="--epsilon")
    prepare_folders([Path(out).parent])
    with engine_client(engine, scheduler, workers) as client:
        if engine == "dask":
            import strokedelta.distributed  # noqa: F401  # registers the dask engine (an extra)
        manifest = build_dataset(
            list(sources),
            out,
            format=fmt,
            splits=parsed,
            seed=seed,
            words=_names("--words", words),
            countries=_names("--country", country),
            recognized=recognized,
            simplify=simplify,
            epsilon=epsilon,
            min_len=min_len,
            max_len=max_len,
            limit=per_category,
            engine=engine,
            client=client,
            overwrite=overwrite,
            row_group_size=row_group_size,
            bitmap_size=size,
            limits=limits,
            progress=progress_enabled(),
        )
    debug(f"engine {engine}: {manifest['totals']['read']} drawings read")
    _report(manifest, Path(out))


COMMANDS: list[click.Command] = [dataset]
