"""Sketch-RNN .npz: real files, safe loading (nothing from the file runs), magenta compatibility."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from strokedelta.exceptions import FormatError, UnsafeFileError, ValidationError
from strokedelta.io import ReadReport, read_drawings, write_drawings
from strokedelta.io.sketchrnn_npz import SafeUnpickler
from strokedelta.ragged import Ragged
from strokedelta.sketch import Drawings


def numpy_load(path):
    """What magenta does (and what runs code from the file): only for trusted test files."""
    with np.load(path, allow_pickle=True, encoding="latin1") as data:
        return {key: data[key] for key in data.files}


def test_aaron_sheep_has_the_documented_counts(real_data):
    d = read_drawings(real_data / "aaron_sheep.npz")
    counts = d.meta["split"].value_counts()
    assert (counts["train"], counts["valid"], counts["test"]) == (7400, 300, 300)
    train = read_drawings(real_data / "aaron_sheep.npz", split="train")
    assert len(train) == 7400
    assert train.n_points == 926_652
    assert train.strokes.values.dtype == np.int16
    assert train.lengths.min() == 20
    assert train.lengths.max() == 250
    assert train.strokes.values[:, 0].min() == -476
    assert train.strokes.values[:, 0].max() == 460
    assert set(np.unique(train.pen).tolist()) == {0, 1}
    assert (train.pen[train.strokes.offsets[1:] - 1] == 1).all()  # every sketch ends pen up
    assert train[0][:2].tolist() == [[2, -4, 0], [9, -9, 0]]


def test_omniglot_has_the_documented_counts(real_data):
    d = read_drawings(real_data / "omniglot.npz", split="train")
    assert len(d) == 30_000
    assert d.n_points == 933_430
    assert d.lengths.min() == 2
    assert len(read_drawings(real_data / "omniglot.npz", split="test")) == 1000


def test_reading_equals_numpy_load(real_data):
    d = read_drawings(real_data / "aaron_sheep.npz")
    reference = numpy_load(real_data / "aaron_sheep.npz")
    for key in ("train", "valid", "test"):
        part = d[(d.meta["split"] == key).to_numpy()]
        assert len(part) == len(reference[key])
        for mine, theirs in zip(part.strokes, reference[key]):
            assert mine.dtype == theirs.dtype
            assert np.array_equal(mine, theirs)


def test_npz_to_parquet_to_npz_keeps_every_array(real_data, tmp_path):
    source = real_data / "aaron_sheep.npz"
    write_drawings(read_drawings(source), tmp_path / "sheep.parquet")
    write_drawings(read_drawings(tmp_path / "sheep.parquet"), tmp_path / "sheep.npz")
    before, after = numpy_load(source), numpy_load(tmp_path / "sheep.npz")
    assert sorted(after) == ["test", "train", "valid"]
    for key in before:
        assert after[key].dtype == object
        assert len(after[key]) == len(before[key])
        for a, b in zip(before[key], after[key]):
            assert a.dtype == b.dtype == np.int16
            assert np.array_equal(a, b)
    assert read_drawings(tmp_path / "sheep.npz").equals(read_drawings(source))


def test_written_pickles_name_only_classic_numpy_globals(tmp_path):
    write_drawings(Drawings.from_polylines([[[[1, 2], [3, 4]]]]), tmp_path / "a.npz")
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        payload = archive.read("train.npy")
    assert b"numpy.core.multiarray\n_reconstruct" in payload  # loadable by numpy 1.x too
    assert b"numpy._core" not in payload
    with pytest.raises(ValueError, match="allow_pickle"):
        np.load(tmp_path / "a.npz")["train"]


def test_float_elements_and_empty_splits(tmp_path):
    d = Drawings(Ragged(np.array([[0.5, 1.0, 0.0], [2.25, -1.0, 1.0]]), [0, 2]))
    write_drawings(d, tmp_path / "f.npz")
    stored = numpy_load(tmp_path / "f.npz")
    assert stored["train"][0].dtype == np.float64
    assert len(stored["valid"]) == 0
    back = read_drawings(tmp_path / "f.npz")
    assert back.strokes.equals(d.strokes)
    assert back.meta["split"].tolist() == ["train"]


def test_values_beyond_int16_are_refused(tmp_path):
    d = Drawings(Ragged(np.array([[40000, 0, 1]], dtype=np.int64), [0, 1]))
    with pytest.raises(
        ValidationError,
        match=r"stroke-3 values must fit int16 to write a Sketch-RNN .npz; got 0..40000",
    ):
        write_drawings(d, tmp_path / "big.npz")
    assert not (tmp_path / "big.npz").exists()


def test_split_column_chooses_the_key(tmp_path):
    d = Drawings.from_polylines(
        [[[[1], [1]]], [[[2], [2]]], [[[3], [3]]]],
        pd.DataFrame({"split": ["test", "train", "test"]}),
    )
    write_drawings(d, tmp_path / "s.npz")
    stored = numpy_load(tmp_path / "s.npz")
    assert [len(stored[k]) for k in ("train", "valid", "test")] == [1, 0, 2]
    with pytest.raises(
        ValidationError, match=r"split must be one of train, valid, test; got 'dev' \(drawing 1\)"
    ):
        write_drawings(
            Drawings.from_polylines(
                [[[[1], [1]]], [[[1], [1]]]], pd.DataFrame({"split": ["test", "dev"]})
            ),
            tmp_path / "t.npz",
        )
    missing = Drawings.from_polylines(
        [[[[1], [1]]], [[[1], [1]]]], pd.DataFrame({"split": ["test", None]})
    )
    with pytest.raises(
        ValidationError,
        match=r"split must be given for every drawing \(or for none\); got no split for drawing 1",
    ):
        write_drawings(missing, tmp_path / "t.npz")
    assert not (tmp_path / "t.npz").exists()


# --------------------------------------------------------------------------- safety
class RunsCommand:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class WritesFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (exec, (f"with open({self.path!r}, 'w') as f: f.write('pwned')",))


def evil_npz(path, payload) -> None:
    items = np.empty(2, dtype=object)
    items[0] = np.zeros((2, 3), dtype=np.int16)
    items[1] = payload
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, items, allow_pickle=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train.npy", buffer.getvalue())


@pytest.mark.parametrize(
    ("make", "forbidden"),
    [
        (lambda marker: RunsCommand(f"touch {marker}"), "posix.system"),
        (lambda marker: WritesFile(str(marker)), "builtins.exec"),
    ],
)
def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path, make, forbidden):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    evil_npz(path, make(marker))
    with pytest.raises(
        UnsafeFileError,
        match=(
            f"evil.npz, key train: refusing to load: the pickle asks for {forbidden}, which "
            "could run code; only numpy arrays are allowed"
        ),
    ):
        read_drawings(path)
    assert not marker.exists()
    # control: the same file really is malicious for np.load(allow_pickle=True)
    with np.load(path, allow_pickle=True, encoding="latin1") as data:
        data["train"]
    assert marker.exists()


def test_safe_unpickler_reads_plain_arrays_only():
    good = pickle.dumps(np.arange(6, dtype=np.int16).reshape(2, 3))
    assert SafeUnpickler(io.BytesIO(good), "x").load().tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(UnsafeFileError, match=r"the pickle asks for collections.OrderedDict"):
        SafeUnpickler(io.BytesIO(pickle.dumps(__import__("collections").OrderedDict())), "x").load()


# ------------------------------------------------------------------------- bad files
def npz_of(path, **arrays) -> None:
    buffers = {}
    for key, value in arrays.items():
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, value, allow_pickle=True)
        buffers[key] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for key, data in buffers.items():
            archive.writestr(f"{key}.npy", data)


def objects(*arrays) -> np.ndarray:
    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        out[i] = a
    return out


def test_pen_values_other_than_0_1_name_the_record(tmp_path):
    path = tmp_path / "pen.npz"
    good = np.array([[1, 1, 0], [2, 2, 1]], dtype=np.int16)
    npz_of(path, train=objects(good, np.array([[1, 1, 0], [2, 2, 2]], dtype=np.int16), good))
    with pytest.raises(
        FormatError,
        match=r"pen.npz, record 1: key train: pen values must be 0 or 1; got 2 at point 1",
    ):
        read_drawings(path)
    report = ReadReport()
    kept = read_drawings(path, errors="skip", report=report)
    assert len(kept) == 2
    assert report.skipped == 1


def test_wrong_element_shapes_are_named(tmp_path):
    path = tmp_path / "shape.npz"
    npz_of(path, train=objects(np.zeros((2, 3), np.int16), np.zeros((4, 2), np.int16)))
    with pytest.raises(
        FormatError,
        match=r"shape.npz, record 1: key train: expected an \(n, 3\) numeric array; "
        r"got int16 \(4, 2\)",
    ):
        read_drawings(path)


def test_numeric_keys_and_missing_splits(tmp_path):
    path = tmp_path / "plain.npz"
    npz_of(path, train=np.zeros((3, 3)))
    with pytest.raises(
        FormatError,
        match=r"key train must be a 1-D object array of \(n, 3\) stroke-3 arrays; "
        r"got float64 \(3, 3\)",
    ):
        read_drawings(path)
    with pytest.raises(FormatError, match="has no key 'valid'; keys are"):
        read_drawings(path, split="valid")
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(FormatError, match=r"text.npz: cannot open as .npz"):
        read_drawings(tmp_path / "text.npz")
