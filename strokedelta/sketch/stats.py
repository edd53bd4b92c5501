"""Summary statistics of drawings: counts, length percentiles, bounds and the scale factor.

:func:`describe_drawings` summarises one batch as a JSON-ready dict; :func:`group_drawings`
splits a batch by a metadata column (``split`` by default, in the order train, valid, test,
then the other labels sorted); :func:`describe_groups` summarises every group. The CLI's
``stats`` command prints :func:`describe_groups`.

Examples
--------
>>> import pandas as pd
>>> from strokedelta.sketch import Drawings
>>> meta = pd.DataFrame({"split": ["test", "train", "train"]})
>>> d = Drawings.from_polylines([[[[0, 1], [0, 1]]], [[[0], [0]]], [[[2, 3, 4], [2, 2, 2]]]], meta)
>>> {name: info["drawings"] for name, info in describe_groups(d).items()}
{'train': 2, 'test': 1}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokedelta._validation import fail
from strokedelta.sketch.drawings import SPLITS, Drawings, check_drawings
from strokedelta.sketch.preprocess import fit_scale_factor

__all__ = ["describe_drawings", "describe_groups", "group_drawings"]


#: The percentiles of points per drawing that :func:`describe_drawings` reports.
_QUANTILES = (0, 5, 25, 50, 75, 95, 100)
_QUANTILE_NAMES = ("min", "p5", "p25", "p50", "p75", "p95", "max")


def _span(column: np.ndarray) -> list[Any]:
    return [column.min().item(), column.max().item()] if len(column) else [None, None]


def describe_drawings(drawings: Drawings, *, scale_factor: bool = True) -> dict[str, Any]:
    """Summary numbers (JSON-ready): counts, length percentiles, bounds, scale factor.

    Parameters
    ----------
    drawings : Drawings
    scale_factor : bool
        Add ``scale_factor``, Sketch-RNN's normalising factor: the pooled standard deviation
        (ddof=0) of dx and dy (:func:`~strokedelta.sketch.preprocess.fit_scale_factor`);
        ``None`` for drawings without points.

    Returns
    -------
    dict
        ``drawings``, ``points``, ``strokes``, ``dtype``, ``time`` (whether a time channel is
        present), ``points_per_drawing`` (min, p5, p25, p50, p75, p95, max, mean),
        ``strokes_per_drawing_mean``, ``x_range`` / ``y_range`` of the absolute points,
        ``dx_range`` / ``dy_range`` of the offsets, ``scale_factor`` and ``attrs`` (when the
        drawings carry any).

    Examples
    --------
    >>> from strokedelta.sketch import Drawings
    >>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]], [[2], [5]]]])
    >>> info = describe_drawings(d, scale_factor=False)
    >>> info["drawings"], info["points"], info["strokes"], info["x_range"], info["dy_range"]
    (2, 4, 3, [0, 3], [0, 4])
    """
    drawings = check_drawings(drawings)
    lengths = drawings.lengths
    n_strokes = drawings.n_strokes
    values = drawings.strokes.values
    absolute = drawings.absolute().values
    points_per = (
        np.percentile(lengths, _QUANTILES).tolist() if len(lengths) else [None] * len(_QUANTILES)
    )
    info: dict[str, Any] = {
        "drawings": len(drawings),
        "points": drawings.n_points,
        "strokes": int(n_strokes.sum()),
        "dtype": str(values.dtype),
        "time": drawings.time is not None,
        "points_per_drawing": {
            **dict(zip(_QUANTILE_NAMES, points_per)),
            **({"min": int(lengths.min()), "max": int(lengths.max())} if len(lengths) else {}),
            "mean": float(lengths.mean()) if len(lengths) else None,
        },
        "strokes_per_drawing_mean": float(n_strokes.mean()) if len(n_strokes) else None,
        "x_range": _span(absolute[:, 0]),
        "y_range": _span(absolute[:, 1]),
        "dx_range": _span(values[:, 0]),
        "dy_range": _span(values[:, 1]),
    }
    if scale_factor:
        info["scale_factor"] = float(fit_scale_factor(drawings)) if drawings.n_points else None
    if drawings.attrs:
        info["attrs"] = dict(drawings.attrs)
    return info


def group_drawings(drawings: Drawings, by: str = "split") -> dict[str, Drawings]:
    """Split drawings by the metadata column ``by``, one Drawings per label.

    Labels are compared as text. For ``by="split"`` the groups come in the order of
    :data:`~strokedelta.sketch.drawings.SPLITS` and then the other labels sorted; for any other
    column sorted. When the drawings have no such column, the one group ``"all"`` holds them all.

    Examples
    --------
    >>> import pandas as pd
    >>> from strokedelta.sketch import Drawings
    >>> meta = pd.DataFrame({"word": ["cat", "ant", "cat"]})
    >>> d = Drawings.from_polylines([[[[0], [0]]], [[[1], [1]]], [[[2], [2]]]], meta)
    >>> {word: len(part) for word, part in group_drawings(d, by="word").items()}
    {'ant': 1, 'cat': 2}
    >>> list(group_drawings(d))
    ['all']
    """
    drawings = check_drawings(drawings)
    if not isinstance(by, str):
        raise fail("by", "be the name of a metadata column", repr(by))
    if by not in drawings.meta.columns:
        return {"all": drawings}
    labels = drawings.meta[by].astype("str")
    known = SPLITS if by == "split" else ()
    order = [name for name in known if (labels == name).any()]
    order += sorted(set(labels.unique().tolist()) - set(order))
    return {name: drawings[(labels == name).to_numpy()] for name in order}


def describe_groups(
    drawings: Drawings, by: str = "split", *, scale_factor: bool = True
) -> dict[str, dict[str, Any]]:
    """:func:`describe_drawings` of every group of :func:`group_drawings`, in its order.

    Examples
    --------
    >>> import pandas as pd
    >>> from strokedelta.sketch import Drawings
    >>> meta = pd.DataFrame({"word": ["cat", "ant", "cat"]})
    >>> d = Drawings.from_polylines([[[[0], [0]]], [[[1, 2], [1, 1]]], [[[2], [2]]]], meta)
    >>> {word: info["points"] for word, info in describe_groups(d, by="word").items()}
    {'ant': 2, 'cat': 2}
    """
    return {
        name: describe_drawings(part, scale_factor=scale_factor)
        for name, part in group_drawings(drawings, by).items()
    }
