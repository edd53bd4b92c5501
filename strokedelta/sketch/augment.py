"""Seeded, vectorised training-time augmentation of stroke-3 drawings (as in Sketch-RNN).

* :func:`random_scale` stretches each drawing by its own factors ``(sx, sy)`` drawn uniformly
  from ``[1 - epsilon, 1 + epsilon]`` (anisotropic);
* :func:`drop_points` removes interior points of strokes with probability ``prob`` and folds a
  removed point's offset into the following row, so every kept point stays exactly where it
  was and the first and last point of every stroke are always kept.

Magenta draws from numpy's global random state; these functions take a ``seed`` (``None``, an
int >= 0 or a :class:`numpy.random.Generator`, whose stream then continues) so results are
reproducible.

Examples
--------
>>> import numpy as np
>>> from strokedelta import Ragged
>>> from strokedelta.sketch import Drawings
>>> d = Drawings(Ragged(np.array([[0, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 1]]), [0, 4]))
>>> drop_points(d, prob=1.0, seed=0)[0].tolist()
[[0, 0, 0], [3, 0, 1]]
>>> random_scale(d, 0.1, seed=0).strokes.values.dtype
dtype('float64')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta._validation import check_number, check_random_state, fail
from strokedelta.ragged import Ragged, offsets_from_lengths
from strokedelta.sketch.drawings import Drawings, check_drawings

__all__ = ["drop_points", "droppable_points", "random_scale"]


def random_scale(
    drawings: Drawings,
    epsilon: float = 0.15,
    seed: Any = None,
    *,
    return_factors: bool = False,
) -> Any:
    """Scale ``dx`` by ``sx`` and ``dy`` by ``sy``, per drawing, from ``U[1 - e, 1 + e]``.

    Parameters
    ----------
    drawings : Drawings
    epsilon : float
        Half-width of the factor range, in ``[0, 1)`` (Sketch-RNN uses 0.15).
    seed : None, int or numpy.random.Generator
    return_factors : bool
        Also return the ``(D, 2)`` factors drawn.

    Returns
    -------
    Drawings or (Drawings, ndarray)
        float64 stroke-3 (pen untouched), same meta, time and attrs.

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> d = Drawings.from_polylines([[[[0, 10], [0, 10]]]])
    >>> out, factors = random_scale(d, 0.2, seed=1, return_factors=True)
    >>> bool(np.allclose(out[0][1, :2], 10 * factors[0]))
    True
    """
    drawings = check_drawings(drawings)
    epsilon = check_number("epsilon", epsilon, minimum=0)
    if epsilon >= 1:
        raise fail("epsilon", "be a finite number in [0, 1)", epsilon)
    rng = check_random_state(seed, "seed")
    factors = rng.uniform(1.0 - epsilon, 1.0 + epsilon, size=(len(drawings), 2))
    values = drawings.strokes.values.astype(np.float64)
    values[:, :2] *= np.repeat(factors, drawings.lengths, axis=0)
    out = drawings.with_values(values)
    return (out, factors) if return_factors else out


def droppable_points(strokes: Ragged) -> np.ndarray:
    """Rows :func:`drop_points` may remove: not the first or last point of a stroke.

    A stroke's last point has pen 1 or ends its drawing; its first point starts the drawing or
    follows a pen-1 row.

    Examples
    --------
    >>> r = Ragged(np.array([[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 1, 0], [0, 1, 0]]), [0, 5])
    >>> droppable_points(r).tolist()
    [False, True, False, False, False]
    """
    values, offsets, lengths = strokes.values, strokes.offsets, strokes.lengths
    pen = values[:, 2] != 0
    ok = ~pen
    nonempty = lengths > 0
    ok[offsets[:-1][nonempty]] = False
    ok[offsets[1:][nonempty] - 1] = False
    ok[1:] &= ~pen[:-1]
    return ok


def drop_points(drawings: Drawings, prob: float, seed: Any = None) -> Drawings:
    """Drop interior stroke points with probability ``prob``, keeping every kept point in place.

    The offset of a dropped row is added to the next kept row of its stroke, so sums (and the
    absolute position of every kept point) are unchanged, and the first and last point of every
    stroke are never dropped. The time channel, when present, keeps the kept points' times.

    Parameters
    ----------
    drawings : Drawings
    prob : float
        Probability in ``[0, 1]`` of dropping each droppable point.
    seed : None, int or numpy.random.Generator

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> d = Drawings.from_polylines([[[[0, 1, 2, 3, 4], [0, 0, 0, 0, 0]]]])
    >>> out = drop_points(d, 0.5, seed=3)
    >>> out.absolute()[0].tolist()
    [[0, 0], [2, 0], [3, 0], [4, 0]]
    """
    drawings = check_drawings(drawings)
    prob = check_number("prob", prob, minimum=0)
    if prob > 1:
        raise fail("prob", "be a finite number in [0, 1]", prob)
    rng = check_random_state(seed, "seed")
    strokes = drawings.strokes
    drop = droppable_points(strokes) & (rng.random(strokes.n_points) < prob)
    keep = ~drop
    kept = np.flatnonzero(keep)
    values = strokes.values
    out = values[kept].copy()
    if len(kept):
        # Each kept row absorbs the dropped rows just before it (never across strokes).
        group_starts = np.concatenate([[0], kept[:-1] + 1])
        out[:, :2] = np.add.reduceat(values[:, :2], group_starts, axis=0)
    lengths = np.bincount(strokes.segment_ids()[kept], minlength=len(strokes))
    offsets = offsets_from_lengths(lengths)
    time = None if drawings.time is None else Ragged(drawings.time.values[kept], offsets)
    return Drawings(Ragged(out, offsets), drawings.meta.copy(), time=time, attrs=drawings.attrs)
