"""Library writes with fakes: one writer at a time, orphan repair, and a full disk in plain words."""

from __future__ import annotations

import errno
import sqlite3
import threading
import time

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.errors import AppError, DiskFullError, StorageError
from desktop_app.rag import store_failures
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.rag.writer_lock import is_waiting_message
from desktop_app.services.index_writes import WRITER_STATE_KEY
from desktop_app.services.library import Library
from tests.rag_fixtures import drain


class InternalError(Exception):
    """Stands in for chromadb.errors.InternalError, whose text names no cause."""


class BreakableVectors(InMemoryVectorStore):
    """An in-memory store that fails on demand, as Chroma does when its disk fills up."""

    def __init__(self) -> None:
        super().__init__()
        self.upsert_error: BaseException | None = None
        self.query_error: BaseException | None = None

    def upsert(self, chunks, embeddings) -> None:
        if self.upsert_error is not None:
            raise self.upsert_error
        super().upsert(chunks, embeddings)

    def query(self, embedding, n, collections=None):
        if self.query_error is not None:
            raise self.query_error
        return super().query(embedding, n, collections)


@pytest.fixture
def paths(isolated_home):
    return AppPaths.resolve(isolated_home)


def make_library(paths, vectors) -> Library:
    return Library(paths, Settings(), MachinePolicy(), embedder=FakeEmbedder(), vector_store=vectors)


def folder_of(root, name: str, texts: dict[str, str]):
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, text in texts.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


HR = {"leave.md": "Annual leave is 25 days per year for all staff.",
      "parking.md": "Parking permits are renewed every January at the front desk."}
ENG = {f"pump-{i}.md": f"Pump P-{i} needs new seals every spring; inspection code QX-{i}." for i in range(6)}


def sources_in_stores(lib: Library) -> set[str]:
    vectors, keywords = lib.stores.open()
    return set(vectors.sources()) | set(keywords.sources())


# ------------------------------------------------------------------ one writer at a time


def test_a_second_library_on_the_same_folder_waits_for_the_first_and_nothing_is_lost(paths, tmp_path):
    shared = InMemoryVectorStore()  # both "processes" write one vector store, as two apps write one Chroma folder
    first, second = make_library(paths, shared), make_library(paths, shared)
    eng, hr = folder_of(tmp_path, "eng", ENG), folder_of(tmp_path, "hr", HR)

    running = first.index([str(eng)], "eng")
    next(running)  # the first run holds the index now, its files not yet done
    seen, result = [], {}
    waiter = threading.Thread(target=lambda: result.setdefault("report", drain(second.index([str(hr)], "hr"), seen.append)))
    waiter.start()
    time.sleep(1.5)
    assert waiter.is_alive(), "the second writer did not wait"
    assert [p.message for p in seen if p.message] and is_waiting_message(seen[0].message)
    assert "PID" in seen[0].message
    first_report = drain(running)
    waiter.join(30)
    assert first_report.files_indexed == 6 and result["report"].files_indexed == 2

    for lib in (first, second):  # each sees the other's work: both collections, complete
        assert [(c.name, c.documents) for c in lib.collections()] == [("eng", 6), ("hr", 2)]
        check = lib.check()
        assert check.clean, check.lines()
    assert sources_in_stores(first) == {d.path for d in first.documents()}


def test_a_waiting_index_run_gives_up_when_cancelled_and_changes_nothing(paths, tmp_path):
    from desktop_app.core.cancel import CancelToken

    shared = InMemoryVectorStore()
    first, second = make_library(paths, shared), make_library(paths, shared)
    running = first.index([str(folder_of(tmp_path, "eng", ENG))], "eng")
    next(running)
    cancel = CancelToken()
    threading.Timer(0.5, cancel.cancel).start()
    report = drain(second.index([str(folder_of(tmp_path, "hr", HR))], "hr", cancel))
    assert report.cancelled and report.files_indexed == 0
    drain(running)
    assert [c.name for c in second.collections()] == ["eng"]


