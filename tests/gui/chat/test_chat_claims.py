"""The window shows the claim check (issue 16): unsupported figures marked with a note at the
answer's top, supported ones linked to the passage, which the citation popup highlights."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextCharFormat

from desktop_app.core.records import Citation, Hit
from desktop_app.gui.chat import claim_marks
from desktop_app.gui.chat.citation_popup import CitationPopup, citation_tooltip_html
from desktop_app.gui.chat.markdown_render import render_markdown
from desktop_app.gui.chat.message_widget import MessageWidget
from desktop_app.rag.claim_check import check_claims
from tests.gui.gui_fixtures import EmptyLibrary, make_core, open_window
from tests.gui.chat.test_chat_window import answers, send, wait_idle

# nih-clinical-trial-protocols/NCT06147739_Prot_SAP_000.pdf, page 8
CRITERIA = ("Inclusion criteria: (14) 1. Patients age range 13-18 years old. 2. Patients have anterior open bite. "
            "3. Normal healthy patient.")
CITATION = Citation(1, "/docs/NCT06147739.pdf", 8, CRITERIA)
WRONG = "Patients must be **14-18** years old, or 14-18 [1]."
RIGHT = "Patients must be 13 to 18 years old and have an open bite [1]."


def underline_styles(widget: MessageWidget) -> dict[str, QTextCharFormat.UnderlineStyle]:
    """Each claim link's text -> its underline style, read from the rendered document."""
    out = {}
    doc = widget.body.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref().startswith("claim:"):
                out[fragment.text()] = fragment.charFormat().underlineStyle()
            it += 1
        block = block.next()
    return out


def answer_widget(qtbot, text: str) -> MessageWidget:
    widget = MessageWidget("assistant")
    qtbot.addWidget(widget)
    widget.set_citations([CITATION])
    widget.set_text(text)
    widget.set_claims(check_claims(text, [CITATION]))
    return widget


def test_markers_survive_markdown_and_leave_no_trace():
    text = "- **Age**: 14-18 years [1]\n- Range `13-18`\n\n1. Then 13 to 18."
    check = check_claims(text, [CITATION])
    rendered = claim_marks.markers_to_links(
        render_markdown(claim_marks.insert_markers(text, check.claims), [1]), check.claims, "#000000", "#c00000")
    assert rendered.count('href="claim:') == 3  # "14-18", "13-18" (in a code span too) and "13 to 18"
    assert "<code>" in rendered and "<strong>Age</strong>" in rendered and "<ol" in rendered
    assert not any(0xE000 <= ord(ch) <= 0xF8FF for ch in rendered)
    assert 'href="cite:1"' in rendered


def test_unsupported_figure_is_marked_and_noted_at_the_top(qtbot, monkeypatch):
    widget = answer_widget(qtbot, WRONG)
    assert widget.claims_note.isVisibleTo(widget)
    assert widget.claims_note.text() == "Check: '14-18' is not found in the sources."
    styles = underline_styles(widget)
    assert styles == {"14-18": QTextCharFormat.UnderlineStyle.WaveUnderline}
    assert widget.body.toPlainText().startswith("Patients must be 14-18 years old")  # the text itself is unchanged
    shown = []
    monkeypatch.setattr("desktop_app.gui.chat.message_widget.QToolTip.showText", lambda pos, text, *a: shown.append(text))
    widget.body.highlighted.emit(QUrl("claim:0"))
    assert shown and "not found in the sources" in shown[-1]


def test_supported_figure_links_to_its_highlighted_passage(qtbot, monkeypatch):
    widget = answer_widget(qtbot, RIGHT)
    assert not widget.claims_note.isVisibleTo(widget)
    assert underline_styles(widget) == {"13 to 18": QTextCharFormat.UnderlineStyle.DotLine}
    shown = []
    monkeypatch.setattr("desktop_app.gui.chat.message_widget.QToolTip.showText", lambda pos, text, *a: shown.append(text))
    widget.body.highlighted.emit(QUrl("claim:0"))
    assert shown and "13-18</b>" in shown[-1] and "NCT06147739.pdf" in shown[-1]
    with qtbot.waitSignal(widget.citationClicked) as clicked:
        widget.body.anchorClicked.emit(QUrl("claim:0"))
    citation = clicked.args[0]
    assert citation.number == 1 and CRITERIA[citation.highlight[0]:citation.highlight[1]] == "13-18"


def test_streaming_text_is_shown_unmarked_until_the_check_arrives(qtbot):
    widget = MessageWidget("assistant")
    qtbot.addWidget(widget)
    widget.set_citations([CITATION])
    widget.set_text(WRONG)
    assert underline_styles(widget) == {} and not widget.claims_note.isVisibleTo(widget)
    widget.set_claims(check_claims(WRONG, [CITATION]))
    widget.set_claims(None)  # e.g. a regenerated answer without sources
    assert underline_styles(widget) == {} and not widget.claims_note.isVisibleTo(widget)


def test_popup_highlights_the_span(qtbot):
    popup = CitationPopup()
    qtbot.addWidget(popup)
    start = CRITERIA.index("13-18")
    popup.show_citation(replace(CITATION, highlight=(start, start + 5)))
    assert popup.highlighted_text() == "13-18"
    assert popup.passage.toPlainText() == CRITERIA  # highlighted, not rewritten
    popup.show_citation(CITATION)
    assert popup.highlighted_text() == ""


