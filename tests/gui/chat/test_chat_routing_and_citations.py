"""The window's hooks into the other areas: cloud confirmation (policy ask), the per-question
route choice, and numbered citations that open through the documents panel."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl

from desktop_app.core.records import Hit
from desktop_app.routing.base import HandoffPlan
from desktop_app.services.assistant import Assistant
from tests.gui.gui_fixtures import EmptyLibrary, make_core, open_window
from tests.gui.chat.test_chat_window import answers, send, wait_idle


class FakeGateway:
    """A CloudGateway that always suggests the cloud and needs confirmation (policy ``ask``)."""

    def __init__(self) -> None:
        self.forced: list = []
        self.sent: list = []

    def plan(self, question, messages, hits, forced, local_context_length, prompt_tokens):
        self.forced.append(forced)
        if forced == "local":
            return HandoffPlan(route="local", reason="You chose this device.")
        return HandoffPlan(route="cloud", reason="Long-form writing is better done by the cloud model.", model="big-model",
                           needs_confirmation=True, outgoing=tuple(messages), preview=question)

    def stream(self, plan, cancel=None):
        self.sent.append(plan)
        yield from ["Cloud ", "answer."]


class FakeRetriever:
    def retrieve(self, query, k=5, collections=None):
        return [Hit(source="/docs/annual report.pdf", page=3, text="Revenue grew by 12 percent in 2025.", score=0.9,
                    collection="default")]


class LibraryWithHits(EmptyLibrary):
    def collections(self):
        from desktop_app.rag.records import CollectionInfo

        return [CollectionInfo("default", 1, 3, 6)]

    def retriever(self):
        return FakeRetriever()


def _core_with_gateway(home, gateway):
    core = make_core(home)
    core.settings.routing.policy = "ask"
    core.provide(assistant=Assistant(store=core.store, backend_factory=core.backend, settings=core.settings, gateway=gateway))
    return core


def test_declined_handoff_stays_on_device(qtbot, isolated_home, monkeypatch):
    import desktop_app.gui.dialogs.confirm as confirm_dialog

    gateway = FakeGateway()
    core = _core_with_gateway(isolated_home, gateway)
    asked: list[HandoffPlan] = []
    monkeypatch.setattr(confirm_dialog, "confirm_handoff", lambda parent, plan: asked.append(plan) or False)
    window = open_window(qtbot, core)
    try:
        assert window.composer.route_combo.isVisibleTo(window)  # policy ask: route choice offered
        core.loaded_backend().enqueue("Local answer.")
        send(qtbot, window, "Write me an essay")
        qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
        wait_idle(qtbot, window)
        assert asked and asked[0].model == "big-model"
        answer = answers(window)[-1]
        assert answer.text() == "Local answer." and gateway.sent == []
        assert answer.route_label.text() == "On this device · fake-model"
        assert "You kept this question on this device." in answer.notices_label.text()
    finally:
        window.close()
        core.close()


def test_approved_handoff_shows_cloud_and_reason(qtbot, isolated_home, monkeypatch):
    import desktop_app.gui.dialogs.confirm as confirm_dialog

    gateway = FakeGateway()
    core = _core_with_gateway(isolated_home, gateway)
    monkeypatch.setattr(confirm_dialog, "confirm_handoff", lambda parent, plan: True)
    window = open_window(qtbot, core)
    try:
        window.composer.route_combo.setCurrentIndex(2)  # Cloud
        send(qtbot, window, "Write me an essay")
        qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
        wait_idle(qtbot, window)
        answer = answers(window)[-1]
        assert gateway.forced == ["cloud"] and len(gateway.sent) == 1
        assert answer.text() == "Cloud answer."
        assert answer.route_label.text() == "Cloud · big-model"
        assert answer.reason_label.text() == "Long-form writing is better done by the cloud model."
        assert window.status.speed_label.text() == "Last answer: cloud"
    finally:
        window.close()
        core.close()


def test_citations_are_links_that_open_through_the_documents_panel(qtbot, isolated_home, monkeypatch):
    core = make_core(isolated_home)
    core.provide(library=LibraryWithHits())
    window = open_window(qtbot, core)
    try:
        panel = window.documents_panel
        assert panel is not None
        opened = []
        monkeypatch.setattr(panel, "open_citation", lambda citation, *a: opened.append(citation))
        qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1)
        panel.tree.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)  # "use only this collection"
        assert panel.chosen_collections() == ["default"]
        core.loaded_backend().enqueue("Revenue grew by 12 percent [1].")
        send(qtbot, window, "How much did revenue grow?")
        qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
        wait_idle(qtbot, window)
        answer = answers(window)[-1]
        assert 'href="cite:1"' in answer.body.toHtml()
        assert "annual report.pdf,&nbsp;page&nbsp;3" in answer.sources_label.text()
        answer.body.anchorClicked.emit(QUrl("cite:1"))
        assert [(c.number, c.source, c.page) for c in opened] == [(1, "/docs/annual report.pdf", 3)]
        # Reopened later, the answer keeps its sources.
        window.new_chat()
        window.open_conversation(window.sidebar.conversation_ids()[0])
        again = answers(window)[-1]
        assert "annual report.pdf,&nbsp;page&nbsp;3" in again.sources_label.text()
        again.sources_label.linkActivated.emit("cite:1")
        assert len(opened) == 2
        # Hovering a citation shows the quoted passage with its file and page.
        shown = []
        monkeypatch.setattr("desktop_app.gui.chat.message_widget.QToolTip.showText", lambda pos, text, *a: shown.append(text))
        again.body.highlighted.emit(QUrl("cite:1"))
        assert shown and "annual report.pdf" in shown[-1] and "3" in shown[-1]
    finally:
        window.close()
        core.close()
