"""A cancelled scan keeps its read pages as a partial document, and the next run continues it
(issue 11: "a 500-page scan ... cancel keeps what was done"). Scripted OCR, real FTS5 and manifest."""

from __future__ import annotations

import time

import pytest

from desktop_app.core.cancel import CancelToken
from desktop_app.rag import indexer as indexer_module
from desktop_app.rag.consistency import check_index, repair_index
from desktop_app.rag.doc_meta_store import DocumentMetaStore
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.rag.index_progress import RunProgress
from desktop_app.rag.indexer import Indexer
from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.manifest import Manifest
from desktop_app.rag.ocr import FakeOcrEngine
from desktop_app.rag.ocr_pages import OcrReader

PAGES = 40
GREY_STEP = 6  # page n carries a grey square of level n * GREY_STEP: the engine reads the page number from it


def numbered_scan(path, pages: int = PAGES):
    """An image-only PDF whose pages the scripted engine can tell apart (a grey level per page)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    for n in range(1, pages + 1):
        c.setFillGray(0)
        c.rect(40, 700, 300, 40, fill=1)  # ink, so the page is not blank
        c.setFillGray(n * GREY_STEP / 255)
        c.rect(200, 300, 200, 200, fill=1, stroke=0)
        c.showPage()
    c.save()
    return path


class PageEngine(FakeOcrEngine):
    """Reads page n as text naming bollard B0nn; ``pages`` lists the pages it was asked to read."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.pages: list[int] = []
        self.delay = delay

    def read(self, image) -> str:
        time.sleep(self.delay)  # OCR takes seconds a page: the reader, not the embedder, sets the pace
        super().read(image)
        scale = image.size[0] / 612  # pixels per PDF point
        level = image.convert("L").getpixel((int(300 * scale), int((792 - 400) * scale)))
        n = round(level / GREY_STEP)
        self.pages.append(n)
        return (f"Scanned page {n} of the harbour survey. Bollard B{n:03d} on quay {n} needs new paint "
                f"and its mooring ring {n * 7} was inspected.")


class Parts:
    def __init__(self, tmp_path, batch_size: int = 1) -> None:
        db = tmp_path / "manifest.sqlite3"
        self.engine = PageEngine()
        self.vectors = InMemoryVectorStore()
        self.keywords = KeywordStore(tmp_path / "kw.sqlite3")
        self.manifest = Manifest(db)
        self.meta = DocumentMetaStore(db)
        self.indexer = Indexer(FakeEmbedder(), self.vectors, self.keywords, self.manifest, batch_size=batch_size,
                               metadata=self.meta, ocr=OcrReader(self.engine, dpi=30))

    def run(self, path, cancel_after: int | None = None, chunks_written: int = 0):
        """Index ``path``; cancel once ``cancel_after`` pages are read and ``chunks_written`` chunks written."""
        cancel = CancelToken()
        gen, seen = self.indexer.run([str(path)], cancel=cancel), []
        try:
            while True:
                progress = next(gen)
                seen.append(progress)
                if cancel_after is not None and progress.pages_done >= cancel_after \
                        and progress.chunks_done >= chunks_written:
                    cancel.cancel()
        except StopIteration as stop:
            return stop.value, seen

    def consistent(self) -> None:
        check = check_index(self.manifest, self.vectors, self.keywords)
        assert check.clean, check.lines()


def test_a_cancelled_scan_keeps_its_pages_and_the_next_run_continues_after_them(tmp_path):
    path = numbered_scan(tmp_path / "survey.pdf")
    parts = Parts(tmp_path)
    report, _ = parts.run(path, cancel_after=12)
    assert report.cancelled and report.files_indexed == 0
    assert [(p.path, p.pages_done, p.pages_total) for p in report.partial] == [(str(path), 12, PAGES)]
    row = parts.manifest.get(str(path))
    assert (row.state, row.pages, row.pages_total) == ("partial", 12, PAGES)
    # The kept pages are searchable, in both stores, and nothing past them is.
    assert {c.page for c in parts.keywords.chunks_of(str(path))} == set(range(1, 13))
    assert [c.page for c, _ in parts.keywords.search("B007", 5)] == [7]
    assert parts.keywords.search("B013", 5) == []
    assert row.chunks == parts.keywords.count() == parts.vectors.count()
    parts.consistent()
    assert parts.engine.pages[:12] == list(range(1, 13))

    parts.engine.pages.clear()
    report, seen = parts.run(path)
    assert not report.cancelled and report.files_indexed == 1 and report.pages == PAGES - 12
    assert parts.engine.pages == list(range(13, PAGES + 1))  # the kept pages are not read again
    assert seen[-1].pages_total == PAGES - 12 and seen[-1].pages_done == PAGES - 12
    row = parts.manifest.get(str(path))
    assert (row.state, row.pages, row.pages_total) == ("done", PAGES, PAGES)
    chunks = parts.keywords.chunks_of(str(path))
    assert len(chunks) == len({c.id for c in chunks}) == row.chunks == parts.vectors.count()
    assert {c.page for c in chunks} == set(range(1, PAGES + 1))
    parts.consistent()

    # The same ids and texts as one uncancelled run (headers included): nothing duplicated or stale.
    (tmp_path / "whole").mkdir()
    whole = Parts(tmp_path / "whole")
    whole.run(path)
    assert sorted((c.id, c.text) for c in whole.keywords.chunks_of(str(path))) == sorted((c.id, c.text) for c in chunks)
    assert parts.run(path)[0].files_unchanged == 1


