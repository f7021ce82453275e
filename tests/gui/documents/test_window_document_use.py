"""Which documents an answer uses, as the window shows it (issue 14, items 5 and 6).

Real window, real Core, real conversation store and Assistant; the library is the documents
panel's stand-in that indexes real PDFs and ranks pages by shared words, so a question about
revenue finds the PDFs and a question about KPIs finds nothing. The model is a scripted fake.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_app.gui.documents.tree import KEY_ROLE
from tests.gui.documents_fakes import FakeLibrary, make_pdf
from tests.gui.gui_fixtures import make_core, open_window
from tests.gui.chat.test_chat_window import answers, send, wait_idle

REVENUE = "How much did quarterly revenue grow?"
KPI = "Give me a one-line definition of a KPI."


class RecordingLibrary(FakeLibrary):
    """Records which collections each question searched (None: the question searched nothing)."""

    def __init__(self) -> None:
        super().__init__(page_delay=0)
        self.searched: list[list[str] | None] = []

    def search(self, query, k=5, collections=None):
        self.searched.append(sorted(collections) if collections is not None else None)
        return super().search(query, k, collections)


def indexed_core(home, tmp_path):
    """A Core whose library holds the collection ``reports`` (two real PDFs), as after indexing."""
    core = make_core(home)
    library = RecordingLibrary()
    for _ in library.index([make_pdf(tmp_path / "q1.pdf", 2, "reports"), make_pdf(tmp_path / "q2.pdf", 2, "reports")],
                           collection="reports"):
        pass
    core.provide(library=library)
    core.paths.index_manifest.parent.mkdir(parents=True, exist_ok=True)
    core.paths.index_manifest.write_text("{}")  # what the real Library writes once something is indexed
    return core, library


def tree_ticks(panel) -> dict[str, bool]:
    """Each collection row of the documents panel: ticked or not, as the user sees it."""
    tree = panel.tree
    return {tree.topLevelItem(i).data(0, KEY_ROLE): tree.topLevelItem(i).checkState(0) == Qt.CheckState.Checked
            for i in range(tree.topLevelItemCount())}


def ask(qtbot, window, question: str, reply: str | None):
    """Send ``question``; the model says ``reply`` (None: the model is not asked)."""
    if reply is not None:
        window.core.loaded_backend().enqueue(reply)
    send(qtbot, window, question)
    qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
    wait_idle(qtbot, window)
    return answers(window)[-1]


def answer_without_documents(qtbot, window, answer, reply: str):
    """Click ``answer``'s "Answer without documents" (it must be shown); the model says ``reply``."""
    button = answer.without_documents_button
    assert button.isVisibleTo(window)
    window.core.loaded_backend().enqueue(reply)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answers(window)[-1] is not answer and answers(window)[-1].status == "complete",
                    timeout=10000)
    wait_idle(qtbot, window)
    return answers(window)[-1]


@pytest.fixture
def window_factory(qtbot):
    opened = []

    def build(core):
        window = open_window(qtbot, core)
        qtbot.waitUntil(lambda: window.documents_panel.tree.topLevelItemCount() == 1, timeout=10000)
        opened.append(window)
        return window

    yield build
    for window in opened:
        if window.isVisible():
            window.close()
        window.pool.shutdown(5000)


def test_after_a_restart_the_tick_box_shows_what_the_next_answer_uses(qtbot, isolated_home, tmp_path, window_factory):
    core, library = indexed_core(isolated_home, tmp_path)
    conv = core.store.create_conversation("Revenue", ["reports"])
    core.store.add_message(conv.id, "user", "Hello")
    core.store.add_message(conv.id, "assistant", "Hi.")
    core.settings.ui.last_conversation_id = conv.id
    window = window_factory(core)  # the app starting again: the last conversation reopens
    panel = window.documents_panel
    assert window.controller.conversation_id == conv.id
    qtbot.waitUntil(lambda: panel.used_collections() == ["reports"], timeout=5000)
    assert tree_ticks(panel) == {"reports": True}

    answer = ask(qtbot, window, REVENUE, "It grew [1].")
    assert library.searched[-1] == ["reports"] and answer.citations()
    # Unticked, the box shows nothing chosen, and the next answer does not restrict itself to it.
    panel.tree.topLevelItem(0).setCheckState(0, Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: core.store.get_conversation(conv.id).collections == [], timeout=5000)
    ask(qtbot, window, KPI, "A key performance indicator.")
    assert answers(window)[-1].citations() == []
    assert "do not contain" not in answers(window)[-1].text()


