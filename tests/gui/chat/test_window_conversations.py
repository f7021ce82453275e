"""Conversations across restarts: reopen and find by search, last conversation restored,
rename, delete (confirmed), export to Markdown and JSON, geometry remembered."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from desktop_app.gui.chat import conversation_ops
from tests.gui.gui_fixtures import make_core, open_window
from tests.gui.chat.test_chat_window import answers, send, wait_idle


def chat(qtbot, window, fake, question: str, reply: str) -> int:
    fake.enqueue(reply)
    send(qtbot, window, question)
    qtbot.waitUntil(lambda: bool(answers(window) and answers(window)[-1].status == "complete"), timeout=10000)
    wait_idle(qtbot, window)
    return window.controller.conversation_id


def new_chat(qtbot, window) -> None:
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)


def test_reopen_the_app_and_find_the_conversation_by_search(qtbot, isolated_home, fake_backend):
    core = make_core(isolated_home, fake_backend)
    window = open_window(qtbot, core)
    chat(qtbot, window, fake_backend, "Tell me about tides", "Tides come from the moon's gravity.")
    new_chat(qtbot, window)
    target = chat(qtbot, window, fake_backend, "What is a zebra crossing?", "A pedestrian crossing with stripes.")
    new_chat(qtbot, window)
    chat(qtbot, window, fake_backend, "Capital of Peru?", "Lima.")
    window.resize(780, 540)  # within the offscreen screen, which restoreGeometry clamps to
    qtbot.waitUntil(lambda: window.size().width() == 780)
    geometry_before = window.geometry().size()
    window.close()
    core.close()

    # A new process would build a new Core on the same home: nothing is lost.
    core2 = make_core(isolated_home)
    window2 = open_window(qtbot, core2)
    try:
        assert len(window2.sidebar.conversation_ids()) == 3
        # The last conversation is shown again at start.
        assert [m.text() for m in window2.chat_view.messages()] == ["Capital of Peru?", "Lima."]
        assert window2.geometry().size() == geometry_before
        qtbot.keyClick(window2, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window2.sidebar.search_edit.hasFocus()
        qtbot.keyClicks(window2.sidebar.search_edit, "pedestrian")
        qtbot.waitUntil(lambda: window2.sidebar.conversation_ids() == [target], timeout=5000)
        window2.sidebar.list.setFocus()
        qtbot.keyClick(window2.sidebar.list, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: window2.controller.conversation_id == target, timeout=5000)
        texts = [m.text() for m in window2.chat_view.messages()]
        assert texts == ["What is a zebra crossing?", "A pedestrian crossing with stripes."]
        assert window2.chat_view.messages()[1].route_label.text() == "On this device · fake-model"
        window2.sidebar.search_edit.clear()
        qtbot.waitUntil(lambda: len(window2.sidebar.conversation_ids()) == 3, timeout=5000)
    finally:
        window2.close()
        core2.close()


def test_answer_stopped_by_closing_the_window_is_kept_marked_stopped(qtbot, isolated_home, fake_backend):
    core = make_core(isolated_home, fake_backend)
    window = open_window(qtbot, core)
    fake_backend.enqueue(" ".join(f"w{i}" for i in range(300)))
    send(qtbot, window, "Long one")
    qtbot.waitUntil(lambda: bool(answers(window) and len(answers(window)[-1].text()) > 10), timeout=10000)
    cid = window.controller.conversation_id
    window.close()  # cancels the answer and waits for the worker
    stored = core.store.messages(cid)[-1]
    assert stored.status == "stopped" and stored.content.startswith("w0 w1")
    core.close()
    core2 = make_core(isolated_home)
    window2 = open_window(qtbot, core2)
    try:
        shown = window2.chat_view.messages()[-1]
        assert shown.status == "stopped" and shown.status_label.text() == "Stopped"
        assert shown.text() == stored.content
    finally:
        window2.close()
        core2.close()


def test_rename_and_delete_with_confirmation(qtbot, main_window, fake_backend, gui_core, monkeypatch):
    first = chat(qtbot, main_window, fake_backend, "First topic", "One.")
    new_chat(qtbot, main_window)
    second = chat(qtbot, main_window, fake_backend, "Second topic", "Two.")

    monkeypatch.setattr(conversation_ops, "ask_text", lambda *a: "Renamed topic")
    main_window.sidebar.list.setFocus()
    qtbot.keyClick(main_window.sidebar.list, Qt.Key.Key_F2)
    assert gui_core.store.get_conversation(second).title == "Renamed topic"
    assert main_window.sidebar.list.item(0).text() == "Renamed topic"

    asked: list[str] = []
    monkeypatch.setattr(conversation_ops, "confirm", lambda _p, _t, text: asked.append(text) or False)
    main_window.delete_current()
    assert asked and "Renamed topic" in asked[0]
    assert gui_core.store.get_conversation(second) is not None  # declined: nothing deleted

    monkeypatch.setattr(conversation_ops, "confirm", lambda *a: True)
    qtbot.keyClick(main_window.sidebar.list, Qt.Key.Key_Delete)
    assert gui_core.store.get_conversation(second) is None
    assert main_window.sidebar.conversation_ids() == [first]
    assert main_window.controller.conversation_id is None and not main_window.chat_view.messages()


def test_export_markdown_and_json(qtbot, main_window, fake_backend, tmp_path, monkeypatch):
    chat(qtbot, main_window, fake_backend, "Export me", "Exported **answer**.")
    target = tmp_path / "out"
    monkeypatch.setattr(conversation_ops, "save_file_name", lambda *a: (str(target) + ".md", "Markdown (*.md)"))
    main_window.actions.export.trigger()
    md = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert "Export me" in md and "Exported **answer**." in md
    monkeypatch.setattr(conversation_ops, "save_file_name", lambda *a: (str(target), "JSON (*.json)"))
    main_window.actions.export.trigger()
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert "Export me" in json.dumps(data) and "Exported **answer**." in json.dumps(data)


def test_export_forbidden_by_policy_is_greyed(qtbot, isolated_home, tmp_path, monkeypatch):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"privacy": {"allow_export": False}}))
    monkeypatch.setenv("SLM_ASSISTANT_POLICY_FILE", str(policy))
    core = make_core(isolated_home)
    assert core.policy.is_locked("privacy.allow_export")
    window = open_window(qtbot, core)
    try:
        send(qtbot, window, "hello")
        wait_idle(qtbot, window)
        assert not window.actions.export.isEnabled()
        assert "Managed by your organization" in window.actions.export.toolTip()
    finally:
        window.close()
        core.close()
