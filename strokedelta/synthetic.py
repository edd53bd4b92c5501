"""Seeded synthetic data: drawings of simple shapes and tabular series ``y = X w + b + noise``.

Drawings come from unit templates (one or more strokes per kind) that are scaled, rotated,
placed on a canvas, jittered and optionally shifted into any coordinate range, all vectorised
over the drawings of one kind. Series are grouped rows whose features are i.i.d. uniform or
per-group random walks, with an optional random-walk drift of the target and a constant shift.
Everything is reproducible from ``seed``.

Examples
--------
>>> d = synthetic_drawings(4, kinds=["square"], seed=0)
>>> len(d), d.meta["word"].tolist(), d.n_strokes.tolist()
(4, ['square', 'square', 'square', 'square'], [1, 1, 1, 1])
>>> frame = synthetic_series(6, n_groups=2, noise=0.0, seed=0)
>>> list(frame.columns), bool(((frame["y"] - (2 * frame["x"] + 1)).abs() < 1e-9).all())
(['group', 't', 'x', 'y'], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from strokedelta._validation import (
    check_choice,
    check_int,
    check_number,
    check_random_state,
    fail,
)
from strokedelta.delta import from_deltas
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch import Drawings

__all__ = ["SHAPES", "shape_template", "synthetic_drawings", "synthetic_series"]

#: The drawing kinds :func:`synthetic_drawings` knows (``house`` and ``face`` have several strokes).
SHAPES = ("circle", "square", "triangle", "star", "spiral", "zigzag", "house", "face")


def _resample(vertices: Any, n: int) -> np.ndarray:
    """``n`` points equally spaced by arc length along the polyline through ``vertices``."""
    v = np.asarray(vertices, dtype=np.float64)
    seg = np.hypot(*np.diff(v, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.linspace(0.0, arc[-1], n)
    return np.column_stack([np.interp(at, arc, v[:, 0]), np.interp(at, arc, v[:, 1])])


def _arc(cx: float, cy: float, r: float, start: float, stop: float, n: int) -> np.ndarray:
    angle = np.linspace(start, stop, n)
    return np.column_stack([cx + r * np.cos(angle), cy + r * np.sin(angle)])


def _star(points: int = 5, inner: float = 0.4) -> np.ndarray:
    angle = -np.pi / 2 + np.arange(2 * points + 1) * np.pi / points
    radius = np.where(np.arange(2 * points + 1) % 2 == 0, 1.0, inner)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def shape_template(kind: str) -> list[np.ndarray]:
    """The strokes of one kind as float ``(n, 2)`` arrays in the unit box, y pointing down.

    Parameters
    ----------
    kind : str
        One of :data:`SHAPES`.

    Returns
    -------
    list of ndarray
        One array per stroke, drawn in order; every point lies within distance 1.5 of the origin.

    Examples
    --------
    >>> [len(s) for s in shape_template("house")]
    [25, 17, 11]
    >>> shape_template("square")[0][:3].round(2).tolist()
    [[-1.0, -1.0], [-0.75, -1.0], [-0.5, -1.0]]
    """
    check_choice("kind", kind, SHAPES)
    if kind == "circle":
        return [_arc(0, 0, 1, 0, 2 * np.pi, 33)]
    if kind == "square":
        return [_resample([(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)], 33)]
    if kind == "triangle":
        return [_resample([(0, -1), (0.87, 0.5), (-0.87, 0.5), (0, -1)], 31)]
    if kind == "star":
        return [_resample(_star(), 41)]
    if kind == "spiral":
        t = np.linspace(0.05, 1.0, 60)
        angle = 3 * 2 * np.pi * t
        return [np.column_stack([t * np.cos(angle), t * np.sin(angle)])]
    if kind == "zigzag":
        xs = np.linspace(-1, 1, 7)
        ys = np.where(np.arange(7) % 2 == 0, 0.5, -0.5)
        return [_resample(np.column_stack([xs, ys]), 31)]
    if kind == "house":
        body = _resample([(-0.7, -0.1), (-0.7, 1), (0.7, 1), (0.7, -0.1), (-0.7, -0.1)], 25)
        roof = _resample([(-0.85, -0.1), (0, -1), (0.85, -0.1)], 17)
        door = _resample([(-0.2, 1), (-0.2, 0.4), (0.2, 0.4), (0.2, 1)], 11)
        return [body, roof, door]
    head = _arc(0, 0, 1, -np.pi / 2, 1.5 * np.pi, 33)
    left = _arc(-0.35, -0.3, 0.13, 0, 2 * np.pi, 9)
    right = _arc(0.35, -0.3, 0.13, 0, 2 * np.pi, 9)
    mouth = _arc(0, 0.05, 0.5, 0.2 * np.pi, 0.8 * np.pi, 13)
    return [head, left, right, mouth]


def _place_kind(
    kind: str,
    count: int,
    rng: np.random.Generator,
    canvas: float,
    size: tuple[float, float],
    rotation: float,
    noise: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Absolute points ``(count * P, 2)``, pen ``(count * P,)`` and ``P`` for one kind."""
    strokes = shape_template(kind)
    template = np.concatenate(strokes)
    pen = np.zeros(len(template), dtype=np.int8)
    pen[np.cumsum([len(s) for s in strokes]) - 1] = 1
    reach = float(np.hypot(*template.T).max())
    half = rng.uniform(size[0], size[1], count) * canvas / 2
    theta = rng.uniform(-rotation, rotation, count)
    cos, sin = np.cos(theta), np.sin(theta)
    rot = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)  # (count, 2, 2)
    margin = half * reach
    centre = rng.uniform(margin[:, None], canvas - margin[:, None], (count, 2))
    points = np.einsum("pj,cjk->cpk", template, rot) * half[:, None, None] + centre[:, None, :]
    points += rng.normal(0.0, noise, points.shape)
    return points.reshape(-1, 2), np.tile(pen, count), len(template)


