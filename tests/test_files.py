"""Atomic outputs and input opening."""

from __future__ import annotations

import gzip
import os
import stat

import pytest

from strokedelta._files import atomic_path, open_text_input, suffix_of
from strokedelta.exceptions import FileAccessError


def test_atomic_path_renames_on_success_with_normal_permissions(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("done")
        assert not target.exists()
    assert target.read_text() == "done"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_path_leaves_nothing_and_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_open_text_input_reads_gzip_and_names_missing_files(tmp_path):
    path = tmp_path / "a.txt.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("hello\n")
    with open_text_input(path) as handle:
        assert handle.read() == "hello\n"
    missing = open_text_input(tmp_path / "nope.txt")
    with pytest.raises(FileAccessError, match=r"nope\.txt: cannot open file: No such file"):
        missing.__enter__()


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("a.CSV", ".csv"),
        ("a.csv.gz", ".csv.gz"),
        ("x.tar.ndjson", ".ndjson"),
        ("-", "-"),
        ("a", ""),
    ],
)
def test_suffix_of(name, suffix):
    assert suffix_of(name) == suffix


def test_atomic_path_in_a_missing_folder_names_the_target(tmp_path):
    target = tmp_path / "nodir" / "out.txt"
    with pytest.raises(FileNotFoundError) as info, atomic_path(target):
        pass
    assert info.value.filename == str(target)
