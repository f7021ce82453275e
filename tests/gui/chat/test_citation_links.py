"""Citations as a reader meets them in the real window (issue 14, defect 7): inline [n] markers
are links tied to the Sources list, one source per file and page, "[2]" kept with its file name,
the passage tooltip not replaced by the chat view's, the popup on-screen and closed back to the
question being typed, and "Open at page" with no viewer offering the page's text or its folder."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QHelpEvent, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QToolTip

from desktop_app.core.records import Citation, Hit
from tests.gui.chat.test_chat_window import answers, send, wait_idle
from tests.gui.gui_fixtures import EmptyLibrary, make_core, open_window
from tests.gui.shell.test_window_theme import restore_application_look  # noqa: F401 (fixture)

REPORT = "/docs/annual report.pdf"
PAGE_3_TOP = "Revenue grew by 12 percent in 2025, driven by exports to new markets."
PAGE_3_BOTTOM = "Operating costs fell by 4 percent over the same period."


class SamePageRetriever:
    """Two chunks of one page and one of another, as the hybrid retriever returns them."""

    def retrieve(self, query, k=5, collections=None):
        return [Hit(REPORT, 3, PAGE_3_TOP, 0.9, "default", "c1"),
                Hit(REPORT, 3, PAGE_3_BOTTOM, 0.8, "default", "c2"),
                Hit("/docs/plan.pdf", 5, "The plan runs until 2030.", 0.5, "default", "c3")]


class LibraryWithPages(EmptyLibrary):
    def collections(self):
        from desktop_app.rag.records import CollectionInfo

        return [CollectionInfo("default", 2, 8, 3)]

    def retriever(self):
        return SamePageRetriever()

    def passages(self, path):
        return [Hit(path, 2, "Page two.", 0.0), Hit(path, 3, PAGE_3_TOP + " Operating costs", 0.0),
                Hit(path, 3, "Operating costs fell by 4 percent.", 0.0)]


@pytest.fixture(autouse=True)
def _keep_theme(restore_application_look):
    """A test here switches to the dark theme; the next test gets the look it had."""


def _grounded_window(qtbot, home):
    core = make_core(home)
    core.provide(library=LibraryWithPages())
    window = open_window(qtbot, core)
    panel = window.documents_panel
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1)
    panel.tree.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)
    return core, window


def _ask(qtbot, window, reply: str):
    window.core.loaded_backend().enqueue(reply)
    send(qtbot, window, "How did revenue and costs change?")
    qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
    wait_idle(qtbot, window)
    return answers(window)[-1]


def _plain(html: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc.toRawText()  # keeps non-breaking spaces as they are


def test_one_source_per_page_and_inline_markers_link_to_it(qtbot, isolated_home):
    core, window = _grounded_window(qtbot, isolated_home)
    try:
        answer = _ask(qtbot, window, "Revenue grew by 12 percent and costs fell by 4 percent [1]; the plan runs to 2030 [2]. "
                                     "Both [1, 2].")
        # The model was shown one numbered source for page 3, holding both passages.
        prompt = core.loaded_backend().history[-1].messages[-1].content
        assert prompt.count("annual report.pdf, page 3") == 1 and "plan.pdf, page 5" in prompt
        assert PAGE_3_TOP in prompt and PAGE_3_BOTTOM in prompt
        assert [(c.number, c.source, c.page) for c in answer.citations()] == [(1, REPORT, 3), (2, "/docs/plan.pdf", 5)]
        # The list names each place once, "[n]" held to its file name and "page" to its number.
        sources = _plain(answer.sources_label.text())
        assert sources.count("annual report.pdf") == 1
        assert "[1]\xa0annual report.pdf,\xa0page\xa03" in sources and "[2]\xa0plan.pdf,\xa0page\xa05" in sources
        # Inline markers, also in a list, are links to the same numbers.
        body = answer.body.toHtml()
        assert body.count('href="cite:1"') == 2 and body.count('href="cite:2"') == 2
        # After a switch to the dark theme the sources' links take the dark theme's link colour.
        from desktop_app.gui.shell.theme import dark_palette

        window.core.settings.ui.theme = "dark"
        window._on_settings_applied(False)
        assert dark_palette().color(QPalette.ColorRole.Link).name() in answer.sources_label.text()
    finally:
        window.close()
        core.close()


def _link_point(body, marker: str) -> QPoint:
    cursor = body.document().find(marker)
    assert not cursor.isNull()
    cursor.setPosition(cursor.selectionStart() + 1)
    return body.cursorRect(cursor).center()


def test_citation_tooltip_stays_over_the_chat_views_own(qtbot, isolated_home):
    core, window = _grounded_window(qtbot, isolated_home)
    try:
        answer = _ask(qtbot, window, "Revenue grew by 12 percent [1].")
        viewport = answer.body.viewport()
        point = _link_point(answer.body, "[1]")
        # Qt's tooltip request when the mouse rests on the link (what came 1-3 s after the hover).
        event = QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point))
        QApplication.sendEvent(viewport, event)
        qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
        assert "annual report.pdf" in QToolTip.text() and "Revenue grew" in QToolTip.text()
        # The containers describe themselves to screen readers without tooltips of their own.
        assert window.chat_view.toolTip() == "" and answer.body.toolTip() == ""
        assert window.chat_view.accessibleDescription().startswith("The messages of the current conversation")
    finally:
        QToolTip.hideText()
        window.close()
        core.close()


def test_popup_on_screen_and_esc_returns_to_the_typed_question(qtbot, isolated_home):
    core, window = _grounded_window(qtbot, isolated_home)
    try:
        answer = _ask(qtbot, window, "Revenue grew by 12 percent [1].")
        qtbot.keyClicks(window.composer.edit, "and in 2024")
        area = QGuiApplication.primaryScreen().availableGeometry()
        window.chat_view.citationClicked.emit(answer.citations()[0])  # as a click on [1] does
        popup = window.documents_panel.citation_popup
        qtbot.waitUntil(popup.isVisible)
        # Opened from a link in the screen's bottom-right corner: moved back onto the screen.
        window.documents_panel.open_citation(answer.citations()[0], QPoint(area.right() - 3, area.bottom() - 3))
        assert area.contains(popup.frameGeometry()), (area, popup.frameGeometry())
        qtbot.keyClick(popup.focusWidget() or popup, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not popup.isVisible())
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.composer.edit, timeout=2000)
        assert window.composer.text() == "and in 2024"
    finally:
        window.close()
        core.close()


def test_open_at_page_without_a_viewer_offers_the_page_text(qtbot, isolated_home, tmp_path, monkeypatch):
    import desktop_app.gui.chat.citation_popup as popup_module

    pdf = tmp_path / "annual report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    opened = []
    # No PDF viewer (nor file manager) on this computer: the desktop opens nothing.
    monkeypatch.setattr(popup_module.QDesktopServices, "openUrl", lambda url: opened.append(url) and False)
    core, window = _grounded_window(qtbot, isolated_home)
    try:
        window.documents.open_citation(Citation(1, str(pdf), 3, PAGE_3_TOP))
        popup = window.documents_panel.citation_popup
        qtbot.waitUntil(popup.isVisible)
        popup.open_button.click()
        assert "No application" in popup.status.text() and "page's text" in popup.status.text()
        assert "No application could open" not in popup.status.text()
        assert popup.page_text_button.isVisible() and popup.folder_button.isVisible()
        popup.page_text_button.click()
        qtbot.waitUntil(lambda: popup.page_text_dialog is not None and popup.page_text_dialog.isVisible(), timeout=5000)
        text = popup.page_text_dialog.text_view.toPlainText()
        # Page 3's passages from the index, their overlap said once; not page 2.
        assert text == PAGE_3_TOP + " Operating costs fell by 4 percent."
        popup.page_text_dialog.close()
        popup.folder_button.click()
        assert opened[-1].toLocalFile() == str(tmp_path)
        assert str(tmp_path) in popup.status.text()
    finally:
        window.close()
        core.close()
