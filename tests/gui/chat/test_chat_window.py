"""The real main window driven like a user: type, Enter, stream, stop, regenerate, copy, errors.

Real Core (settings, SQLite store, Assistant) with a FakeBackend that streams word by word
with a small delay, so streaming, batching and Stop behave as with a real model.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.core.errors import ModelError
from desktop_app.gui.chat.message_widget import MessageWidget

LONG_REPLY = " ".join(f"word{i}" for i in range(200))


def send(qtbot, window, text: str) -> None:
    """Type ``text`` into the question box and press Enter, as a user does."""
    edit = window.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def wait_idle(qtbot, window, timeout: int = 10000) -> None:
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=timeout)


def answers(window) -> list[MessageWidget]:
    return [m for m in window.chat_view.messages() if m.role == "assistant"]


def test_enter_sends_and_answer_streams_as_markdown(qtbot, main_window, fake_backend, gui_core):
    fake_backend.enqueue("Here is **bold** and code:\n\n```python\nprint('x')\n```\n\nDone <b>raw</b>.")
    send(qtbot, main_window, "Show me code")
    assert main_window.composer.text() == ""  # the box is cleared at once
    assert main_window.composer.stop_button.isVisibleTo(main_window)
    with qtbot.waitSignal(main_window.controller.answerFinished, timeout=10000) as done:
        pass
    wait_idle(qtbot, main_window)
    answer = answers(main_window)[-1]
    assert answer.status == "complete"
    assert done.args[0].text == answer.text()
    html = answer.body.toHtml()
    assert "print(&#x27;x&#x27;)" in html or "print('x')" in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html  # model HTML is shown as text, never rendered
    assert "font-weight" in html  # **bold** rendered
    assert answer.route_label.text() == "On this device · fake-model"
    assert answer.reason_label.text()
    # The conversation was saved and is listed and selected in the sidebar.
    cid = main_window.controller.conversation_id
    stored = gui_core.store.messages(cid)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].content == answer.text() and stored[1].status == "complete"
    assert main_window.sidebar.current_id() == cid
    assert "tokens/s" in main_window.status.speed_label.text()
    assert main_window.status.model_label.text() == "fake-model"


def test_tokens_arrive_in_several_paints(qtbot, main_window, fake_backend):
    """Streaming shows partial text before the end (batched, not all at once)."""
    fake_backend.enqueue(" ".join(f"t{i}" for i in range(60)))
    send(qtbot, main_window, "stream please")
    seen: set[str] = set()
    qtbot.waitUntil(lambda: bool(answers(main_window) and (seen.add(answers(main_window)[-1].text()) or len(seen) > 3)), timeout=10000)
    wait_idle(qtbot, main_window)
    assert answers(main_window)[-1].text().endswith("t59")
    assert any(0 < len(s) < len(answers(main_window)[-1].text()) for s in seen)


def test_shift_enter_adds_a_line_without_sending(qtbot, main_window):
    edit = main_window.composer.edit
    qtbot.keyClicks(edit, "line one")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(edit, "line two")
    assert main_window.composer.text() == "line one\nline two"
    assert not main_window.controller.busy and not main_window.chat_view.messages()


def test_escape_stops_at_once_and_keeps_partial_text_marked_stopped(qtbot, main_window, fake_backend, gui_core):
    fake_backend.enqueue(LONG_REPLY)
    send(qtbot, main_window, "Write a lot")
    qtbot.waitUntil(lambda: bool(answers(main_window) and len(answers(main_window)[-1].text()) > 20), timeout=10000)
    qtbot.keyClick(main_window.composer.edit, Qt.Key.Key_Escape)
    answer = answers(main_window)[-1]
    assert answer.status == "stopped"  # shown at once, before the worker ends
    assert answer.status_label.text() == "Stopped"
    wait_idle(qtbot, main_window)
    stored = gui_core.store.messages(main_window.controller.conversation_id)[-1]
    assert stored.status == "stopped"
    assert stored.content and len(stored.content) < len(LONG_REPLY)
    assert answer.text() == stored.content
    assert LONG_REPLY.startswith(stored.content)


def test_stop_button_stops_too(qtbot, main_window, fake_backend, gui_core):
    fake_backend.enqueue(LONG_REPLY)
    send(qtbot, main_window, "Again a lot")
    qtbot.waitUntil(lambda: bool(answers(main_window) and answers(main_window)[-1].text()), timeout=10000)
    qtbot.mouseClick(main_window.composer.stop_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, main_window)
    assert gui_core.store.messages(main_window.controller.conversation_id)[-1].status == "stopped"
    assert main_window.composer.send_button.isVisibleTo(main_window)


def test_regenerate_replaces_the_last_answer_and_copy_copies_it(qtbot, main_window, fake_backend, gui_core):
    fake_backend.enqueue("First answer.", "Second answer.")
    send(qtbot, main_window, "Question")
    qtbot.waitUntil(lambda: bool(answers(main_window) and answers(main_window)[-1].status == "complete"), timeout=10000)
    wait_idle(qtbot, main_window)
    qtbot.keyClick(main_window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: answers(main_window)[-1].text() == "Second answer.", timeout=10000)
    wait_idle(qtbot, main_window)
    stored = gui_core.store.messages(main_window.controller.conversation_id)
    assert [(m.role, m.content) for m in stored] == [("user", "Question"), ("assistant", "Second answer.")]
    assert len(answers(main_window)) == 1
    QApplication.clipboard().clear()
    qtbot.keyClick(main_window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.clipboard().text() == "Second answer."


def test_model_error_mid_conversation_shows_banner_and_keeps_conversation(qtbot, main_window, fake_backend, gui_core):
    fake_backend.enqueue("A fine first answer.", ModelError("The model stopped working.", "Choose another model in Settings."))
    send(qtbot, main_window, "First")
    qtbot.waitUntil(lambda: bool(answers(main_window) and answers(main_window)[-1].status == "complete"), timeout=10000)
    wait_idle(qtbot, main_window)
    send(qtbot, main_window, "Second")
    qtbot.waitUntil(main_window.banner.isVisible, timeout=10000)
    wait_idle(qtbot, main_window)
    assert "The model stopped working." in main_window.banner.text()
    assert "Choose another model" in main_window.banner.text()
    assert "Traceback" not in main_window.banner.text()
    # The earlier turn is still shown and stored; the app keeps working.
    assert answers(main_window)[0].text() == "A fine first answer."
    stored = gui_core.store.messages(main_window.controller.conversation_id)
    assert stored[0].content == "First" and stored[1].content == "A fine first answer."
    fake_backend.enqueue("Recovered.")
    send(qtbot, main_window, "Third")
    qtbot.waitUntil(lambda: answers(main_window)[-1].text() == "Recovered.", timeout=10000)
    wait_idle(qtbot, main_window)


def test_new_chat_shortcut_starts_an_empty_conversation(qtbot, main_window, fake_backend):
    send(qtbot, main_window, "Hello there")
    wait_idle(qtbot, main_window)
    first = main_window.controller.conversation_id
    qtbot.keyClick(main_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert main_window.controller.conversation_id is None
    assert not main_window.chat_view.messages() and main_window.chat_view.welcome.isVisibleTo(main_window)
    assert main_window.composer.edit.hasFocus()
    send(qtbot, main_window, "Another topic")
    wait_idle(qtbot, main_window)
    assert main_window.controller.conversation_id != first
    assert len(main_window.sidebar.conversation_ids()) == 2
