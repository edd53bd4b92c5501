"""Converting many drawings files in parallel: one ``dask.bag`` task per file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import dask.bag as db

from strokedelta._files import suffix_of
from strokedelta._validation import check_choice, fail
from strokedelta.io import WRITE_FORMATS, convert_drawings, format_of
from strokedelta.sketch import simplify_drawings

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["convert_files"]


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
    check_choice("to", to, WRITE_FORMATS)
    check_choice("errors", errors, ("raise", "skip"))
    if isinstance(inputs, (str, Path)):
        raise fail("inputs", "be a list of paths", repr(str(inputs)))
    sources = [Path(p) for p in inputs]
    for source in sources:
        format_of(source)  # an unknown extension fails before any work
    folder = Path(output_dir)
    targets = [folder / (s.name[: len(s.name) - len(suffix_of(s))] + to) for s in sources]
    seen: dict[Path, Path] = {}
    for source, target in zip(sources, targets):
        if target in seen:
            raise fail("inputs", "have distinct names", f"{seen[target]} and {source} -> {target}")
        if target.resolve() == source.resolve():
            raise fail("output_dir", "not overwrite an input", str(target))
        seen[target] = source
    if not sources:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    jobs = db.from_sequence(list(zip(map(str, sources), map(str, targets))), partition_size=1)
    done = jobs.map(_convert_one, simplify=simplify, errors=errors)
    written = done.compute(scheduler=client if client is not None else "threads")
    return [Path(p) for p in written]


def _convert_one(job: tuple[str, str], *, simplify: bool, errors: str) -> str:
    source, target = job
    transform = simplify_drawings if simplify else None
    convert_drawings(source, target, errors=errors, transform=transform)
    return target
