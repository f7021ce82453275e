"""A file dropped on the message box is asked about in that conversation only (issue 11).

The real main window offscreen, the real Core, ConversationStore and Assistant, the real Library
in its child process (embedder, Chroma, FTS5) and a real PDF; only the model is the scripted
fake. The file is indexed into the conversation's private collection (never listed in the
documents panel), grounds a cited answer, comes back when the conversation is reopened, and its
index is deleted when the chip is removed or the conversation is deleted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices

from desktop_app.llm.fake import FakeBackend
from desktop_app.services.conversation_files import conversation_collection, copies_folder, is_private
from tests.gui.documents.test_documents_library import make_pdf
from tests.gui.documents.test_documents_with_chat import click_citation, drop_on, last_answer, send
from tests.gui.gui_fixtures import window_with_real_library

pytest.importorskip("desktop_app.services.library", reason="the real Library is not built yet")
pytestmark = pytest.mark.slow


@pytest.fixture
def window(qtbot, isolated_home):
    yield from window_with_real_library(qtbot, isolated_home, FakeBackend(model_name="fake-model", delay_s=0.005))


def panel_collections(qtbot, panel) -> list[str]:
    with qtbot.waitSignal(panel.listingRefreshed, timeout=60000):
        panel.refresh()
    tree = panel.tree
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def test_a_pdf_dropped_on_the_message_box_grounds_this_conversation_only(qtbot, window, tmp_path, monkeypatch):
    composer, controller, panel = window.composer, window.controller, window.documents_panel
    chip = composer.attachments
    core = window.core
    pdf = make_pdf(tmp_path / "ledger.pdf", 4, "ledger")
    other = make_pdf(tmp_path / "orchard.pdf", 2, "orchard")

    # An unreadable type: one plain line, the typed question kept, nothing started.
    notes = tmp_path / "notes.xyz"
    notes.write_text("not a document")
    qtbot.keyClicks(composer.edit, "draft question")
    drop_on(composer.edit.viewport(), [str(notes)])
    assert "notes.xyz cannot be read" in window.banner.text() and "\n" not in window.banner.text()
    assert composer.text() == "draft question" and chip.state == "hidden"
    assert controller.conversation_id is None
    composer.edit.clear()

    # Dropped, then cancelled at once: nothing is added, the question box is free again.
    long_pdf = make_pdf(tmp_path / "long.pdf", 30, "orchard")
    drop_on(composer.edit.viewport(), [long_pdf])
    assert chip.state == "indexing" and chip.isVisible() and chip.cancel_button.isVisible()
    cid = controller.conversation_id
    assert cid is not None and core.store.get_conversation(cid).title == "long.pdf"
    qtbot.mouseClick(chip.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not controller.files.indexing(cid), timeout=120000)
    assert chip.state == "hidden", chip.label.text()
    assert core.library.documents(conversation_collection(cid)) == []

    # Dropping the PDF on the box: the file is read with a visible progress strip, then the
    # chip shows.
    drop_on(composer.edit.viewport(), [pdf])
    assert chip.state == "indexing" and chip.isVisible() and chip.cancel_button.isVisible()
    assert controller.conversation_id == cid
    # Another chat meanwhile shows no strip; back here, the reading is shown again.
    window.new_chat()
    assert chip.state == "hidden" and not chip.isVisible()
    window.open_conversation(cid)
    assert chip.state == "indexing" and chip.isVisible() and chip.label.text() == "Reading ledger.pdf…"
    qtbot.waitUntil(lambda: chip.state == "attached", timeout=300000)
    assert chip.label.text() == "Asking about: ledger.pdf" and chip.isVisible()
    assert chip.remove_button.accessibleName() == "Stop asking about ledger.pdf"
    private = conversation_collection(cid)
    assert [Path(d.path).name for d in core.library.documents(private)] == ["ledger.pdf"]
    assert not panel.busy  # the documents panel was not involved

    # The user's own collection, for contrast; the private one is in no list.
    with qtbot.waitSignal(panel.indexFinished, timeout=300000):
        panel.add_paths([other])
    names = panel_collections(qtbot, panel)
    assert names and not any(is_private(n) or "ledger" in n for n in names)
    assert all(not is_private(c.name) for c in core.library.collections())
    assert all(Path(d.path).name != "ledger.pdf" for d in core.library.documents())

    # A question in this conversation is grounded on the file, cited with its page.
    core.loaded_backend().enqueue("The archive room code is ZEBRA-4471 [1].")
    send(qtbot, window, "What is the vault access code for the archive room?")
    qtbot.waitUntil(lambda: not controller.busy and last_answer(window) is not None
                    and last_answer(window).status == "complete", timeout=120000)
    citations = last_answer(window).citations()
    assert citations, last_answer(window).text()
    cited = {(Path(c.source).name, c.page) for c in citations}
    assert ("ledger.pdf", 3) in cited, cited
    # Cited as the file the user dropped, not the app's copy in the index folder; the popup shows
    # that path and opens that file at the page.
    target = next(c for c in citations if Path(c.source).name == "ledger.pdf" and c.page == 3)
    assert all(c.source == pdf for c in citations if Path(c.source).name == "ledger.pdf"), citations
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(QUrl(url)) or True))
    click_citation(qtbot, last_answer(window), target.number)
    popup = panel.citation_popup
    assert popup is not None and popup.isVisible() and popup.path_label.text() == pdf
    qtbot.mouseClick(popup.open_button, Qt.MouseButton.LeftButton)
    assert opened and opened[0].toLocalFile() == pdf and opened[0].fragment() == "page=3"
    popup.hide()
    # The popup's "page text" asks the library (its child process) by the cited name.
    assert "ZEBRA-4471" in " ".join(p.text for p in core.library.passages(target.source) if p.page == 3)

    # Another conversation: no chip. Back to this one: the chip again.
    window.new_chat()
    qtbot.waitUntil(lambda: chip.state == "hidden", timeout=5000)
    window.open_conversation(cid)
    qtbot.waitUntil(lambda: chip.state == "attached", timeout=30000)
    assert chip.files == ["ledger.pdf"]

    # Removing the chip deletes the private collection (index rows and the copy); the file stays.
    qtbot.mouseClick(chip.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chip.state == "hidden", timeout=60000)
    assert core.library.documents(private) == []
    assert core.library.search("vault access code archive room", k=5, collections=[private]) == []
    assert not copies_folder(core.paths.index_dir, private).exists() and Path(pdf).is_file()
    assert [Path(d.path).name for d in core.library.documents()] == ["orchard.pdf"]

    # Dropped again, then the conversation deleted: its private collection goes with it.
    drop_on(composer, [pdf])
    qtbot.waitUntil(lambda: chip.state == "attached", timeout=300000)
    from desktop_app.gui.chat import conversation_ops

    monkeypatch.setattr(conversation_ops, "confirm", lambda *_args: True)
    window.delete_current()
    assert controller.conversation_id is None and chip.state == "hidden"
    qtbot.waitUntil(lambda: not copies_folder(core.paths.index_dir, private).exists(), timeout=60000)
    assert core.library.documents(private) == []  # removed before the copies
    assert [Path(d.path).name for d in core.library.documents()] == ["orchard.pdf"]