def synthetic_drawings(
    n: int,
    *,
    kinds: Sequence[str] | None = None,
    seed: int | np.random.Generator | None = 0,
    canvas: float = 256.0,
    size: tuple[float, float] = (0.3, 0.6),
    rotation: float = np.pi / 4,
    noise: float = 1.0,
    shift: float = 0.0,
    integer: bool = True,
) -> Drawings:
    """Random drawings of simple shapes, as stroke-3 :class:`~strokedelta.Drawings`.

    Parameters
    ----------
    n : int
        Number of drawings.
    kinds : sequence of str, optional
        Kinds to draw from (:data:`SHAPES` by default), each drawing picks one uniformly.
    seed : int or numpy.random.Generator, optional
        Seed (or generator) for every random choice.
    canvas : float
        Side of the square canvas the drawings are placed on (Quick, Draw! uses 256).
    size : (float, float)
        Range of the drawing's half-size as a fraction of half the canvas.
    rotation : float
        Largest rotation in radians (uniform in ``[-rotation, rotation]``; 0 keeps them upright).
    noise : float
        Standard deviation of the Gaussian jitter added to every point, in canvas units.
    shift : float
        Constant added to every coordinate, e.g. 1000 to move the drawings far from the origin.
    integer : bool
        Round points to int64 (like Quick, Draw!) or keep float64.

    Returns
    -------
    Drawings
        Meta columns ``key_id`` (``"1"``, ``"2"``, ...) and ``word`` (the kind).

    Examples
    --------
    >>> d = synthetic_drawings(3, kinds=["circle", "face"], seed=1, shift=1000)
    >>> d.meta["word"].tolist(), d.strokes.values.dtype.name
    (['circle', 'face', 'face'], 'int64')
    >>> points = d.absolute().values
    >>> bool(points.min() >= 1000 - 5 and points.max() <= 1256 + 5)
    True
    >>> synthetic_drawings(2, kinds=["blob"])
    Traceback (most recent call last):
    ...
    strokedelta.exceptions.ValidationError: kind must be one of 'circle', 'square', \
'triangle', 'star', 'spiral', 'zigzag', 'house', 'face'; got 'blob'
    """
    check_int("n", n, minimum=1)
    canvas = check_number("canvas", canvas, positive=True)
    noise = check_number("noise", noise, minimum=0.0)
    shift = check_number("shift", shift)
    rotation = check_number("rotation", rotation, minimum=0.0)
    low, high = _check_size(size)
    chosen = _check_kinds(kinds)
    rng = check_random_state(seed, "seed")
    pick = rng.integers(0, len(chosen), n)
    points, pen = _place_kinds(chosen, pick, rng, canvas, (low, high), rotation, noise)
    values = points.values + shift
    values = np.rint(values).astype(np.int64) if integer else values
    meta = pd.DataFrame(
        {"key_id": [str(i + 1) for i in range(n)], "word": [chosen[k] for k in pick.tolist()]}
    )
    return Drawings.from_absolute(Ragged(values, points.offsets), pen, meta)


