"""Atomic outputs and input opening."""

from __future__ import annotations

import gzip
import os
import re
import stat
import subprocess
import sys
import time

import pytest

from strokedelta import _files
from strokedelta._files import (
    STALE_TEMP_SECONDS,
    TEMP_MARK,
    atomic_path,
    clean_stale_temps,
    open_text_input,
    suffix_of,
)
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


# --- temporary files: a recognisable name, removed on every exit, stale ones cleaned ----------


def _temps(folder):
    return sorted(p.name for p in folder.iterdir() if TEMP_MARK in p.name)


def test_the_temporary_file_has_a_recognisable_name_beside_the_target(tmp_path):
    target = tmp_path / "cat.parquet"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path
        assert re.fullmatch(rf"\.cat\.parquet\.strokedelta-tmp-{os.getpid()}-\w+", tmp.name)
        assert tmp.exists()
    assert not tmp.exists()
    assert target.exists()


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError])
def test_the_temporary_file_is_removed_on_every_exit_python_sees(tmp_path, error):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(error), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise error()
    assert target.read_text() == "old"
    assert _temps(tmp_path) == []


def test_temporaries_still_open_at_interpreter_exit_are_removed(tmp_path):
    manager = atomic_path(tmp_path / "out.txt")
    tmp = manager.__enter__()  # a writer that never finished
    assert tmp.exists()
    _files._remove_active_temps()
    assert not tmp.exists()
    _files._ACTIVE.discard(str(tmp))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_the_same_target_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "out.csv"
    dead = tmp_path / f".out.csv{TEMP_MARK}{_dead_pid()}-abc123"
    alive = tmp_path / f".out.csv{TEMP_MARK}1-def456"  # pid 1 is always alive
    old = tmp_path / f".out.csv{TEMP_MARK}1-old999"
    other = tmp_path / f".other.csv{TEMP_MARK}{_dead_pid()}-abc123"  # another target's
    legacy = tmp_path / ".out.csv.k2j3h4.tmp"  # not ours to judge
    for path in (dead, alive, old, other, legacy):
        path.write_text("partial")
    week = time.time() - 7 * 24 * 3600
    os.utime(old, (week, week))
    with atomic_path(target) as tmp:
        tmp.write_text("x\n")
    assert target.read_text() == "x\n"
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"out.csv", alive.name, other.name, legacy.name}


def test_a_temporary_of_this_process_is_stale_only_when_no_writer_has_it(tmp_path):
    target = tmp_path / "out.csv"
    mine = tmp_path / f".out.csv{TEMP_MARK}{os.getpid()}-left0ver"
    mine.write_text("left by an earlier run with this pid")
    with atomic_path(target) as outer:
        assert not mine.exists()
        assert clean_stale_temps(target) == []  # the one being written is never stale
        assert outer.exists()


def test_clean_stale_temps_reports_what_it_removed_and_tolerates_missing_folders(tmp_path):
    stale = tmp_path / f".t.bin{TEMP_MARK}{_dead_pid()}-zzz"
    stale.write_text("")
    assert clean_stale_temps(tmp_path / "t.bin") == [stale]
    assert clean_stale_temps(tmp_path / "missing" / "t.bin") == []
    assert 3600 <= STALE_TEMP_SECONDS <= 7 * 24 * 3600


def test_long_target_names_still_get_a_temporary(tmp_path):
    target = tmp_path / ("n" * 250 + ".csv")
    with atomic_path(target) as tmp:
        tmp.write_text("x")
    assert target.read_text() == "x"
