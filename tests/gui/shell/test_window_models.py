"""Models in the window: drops (.gguf -> add model, others -> documents), a broken model's
banner, and one real chat with the bundled model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.gui.gui_fixtures import make_core, open_window
from tests.gui.chat.test_chat_window import answers, send, wait_idle


def drop_files(window, paths) -> None:
    """Deliver a real drag-enter + drop of local files onto the window's chat area."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = window.chat_view.viewport()
    pos = QPoint(target.width() // 2, target.height() // 2)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)


def test_dropping_a_gguf_adds_a_model_and_other_files_go_to_documents(qtbot, main_window, gui_core, tmp_path, monkeypatch):
    model = tmp_path / "my-model.gguf"
    model.write_bytes(b"GGUF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    folder = tmp_path / "folder"
    folder.mkdir()
    sent: list[list[str]] = []
    if main_window.documents_panel is not None:
        monkeypatch.setattr(main_window.documents_panel, "add_paths", lambda paths: sent.append(list(paths)))
    drop_files(main_window, [model, pdf, folder])
    qtbot.waitUntil(lambda: gui_core.models.added == [str(model)], timeout=5000)
    qtbot.waitUntil(lambda: "added" in main_window.status.currentMessage(), timeout=5000)
    if main_window.documents_panel is not None:
        assert sent == [[str(pdf), str(folder)]]


def test_broken_model_file_shows_a_plain_banner_and_the_app_keeps_running(qtbot, isolated_home, tmp_path):
    pytest.importorskip("desktop_app.llm.models")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"this is not a model at all" * 10)
    core = make_core(isolated_home)
    core.provide(backend=None, models=None)  # the real ModelManager reads the file
    core.settings.llm.model_path = str(broken)
    window = open_window(qtbot, core)
    try:
        qtbot.waitUntil(window.banner.isVisible, timeout=10000)
        text = window.banner.text()
        assert "Traceback" not in text and "Error:" not in text
        assert "broken.gguf" in text or "model" in text.lower()
        assert window.status.device_label.text() == "No model loaded"
        # Asking anyway gives the same plain message and keeps the question in the box.
        window.banner.hide()
        send(qtbot, window, "Are you there?")
        qtbot.waitUntil(window.banner.isVisible, timeout=10000)
        wait_idle(qtbot, window)
        assert window.composer.text() == "Are you there?"
        assert not window.chat_view.messages()
    finally:
        window.close()
        core.close()


@pytest.mark.slow
def test_real_bundled_model_answers_in_the_window(qtbot, isolated_home, bundled_llama_backend):
    core = make_core(isolated_home, bundled_llama_backend)
    core.settings.llm.max_tokens = 16
    window = open_window(qtbot, core)
    try:
        qtbot.waitUntil(lambda: window.status.model_label.text() != "", timeout=10000)
        send(qtbot, window, "What is the capital of France?")
        qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status != "streaming", timeout=300000)
        wait_idle(qtbot, window, timeout=300000)
        answer = answers(window)[-1]
        assert answer.status == "complete", window.banner.text()
        assert answer.text().strip()
        assert answer.route_label.text().startswith("On this device · ")
        stored = core.store.messages(window.controller.conversation_id)
        assert stored[-1].content == answer.text()
        assert "tokens/s" in window.status.speed_label.text()
    finally:
        window.close()
        core.provide(backend=None)  # the session fixture owns and closes the model
        core.close()