def test_remove_waits_for_a_running_index_job_and_says_so(paths, tmp_path):
    shared = InMemoryVectorStore()
    first, second = make_library(paths, shared), make_library(paths, shared)
    hr = folder_of(tmp_path, "hr", HR)
    drain(first.index([str(hr)], "hr"))
    running = first.index([str(folder_of(tmp_path, "eng", ENG))], "eng")
    next(running)
    told = []
    second.on_writer_wait = told.append
    remover = threading.Thread(target=second.remove_document, args=(str(hr / "leave.md"),))
    remover.start()
    time.sleep(1.0)
    assert remover.is_alive() and told and is_waiting_message(told[0])
    drain(running)
    remover.join(30)
    assert sorted(d.path for d in second.documents("hr")) == [str(hr / "parking.md")]
    assert second.check().clean


def test_searches_do_not_wait_for_a_running_index_job(paths, tmp_path):
    shared = InMemoryVectorStore()
    writer, reader = make_library(paths, shared), make_library(paths, shared)
    drain(writer.index([str(folder_of(tmp_path, "hr", HR))], "hr"))
    running = writer.index([str(folder_of(tmp_path, "eng", ENG))], "eng")
    next(running)  # holds the writer lock
    started = time.monotonic()
    hits = reader.search("How many days of annual leave?")
    assert hits and hits[0].source.endswith("leave.md")
    assert time.monotonic() - started < 5
    assert reader.documents("hr")
    drain(running)


# ------------------------------------------------------------------ orphans and repair


def orphan_collection(lib: Library, folder) -> list[str]:
    """What the old two-writer bug left: chunks in both stores, no manifest row, an unchecked index."""
    drain(lib.index([str(folder)], "lost"))
    paths = [d.path for d in lib.documents("lost")]
    for path in paths:
        lib.manifest.remove(path)
    lib.manifest.set_meta(WRITER_STATE_KEY, "")  # a home written before the writer lock existed
    return paths


def test_orphans_are_hidden_from_search_reported_by_check_and_removed_by_repair(paths, tmp_path):
    lib = make_library(paths, InMemoryVectorStore())
    drain(lib.index([str(folder_of(tmp_path, "hr", HR))], "hr"))
    lost = orphan_collection(lib, folder_of(tmp_path, "eng", ENG))

    assert {h.source for h in lib.search("Pump seals inspection code", k=10)} <= {d.path for d in lib.documents()}
    found = lib.check()
    assert set(found.orphans) == set(lost) and not found.repaired
    assert any("not in the document list" in line for line in found.lines())
    assert set(lost) <= sources_in_stores(lib)  # check alone changes nothing

    repaired = lib.check(repair=True)
    assert repaired.repaired and set(repaired.to_index_again()) == set(lost)
    assert sources_in_stores(lib) == {d.path for d in lib.documents()}
    assert lib.check().clean


def test_the_next_index_run_repairs_orphans_and_half_written_documents_first(paths, tmp_path):
    lib = make_library(paths, InMemoryVectorStore())
    eng = folder_of(tmp_path, "eng", ENG)
    lost = orphan_collection(lib, eng)
    lib.manifest.begin(str(tmp_path / "gone.md"), "0" * 64, "x")  # a run killed mid-file
    notes = []
    report = drain(lib.index([str(eng)], "eng"), notes.append)
    assert any(n.message.startswith("Repaired the document index") for n in notes)
    assert report.files_indexed == len(lost)  # the orphans' files are indexed again, properly listed
    assert sorted(d.path for d in lib.documents()) == sorted(lost)
    assert lib.manifest.pending() == [] and lib.check().clean


def test_a_clean_index_is_not_scanned_again(paths, tmp_path, monkeypatch):
    lib = make_library(paths, InMemoryVectorStore())
    drain(lib.index([str(folder_of(tmp_path, "hr", HR))], "hr"))
    scans = []
    from desktop_app.services import index_writes

    monkeypatch.setattr(index_writes, "check_index", lambda *a: scans.append(a) or pytest.fail("scanned"))
    drain(lib.index([str(folder_of(tmp_path, "eng", ENG))], "eng"))
    assert scans == []


# ------------------------------------------------------------------ a full disk


