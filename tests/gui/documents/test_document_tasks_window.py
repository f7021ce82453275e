"""The real main window: a document's context menu summarises, compares and lists on a worker, with
progress and Cancel in a dialog; the model is the fake one, which notes the first sentence of each page."""

from __future__ import annotations

import time

from desktop_app.core.records import Hit
from desktop_app.rag.records import CollectionInfo, DocumentInfo
from tests.gui.gui_fixtures import EmptyLibrary, make_core, open_window
from tests.unit.task_fakes import NotingBackend

FILLER = ("The harbour office filed its routine paperwork and checked the mooring lines before noon. " * 5).strip()


def pages(stem: str, count: int) -> dict[int, str]:
    return {p: f"The {stem} ferry carried {p * 37} passengers across the bay on day {p}. {FILLER}" for p in range(1, count + 1)}


class TaskLibrary(EmptyLibrary):
    """One collection of two documents whose passages are known page by page."""

    def __init__(self, docs: dict[str, dict[int, str]]) -> None:
        self.docs = docs

    def collections(self):
        return [CollectionInfo("reports", len(self.docs), sum(len(p) for p in self.docs.values()), 0)]

    def documents(self, collection=None):
        return [DocumentInfo(path, "reports", len(p), len(p), 0.0) for path, p in self.docs.items()]

    def passages(self, path):
        return [Hit(path, page, text, 0.0, "reports", f"id-p{page}-c0") for page, text in self.docs[path].items()]


def window_with(qtbot, isolated_home, backend):
    core = make_core(isolated_home, backend)
    core.provide(library=TaskLibrary({"/docs/north.pdf": pages("north", 6), "/docs/south.pdf": pages("south", 2)}))
    window = open_window(qtbot, core)
    panel = window.documents_panel
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=10000)
    top = panel.tree.topLevelItem(0)
    top.setExpanded(True)
    return core, window, panel, top


def select(panel, top, name: str) -> None:
    item = next(top.child(i) for i in range(top.childCount()) if name in top.child(i).text(0))
    panel.tree.setCurrentItem(item)


def close(core, window) -> None:
    window.close()
    window.pool.shutdown(5000)
    core.close()


def test_summarise_from_the_context_menu_shows_progress_then_points_citing_pages(qtbot, isolated_home):
    backend = NotingBackend()
    backend.delay_s = 0.01
    core, window, panel, top = window_with(qtbot, isolated_home, backend)
    try:
        texts = [a.text() for a in panel.tree.actions()]
        assert {"Summarise", "Compare with…", "List deadlines/figures…"} <= set(texts)
        panel.tree.setCurrentItem(top)
        assert not panel.task_actions.actions["summary"].isEnabled()  # a collection is not one document
        select(panel, top, "north.pdf")
        action = panel.task_actions.actions["summary"]
        assert action.isEnabled()
        started = time.perf_counter()
        action.trigger()
        assert time.perf_counter() - started < 0.5  # the GUI thread only starts the worker
        dialog = panel.task_actions.dialogs[-1]
        assert dialog.isVisible() and dialog.running
        qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
        text = dialog.text.toPlainText()
        assert dialog.text.isVisible() and "The north ferry carried 37 passengers across the bay on day 1 (p. 1)." in text
        assert dialog.sources.count() >= 1 and "north.pdf, page 1" in dialog.sources.item(0).text()
        assert "Summary of north.pdf" in dialog.status.text()
        assert not dialog.cancel_button.isVisible() and dialog.close_button.isVisible()
    finally:
        close(core, window)


def test_cancel_stops_between_model_calls_and_shows_nothing_half_written(qtbot, isolated_home):
    backend = NotingBackend()
    backend.delay_s = 0.03
    core, window, panel, top = window_with(qtbot, isolated_home, backend)
    try:
        select(panel, top, "north.pdf")
        panel.task_actions.group_tokens = 100  # one page per model call: six map calls
        panel.task_actions.actions["summary"].trigger()
        dialog = panel.task_actions.dialogs[-1]
        qtbot.waitUntil(lambda: "part 2 of" in dialog.status.text(), timeout=20000)
        assert dialog.progress.maximum() >= 6
        dialog.cancel_button.click()
        qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
        assert dialog.status.text().startswith("Stopped. Nothing was written")
        assert not dialog.text.isVisible() and dialog.sources.count() == 0
        assert len(backend.history) < 6
    finally:
        close(core, window)


def test_compare_with_and_list_figures_run_on_the_chosen_documents(qtbot, isolated_home):
    backend = NotingBackend()
    core, window, panel, top = window_with(qtbot, isolated_home, backend)
    try:
        select(panel, top, "north.pdf")
        offered = []
        panel.task_actions.choose_document = lambda path, others: offered.extend(others) or others[0]
        panel.task_actions.actions["compare"].trigger()
        dialog = panel.task_actions.dialogs[-1]
        qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
        assert offered == ["/docs/south.pdf"]
        text = dialog.text.toPlainText()
        assert "(A p. 1)" in text and "(B p. 1)" in text and "Key points of B (south.pdf)" in text

        panel.task_actions.choose_list = lambda path: "figures"
        backend.enqueue("- The north ferry carried 74 passengers on day 2 (p. 5)")
        panel.task_actions.actions["list"].trigger()
        dialog = panel.task_actions.dialogs[-1]
        qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
        assert dialog.windowTitle() == "Figures in north.pdf"
        assert dialog.text.toPlainText() == "- The north ferry carried 74 passengers on day 2 (p. 2)."  # its real page
    finally:
        close(core, window)
