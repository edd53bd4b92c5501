"""CLI commands for the regressors: ``train`` (tables), ``train-sketch`` (drawings), ``predict``.

Thin wrappers over :mod:`strokedelta.models`: parse options, build the estimator, fit, save
with ``model.save`` (atomic; nothing is written when training diverges) and print a summary.
:mod:`strokedelta.models` (torch) is imported inside the commands, so that the rest of the
command line starts without torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from strokedelta.cli._common import (
    check_paths,
    debug,
    device_option,
    errors_option,
    limit_option,
    one_line_errors,
    output_options,
    progress_enabled,
    seed_option,
    skip_summary,
    split_columns,
    split_option,
    stack_options,
    summary,
    wrote,
)
from strokedelta.exceptions import ValidationError
from strokedelta.io import read_drawings, write_drawings
from strokedelta.io.tables import read_table, write_table
from strokedelta.limits import ReadLimits
from strokedelta.render import LossCurve, plot_loss_curves

if TYPE_CHECKING:
    from strokedelta.models import NextStepRegressor, TableRegressor

__all__ = ["COMMANDS", "predict", "train", "train_sketch"]


_training_options = stack_options(
    click.option(
        "--mode",
        type=click.Choice(["delta", "absolute"]),
        default="delta",
        show_default=True,
        help="Learn on deltas (shift invariant) or on absolute values (the baseline).",
    ),
    click.option(
        "--solver",
        type=click.Choice(["gradient", "lstsq"]),
        default="gradient",
        show_default=True,
        help="Minibatch training in torch, or closed-form least squares (the reference).",
    ),
    click.option(
        "--optimizer", type=click.Choice(["adam", "sgd"]), default="adam", show_default=True
    ),
    click.option("--lr", type=float, default=0.1, show_default=True, help="Learning rate."),
    click.option(
        "--epochs",
        type=int,
        default=None,
        help="Passes over the data [default: enough for 1000 optimiser steps].",
    ),
    click.option("--batch-size", type=int, default=1000, show_default=True),
    click.option(
        "--schedule",
        type=click.Choice(["linear", "constant"]),
        default="linear",
        show_default=True,
        help="Learning-rate schedule: linear decay to zero, or constant.",
    ),
    device_option,
    seed_option,
    click.option(
        "--plot",
        type=click.Path(dir_okay=False),
        default=None,
        help="Write the loss curve (loss per epoch) as a PNG to this file.",
    ),
)
"""The options every training command shares."""


def _common_params(options: dict[str, Any]) -> dict[str, Any]:
    if options["plot"] is not None and options["solver"] == "lstsq":
        raise click.UsageError("--plot needs --solver gradient (lstsq has no loss curve)")
    return {
        "solver": options["solver"],
        "optimizer": options["optimizer"],
        "lr": options["lr"],
        "epochs": options["epochs"],
        "batch_size": options["batch_size"],
        "schedule": options["schedule"],
        "device": options["device"],
        "random_state": options["seed"],
        "progress": progress_enabled(),
    }


def _plot_history(model: Any, mode: str, data: str, path: str) -> None:
    name = type(model).__name__
    curve = LossCurve(mode, f"{name} on {Path(data).name}", list(model.history_))
    plot_loss_curves([curve], path, title=f"Training loss of {name}")


def _wrote_model(model: Any, model_path: str, plot: str | None) -> None:
    wrote(model_path, f"{type(model).__name__} model")
    if plot:
        wrote(plot, "loss curve")


def _require_columns(frame: Any, names: list[str], data: str) -> None:
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise ValidationError(f"columns {missing} are not in {data} (it has {list(frame.columns)})")


def _format_values(values: Any) -> str:
    return np.array2string(np.asarray(values), precision=6, separator=", ")


@click.command("train")
@click.argument("data", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--target", required=True, help="Target column(s), comma-separated.")
@click.option("--features", required=True, help="Feature columns, comma-separated.")
@click.option("--group", default=None, help="Column of group ids (rows pair within a group).")
@click.option(
    "--pairing",
    type=click.Choice(["random", "consecutive"]),
    default="random",
    show_default=True,
    help="delta mode: difference rows paired at random within a group, or consecutive rows.",
)
@click.option(
    "--scale",
    type=click.Choice(["rms", "none"]),
    default="rms",
    show_default=True,
    help="delta mode: scale deltas by their RMS while training, or train on raw deltas.",
)
@limit_option
@_training_options
@output_options
@one_line_errors
def train(
    data: str,
    model_path: str,
    target: str,
    features: str,
    group: str | None,
    pairing: str,
    scale: str,
    limits: ReadLimits | None,
    **options: Any,
) -> None:
    """Train a linear regressor on a CSV / Parquet table DATA and save it to MODEL.

    The delta mode learns dy = W dx on paired differences (no bias, RMS-scaled) and takes the
    intercept from the anchors, so shifting the data changes nothing; the absolute mode is the
    plain linear baseline (X W + b, nn.Linear's model) trained by the same loop. Training that
    diverges stops with one line and writes nothing.

    \b
    Example:
        strokedelta train data/series.csv model.safetensors --target y --features x --group id
        strokedelta train data/series.csv abs.safetensors --target y --features x \\
            --mode absolute --optimizer sgd --lr 1e-7 --plot loss.png
    """
    params = _common_params(options)  # usage errors first, then the files (folders made)
    check_paths([data], [model_path, options["plot"]])
    from strokedelta.models import AbsoluteLinearRegressor, DeltaLinearRegressor  # torch is heavy

    frame = read_table(data, limits=limits)
    targets = split_columns(target) or []
    names = split_columns(features) or []
    wanted = [*names, *targets, *([group] if group else [])]
    _require_columns(frame, wanted, data)
    x = frame[names]
    y = frame[targets[0]] if len(targets) == 1 else frame[targets]
    groups = frame[group] if group else None
    model: Any
    if options["mode"] == "delta":
        model = DeltaLinearRegressor(
            pairing=pairing, scale=None if scale == "none" else "rms", **params
        )
    else:
        model = AbsoluteLinearRegressor(**params)
    model.fit(x, y, groups)
    rmse = model.rmse(x, y, groups)
    model.save(model_path)
    if options["plot"]:
        _plot_history(model, options["mode"], data, options["plot"])
    summary(
        f"{type(model).__name__}: {len(frame)} rows, {model.n_iter_} epochs; "
        f"coef {_format_values(model.coef_)}, intercept {_format_values(model.intercept_)}; "
        f"training RMSE {rmse:.6g}, R^2 {model.score(x, y, groups):.6f}"
    )
    _wrote_model(model, model_path, options["plot"])


@click.command("train-sketch")
@click.argument("data", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option(
    "--window", type=int, default=4, show_default=True, help="Previous points per window."
)
@split_option
@errors_option
@limit_option
@_training_options
@output_options
@one_line_errors
def train_sketch(
    data: str,
    model_path: str,
    window: int,
    split: str | None,
    errors: str,
    limits: ReadLimits | None,
    **options: Any,
) -> None:
    """Train a next-point model on the drawings in DATA (any drawings format); save to MODEL.

    The delta mode (NextDeltaRegressor) predicts the next (dx, dy) from the previous WINDOW
    stroke-3 rows; the absolute mode (NextPointRegressor) predicts the next absolute point
    from the previous WINDOW points. Both learn pen-down continuations with the pen column as
    an input. Prints the one-step RMSE in pixels on the training drawings.

    \b
    Example:
        strokedelta train-sketch data/quickdraw_sheep_sample.ndjson sheep.safetensors --window 4
        strokedelta train-sketch sketchrnn_sheep.npz sheep_abs.safetensors --split train \\
            --mode absolute --solver lstsq
    """
    params = _common_params(options)  # usage errors first, then the files (folders made)
    check_paths([data], [model_path, options["plot"]])
    from strokedelta.models import NextDeltaRegressor, NextPointRegressor  # torch is heavy

    with skip_summary(errors) as report:
        drawings = read_drawings(data, split=split, errors=errors, report=report, limits=limits)
    model: Any
    if options["mode"] == "delta":
        model = NextDeltaRegressor(window=window, **params)
    else:
        model = NextPointRegressor(window=window, **params)
    model.fit(drawings)
    rmse = model.rmse(drawings)
    model.save(model_path)
    if options["plot"]:
        _plot_history(model, options["mode"], data, options["plot"])
    summary(
        f"{type(model).__name__}: {len(drawings)} drawings, {model.n_windows_} windows, "
        f"{model.n_iter_} epochs; one-step RMSE {rmse:.4f} px"
    )
    _wrote_model(model, model_path, options["plot"])


@click.command("predict")
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.argument("data", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--column", default=None, help="Prediction column name for tables [default: TARGET_pred]."
)
@click.option(
    "--rollout",
    type=int,
    default=None,
    help="Sketch models: append this many rolled-out points to every drawing "
    "instead of one-step predictions.",
)
@click.option(
    "--split",
    type=click.Choice(["train", "valid", "test"]),
    default=None,
    help="Sketch models: only this split of DATA.",
)
@errors_option
@limit_option
@output_options
@one_line_errors
def predict(
    model_path: str,
    data: str,
    out: str,
    column: str | None,
    rollout: int | None,
    split: str | None,
    errors: str,
    limits: ReadLimits | None,
) -> None:
    """Predict absolute values with a saved MODEL for DATA; write them to OUT.

    Table models (train) add the absolute predictions as a column to the table (CSV or
    Parquet), using the feature and group columns named at training. Sketch models
    (train-sketch) write drawings: every pen-down point replaced by its one-step prediction
    from the true previous points (the first WINDOW + 1 points and stroke starts are kept),
    or with --rollout N, every drawing followed by N predicted points. Coordinates are rounded
    to whole pixels when the input coordinates are integers.

    \b
    Example:
        strokedelta predict model.safetensors data/series.csv predictions.csv
        strokedelta predict sheep.safetensors data/quickdraw_sheep_sample.ndjson more.ndjson \\
            --rollout 20
    """
    check_paths([model_path, data], [out])
    from strokedelta.models import NextStepRegressor, load_model  # torch is heavy

    model: Any = load_model(model_path)
    if isinstance(model, NextStepRegressor):
        _predict_drawings(model, data, out, rollout, split, errors, limits)
    else:
        if rollout is not None:
            raise click.UsageError("--rollout applies to sketch models only")
        _predict_table(model, data, out, column, limits)


def _predict_table(
    model: TableRegressor, data: str, out: str, column: str | None, limits: ReadLimits | None
) -> None:
    if column is not None and len(model.prediction_columns()) != 1:
        raise click.UsageError("--column names one column; this model predicts several")
    frame = read_table(data, limits=limits)
    _require_columns(frame, model.feature_names_in_ or [], data)
    debug(f"read {len(frame)} rows from {data}")
    result = model.predict_frame(frame, column)
    write_table(result, out)
    added = ", ".join(str(c) for c in result.columns if c not in frame.columns)
    wrote(out, f"{len(result)} rows, predictions in {added}")


def _predict_drawings(
    model: NextStepRegressor,
    data: str,
    out: str,
    rollout: int | None,
    split: str | None,
    errors: str,
    limits: ReadLimits | None,
) -> None:
    from strokedelta.models import round_to_pixels  # torch is heavy

    with skip_summary(errors) as report:
        drawings = read_drawings(data, split=split, errors=errors, report=report, limits=limits)
    if rollout is not None:
        result = model.rollout_drawings(drawings, rollout)
    else:
        result = model.predict_drawings(drawings)
    result = round_to_pixels(result, like=drawings)
    write_drawings(result, out)
    wrote(out, f"{len(result)} drawings, {'rolled out' if rollout else 'one-step predictions'}")


COMMANDS: list[click.Command] = [train, train_sketch, predict]
