"""Where experiment files go: the output folder and CSV tables (exact floats, atomic).

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> folder = output_dir(pathlib.Path(tempfile.mkdtemp()) / "new" / "folder")
>>> write_csv(pd.DataFrame({"rmse": [0.5]}), folder / "t.csv").read_text()
'rmse\\n0.5\\n'
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from strokedelta.io.tables import write_table

__all__ = ["output_dir", "write_csv"]


def output_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Create ``out_dir`` (and parents) if needed and return it as a Path."""
    path = Path(out_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as CSV atomically (columns only, exact floats) and return the path."""
    write_table(frame, path)
    return Path(path)