def _check_size(size: tuple[float, float]) -> tuple[float, float]:
    low, high = (check_number("size", s, positive=True) for s in size)
    if not low <= high <= 1.0:
        raise fail("size", "be a range (low, high) with 0 < low <= high <= 1", tuple(size))
    return low, high


def _check_kinds(kinds: Sequence[str] | None) -> list[str]:
    chosen = list(SHAPES if kinds is None else kinds)
    if not chosen:
        raise fail("kinds", "name at least one kind", "an empty list")
    for kind in chosen:
        check_choice("kind", kind, SHAPES)
    return chosen


def _place_kinds(
    chosen: list[str],
    pick: np.ndarray,
    rng: np.random.Generator,
    canvas: float,
    size: tuple[float, float],
    rotation: float,
    noise: float,
) -> tuple[Ragged, np.ndarray]:
    """Absolute points per drawing and the flat pen column, drawing ``i`` of kind ``pick[i]``.

    The kinds are drawn one after the other (all drawings of the first kind, then the second,
    ...) from ``rng`` and put back in drawing order.
    """
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for k, kind in enumerate(chosen):
        members = np.flatnonzero(pick == k)
        if len(members) == 0:
            continue
        points, pen, per = _place_kind(kind, len(members), rng, canvas, size, rotation, noise)
        parts.append((members, points, pen, np.full(len(members), per, dtype=np.int64)))
    members = np.concatenate([p[0] for p in parts])
    batch = Ragged(
        np.concatenate([p[1] for p in parts]),
        offsets_from_lengths(np.concatenate([p[3] for p in parts])),
    )
    pens = Ragged(np.concatenate([p[2] for p in parts]), batch.offsets)
    order = np.argsort(members, kind="stable")
    return batch.take(order), pens.take(order).values


