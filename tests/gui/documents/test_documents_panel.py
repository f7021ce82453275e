"""DocumentsPanel with a scriptable fake Library: drop, progress, cancel, problems, collections, citations.

The fake (``documents_fakes``) reads real reportlab PDFs and sleeps per page, so the worker, the
signals and the progress bar behave as with the real Library, which ``test_documents_library.py`` drives.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractButton, QComboBox, QInputDialog, QProgressBar, QTreeView

from desktop_app.config.policy import MachinePolicy
from desktop_app.core.errors import Cancelled, IndexMismatchError
from desktop_app.core.records import Citation, Conversation
from desktop_app.gui.chat.citation_popup import citation_file_url, citation_tooltip_html
from desktop_app.gui.documents.panel import DocumentsPanel
from desktop_app.gui.common.workers import WorkerPool
from tests.gui.documents_fakes import FakeCore, FakeLibrary, drop_files, make_pdf
from tests.rag_fixtures import drain


@pytest.fixture
def pool():
    p = WorkerPool()
    yield p
    p.shutdown()


@pytest.fixture
def make_panel(qtbot, pool):
    def build(library: FakeLibrary | None = None, core: FakeCore | None = None) -> DocumentsPanel:
        core = core or FakeCore(library or FakeLibrary())
        panel = DocumentsPanel(core, pool)
        qtbot.addWidget(panel)
        panel.resize(520, 640)
        panel.show()
        qtbot.waitUntil(lambda: not panel._refreshing)
        return panel
    return build


def test_dropped_pdfs_are_indexed_with_a_progress_bar_that_advances(qtbot, make_panel, tmp_path):
    panel = make_panel(FakeLibrary(page_delay=0.03))
    a = make_pdf(tmp_path / "alpha.pdf", 3)
    b = make_pdf(tmp_path / "beta.pdf", 5)
    seen: list[int] = []
    panel.progress.bar.valueChanged.connect(seen.append)
    with qtbot.waitSignal(panel.indexFinished, timeout=10000) as done:
        entered, dropped = drop_files(panel, [a, b])
        assert entered and dropped
        assert panel.busy and panel.progress.bar.isVisible()
    report = done.args[0]
    assert report.files_indexed == 2 and report.pages == 8
    assert seen and seen == sorted(seen) and seen[-1] == 8 and len(set(seen)) >= 2
    assert panel.progress.bar.maximum() == 8
    assert "Indexed 2 files, 8 pages" in panel.progress.summary.text()
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1 and panel.tree.topLevelItem(0).childCount() == 2)
    top = panel.tree.topLevelItem(0)
    # Not ticked for the user: new documents are consulted when relevant; a tick means "only these".
    assert top.checkState(0) == Qt.CheckState.Unchecked and panel.used_collections() == []
    names = sorted(top.child(i).text(0) for i in range(2))
    assert names == ["alpha.pdf", "beta.pdf"]
    qtbot.waitUntil(lambda: not panel.busy)


def test_failed_and_skipped_files_get_one_clear_line_each(qtbot, make_panel, tmp_path):
    panel = make_panel()
    folder = tmp_path / "mixed"
    folder.mkdir()
    make_pdf(folder / "good.pdf", 2)
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "fake.pdf").write_text("this is not a pdf")
    (folder / "notes.vsdx").write_bytes(b"PK\x03\x04")
    with qtbot.waitSignal(panel.indexFinished, timeout=10000):
        panel.add_paths([str(folder)])
    summary = panel.progress.summary.text()
    assert "Indexed 1 file, 2 pages" in summary and "1 skipped" in summary and "2 failed" in summary
    lines = [panel.progress.problems.item(i).text() for i in range(panel.progress.problems.count())]
    assert lines == [
        "Failed — empty.pdf: the file is empty (0 bytes)",
        "Failed — fake.pdf: not a valid PDF (it may be damaged or another kind of file)",
        "Skipped — notes.vsdx: unsupported file type",
    ]
    assert panel.progress.problems.isVisible()  # failures open the list by themselves
    panel.progress.details_button.click()
    assert not panel.progress.problems.isVisible()
    assert "Traceback" not in summary


def test_cancel_mid_indexing_stops_promptly_and_says_so(qtbot, make_panel, tmp_path):
    library = FakeLibrary(page_delay=0.05)
    panel = make_panel(library)
    big = make_pdf(tmp_path / "big.pdf", 40)
    with qtbot.waitSignal(panel.indexFinished, timeout=15000) as done:
        panel.add_paths([big])
        qtbot.waitUntil(lambda: panel.progress.bar.value() >= 3, timeout=10000)
        qtbot.mouseClick(panel.progress.cancel_button, Qt.MouseButton.LeftButton)
        assert not panel.progress.cancel_button.isEnabled()
    assert done.args[0].cancelled
    assert panel.progress.bar.value() < 40
    assert panel.progress.summary.text().startswith("Indexing cancelled.")
    qtbot.waitUntil(lambda: not panel.busy)


def test_a_library_raising_cancelled_or_an_error_is_shown_in_plain_words(qtbot, make_panel, tmp_path):
    library = FakeLibrary()
    panel = make_panel(library)
    library.fail_whole_job = Cancelled()
    with qtbot.waitSignal(panel.indexFinished, timeout=5000) as done:
        panel.add_paths([make_pdf(tmp_path / "x.pdf", 1)])
    assert done.args[0].cancelled
    library.fail_whole_job = IndexMismatchError("The index was built with another embedding model.", "Re-index your documents.")
    with qtbot.waitSignal(panel.indexFailed, timeout=5000):
        panel.add_paths([str(tmp_path / "x.pdf")])
    assert panel.progress.summary.text() == (
        "Indexing stopped: The index was built with another embedding model. Re-index your documents.")
    qtbot.waitUntil(lambda: not panel.busy)
    assert panel.rebuild_button.isVisible()  # the offer to re-index
    with qtbot.waitSignal(panel.indexFinished, timeout=5000):
        panel.rebuild_button.click()
    assert library.calls[-1] == ("index", [], "default", "rebuild") and not panel.rebuild_button.isVisible()


def test_paths_added_while_busy_are_queued_and_model_files_ignored(qtbot, make_panel, tmp_path):
    library = FakeLibrary(page_delay=0.02)
    panel = make_panel(library)
    a, b = make_pdf(tmp_path / "a.pdf", 4), make_pdf(tmp_path / "b.pdf", 2)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    reports = []
    panel.indexFinished.connect(reports.append)
    panel.add_paths([a])
    panel.add_paths([b, str(model)])
    panel.add_paths([str(model)])
    assert "Then: 1 more item." in panel.progress.status.text()
    qtbot.waitUntil(lambda: len(reports) == 2 and not panel.busy, timeout=10000)
    assert [c[1] for c in library.calls if c[0] == "index"] == [[a], [b]]


def test_citation_popup_shows_the_passage_and_opens_the_pdf_at_the_page(qtbot, make_panel, tmp_path, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(QUrl(url)) or True))
    panel = make_panel()
    pdf = make_pdf(tmp_path / "report 2024.pdf", 4)
    citation = Citation(number=2, source=pdf, page=3, text="page 3: quarterly revenue grew by 9 percent.")
    panel.open_citation(citation, QPoint(100, 100))
    popup = panel.citation_popup
    assert popup is not None and popup.isVisible()
    assert popup.heading.text() == "[2] report 2024.pdf, page 3"
    assert popup.passage.toPlainText() == citation.text
    assert popup.open_button.text() == "Open at page 3"
    qtbot.mouseClick(popup.open_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1 and opened[0].isLocalFile()
    assert opened[0].toLocalFile() == pdf and opened[0].fragment() == "page=3"
    assert opened[0] == citation_file_url(citation)
    # A vanished file: the button is disabled and the popup says why instead of failing.
    gone = Citation(number=1, source=str(tmp_path / "moved.pdf"), page=1, text="x")
    panel.open_citation(gone)
    assert not popup.open_button.isEnabled() and "no longer" in popup.status.text()


def test_citation_tooltip_html_escapes_and_shortens():
    c = Citation(number=1, source="/docs/a<b>.txt", page=2, text="<script>" + "word " * 400)
    html = citation_tooltip_html(c, max_chars=100)
    assert "<script>" not in html and "&lt;script&gt;" in html and "a&lt;b&gt;.txt, page 2" in html
    assert "…" in html and len(html) < 600
    assert not citation_file_url(c).hasFragment()  # page fragments are for PDFs only


def test_collection_use_is_per_conversation_and_persisted(qtbot, make_panel, tmp_path):
    library = FakeLibrary(page_delay=0)
    core = FakeCore(library)
    for name in ("alpha", "beta"):
        drain(library.index([make_pdf(tmp_path / f"{name}.pdf", 1)], collection=name))
    core.store.conversations[7] = Conversation(7, "t", 0, 0, ["alpha"])
    core.store.conversations[8] = Conversation(8, "u", 0, 0, [])
    panel = make_panel(core=core)
    with qtbot.waitSignal(panel.collectionsChanged) as sig:
        panel.set_conversation(7)
    assert sig.args[0] == ["alpha"]
    assert [panel.tree.topLevelItem(i).checkState(0) for i in range(2)] == [Qt.CheckState.Checked, Qt.CheckState.Unchecked]
    with qtbot.waitSignal(panel.collectionsChanged) as sig:
        panel.tree.topLevelItem(1).setCheckState(0, Qt.CheckState.Checked)
    assert sig.args[0] == ["alpha", "beta"]
    qtbot.waitUntil(lambda: core.store.saved == [(7, ["alpha", "beta"])])
    with qtbot.waitSignal(panel.collectionsChanged) as sig:
        panel.set_conversation(8)
    assert sig.args[0] == [] and panel.tree.used() == []
    # Ticks made in a new, unsaved chat are asked for: the chat hands them to its first question,
    # which saves the conversation with them (Assistant.prepare), and the panel then reads them back.
    panel.set_conversation(None)
    panel.tree.topLevelItem(1).setCheckState(0, Qt.CheckState.Checked)
    assert panel.chosen_collections() == ["beta"]
    core.store.conversations[9] = Conversation(9, "new", 0, 0, ["beta"])
    with qtbot.waitSignal(panel.collectionsChanged) as sig:
        panel.set_conversation(9)
        assert panel.chosen_collections() is None  # being read: the saved ticks apply meanwhile
    assert sig.args[0] == ["beta"] and panel.chosen_collections() == ["beta"]


def test_a_new_chat_starts_without_ticks_and_removed_ones_are_dropped(qtbot, make_panel, tmp_path):
    library = FakeLibrary(page_delay=0)
    core = FakeCore(library)
    drain(library.index([make_pdf(tmp_path / "alpha.pdf", 1)], collection="alpha"))
    core.store.conversations[7] = Conversation(7, "t", 0, 0, ["alpha"])
    core.store.conversations[8] = Conversation(8, "u", 0, 0, ["alpha", "gone"])  # "gone" was removed since
    panel = make_panel(core=core)
    with qtbot.waitSignal(panel.collectionsChanged):
        panel.set_conversation(7)
    with qtbot.waitSignal(panel.collectionsChanged) as sig:
        panel.set_conversation(None)  # Ctrl+N: an earlier chat's documents must not answer new questions
    assert sig.args[0] == [] and panel.used_collections() == [] and panel.tree.used() == []
    with qtbot.waitSignal(panel.collectionsChanged) as sig:
        panel.set_conversation(8)
    assert sig.args[0] == ["alpha"]
    qtbot.waitUntil(lambda: (8, ["alpha"]) in core.store.saved)


def test_remove_asks_first_and_on_device_only_follows_policy(qtbot, make_panel, tmp_path):
    library = FakeLibrary(page_delay=0)
    drain(library.index([make_pdf(tmp_path / "a.pdf", 2)], collection="work"))
    core = FakeCore(library)
    panel = make_panel(core=core)
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    answers = iter([False, True])
    panel.confirm = lambda title, text: next(answers)
    panel.remove_button.click()
    assert not any(c[0] == "remove_collection" for c in library.calls)
    with qtbot.waitSignal(panel.listingRefreshed):
        panel.on_device_box.click()
    assert ("set_on_device_only", "work", True) in library.calls
    assert panel.tree.topLevelItem(0).text(0).endswith("on-device only") and panel.on_device_box.isChecked()
    with qtbot.waitSignal(panel.listingRefreshed):
        panel.remove_button.click()
    assert ("remove_collection", "work") in library.calls and panel.tree.topLevelItemCount() == 0
    # IT keeps "work" on the device: its box is greyed; the user's own collection stays editable.
    locked = FakeCore(library, policy=MachinePolicy(values={"routing.on_device_only_collections": ["work"]}))
    drain(library.index([str(tmp_path / "a.pdf")], collection="work"))
    drain(library.index([make_pdf(tmp_path / "b.pdf", 1)], collection="notes"))
    other = make_panel(core=locked)
    items = {other.tree.topLevelItem(i).text(0).split()[0]: other.tree.topLevelItem(i)
             for i in range(other.tree.topLevelItemCount())}
    other.tree.setCurrentItem(items["work"])
    assert not other.on_device_box.isEnabled() and "organization" in other.on_device_box.toolTip()
    other.tree.setCurrentItem(items["notes"])
    assert other.on_device_box.isEnabled() and "organization" not in other.on_device_box.toolTip()


def test_new_collection_is_chosen_for_new_documents(qtbot, make_panel, tmp_path, monkeypatch):
    library = FakeLibrary(page_delay=0)
    panel = make_panel(library)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("  Tax  2024 ", True)))
    panel.collection_box.setCurrentIndex(panel.collection_box.findText("New collection…"))
    panel.collection_box.activated.emit(panel.collection_box.currentIndex())
    assert panel.target_collection() == "Tax 2024"
    with qtbot.waitSignal(panel.indexFinished):
        panel.add_paths([make_pdf(tmp_path / "t.pdf", 1)])
    assert library.calls[-1][2] == "Tax 2024"
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("bad/name", True)))
    panel.collection_box.activated.emit(panel.collection_box.findText("New collection…"))
    assert panel.target_collection() == "Tax 2024" and "cannot be used" in panel.message.text()


def test_every_control_is_named_for_screen_readers(make_panel):
    panel = make_panel()
    controls = panel.findChildren(QAbstractButton) + panel.findChildren(QComboBox) + \
        panel.findChildren(QTreeView) + panel.findChildren(QProgressBar)
    assert len(controls) >= 8
    unnamed = [type(w).__name__ + ":" + (w.text() if hasattr(w, "text") else "") for w in controls if not w.accessibleName()]
    assert unnamed == []
    assert all(w.accessibleDescription() for w in controls)


def test_watch_folder_is_remembered_and_its_reports_reach_the_panel(qtbot, make_panel, tmp_path, monkeypatch):
    import threading

    from PySide6.QtWidgets import QFileDialog

    from desktop_app.rag.records import FileProblem, IndexReport

    library = FakeLibrary(page_delay=0)
    core = FakeCore(library)
    panel = make_panel(core=core)
    assert panel.watch_row.isVisible() and not panel.watch_row.stop_button.isVisible()
    assert panel.watch_row.label.text() == "No folder is watched."
    folder = tmp_path / "inbox"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    panel.set_target_collection("inbox")
    panel.watch_row.watch_button.click()
    qtbot.waitUntil(lambda: ("watch", [str(folder)], "inbox") in library.calls and core.saves == 1)
    assert core.settings.rag.watch_folders == [str(folder)]
    assert panel.watch_row.label.text() == "Watching inbox → inbox" and panel.watch_row.stop_button.isVisible()
    # The watcher reports from its own thread; the summary appears on the GUI thread.
    report = IndexReport(files_indexed=1, pages=2, failed=[FileProblem(str(folder / "bad.pdf"), "encrypted without a password")])
    with qtbot.waitSignal(panel.listingRefreshed, timeout=5000):
        threading.Thread(target=library.watch_report, args=(report,)).start()
    assert panel.progress.summary.text().startswith("Watched folder: Indexed 1 file, 2 pages")
    assert panel.progress.problems.item(0).text() == "Failed — bad.pdf: encrypted without a password"
    panel.watch_row.stop_button.click()
    qtbot.waitUntil(lambda: ("stop_watching",) in library.calls and core.settings.rag.watch_folders == [])
    # At the next start the remembered folders are watched again, into the collection they fill.
    core.settings.rag.watch_folders = [str(folder)]
    drain(library.index([make_pdf(folder / "a.pdf", 1)], collection="inbox"))
    library.calls.clear()
    make_panel(core=core)
    qtbot.waitUntil(lambda: ("watch", [str(folder)], "inbox") in library.calls)


def test_embedder_is_warmed_up_after_start_only_when_documents_exist(qtbot, make_panel, tmp_path, monkeypatch):
    import desktop_app.gui.documents.panel as panel_module

    monkeypatch.setattr(panel_module, "WARM_UP_DELAY_MS", 10)
    empty = FakeLibrary()
    make_panel(empty)
    qtbot.wait(100)
    assert not any(c[0] == "search" for c in empty.calls)
    library = FakeLibrary(page_delay=0)
    drain(library.index([make_pdf(tmp_path / "a.pdf", 1)]))
    make_panel(library)
    qtbot.waitUntil(lambda: ("search", "warm up") in library.calls, timeout=3000)


def test_keyboard_space_ticks_delete_removes_enter_opens(qtbot, make_panel, tmp_path, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(QUrl(url)) or True))
    library = FakeLibrary(page_delay=0)
    pdf = make_pdf(tmp_path / "k.pdf", 2)
    drain(library.index([pdf], collection="keys"))
    panel = make_panel(library)
    tree = panel.tree
    tree.setFocus()
    tree.setCurrentItem(tree.topLevelItem(0))
    with qtbot.waitSignal(panel.collectionsChanged) as sig:
        qtbot.keyClick(tree, Qt.Key.Key_Space)
    assert sig.args[0] == ["keys"]
    tree.topLevelItem(0).setExpanded(True)
    tree.setCurrentItem(tree.topLevelItem(0).child(0))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert opened and opened[0].toLocalFile() == pdf and not opened[0].hasFragment()
    asked: list[str] = []
    panel.confirm = lambda title, text: asked.append(text) or True
    with qtbot.waitSignal(panel.listingRefreshed):
        qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert asked and asked[0].startswith("Remove k.pdf from the index?")
    assert ("remove_document", pdf) in library.calls
