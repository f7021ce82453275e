"""Indexer + manifest with fakes: incremental, crash recovery, cancel, model mismatch."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import IndexMismatchError
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.rag.indexer import Indexer
from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.manifest import Manifest


class CrashingEmbedder(FakeEmbedder):
    """Raises (like a kill in the middle of a run) on its ``crash_on``-th batch."""

    def __init__(self, crash_on: int) -> None:
        super().__init__()
        self.crash_on = crash_on

    def embed(self, texts):
        if len(self.history) + 1 == self.crash_on:
            self.history.append(["<crash>"])
            raise SystemExit("killed")
        return super().embed(texts)


def drain(gen):
    progress = []
    while True:
        try:
            progress.append(next(gen))
        except StopIteration as stop:
            return stop.value, progress


def make_docs(folder: Path, n: int = 4, paragraphs: int = 6) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"doc{i}.txt"
        p.write_text("\n\n".join(f"Document {i} paragraph {j}: " + "the turbine gearbox needs oil. " * 12
                                 for j in range(paragraphs)), encoding="utf-8")
        out.append(p)
    return out


@pytest.fixture
def parts(tmp_path):
    return InMemoryVectorStore(), KeywordStore(tmp_path / "kw.sqlite3"), Manifest(tmp_path / "manifest.sqlite3")


def indexer(parts, embedder=None, batch_size=4) -> Indexer:
    vectors, keywords, manifest = parts
    return Indexer(embedder or FakeEmbedder(), vectors, keywords, manifest, batch_size=batch_size)


def assert_consistent(parts):
    """Both stores hold exactly the chunks of 'done' documents: no duplicates, no orphans."""
    vectors, keywords, manifest = parts
    kw_ids = keywords.ids()
    assert not [i for i, n in Counter(kw_ids).items() if n > 1], "duplicate keyword rows"
    assert set(kw_ids) == vectors.ids()
    done = {d.path: d.chunks for d in manifest.documents()}
    per_source = Counter(c.source for c in vectors.chunks.values())
    assert dict(per_source) == done
    assert manifest.pending() == []


def test_first_run_indexes_then_unchanged_files_are_not_embedded_again(tmp_path, parts):
    make_docs(tmp_path / "docs")
    report, progress = drain(indexer(parts).run([str(tmp_path / "docs")]))
    assert report.files_indexed == 4 and report.chunks > 4 and report.ok
    assert progress[-1].files_done == 4 and progress[-1].pages_done == progress[-1].pages_total
    assert_consistent(parts)

    again = FakeEmbedder()
    report2, _ = drain(indexer(parts, again).run([str(tmp_path / "docs")]))
    assert report2.files_unchanged == 4 and report2.files_indexed == 0
    assert again.history == []  # nothing re-embedded


def test_changed_file_is_replaced_and_deleted_file_purged(tmp_path, parts):
    docs = make_docs(tmp_path / "docs")
    drain(indexer(parts).run([str(tmp_path / "docs")]))
    docs[0].write_text("A completely new text about solar panels.", encoding="utf-8")
    docs[1].unlink()
    report, _ = drain(indexer(parts).run([str(tmp_path / "docs")]))
    assert (report.files_indexed, report.files_unchanged, report.files_removed) == (1, 2, 1)
    vectors = parts[0]
    texts = [c.text for c in vectors.chunks.values() if c.source == str(docs[0])]
    assert texts == ["A completely new text about solar panels."]
    assert not [c for c in vectors.chunks.values() if c.source == str(docs[1])]
    assert_consistent(parts)


def test_crash_mid_run_leaves_no_orphans_and_next_run_finishes(tmp_path, parts):
    make_docs(tmp_path / "docs")
    with pytest.raises(SystemExit):
        drain(indexer(parts, CrashingEmbedder(crash_on=3)).run([str(tmp_path / "docs")]))
    vectors, keywords, manifest = parts
    assert manifest.pending(), "the crash happened with a file half-written"
    assert vectors.count() > 0  # partial chunks exist before recovery

    report, _ = drain(indexer(parts).run([str(tmp_path / "docs")]))
    assert report.ok
    assert report.files_indexed + report.files_unchanged == 4
    assert_consistent(parts)
    # the result is identical to a clean index of the same files
    clean = (InMemoryVectorStore(), KeywordStore(tmp_path / "kw2.sqlite3"), Manifest(tmp_path / "m2.sqlite3"))
    drain(indexer(clean).run([str(tmp_path / "docs")]))
    assert clean[0].ids() == vectors.ids()


class FullDiskEmbedder(FakeEmbedder):
    """Raises the error a full disk gives on its second batch (the writes fail mid-run)."""

    def embed(self, texts):
        if len(self.history) == 1:
            raise OSError(28, "No space left on device")
        return super().embed(texts)


def test_an_error_mid_run_ends_the_reader_thread_before_it_reaches_the_caller(tmp_path, parts):
    # The reader thread holds the open file (a PDF with PDFium for OCR): left running, it was
    # still open when the CLI exited on a full disk, and PDFium's warning followed the plain
    # sentence on the terminal (tests/integration/test_rag_writers.py).
    make_docs(tmp_path / "docs", n=40)
    with pytest.raises(OSError):
        drain(indexer(parts, FullDiskEmbedder(), batch_size=2).run([str(tmp_path / "docs")]))
    assert not [t for t in threading.enumerate() if t.name == "index-producer"]


def test_cancel_stops_and_leaves_a_consistent_index(tmp_path, parts):
    make_docs(tmp_path / "docs", n=6)
    cancel = CancelToken()
    gen = indexer(parts, batch_size=2).run([str(tmp_path / "docs")], cancel=cancel)
    next(gen)
    next(gen)
    cancel.cancel()
    report, _ = drain(gen)
    assert report.cancelled
    assert_consistent(parts)
    report2, _ = drain(indexer(parts).run([str(tmp_path / "docs")]))
    assert report2.files_indexed + report2.files_unchanged == 6
    assert_consistent(parts)


def test_failed_files_are_reported_and_the_others_indexed(tmp_path, parts):
    make_docs(tmp_path / "docs", n=2)
    (tmp_path / "docs" / "empty.md").write_bytes(b"")
    (tmp_path / "docs" / "fake.pdf").write_text("nope")
    (tmp_path / "docs" / "sheet.xlsx").write_text("nope")
    (tmp_path / "docs" / "drawing.vsdx").write_text("nope")
    report, progress = drain(indexer(parts).run([str(tmp_path / "docs")]))
    assert report.files_indexed == 2
    assert {Path(p.path).name: p.reason for p in report.failed} == {
        "empty.md": "the file is empty (0 bytes).",
        "fake.pdf": "not really a PDF (the file does not start with a PDF header).",
        "sheet.xlsx": "damaged or not really a .xlsx file (it is not a valid ZIP archive).",
    }
    assert [Path(p.path).name for p in report.skipped] == ["drawing.vsdx"]
    assert any("Could not index fake.pdf" in p.message for p in progress)
    assert_consistent(parts)


def test_index_built_by_another_model_is_refused(tmp_path, parts):
    make_docs(tmp_path / "docs", n=1)
    drain(indexer(parts).run([str(tmp_path / "docs")]))
    other = FakeEmbedder(dimension=32, name="fake-hash-32")
    with pytest.raises(IndexMismatchError) as info:
        drain(indexer(parts, other).run([str(tmp_path / "docs")]))
    assert "fake-hash-256" in str(info.value) and "--rebuild" in str(info.value)


def test_chunks_never_cross_pages(tmp_path, parts):
    path = tmp_path / "long.md"
    path.write_text("\n\n".join(f"Section {i}. " + "Words about pumps and valves. " * 40 for i in range(8)), encoding="utf-8")
    drain(indexer(parts).run([str(path)]))
    vectors = parts[0]
    pages = {c.page for c in vectors.chunks.values()}
    assert len(pages) > 1
    for c in vectors.chunks.values():
        assert c.id.split("-p")[1].startswith(f"{c.page}-")


def test_a_file_failing_midway_leaves_no_chunks_and_the_bar_ends_full(tmp_path, parts, monkeypatch):
    from desktop_app.core.errors import DocumentError
    from desktop_app.rag import loaders

    docs = make_docs(tmp_path / "docs", n=2, paragraphs=40)
    real = loaders._text_pages

    def breaks_after_two_pages(path):
        for page in real(path):
            if path.name == "doc0.txt" and page.number == 3:
                raise DocumentError(f"{path.name}: damaged in the middle.")
            yield page

    monkeypatch.setattr(loaders, "_text_pages", breaks_after_two_pages)
    report, progress = drain(indexer(parts, batch_size=1).run([str(tmp_path / "docs")]))
    assert [(p.path, p.reason) for p in report.failed] == [(str(docs[0]), "damaged in the middle.")]
    assert report.files_indexed == 1
    assert progress[-1].pages_done == progress[-1].pages_total > 0
    assert_consistent(parts)


def test_a_slow_reader_does_not_leave_the_embedder_waiting_for_a_full_batch(tmp_path, parts, monkeypatch):
    """While the reader is behind (OCR, heavy pages), a batch that has waited READER_WAIT_S is
    embedded, not only once it is full."""
    import time

    from desktop_app.rag import index_producer
    from desktop_app.rag import indexer as indexer_module

    make_docs(tmp_path / "docs", n=6, paragraphs=4)
    read = []

    def slow_rewrite(text):
        time.sleep(0.1)  # a slow page: the queue to the embedder runs empty
        read.append(1)
        return text

    monkeypatch.setattr(index_producer, "rewrite_tables", slow_rewrite)
    monkeypatch.setattr(indexer_module, "READER_WAIT_S", 0.15)

    class Watching(FakeEmbedder):
        def embed(self, texts):
            self.read_when_called = getattr(self, "read_when_called", []) + [len(read)]
            return super().embed(texts)

    embedder = Watching()
    report, _ = drain(indexer(parts, embedder, batch_size=10_000).run([str(tmp_path / "docs")]))
    assert report.ok and report.files_indexed == 6
    assert embedder.read_when_called[0] < len(read), "embedding waited for the whole corpus to be read"
    assert len(embedder.history) >= 2  # embedded as it was read, not in one batch at the end
    assert_consistent(parts)
