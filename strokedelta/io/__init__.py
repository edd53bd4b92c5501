"""Readers and writers of drawings, chosen by file extension.

=================  =========================================  ======  ======
extension          format                                     read    write
=================  =========================================  ======  ======
``.ndjson(.gz)``   Quick, Draw! ndjson, raw or simplified     yes     yes
``.bin``           Quick, Draw! binary                        yes     yes
``.npz``           Sketch-RNN stroke-3 splits                 yes     yes
``.parquet``       strokedelta's columnar drawings layout     yes     yes
=================  =========================================  ======  ======

Each format is one module that registers a :class:`~strokedelta.io.registry.DrawingsFormat`
(its suffixes, reader, writer and what it keeps) in :mod:`strokedelta.io.registry`; the functions
of :mod:`strokedelta.io.drawings_files` dispatch through that registry. Reading streams in chunks
where the format allows it (ndjson, Parquet); writing goes through :func:`open_writer`, which
writes to a temporary file renamed into place only on success, so a failure never leaves a
partial output. Splits (``train`` / ``valid`` / ``test``, the ``split`` column) are kept by
ndjson (a ``split`` field per line), npz (its keys) and Parquet; ``.bin`` cannot hold them and
refuses drawings that have them unless ``merge_splits=True``. :func:`describe_files` gives the
statistics of files and datasets per split and per word (:mod:`strokedelta.io.file_stats`).
Tables of series (``.csv``, ``.parquet``) are :mod:`strokedelta.io.tables`.

Examples
--------
>>> import tempfile, pathlib
>>> from strokedelta.sketch import Drawings
>>> d = Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]]]])
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_drawings(d, folder / "d.parquet")
>>> write_drawings(read_drawings(folder / "d.parquet"), folder / "d.ndjson")
>>> read_drawings(folder / "d.ndjson").to_polylines()
[[[[0, 3], [0, 4]]], [[[1], [1]]]]
"""

from __future__ import annotations

# isort: off
# Importing a format module registers its format; this order is the order of READ_FORMATS.
from strokedelta.io import quickdraw_ndjson, quickdraw_bin, sketchrnn_npz, parquet  # noqa: F401

# isort: on
from strokedelta.io.drawings_files import (
    READ_FORMATS,
    WRITE_FORMATS,
    DrawingsWriter,
    convert_drawings,
    format_of,
    iter_drawings,
    open_writer,
    output_paths,
    read_drawings,
    write_drawings,
)
from strokedelta.io.file_stats import dataset_files, describe_files, summarize_file
from strokedelta.io.read_report import ReadReport

__all__ = [
    "READ_FORMATS",
    "WRITE_FORMATS",
    "DrawingsWriter",
    "ReadReport",
    "convert_drawings",
    "dataset_files",
    "describe_files",
    "format_of",
    "iter_drawings",
    "open_writer",
    "output_paths",
    "read_drawings",
    "summarize_file",
    "write_drawings",
]
