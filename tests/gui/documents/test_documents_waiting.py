"""The indexing progress says so when another run holds the index, instead of looking stuck."""

from __future__ import annotations

from desktop_app.gui.documents.progress import IndexProgressView
from desktop_app.rag.records import IndexProgress
from desktop_app.rag.writer_lock import waiting_message


def progress(message: str = "", **counts) -> IndexProgress:
    base = dict(current_file="", files_done=0, files_total=0, pages_done=0, pages_total=0, chunks_done=0)
    base.update(counts)
    return IndexProgress(message=message, **base)


def test_waiting_for_another_run_then_the_run_itself(qtbot):
    view = IndexProgressView()
    qtbot.addWidget(view)
    view.start("Indexing 3 files")
    view.update_progress(progress(waiting_message(4321)))
    assert view.bar.format() == "Waiting for another indexing run…"
    assert view.status.text() == "Another indexing run is in progress (PID 4321); waiting for it to finish…"
    assert "PID 4321" in view.bar.accessibleDescription()

    # The other run ended: the bar counts pages again (at the view's next refresh).
    view.update_progress(progress(current_file="/docs/a.pdf", files_total=3, pages_done=2, pages_total=10))
    qtbot.waitUntil(lambda: view.bar.maximum() == 10, timeout=3000)
    assert view.bar.value() == 2
    assert "waiting" not in view.status.text()