def test_a_full_disk_while_indexing_is_one_sentence_and_keeps_what_was_indexed(paths, tmp_path, monkeypatch):
    vectors = BreakableVectors()
    lib = make_library(paths, vectors)
    hr = folder_of(tmp_path, "hr", HR)
    drain(lib.index([str(hr)], "hr"))

    # The disk fills up (1.5 MiB left, 1 MiB kept as headroom): the store fails saying nothing useful.
    monkeypatch.setattr(store_failures, "free_bytes", lambda folder: 1536 * 1024)
    monkeypatch.setattr(store_failures, "reserve_bytes", lambda folder: 1024 * 1024)
    vectors.upsert_error = InternalError("Error in compaction: Failed to apply logs to the metadata segment")
    with pytest.raises(DiskFullError) as caught:
        drain(lib.index([str(folder_of(tmp_path, "eng", ENG))], "eng"))
    assert str(caught.value) == (
        f"The disk holding your documents index is full (1.5 MB free in {paths.index_dir}). "
        "Free some space and index again; documents indexed so far are kept.")
    assert [c.name for c in lib.collections()] == ["hr"]
    assert lib.search("How many days of annual leave?")[0].source == str(hr / "leave.md")

    vectors.query_error = sqlite3.OperationalError("database or disk is full")
    with pytest.raises(DiskFullError, match="so it cannot be searched. Free some space and try again"):
        lib.search("annual leave")
    with pytest.raises(DiskFullError):
        lib.retriever().retrieve("annual leave")  # the path `ask` takes

    # Space freed: the next run finishes the interrupted one.
    vectors.upsert_error = vectors.query_error = None
    monkeypatch.undo()
    report = drain(lib.index([str(tmp_path / "eng")], "eng"))
    assert report.files_indexed == 6
    assert lib.check().clean and [c.name for c in lib.collections()] == ["eng", "hr"]


class _FullDiskConnection:
    """A sqlite3 connection whose INSERTs fail as they do when the disk is full."""

    def __init__(self, real) -> None:
        self._real = real

    def execute(self, sql, *args):
        if sql.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._real.execute(sql, *args)

    def executemany(self, sql, *args):
        if sql.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._real.executemany(sql, *args)

    def __getattr__(self, name):
        return getattr(self._real, name)


def test_indexing_stops_with_headroom_left_before_the_vector_store_writes(paths, tmp_path, monkeypatch):
    vectors = BreakableVectors()
    lib = make_library(paths, vectors)
    monkeypatch.setattr(store_failures, "free_bytes", lambda folder: 20 * 1024 * 1024)
    monkeypatch.setattr(store_failures, "reserve_bytes", lambda folder: 32 * 1024 * 1024)
    with pytest.raises(DiskFullError, match=r"full \(20.0 MB free in "):
        drain(lib.index([str(folder_of(tmp_path, "hr", HR))], "hr"))
    assert not any(op == "upsert" for op, _ in vectors.history)  # Chroma was never asked to write
    assert lib.documents() == [] and lib.manifest.pending() == []  # the half-begun file was cleaned up


def test_a_full_keyword_index_or_enospc_say_disk_full_even_with_space_reported(paths, tmp_path):
    vectors = BreakableVectors()
    lib = make_library(paths, vectors)
    _, keywords = lib.stores.open()
    keywords._db = _FullDiskConnection(keywords._db)
    with pytest.raises(DiskFullError, match="^The disk holding your documents index is full"):
        drain(lib.index([str(folder_of(tmp_path, "hr", HR))], "hr"))
    keywords._db = keywords._db._real

    vectors.upsert_error = OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(DiskFullError, match="index again; documents indexed so far are kept"):
        drain(lib.index([str(tmp_path / "hr")], "hr"))
    vectors.upsert_error = None
    assert drain(lib.index([str(tmp_path / "hr")], "hr")).files_indexed == 2
    assert lib.check().clean


def test_any_other_store_failure_is_a_plain_storage_error(paths, tmp_path, monkeypatch):
    monkeypatch.setattr(store_failures, "free_bytes", lambda folder: 50 * 1024 ** 3)
    vectors = BreakableVectors()
    lib = make_library(paths, vectors)
    vectors.upsert_error = RuntimeError("segment reader broke\nsecond line of internals")
    with pytest.raises(StorageError) as caught:
        drain(lib.index([str(folder_of(tmp_path, "hr", HR))], "hr"))
    assert not isinstance(caught.value, DiskFullError)
    assert str(caught.value) == (
        "The document index could not be updated (RuntimeError: segment reader broke second line of internals). "
        "Run 'slm-assistant docs check --repair'; if that fails too, "
        "'slm-assistant index --rebuild' rebuilds the index from your files.")
    with pytest.raises(AppError, match="no collection called"):  # refusals pass through unchanged
        lib.remove_collection("nothing")
