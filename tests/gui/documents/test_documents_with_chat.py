"""The real main window: PDFs dropped on the window index while an answer streams; then a cited
answer whose ``[n]`` link, clicked in the chat, opens the passage popup at the right page.

Real Core, real ConversationStore, real Assistant and the real Library (embedder, Chroma,
FTS5) in its child process, as the app runs it; only the model is a fake that streams word by
word and holds the middle of its answer open until indexing has finished, so that "the answer
streams while the PDFs index" does not depend on how fast this machine loads the embedder.
"""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from desktop_app.llm.fake import FakeBackend
from tests.gui.gui_fixtures import window_with_real_library
from tests.gui.documents.test_documents_library import make_pdf

pytest.importorskip("desktop_app.services.library", reason="the real Library is not built yet")
pytestmark = pytest.mark.slow


class HeldOpenBackend(FakeBackend):
    """Streams half of a scripted answer, waits for ``release`` (or Stop), then the rest."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.release = threading.Event()
        self.release.set()

    def stream(self, request, cancel=None):
        for i, piece in enumerate(super().stream(request, cancel)):
            if i == 60:
                while not self.release.wait(0.05):
                    if cancel is not None and cancel.cancelled:
                        return
            yield piece


@pytest.fixture
def window(qtbot, isolated_home):
    yield from window_with_real_library(qtbot, isolated_home, HeldOpenBackend(model_name="fake-model", delay_s=0.03))


def drop_on(widget, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    pos = QPointF(widget.rect().center())
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, QDragEnterEvent(pos, *args))
    QApplication.sendEvent(widget, QDropEvent(pos, *args))


def send(qtbot, window, text: str) -> None:
    edit = window.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def last_answer(window):
    answers = [m for m in window.chat_view.messages() if m.role == "assistant"]
    return answers[-1] if answers else None


def click_citation(qtbot, message, number: int) -> None:
    """Click the ``[number]`` link inside the answer's text, where a user would."""
    body = message.body
    found = body.document().find(f"[{number}]")
    assert not found.isNull(), body.toPlainText()
    cursor = QTextCursor(body.document())
    cursor.setPosition(found.selectionStart() + 1)
    pos = body.cursorRect(cursor).center()
    qtbot.mouseClick(body.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_answer_streams_while_dropped_pdfs_index_then_a_citation_opens_its_page(qtbot, window, tmp_path, monkeypatch):
    panel = window.documents_panel
    backend = window.core.loaded_backend()
    ledger = make_pdf(tmp_path / "ledger.pdf", 12, "ledger")
    others = [make_pdf(tmp_path / f"orchard{i}.pdf", 12, "orchard") for i in range(3)]
    progress: list[tuple[float, int]] = []
    panel.progress.bar.valueChanged.connect(lambda v: progress.append((time.monotonic(), v)))
    tokens: list[tuple[float, int]] = []

    backend.enqueue(" ".join(f"word{i}" for i in range(120)))
    backend.release.clear()
    finished_at: list[float] = []
    panel.indexFinished.connect(lambda _report: (finished_at.append(time.monotonic()), backend.release.set()))
    with qtbot.waitSignal(panel.indexFinished, timeout=300000) as indexed:
        drop_on(window, [ledger, *others])
        assert panel.busy
        send(qtbot, window, "Tell me a long story")
        qtbot.waitUntil(lambda: last_answer(window) is not None, timeout=10000)
        answer = last_answer(window)
        while window.controller.busy or not tokens:
            tokens.append((time.monotonic(), len(answer.text())))
            qtbot.wait(20)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60000)
    report = indexed.args[0]
    assert report.files_indexed == 4 and report.pages == 48
    assert progress[-1][1] == 48 == panel.progress.bar.maximum()
    assert last_answer(window).text().endswith("word119") and last_answer(window).status == "complete"
    # Both advanced together: the answer streamed while the indexing run was still going. (Not
    # "the bar moved while it streamed": with a warm disk cache every page is read in a fraction
    # of a second, and the run then embeds and writes with the bar already full.)
    streaming = [t for t, n in tokens if 0 < n < len(last_answer(window).text())]
    assert streaming, "the answer never streamed"
    assert streaming[0] < finished_at[0], (progress[:3], streaming[:1], finished_at)
    assert panel.used_collections() == []  # nothing ticked without asking (issue 14)

    # A cited answer: nothing ticked, so the Assistant consults the indexed documents, finds the
    # passages relevant, and numbers them.
    backend.enqueue("The archive room code is ZEBRA-4471 [1] [2] [3].")
    send(qtbot, window, "What is the vault access code for the archive room?")
    qtbot.waitUntil(lambda: not window.controller.busy and bool(last_answer(window).citations()), timeout=120000)
    message = last_answer(window)
    target = next(c for c in message.citations() if c.source.endswith("ledger.pdf") and c.page == 3)
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(QUrl(url)) or True))
    click_citation(qtbot, message, target.number)
    popup = panel.citation_popup
    assert popup is not None and popup.isVisible()
    assert popup.heading.text() == f"[{target.number}] ledger.pdf, page 3"
    assert "ZEBRA-4471" in popup.passage.toPlainText()
    qtbot.mouseClick(popup.open_button, Qt.MouseButton.LeftButton)
    assert opened and opened[0].toLocalFile() == target.source and opened[0].fragment() == "page=3"
