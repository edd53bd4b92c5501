"""The registry of drawings formats: lookup, capabilities, and a new format needing no other edit;
``convert_drawings`` writing behind reading, with failures on either side."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from strokedelta.exceptions import FileAccessError, FormatError, ValidationError
from strokedelta.io import (
    READ_FORMATS,
    WRITE_FORMATS,
    convert_drawings,
    drawings_files,
    format_of,
    iter_drawings,
    open_writer,
    read_drawings,
    registry,
    write_drawings,
)
from strokedelta.io.registry import DrawingsFormat, format_for, formats, register
from strokedelta.sketch import Drawings


def test_listed_suffixes_come_from_the_registry_in_the_table_order():
    assert READ_FORMATS == (".ndjson", ".ndjson.gz", ".bin", ".npz", ".parquet")
    assert WRITE_FORMATS == READ_FORMATS
    assert [f.name for f in formats()] == ["ndjson", "bin", "npz", "parquet"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("a.ndjson", "ndjson"),
        ("A.NDJSON.GZ", "ndjson"),
        ("-", "ndjson"),
        ("a.bin", "bin"),
        ("a.npz", "npz"),
        ("a.parquet", "parquet"),
        ("a.pq", "parquet"),
    ],
)
def test_format_for_finds_the_record(path, name):
    assert format_for(path).name == format_of(path) == name


def test_capabilities_say_what_each_format_keeps():
    keeps = {f.name: (f.keeps_time, f.keeps_splits, f.streams) for f in formats()}
    assert keeps == {
        "ndjson": (True, True, True),
        "bin": (False, False, False),
        "npz": (False, True, False),
        "parquet": (True, True, True),
    }


def test_a_taken_name_or_suffix_is_refused():
    ndjson = format_for("a.ndjson")
    with pytest.raises(ValidationError, match=r"format 'ndjson' must have a new name"):
        register(ndjson)
    with pytest.raises(ValidationError, match=r"got \['.bin'\], registered by 'bin'"):
        register(
            DrawingsFormat(
                **{**vars(ndjson), "name": "other", "suffixes": (".bin",), "reads_stdin": False}
            )
        )
    assert [f.name for f in formats()] == ["ndjson", "bin", "npz", "parquet"]


@pytest.mark.parametrize("suffix", [".ndjson", ".ndjson.gz", ".bin", ".npz", ".parquet"])
def test_a_missing_file_is_a_file_access_error(tmp_path, suffix):
    with pytest.raises(FileAccessError, match=r"absent\.[a-z.]+: cannot open file: No such file"):
        read_drawings(tmp_path / f"absent{suffix}")


# ----------------------------------------------------------------------- a new format
class ToyWriter:
    """One JSON list of polylines per batch; logs when each write starts and ends."""

    def __init__(self, path: Path, *, delay: float = 0.0, fail_at: int | None = None) -> None:
        self.path, self.count, self.delay, self.fail_at = Path(path), 0, delay, fail_at
        self.log: list[str] = []
        self.batches = 0
        self._handle = open(self.path, "w")  # noqa: SIM115

    def write(self, drawings: Drawings) -> None:
        batch, self.batches = self.batches, self.batches + 1
        self.log.append(f"write {batch} {threading.current_thread().name}")
        time.sleep(self.delay)
        if batch == self.fail_at:
            raise OSError("disk full")
        self._handle.write(json.dumps(drawings.to_polylines()) + "\n")
        self.count += len(drawings)
        self.log.append(f"done {batch}")

    def close(self) -> None:
        self._handle.close()

    abort = close


def toy_chunks(path, *, errors="raise", report=None, chunk_size=1, limits=None):
    with open(path) as handle:
        for line in handle:
            yield Drawings.from_polylines(json.loads(line))


TOY = DrawingsFormat(
    name="toy",
    description="one JSON list per chunk",
    suffixes=(".toy",),
    read_chunks=toy_chunks,
    writer=ToyWriter,
    empty=lambda path: Drawings.from_polylines([]),
    streams=True,
    keeps_time=False,
    keeps_splits=False,
)


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))
    return register(TOY)


def polylines(n: int) -> list:
    return [[[[k, k + 1], [0, 1]]] for k in range(n)]


def test_a_registered_format_is_read_written_and_converted_with_no_other_edit(tmp_path, toy):
    d = Drawings.from_polylines(polylines(3))
    write_drawings(d, tmp_path / "d.toy")
    assert read_drawings(tmp_path / "d.toy").to_polylines() == polylines(3)
    assert convert_drawings(tmp_path / "d.toy", tmp_path / "d.parquet") == (3, 6)
    assert convert_drawings(tmp_path / "d.parquet", tmp_path / "e.toy") == (3, 6)
    assert [len(c) for c in iter_drawings(tmp_path / "e.toy")] == [3]
    (tmp_path / "empty.toy").write_text("")
    assert len(read_drawings(tmp_path / "empty.toy")) == 0


# ------------------------------------------------------------------ writing behind reading
def source_file(folder: Path, chunks: int) -> Path:
    path = folder / "source.toy"
    path.write_text("".join(json.dumps(polylines(2)) + "\n" for _ in range(chunks)))
    return path


@pytest.fixture
def recorded(monkeypatch):
    """The ToyWriter that ``open_writer`` makes, with the options the test sets."""
    made: list[ToyWriter] = []
    options: dict = {}

    def make(path, **given):
        made.append(ToyWriter(path, **{**given, **options}))
        return made[-1]

    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))
    register(DrawingsFormat(**{**vars(TOY), "writer": make}))
    return made, options


def test_each_chunk_is_written_in_a_worker_while_the_next_is_read(tmp_path, recorded):
    made, options = recorded
    options["delay"] = 0.01
    source = source_file(tmp_path, 5)
    read: list[str] = []

    def on_chunk(chunk: Drawings) -> None:
        read.append(f"read {len(read)}")
        made[0].log.append(read[-1])

    assert convert_drawings(source, tmp_path / "out.toy", on_chunk=on_chunk) == (10, 20)
    log = made[0].log
    assert all("strokedelta-writer" in e for e in log if e.startswith("write"))
    for i in range(5):  # chunk i+2 is read only once chunk i is written: two chunks at most
        if i + 2 < 5:
            assert log.index(f"done {i}") < log.index(f"read {i + 2}")
    assert read_drawings(tmp_path / "out.toy").to_polylines() == polylines(2) * 5


def test_one_thread_mode_writes_in_this_thread(tmp_path, recorded, monkeypatch):
    made, _ = recorded
    monkeypatch.setattr(drawings_files, "threads_allowed", lambda: False)
    assert convert_drawings(source_file(tmp_path, 3), tmp_path / "out.toy") == (6, 12)
    assert all(threading.main_thread().name in e for e in made[0].log if e.startswith("write"))


@pytest.mark.parametrize("threads", [True, False])
def test_a_failed_write_stops_the_conversion_and_leaves_no_target(
    tmp_path, recorded, monkeypatch, threads
):
    made, options = recorded
    options["fail_at"] = 1
    monkeypatch.setattr(drawings_files, "threads_allowed", lambda: threads)
    with pytest.raises(OSError, match="disk full"):
        convert_drawings(source_file(tmp_path, 6), tmp_path / "out.toy")
    assert not (tmp_path / "out.toy").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.toy"]
    assert sum(e.startswith("write") for e in made[0].log) == 2  # nothing after the failure


@pytest.mark.parametrize("threads", [True, False])
def test_a_failed_read_waits_for_the_write_in_flight_and_leaves_no_target(
    tmp_path, recorded, monkeypatch, threads
):
    made, options = recorded
    options["delay"] = 0.05
    source = source_file(tmp_path, 3)
    with open(source, "a") as handle:
        handle.write("not json\n")
    monkeypatch.setattr(drawings_files, "threads_allowed", lambda: threads)
    with pytest.raises(json.JSONDecodeError):
        convert_drawings(source, tmp_path / "out.toy")
    assert made[0].log[-1] == "done 2"  # the last write finished before the file was dropped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.toy"]


def test_writing_to_stdout_is_refused():
    with pytest.raises(FormatError, match="writing to stdout is not supported"), open_writer("-"):
        pass
