"""DocumentsPanel with the real Library (embedder, Chroma, FTS5): drop, progress, problems, citation.

Slow: the first index loads all-MiniLM-L6-v2 and Chroma. PDFs are generated with reportlab;
each page carries a distinct fact, so the cited page can be checked.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_app.core.records import Citation
from desktop_app.gui.documents.panel import DocumentsPanel
from desktop_app.gui.common.workers import WorkerPool

pytest.importorskip("desktop_app.services.library", reason="the real Library is not built yet")
pytestmark = pytest.mark.slow

FACTS = [
    "The lighthouse keeper recorded {n} storms during the winter season.",
    "Invoice code QX-{n}{n}7 was issued to the harbour authority for dredging.",
    "The orchard produced {n} tonnes of apples after the irrigation upgrade.",
]


def make_pdf(path, pages: int, topic: str) -> str:
    """Page N holds a short, distinct paragraph; page 3 of 'ledger' holds the code ZEBRA-4471."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        y = 780
        c.drawString(72, y, f"{topic.title()} report, page {n}.")
        for i, fact in enumerate(FACTS):
            y -= 18
            c.drawString(72, y, fact.format(n=n * 10 + i))
        if topic == "ledger" and n == 3:
            c.drawString(72, y - 18, "The vault access code for the archive room is ZEBRA-4471.")
        c.showPage()
    c.save()
    return str(path)


@pytest.fixture
def core(isolated_home):
    from desktop_app.app import build_core

    c = build_core(str(isolated_home))
    yield c
    c.close()


@pytest.fixture
def panel(qtbot, core):
    pool = WorkerPool()
    p = DocumentsPanel(core, pool)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitUntil(lambda: not p._refreshing, timeout=120000)
    yield p
    pool.shutdown(120000)


def drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    pos = QPointF(widget.rect().center())
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(widget, enter)
    dropped = QDropEvent(pos, *args)
    QApplication.sendEvent(widget, dropped)
    return enter.isAccepted() and dropped.isAccepted()


def test_drop_index_and_cite_with_the_real_library(qtbot, panel, core, tmp_path, monkeypatch):
    ledger = make_pdf(tmp_path / "ledger.pdf", 6, "ledger")
    orchard = make_pdf(tmp_path / "orchard.pdf", 4, "orchard")
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "notes.vsdx").write_bytes(b"PK\x03\x04 not really")
    values: list[int] = []
    panel.progress.bar.valueChanged.connect(values.append)
    with qtbot.waitSignal(panel.indexFinished, timeout=300000) as done:
        assert drop(panel, [ledger, orchard, str(tmp_path / "empty.pdf"), str(tmp_path / "notes.vsdx")])
        assert panel.busy
    report = done.args[0]
    assert report.files_indexed == 2 and report.pages == 10 and not report.cancelled
    assert values and values == sorted(values) and values[-1] == panel.progress.bar.maximum() == 10
    problems = [panel.progress.problems.item(i).text() for i in range(panel.progress.problems.count())]
    assert any(line.startswith("Failed — empty.pdf: ") for line in problems), problems
    assert any(line.startswith("Skipped — notes.vsdx: ") for line in problems), problems
    assert all("Traceback" not in line for line in problems)
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1 and panel.tree.topLevelItem(0).childCount() == 2,
                    timeout=60000)
    assert panel.used_collections() == []  # consulted when relevant; not ticked without asking

    hits = core.library.search("vault access code for the archive room", k=3)
    top = hits[0]
    assert top.source.endswith("ledger.pdf") and top.page == 3
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(QUrl(url)) or True))
    panel.open_citation(Citation(number=1, source=top.source, page=top.page, text=top.text))
    popup = panel.citation_popup
    assert popup.isVisible() and "ZEBRA-4471" in popup.passage.toPlainText()
    assert popup.heading.text() == "[1] ledger.pdf, page 3"
    qtbot.mouseClick(popup.open_button, Qt.MouseButton.LeftButton)
    assert opened and opened[0].fragment() == "page=3" and opened[0].toLocalFile() == top.source


def test_cancel_real_indexing_then_finish_on_the_next_run(qtbot, panel, core, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    files = [make_pdf(folder / f"part{i}.pdf", 30, "ledger") for i in range(8)]
    with qtbot.waitSignal(panel.indexFinished, timeout=300000) as done:
        panel.add_paths([str(folder)])
        qtbot.waitUntil(lambda: panel.progress.bar.value() >= 1, timeout=300000)
        panel.progress.cancel_button.click()
    first = done.args[0]
    assert first.cancelled and first.files_indexed < 8
    assert panel.progress.summary.text().startswith("Indexing cancelled.")
    qtbot.waitUntil(lambda: not panel.busy, timeout=60000)
    with qtbot.waitSignal(panel.indexFinished, timeout=300000) as again:
        panel.add_paths([str(folder)])
    second = again.args[0]
    assert not second.cancelled and not second.failed
    assert second.files_indexed + second.files_unchanged == 8 and second.files_unchanged == first.files_indexed
    assert sorted((d.path, d.pages) for d in core.library.documents()) == sorted((f, 30) for f in files)
