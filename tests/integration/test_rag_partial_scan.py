"""A cancelled scan in a real Library home (real Chroma and FTS5, the fast hash embedder, scripted
OCR): the kept pages are searchable, `docs list` says the file is partly indexed, the index checks
clean, and indexing the file again continues it to a whole document (issue 11)."""

from __future__ import annotations

import subprocess
import sys

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.rag.ocr_pages import OcrReader
from desktop_app.services.library import Library
from tests.rag_fixtures import drain
from tests.unit.test_rag_partial_index import PAGES, PageEngine, numbered_scan


def cli(home, *args):
    out = subprocess.run([sys.executable, "-m", "desktop_app", "--home", str(home), *args],
                         capture_output=True, text=True, timeout=300)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def test_a_cancelled_scan_is_listed_searchable_and_continued(tmp_path, monkeypatch):
    engine = PageEngine(delay=0.25)
    monkeypatch.setattr(OcrReader, "from_options", classmethod(lambda cls, options: OcrReader(engine, dpi=30)))
    home = tmp_path / "home"
    settings = Settings()
    settings.set("rag.embedder", "fake-hash-384")
    assert cli(home, "config", "set", "rag.embedder", "fake-hash-384").returncode == 0
    scan = numbered_scan(tmp_path / "survey.pdf")

    lib = Library(AppPaths.resolve(home), settings, MachinePolicy())
    try:
        # The default batch is 512 passages: what waits 2 s on the slow reader is written, and kept.
        cancel = CancelToken()
        report = drain(lib.index([str(scan)], "scans", cancel),
                       lambda p: cancel.cancel() if p.chunks_done >= 5 else None)
        assert report.cancelled
        (kept,) = report.partial
        assert kept.pages_total == PAGES and 5 <= kept.pages_done < PAGES
        (doc,) = lib.documents()
        assert doc.partial and doc.pages == kept.pages_done and doc.pages_total == PAGES
        assert [h.page for h in lib.search("bollard B004", k=3)][:1] == [4]
        assert lib.check().clean
    finally:
        lib.close()

    listing = cli(home, "docs", "list")
    assert f"partly indexed ({kept.pages_done} of {PAGES} pages) — add it again to continue" in listing.stdout
    assert cli(home, "docs", "check").returncode == 0

    lib = Library(AppPaths.resolve(home), settings, MachinePolicy())
    try:
        engine.pages.clear()
        report = drain(lib.index([str(scan)], "scans"))
        assert report.files_indexed == 1 and engine.pages == list(range(kept.pages_done + 1, PAGES + 1))
        (doc,) = lib.documents()
        assert not doc.partial and doc.pages == PAGES
        vectors, keywords = lib.stores.open()
        assert vectors.sources() == keywords.sources() == {str(scan): doc.chunks}
        assert len(vectors.ids()) == doc.chunks  # no duplicate passages
        assert [h.page for h in lib.search("bollard B037", k=3)][:1] == [37]
        assert lib.check().clean
    finally:
        lib.close()
    assert "partly indexed" not in cli(home, "docs", "list").stdout
