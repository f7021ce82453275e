"""Indexing says "Writing the index…" once every page is read (issue 14, defect 9): it sat on
"107 of 107 pages · almost done" for a third of the run while the index was written."""

from __future__ import annotations

import threading
from pathlib import Path

from desktop_app.core.cancel import CancelToken
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.rag.indexer import WRITING, Indexer
from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.manifest import Manifest
from desktop_app.rag.records import IndexProgress
from tests.gui.documents_fakes import FakeLibrary, make_pdf
from tests.gui.gui_fixtures import make_core, open_window


def test_the_indexer_reports_the_writing_phase_after_the_last_page(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"d{i}.txt").write_text("\n\n".join(f"Part {j} of file {i}: the pump needs oil. " * 8 for j in range(5)))
    indexer = Indexer(FakeEmbedder(), InMemoryVectorStore(), KeywordStore(tmp_path / "kw.sqlite3"),
                      Manifest(tmp_path / "m.sqlite3"), batch_size=1000)
    gen, progress = indexer.run([str(docs)], cancel=CancelToken()), []
    try:
        while True:
            progress.append(next(gen))
    except StopIteration as stop:
        report = stop.value
    assert report.files_indexed == 3
    writing = [i for i, p in enumerate(progress) if p.phase == WRITING]
    assert writing, [p.phase for p in progress]
    # Only after every page was read, and from then on until the report.
    assert all(progress[i].pages_done == progress[i].pages_total for i in writing)
    assert writing == list(range(writing[0], len(progress)))
    assert progress[writing[0] - 1].phase == ""


class WritingLibrary(FakeLibrary):
    """Reads the pages, then reports the write phase and holds there until the test has looked."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def index(self, paths, collection="default", cancel=None, rebuild=False):
        last = None
        inner = super().index(paths, collection, cancel, rebuild)
        try:
            while True:
                last = next(inner)
                yield last
        except StopIteration as stop:
            yield IndexProgress("", last.files_total, last.files_total, last.pages_done, last.pages_total,
                                last.chunks_done, eta_s=0.0, phase=WRITING)
            self.release.wait(10)
            return stop.value


def test_the_panel_says_writing_the_index(qtbot, isolated_home, tmp_path):
    core = make_core(isolated_home)
    library = WritingLibrary()
    core.provide(library=library)
    window = open_window(qtbot, core)
    try:
        pdf = make_pdf(Path(tmp_path) / "report.pdf", 3)
        window.documents_panel.add_paths([pdf])
        progress = window.documents_panel.progress
        qtbot.waitUntil(lambda: "Writing the index" in progress.status.text(), timeout=10000)
        assert progress.bar.format() == "Writing the index…"
        assert "almost done" not in progress.status.text()
        library.release.set()
        qtbot.waitUntil(lambda: not window.documents_panel.busy, timeout=10000)
    finally:
        library.release.set()
        window.close()
        core.close()
