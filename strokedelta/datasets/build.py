"""Build training sets from whole Quick, Draw! categories: :func:`build_dataset`.

A build runs in two mapped steps and one small merge, on any engine
(:mod:`~strokedelta.datasets.engine`):

1. per input file (:func:`~strokedelta.datasets.scan.scan_file`): stream it in chunks, filter,
   rank every drawing by a keyed hash of the seed and its identity, keep per category only the
   best-ranked drawings the splits can use, spill them to the build's work folder;
2. per category (:func:`~strokedelta.datasets.collect.collect_category`): merge its spills, give
   the lowest-ranked drawings to test, then valid, then train, write its files;
3. here: the ``manifest.json`` (parameters, counts, what each filter removed, shortfalls, exact
   scale factors, versions, the SHA-256 of every file).

Everything is written into a temporary folder beside ``out`` that is renamed to ``out`` only
when the build succeeded: a failed build leaves nothing. The same inputs and parameters give
byte-identical folders on every run and on every engine.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from strokedelta.datasets.collect import CategoryJob, CategoryResult, collect_category
from strokedelta.datasets.engine import Engine, engine_for
from strokedelta.datasets.manifest import MANIFEST, manifest_of, write_manifest
from strokedelta.datasets.scan import FileScan, ScanJob, scan_file
from strokedelta.datasets.spec import BuildSpec, Filters, parse_splits
from strokedelta.exceptions import FileAccessError, ValidationError
from strokedelta.io import format_of
from strokedelta.limits import ReadLimits

__all__ = ["build_dataset", "resolve_sources"]

_GLOB = set("*?[")


def resolve_sources(sources: Sequence[str | os.PathLike[str]] | str) -> list[Path]:
    """The input files: paths and globs expanded, checked, deduplicated, sorted.

    Raises
    ------
    FileAccessError
        A path that does not exist or is not a file.
    ValidationError
        A glob matching nothing, no source at all.
    FormatError
        A file whose extension is not a drawings format.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    found: dict[str, Path] = {}
    for source in sources:
        text = os.fspath(source)
        if _GLOB & set(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise ValidationError(f"{text}: no file matches this pattern")
        else:
            matches = [text]
        for match in matches:
            path = Path(match)
            if not path.exists():
                raise FileAccessError("no such file", path=match)
            if path.is_dir():
                raise FileAccessError("is a folder; give drawings files or a glob", path=match)
            format_of(path)
            found.setdefault(str(path.resolve()), path)
    if not found:
        raise ValidationError("sources must name at least one drawings file; got none")
    return [found[key] for key in sorted(found)]


def _check_out(out: Path, inputs: list[Path], overwrite: bool) -> None:
    resolved = out.resolve()
    for path in inputs:
        real = path.resolve()
        if real == resolved or resolved in real.parents:
            raise FileAccessError(
                f"holds the input {path}; refusing to write a dataset over an input", path=str(out)
            )
    if out.exists() or out.is_symlink():
        if not out.is_dir() or out.is_symlink():
            raise FileAccessError("exists and is not a folder; choose another OUT", path=str(out))
        if not overwrite:
            raise FileAccessError(
                "already exists; choose another OUT or pass --overwrite to replace it",
                path=str(out),
            )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _staging(out: Path, overwrite: bool) -> Iterator[Path]:
    """A temporary folder beside ``out``, renamed onto it on success, removed on failure."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(
        tempfile.mkdtemp(prefix=f".{out.name}.strokedelta-tmp-{os.getpid()}-", dir=out.parent)
    )
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; give the usual folder mode
        yield tmp
        old = None
        if out.exists() and overwrite:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.strokedelta-old-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _merge_scans(
    scans: list[FileScan],
) -> tuple[dict[str, list[str]], dict[str, int], dict[str, dict[str, int]]]:
    spills: dict[str, list[str]] = {}
    available: dict[str, int] = {}
    removed: dict[str, dict[str, int]] = {}
    for scan in scans:
        for word, name in scan.spills.items():
            spills.setdefault(word, []).append(name)
        for word, count in scan.available.items():
            available[word] = available.get(word, 0) + count
        for name, counter in scan.removed.items():
            into = removed.setdefault(name, {})
            for word, count in counter.items():
                into[word] = into.get(word, 0) + count
    return spills, available, removed


def build_dataset(
    sources: Sequence[str | os.PathLike[str]] | str,
    out: str | os.PathLike[str],
    *,
    format: str = "npz",
    splits: Any = (70000, 2500, 2500),
    seed: int = 0,
    words: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
    recognized: bool = False,
    simplify: bool = False,
    epsilon: float = 2.0,
    min_len: int | None = None,
    max_len: int | None = None,
    limit: int | None = None,
    engine: str | Engine = "single",
    client: Any = None,
    workers: int | None = None,
    overwrite: bool = False,
    row_group_size: int = 10_000,
    bitmap_size: int = 28,
    limits: ReadLimits | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Build a training set (train/valid/test per category) from drawings files.

    Parameters
    ----------
    sources : list of str or Path, or str
        Files and globs; ndjson(.gz), bin, npz, Parquet, mixed. A drawing's category is its
        ``word``, or its file's name where the format has none.
    out : str or Path
        The folder to create (refused if it exists, unless ``overwrite``: then swapped in).
    format : {"npz", "parquet", "bitmap"}
        A Sketch-RNN ``.npz`` per category; one Parquet dataset (``word=W/`` parts with a
        ``split`` column); or Google's numpy_bitmap ``.npy`` per category, splits beside it.
    splits : str or three numbers
        Drawings per category for train, valid, test, or fractions (``"0.9,0.05,0.05"``). The
        lowest-ranked go to test, then valid, then train; the manifest lists shortfalls.
    seed : int
        Keys every drawing's rank: its split depends on the seed and its identity only.
    words, countries, recognized, simplify, epsilon, min_len, max_len, limit
        The :class:`~strokedelta.datasets.spec.Filters`.
    engine, client, workers
        ``"single"`` (``workers`` threads, default the cores) or ``"dask"`` (on ``client``,
        default dask's threads; import :mod:`strokedelta.distributed` first).
    row_group_size, bitmap_size, limits, progress
        Parquet rows per row group; bitmap side; reader limits; tqdm bars on stderr.

    Returns
    -------
    dict
        The manifest, also written to ``out / "manifest.json"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from strokedelta.io import write_drawings
    >>> from strokedelta.sketch import Drawings
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cats = Drawings.from_polylines([[[[0, 1], [0, i]]] for i in range(10)])
    >>> write_drawings(cats, folder / "cat.ndjson")
    >>> manifest = build_dataset([folder / "cat.ndjson"], folder / "set", splits="6,2,2")
    >>> manifest["categories"]["cat"]["counts"], sorted(p.name for p in (folder / "set").iterdir())
    ({'train': 6, 'valid': 2, 'test': 2}, ['cat.npz', 'manifest.json'])
    """
    filters = Filters(words, countries, recognized, simplify, epsilon, min_len, max_len, limit)
    spec = BuildSpec(parse_splits(splits), format, seed, filters, row_group_size, bitmap_size)
    inputs = resolve_sources(sources)
    out = Path(out)
    _check_out(out, inputs, overwrite)
    runner = engine_for(engine, client=client, workers=workers, progress=progress)
    return _build(spec, inputs, out, overwrite, runner, limits)


def _build(
    spec: BuildSpec,
    inputs: list[Path],
    out: Path,
    overwrite: bool,
    runner: Engine,
    limits: ReadLimits | None,
) -> dict[str, Any]:
    with _staging(out, overwrite) as tmp:
        work = tmp / ".work"
        work.mkdir()
        jobs = [ScanJob(str(p), rank, spec, str(work), limits) for rank, p in enumerate(inputs)]
        scans: list[FileScan] = runner.map(scan_file, jobs, desc="scan")
        spills, available, removed = _merge_scans(scans)
        if not spills:
            raise ValidationError("the filters left no drawings; nothing was written")
        category_jobs = [
            CategoryJob(word, tuple(sorted(spills[word])), available[word], spec, str(tmp))
            for word in sorted(spills)
        ]
        results: list[CategoryResult] = runner.map(collect_category, category_jobs, desc="write")
        shutil.rmtree(work)
        read = sum(s.read for s in scans)
        manifest = manifest_of(spec, inputs, read, removed, results)
        write_manifest(manifest, tmp / MANIFEST)
    return manifest
