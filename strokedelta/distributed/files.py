"""Converting many drawings files in parallel: one ``dask.bag`` task per file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask.bag as db

from strokedelta._validation import check_choice
from strokedelta.io import ReadReport, convert_drawings, output_paths
from strokedelta.limits import ReadLimits
from strokedelta.sketch import preparation

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["convert_files", "convert_many"]


def convert_files(
    inputs: Sequence[str | Path],
    output_dir: str | Path,
    *,
    to: str = ".parquet",
    simplify: bool = False,
    errors: str = "raise",
    client: Client | None = None,
) -> list[Path]:
    """Convert many drawings files in parallel, one task per file, each written atomically.

    Parameters
    ----------
    inputs : list of str or Path
        Drawings files in any readable format (:data:`strokedelta.io.READ_FORMATS`).
    output_dir : str or Path
        Created if missing; file ``cat.ndjson.gz`` becomes ``output_dir / "cat" + to``.
    to : str, default ".parquet"
        Output format, one of :data:`strokedelta.io.WRITE_FORMATS`.
    simplify : bool, default False
        Apply Google's simplification (:func:`strokedelta.sketch.simplify.simplify_drawings`).
    errors : {"raise", "skip"}
        As for :func:`strokedelta.io.convert_drawings`.
    client : distributed.Client, optional
        Run on this cluster (:func:`local_client`, :func:`client_for`). Default: dask's local
        *threads*: parsing, the numba kernels and Parquet writing release the GIL, and threads
        start no interpreter that would re-import numba and torch per worker.

    Returns
    -------
    list of Path
        The written files, in the order of ``inputs``. A failure raises the
        :class:`~strokedelta.FormatError` naming the file; outputs of other files stay.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.io import read_drawings, write_drawings
    >>> from strokedelta.sketch import Drawings
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_drawings(Drawings.from_polylines([[[[0, 3], [0, 4]]]]), folder / "a.ndjson")
    >>> [p.name for p in convert_files([folder / "a.ndjson"], folder / "out")]
    ['a.parquet']
    >>> len(read_drawings(folder / "out" / "a.parquet"))
    1
    """
    done = convert_many(inputs, output_dir, to=to, simplify=simplify, errors=errors, client=client)
    return [path for path, _, _ in done]


def convert_many(
    inputs: Sequence[str | Path],
    output_dir: str | Path,
    *,
    to: str = ".parquet",
    simplify: bool = False,
    epsilon: float = 2.0,
    min_len: int | None = None,
    max_len: int | None = None,
    split: str | None = None,
    errors: str = "raise",
    merge_splits: bool = False,
    limits: ReadLimits | None = None,
    report: ReadReport | None = None,
    client: Client | None = None,
) -> list[tuple[Path, int, int]]:
    """:func:`convert_files` with every option of :func:`strokedelta.io.convert_drawings`.

    Each task converts one file with :func:`strokedelta.io.convert_drawings` (the same call as
    the single-file command), transformed by :func:`strokedelta.sketch.prepare_drawings` when
    ``simplify``, ``min_len`` or ``max_len`` is given, so every output is byte for byte what
    converting the file alone gives, on any engine. With ``errors="skip"`` each task records
    what it skipped in its own :class:`~strokedelta.io.ReadReport`; they are merged into
    ``report`` in the order of ``inputs``, so ``report`` ends as the single engine's.

    Returns
    -------
    list of (Path, int, int)
        Per input, in order: the written file, its drawings and its points.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.io import write_drawings
    >>> from strokedelta.sketch import Drawings
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_drawings(Drawings.from_polylines([[[[0, 3], [0, 4]]]]), folder / "a.npz")
    >>> [(p.name, n, k) for p, n, k in convert_many([folder / "a.npz"], folder, to=".ndjson")]
    [('a.ndjson', 1, 2)]
    """
    check_choice("errors", errors, ("raise", "skip"))
    targets = output_paths(inputs, output_dir, to)
    if not targets:
        return []
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    transform = preparation(simplify=simplify, epsilon=epsilon, min_len=min_len, max_len=max_len)
    options = {
        "split": split,
        "errors": errors,
        "merge_splits": merge_splits,
        "limits": limits,
        "transform": transform,
    }
    jobs = db.from_sequence(list(zip(map(str, inputs), map(str, targets))), partition_size=1)
    done = jobs.map(_convert_one, options=options)
    written = done.compute(scheduler=client if client is not None else "threads")
    for *_, part in written:
        if report is not None:
            report.merge(part)
    return [(Path(p), n, k) for p, n, k, _ in written]


def _convert_one(
    job: tuple[str, str], *, options: dict[str, Any]
) -> tuple[str, int, int, ReadReport]:
    source, target = job
    report = ReadReport()
    count, points = convert_drawings(source, target, report=report, **options)
    return target, count, points, report