def test_ticks_do_not_leak_and_documents_follow_relevance(qtbot, isolated_home, tmp_path, window_factory):
    core, library = indexed_core(isolated_home, tmp_path)
    window = window_factory(core)
    panel = window.documents_panel
    assert tree_ticks(panel) == {"reports": False}  # a fresh chat: nothing ticked

    # No ticks: every indexed collection is consulted; relevant passages ground and cite the answer...
    answer = ask(qtbot, window, REVENUE, "Revenue grew by 3 percent [1].")
    assert library.searched[-1] == ["reports"]
    assert answer.citations() and answer.sources_label.isVisibleTo(answer)
    # ...and an unrelated question is answered as plain chat, without sources.
    answer = ask(qtbot, window, KPI, "A KPI is a measure of progress toward a goal.")
    assert answer.citations() == [] and not answer.sources_label.isVisibleTo(answer)
    assert answer.text() == "A KPI is a measure of progress toward a goal."

    # A tick means "only these" for this conversation...
    panel.tree.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)
    first = window.controller.conversation_id
    qtbot.waitUntil(lambda: core.store.get_conversation(first).collections == ["reports"], timeout=5000)
    answer = ask(qtbot, window, KPI, None)
    assert "do not contain" in answer.text()  # the chosen documents do not hold it, and it says so
    # ...and does not follow into a new chat.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.controller.conversation_id is None)
    assert tree_ticks(panel) == {"reports": False} and panel.used_collections() == []
    answer = ask(qtbot, window, KPI, "A measure of progress.")
    assert answer.citations() == [] and answer.text() == "A measure of progress."
    assert core.store.get_conversation(window.controller.conversation_id).collections == []
    # Going back to the first conversation shows its tick again.
    window.open_conversation(first)
    qtbot.waitUntil(lambda: tree_ticks(panel) == {"reports": True}, timeout=5000)


def test_indexing_does_not_tick_the_open_chat(qtbot, isolated_home, tmp_path, window_factory):
    core, library = indexed_core(isolated_home, tmp_path)
    window = window_factory(core)
    panel = window.documents_panel
    ask(qtbot, window, KPI, "A measure.")
    with qtbot.waitSignal(panel.indexFinished, timeout=10000) as done:
        panel.add_paths([make_pdf(tmp_path / "more.pdf", 1, "more")], "more")
    assert done.args[0].files_indexed == 1
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 2, timeout=5000)
    assert tree_ticks(panel) == {"more": False, "reports": False}
    assert core.store.get_conversation(window.controller.conversation_id).collections == []


def test_not_for_this_question(qtbot, isolated_home, tmp_path, window_factory):
    core, library = indexed_core(isolated_home, tmp_path)
    window = window_factory(core)
    box = window.composer.no_documents_box
    qtbot.waitUntil(lambda: box.isVisibleTo(window), timeout=5000)  # offered once there are documents

    # The composer's "Don't use documents": this question searches nothing, and the next one may again.
    searched = len(library.searched)
    box.setChecked(True)
    answer = ask(qtbot, window, REVENUE, "I do not know your revenue.")
    assert len(library.searched) == searched and answer.citations() == []
    assert not box.isChecked()

    # An answer that used documents says so (its sources) and can be asked again without them.
    answer = ask(qtbot, window, REVENUE, "It grew by 3 percent [1].")
    assert answer.citations()
    searched = len(library.searched)
    again = answer_without_documents(qtbot, window, answer, "Without your documents I cannot say.")
    assert again.text() == "Without your documents I cannot say." and again.citations() == []
    assert len(library.searched) == searched
    assert not again.without_documents_button.isVisibleTo(window)
    stored = core.store.messages(window.controller.conversation_id)
    assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
    assert stored[-1].content == "Without your documents I cannot say."


def test_a_question_placed_in_the_documents_they_miss_says_so_and_offers_the_model(qtbot, isolated_home, tmp_path,
                                                                                  window_factory):
    core, library = indexed_core(isolated_home, tmp_path)
    window = window_factory(core)
    assert tree_ticks(window.documents_panel) == {"reports": False}
    # Nothing ticked, and nothing in the reports about KPIs: the question says where its answer
    # is, so the model is not asked to make up what "the report" says...
    answer = ask(qtbot, window, "What is the definition of a KPI in the report?", None)
    assert answer.text().startswith("Your documents do not contain")
    # ...and the user can still have the model's own answer, with one click.
    searched = len(library.searched)
    again = answer_without_documents(qtbot, window, answer, "A KPI is a measure of progress toward a goal.")
    assert again.text() == "A KPI is a measure of progress toward a goal."
    assert len(library.searched) == searched