def test_a_cancel_between_slices_of_a_batch_keeps_only_whole_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(indexer_module, "EMBED_SLICE", 1)  # one chunk per write: a batch is written in parts
    path = numbered_scan(tmp_path / "survey.pdf")
    parts = Parts(tmp_path, batch_size=8)
    # Cancelled after the first slice of the second batch (pages 9-16) was written.
    report, _ = parts.run(path, cancel_after=16, chunks_written=9)
    (kept,) = report.partial
    assert kept.pages_done == 8
    assert {c.page for c in parts.keywords.chunks_of(str(path))} == set(range(1, 9))
    parts.consistent()
    report, _ = parts.run(path)
    assert parts.manifest.get(str(path)).state == "done"
    assert {c.page for c in parts.keywords.chunks_of(str(path))} == set(range(1, PAGES + 1))
    parts.consistent()


def test_a_continuation_stopped_without_a_cancel_is_trimmed_back_to_the_kept_pages(tmp_path):
    """What a kill -9 while continuing leaves: 'resuming', with pages past the kept ones written."""
    path = numbered_scan(tmp_path / "survey.pdf")
    parts = Parts(tmp_path)
    parts.run(path, cancel_after=5)
    gen = parts.indexer.run([str(path)])
    while next(gen).pages_done < 4:
        pass
    gen.close()  # no cancel handling: the stores now hold pages 6.. that the manifest does not count
    assert parts.manifest.get(str(path)).state == "resuming"
    check = check_index(parts.manifest, parts.vectors, parts.keywords)
    assert not check.clean and check.resumed == {str(path): 5} and check.to_index_again() == []
    repair_index(check, parts.manifest, parts.vectors, parts.keywords)
    row = parts.manifest.get(str(path))
    assert (row.state, row.pages) == ("partial", 5)
    assert {c.page for c in parts.keywords.chunks_of(str(path))} == set(range(1, 6))
    parts.consistent()
    parts.run(path)
    assert parts.manifest.get(str(path)).state == "done"
    parts.consistent()


def test_a_changed_file_starts_over_instead_of_continuing(tmp_path):
    path = numbered_scan(tmp_path / "survey.pdf")
    parts = Parts(tmp_path)
    parts.run(path, cancel_after=6)
    numbered_scan(path, pages=10)
    parts.engine.pages.clear()
    report, _ = parts.run(path)
    assert parts.engine.pages == list(range(1, 11)) and report.pages == 10
    row = parts.manifest.get(str(path))
    assert (row.state, row.pages) == ("done", 10)
    parts.consistent()


def test_the_estimate_follows_a_scans_own_pace_once_three_pages_are_read():
    now = [0.0]
    progress = RunProgress(files_total=2, work_bytes=11_000_000, started=0.0, clock=lambda: now[0])
    now[0] = 2.0
    progress.bytes_done = 1_000_000  # a text file, read in 2 s
    progress.begin_file(10_000_000, 500)  # then a 500-page scan read at 10 s a page
    now[0], progress.current_done = 22.0, 2
    done = 1_000_000 + 10_000_000 * 2 / 500
    # Two pages in, by bytes: the text file's pace makes the scan look far faster than it is.
    assert progress.eta() == pytest.approx(22.0 * (11_000_000 - done) / done)
    assert progress.eta() < 250
    now[0], progress.current_done = 32.0, 3
    assert progress.eta() == pytest.approx(497 * 10.0)  # its own pace: 10 s a page for 497 pages