def test_tooltip_quotes_around_the_highlight():
    start = CRITERIA.index("13-18")
    html = citation_tooltip_html(replace(CITATION, highlight=(start, start + 5)), max_chars=40)
    assert "13-18</b>" in html and "…" in html
    assert "13-18</b>" not in citation_tooltip_html(replace(CITATION, highlight=(5, 999)))  # a stale span is ignored


class ProtocolLibrary(EmptyLibrary):
    def collections(self):
        from desktop_app.rag.records import CollectionInfo

        return [CollectionInfo("trials", 1, 3, 6)]

    def retriever(self):
        class Retriever:
            def retrieve(self, query, k=5, collections=None):
                return [Hit(CITATION.source, CITATION.page, CRITERIA, 0.9, "trials")]

        return Retriever()


def test_window_marks_a_wrong_figure_and_keeps_the_marks_when_reopened(qtbot, isolated_home):
    core = make_core(isolated_home)
    core.provide(library=ProtocolLibrary())
    window = open_window(qtbot, core)
    try:
        panel = window.documents_panel
        qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1)
        panel.tree.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)  # "use only this collection"
        core.loaded_backend().enqueue("Patients must be 14-18 years old [1].")
        send(qtbot, window, "Who can take part in the open bite trial?")
        qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
        wait_idle(qtbot, window)
        answer = answers(window)[-1]
        qtbot.waitUntil(lambda: answer.claims_note.isVisibleTo(answer), timeout=5000)
        assert answer.claims_note.text() == "Check: '14-18' is not found in the sources."
        window.new_chat()
        window.open_conversation(window.sidebar.conversation_ids()[0])
        again = answers(window)[-1]
        assert again.claims_note.text() == "Check: '14-18' is not found in the sources."
        assert underline_styles(again) == {"14-18": QTextCharFormat.UnderlineStyle.WaveUnderline}
    finally:
        window.close()
        core.close()


@pytest.mark.parametrize("recheck, first, reason", [
    (True, "Patients must be 14-18 years old [1].", "14-18"),  # rag.recheck_unsupported: a figure no source states
    (False, "The age range of the patients is [1].", "source's number"),  # rag.ask_again_number_only (default on)
])
def test_window_replaces_a_first_answer_that_is_asked_again(qtbot, isolated_home, monkeypatch, recheck, first, reason):
    """The second try replaces the first in the bubble (not appended), with the reason as a notice,
    and the saved answer is the second one."""
    from desktop_app.gui.chat.message_widget import MessageWidget

    shown: list[str] = []
    original = MessageWidget.set_text
    monkeypatch.setattr(MessageWidget, "set_text", lambda self, text: (shown.append(text), original(self, text))[1])
    core = make_core(isolated_home)
    core.settings.rag.recheck_unsupported = recheck
    core.provide(library=ProtocolLibrary())
    window = open_window(qtbot, core)
    try:
        panel = window.documents_panel
        qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1)
        panel.tree.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)
        core.loaded_backend().enqueue(first, "Patients must be 13-18 years old [1].")
        send(qtbot, window, "Who can take part in the open bite trial?")
        qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
        wait_idle(qtbot, window)
        answer = answers(window)[-1]
        assert answer.text() == "Patients must be 13-18 years old [1]."
        assert "asked again" in answer.notices_label.text() and reason in answer.notices_label.text()
        assert not answer.claims_note.isVisibleTo(answer)  # the second answer's figure is in the source
        assert len(core.loaded_backend().history) == 2
        assert core.store.messages(window.controller.conversation_id)[-1].content == answer.text()
        # Never the two tries run together in one bubble.
        assert not [t for t in shown if first.split(" [")[0] in t and "13-18" in t]
    finally:
        window.close()
        core.close()


def test_a_figure_of_another_field_says_so_and_opens_the_passage_at_the_asked_figure(qtbot, monkeypatch):
    # ntsb-aviation-incident-accident-reports/20080109X00035.pdf, page 3
    form = ("Flight Time: 475 hours (Total, all aircraft), 3 hours (Total, this make and model) Aircraft and "
            "Owner/Operator Information")
    citation = Citation(1, "/docs/20080109X00035.pdf", 3, form)
    text = "The pilot had flown 475 hours [1]."
    widget = MessageWidget("assistant")
    qtbot.addWidget(widget)
    widget.set_citations([citation])
    widget.set_text(text)
    widget.set_claims(check_claims(text, [citation], "How many hours had the pilot flown in that make and model?"))
    assert widget.claims_note.text() == "Check: '475' is not the figure the sources give for what was asked."
    assert underline_styles(widget) == {"475": QTextCharFormat.UnderlineStyle.WaveUnderline}
    shown = []
    monkeypatch.setattr("desktop_app.gui.chat.message_widget.QToolTip.showText", lambda pos, text, *a: shown.append(text))
    widget.body.highlighted.emit(QUrl("claim:0"))
    assert "not the figure source [1] gives" in shown[-1] and "20080109X00035.pdf" in shown[-1]
    with qtbot.waitSignal(widget.citationClicked) as clicked:
        widget.body.anchorClicked.emit(QUrl("claim:0"))
    opened = clicked.args[0]
    assert form[opened.highlight[0]:opened.highlight[1]] == "3"
