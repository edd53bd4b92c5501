"""CLI commands ``demo`` and ``experiment``: thin wrappers of :mod:`strokedelta.demo` and
:mod:`strokedelta.experiments`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from strokedelta.cli._common import (
    check_paths,
    device_option,
    one_line_errors,
    output_options,
    progress_enabled,
    seed_option,
    summary,
    wrote,
)

__all__ = ["COMMANDS", "demo", "demo_files", "experiment"]

#: The files the demo writes into its folder besides the format round trips and experiments.
_DEMO_OWN_FILES = (
    "drawings.svg",
    "drawings_stroke5.npy",
    "series.csv",
    "series_models.csv",
    "loss_curves.png",
    "rollouts.svg",
    "report.md",
)

_quick_option = click.option(
    "--quick", is_flag=True, help="Small sizes everywhere: seconds instead of minutes."
)


def _out_option(default: str, help: str) -> Any:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=True,
        help=help,
    )


def _data_option(help: str) -> Any:
    return click.option(
        "--data",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help=help,
    )


_KINDS = {".csv": "table", ".png": "picture", ".svg": "picture", ".md": "report", ".npy": "array"}


def _wrote_all(files: Any) -> None:
    """One ``wrote PATH (WHAT)`` line per file: tables, pictures, the report; drawings else."""
    for path in files:
        wrote(path, _KINDS.get(Path(path).suffix, "drawings"))


def demo_files() -> tuple[str, ...]:
    """The names of every file ``strokedelta demo`` may write into its ``--out`` folder."""
    from strokedelta.demo import CONVERSIONS  # torch is heavy: only when a command runs
    from strokedelta.experiments import OUTPUTS  # torch is heavy, as above

    drawings = tuple(f"drawings{suffix}" for _, suffix in CONVERSIONS)
    experiments = tuple(name for names in OUTPUTS.values() for name in names)
    return tuple(dict.fromkeys((*_DEMO_OWN_FILES, *drawings, *experiments)))


@click.command("demo")
@_out_option(
    "strokedelta-demo", "Folder for report.md, the CSV tables, PNG plots and SVG drawings."
)
@_quick_option
@_data_option("A drawings file (ndjson, bin, npz, parquet) to use instead of synthetic drawings.")
@device_option
@seed_option
@output_options
@one_line_errors
def demo(out: Path, quick: bool, data: Path | None, device: str, seed: int) -> None:
    """Run the whole demo and write a report with tables and pictures.

    Generates synthetic drawings and series, converts the drawings (ndjson, npz, Parquet,
    stroke-5) and checks the round trips, trains delta and absolute models on series and on
    drawings, runs the shift, sketch-shift and drift experiments, and writes OUT/report.md.
    --quick runs everything at small sizes. A --data file that is one of the files the
    demo writes into OUT is refused before any work.

    \b
    Example:
        strokedelta demo --out strokedelta-demo
        strokedelta demo --quick --data data/quickdraw_cat_sample.ndjson
    """
    from strokedelta.demo import key_tables, run_demo  # torch is heavy: only when it runs

    check_paths([data], [out / name for name in demo_files()], folders=[out])
    progress = progress_enabled()
    result = run_demo(out, quick=quick, device=device, seed=seed, data=data, progress=progress)
    summary(key_tables(result) + "\n")
    _wrote_all(result.files)  # report.md last


@click.command("experiment")
@click.argument("name", type=click.Choice(["shift", "sketch-shift", "drift"]))
@_out_option("strokedelta-experiments", "Folder for the experiment's CSV table and PNG pictures.")
@_quick_option
@_data_option("sketch-shift only: a drawings file to use instead of synthetic drawings.")
@device_option
@seed_option
@output_options
@one_line_errors
def experiment(
    name: str, out: Path, quick: bool, data: Path | None, device: str, seed: int
) -> None:
    """Run one experiment and write its CSV table and PNG pictures.

    \b
    shift         absolute vs delta regression over input shifts 0..1e5, learning rates
                  and seeds (shift.csv, shift.png)
    sketch-shift  next-point vs next-delta sketch models on test drawings translated by
                  0..10000 px (sketch_shift.csv, sketch_shift.png, rollouts.png)
    drift         cumulative-sum rebuilds of predicted deltas over long sequences, with
                  re-anchoring every k steps (drift.csv, drift.png)

    \b
    Example:
        strokedelta experiment shift --out results --seed 1
        strokedelta experiment sketch-shift --quick --data data/quickdraw_cat_sample.ndjson
    """
    from strokedelta.experiments import OUTPUTS, run_experiment_files  # torch is heavy

    check_paths([data], [out / file for file in OUTPUTS[name]], folders=[out])
    run = run_experiment_files(
        name, out, quick=quick, device=device, seed=seed, data=data, progress=progress_enabled()
    )
    summary(run.key_table_text() + "\n")
    _wrote_all(run.files)


COMMANDS: list[click.Command] = [demo, experiment]