def synthetic_series(
    n_rows: int = 500,
    *,
    n_features: int = 1,
    n_groups: int = 1,
    weights: Sequence[float] | None = None,
    bias: float = 1.0,
    noise: float = 0.5,
    spread: float = 10.0,
    walk: bool = False,
    drift: float = 0.0,
    shift: float = 0.0,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Grouped rows ``y = X w + b + noise`` (+ drift), with every feature shifted by ``shift``.

    Parameters
    ----------
    n_rows : int
        Total rows, split as evenly as possible over the groups (in group order).
    n_features : int
        Number of features; the columns are ``x`` for one, ``x1 ... xp`` for more.
    n_groups : int
        Number of groups (``group`` column 0 .. n_groups - 1; ``t`` counts rows within a group).
    weights : sequence of float, optional
        True weights; by default 2 for the first feature and seeded values in [-3, 3] after it.
    bias : float
        True intercept ``b``.
    noise : float
        Standard deviation of the Gaussian noise on ``y`` (on the levels, not on the steps).
    spread : float
        Features are uniform in ``[0, spread)`` (``walk=False``), or per-group random walks that
        start uniform in ``[0, spread)`` with steps of standard deviation ``spread / 10``.
    walk : bool
        Random-walk features instead of i.i.d. uniform ones.
    drift : float
        Standard deviation of the steps of an unobserved random walk added to ``y`` within each
        group (a level that wanders; 0 means none).
    shift : float
        Constant added to every feature, with ``y`` moved by ``shift * sum(w)`` so that
        ``y = X w + b + noise`` still holds on the shifted rows (the same draws for any shift).
    seed : int or numpy.random.Generator, optional
        Seed (or generator).

    Returns
    -------
    DataFrame
        Columns ``group``, ``t``, the features and ``y``; the true weights and bias are in
        ``frame.attrs["weights"]`` and ``frame.attrs["bias"]``.

    Examples
    --------
    >>> f = synthetic_series(4, n_features=2, weights=[1, -1], bias=0, noise=0, shift=100, seed=3)
    >>> list(f.columns), np.allclose(f["y"], f["x1"] - f["x2"]), bool((f["x1"] >= 100).all())
    (['group', 't', 'x1', 'x2', 'y'], True, True)
    >>> f.attrs["weights"]
    [1.0, -1.0]
    """
    check_int("n_rows", n_rows, minimum=1)
    check_int("n_features", n_features, minimum=1)
    check_int("n_groups", n_groups, minimum=1)
    if n_groups > n_rows:
        raise fail("n_groups", f"be at most n_rows ({n_rows})", n_groups)
    bias = check_number("bias", bias)
    noise = check_number("noise", noise, minimum=0.0)
    spread = check_number("spread", spread, positive=True)
    drift = check_number("drift", drift, minimum=0.0)
    shift = check_number("shift", shift)
    rng = check_random_state(seed, "seed")
    w = _series_weights(weights, n_features, rng)
    lengths = np.full(n_groups, n_rows // n_groups, dtype=np.int64)
    lengths[: n_rows % n_groups] += 1
    offsets = offsets_from_lengths(lengths)
    x = _series_features(offsets, n_features, spread, walk, rng)
    y = _series_target(x, w, bias, noise, drift, offsets, rng)
    return _series_frame(offsets, x + shift, y + shift * w.sum(), w, bias)


def _series_target(
    x: np.ndarray,
    w: np.ndarray,
    bias: float,
    noise: float,
    drift: float,
    offsets: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """``y = X w + b + noise``, plus a per-group random-walk level when ``drift > 0``."""
    y = x @ w + bias + rng.normal(0.0, noise, len(x))
    if drift > 0:
        wander = rng.normal(0.0, drift, len(x))
        wander[offsets[:-1]] = 0.0
        y = y + from_deltas(wander, offsets)
    return y


def _series_frame(
    offsets: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray, bias: float
) -> pd.DataFrame:
    """The frame ``group``, ``t``, features, ``y``, with the true weights and bias in attrs."""
    lengths = np.diff(offsets)
    n_features = x.shape[1]
    names = ["x"] if n_features == 1 else [f"x{i + 1}" for i in range(n_features)]
    frame = pd.DataFrame(
        {
            "group": np.repeat(np.arange(len(lengths)), lengths),
            "t": np.arange(len(x)) - np.repeat(offsets[:-1], lengths),
        }
    )
    for i, name in enumerate(names):
        frame[name] = x[:, i]
    frame["y"] = y
    frame.attrs["weights"] = w.tolist()
    frame.attrs["bias"] = bias
    return frame


def _series_weights(
    weights: Sequence[float] | None, n_features: int, rng: np.random.Generator
) -> np.ndarray:
    """The true weights: given ones checked, else 2 and seeded values in [-3, 3] after it."""
    if weights is None:
        return np.concatenate([[2.0], rng.uniform(-3, 3, n_features - 1)])
    w = np.array([check_number("weights", v) for v in weights], dtype=np.float64)
    if len(w) != n_features:
        raise fail("weights", f"have one value per feature ({n_features})", len(w))
    return w


def _series_features(
    offsets: np.ndarray, n_features: int, spread: float, walk: bool, rng: np.random.Generator
) -> np.ndarray:
    """Features ``(n_rows, n_features)``: uniform in ``[0, spread)``, or per-group random walks."""
    n_rows, n_groups = int(offsets[-1]), len(offsets) - 1
    if not walk:
        return rng.uniform(0, spread, (n_rows, n_features))
    steps = rng.normal(0.0, spread / 10, (n_rows, n_features))
    steps[offsets[:-1]] = rng.uniform(0, spread, (n_groups, n_features))
    return from_deltas(steps, offsets)
