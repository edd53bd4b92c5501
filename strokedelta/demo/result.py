"""What a demo run produced: :class:`DemoResult`, the object the report and the CLI read.

Examples
--------
>>> from pathlib import Path
>>> result = DemoResult(out_dir=Path("out"), report=Path("out/report.md"), quick=True,
...                     device="cpu", seed=0)
>>> result.report.name, result.shift is None
('report.md', True)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["DemoResult"]


@dataclass(frozen=True)
class DemoResult:
    """Everything a demo run produced: its settings, its tables and the files it wrote.

    Attributes
    ----------
    out_dir, report : Path
        The output folder and its ``report.md``.
    quick, device, seed, data
        How the demo ran (``device`` resolved to ``"cpu"`` or ``"cuda"``; ``data`` the drawings
        file given instead of synthetic drawings, if any).
    drawings_source : str
        Where the drawings came from, as the report says it.
    n_drawings, n_points, series_rows : int
        Sizes of the drawings and of the synthetic series.
    conversions, series_models, shift, sketch_shift, drift : DataFrame or None
        The tables: format round trips, both regressors on the series, and the three
        experiments (the same rows as their CSV files).
    timings : mapping of str to float
        Seconds per stage, in the order the stages ran.
    files : tuple of Path
        Every file written into ``out_dir``, the report last.
    """

    out_dir: Path
    report: Path
    quick: bool
    device: str
    seed: int
    data: str | os.PathLike[str] | None = None
    drawings_source: str = ""
    n_drawings: int = 0
    n_points: int = 0
    series_rows: int = 0
    conversions: pd.DataFrame | None = None
    series_models: pd.DataFrame | None = None
    shift: pd.DataFrame | None = None
    sketch_shift: pd.DataFrame | None = None
    drift: pd.DataFrame | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
