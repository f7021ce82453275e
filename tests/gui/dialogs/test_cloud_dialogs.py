"""The hand-off confirmation and the audit log dialog, alone and from the main window."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.config.policy import MachinePolicy
from desktop_app.core.records import Message
from desktop_app.gui.common.accessibility import unnamed_controls
from desktop_app.gui.dialogs.audit import AuditLogDialog
from desktop_app.gui.dialogs.confirm import HandoffConfirmDialog, confirm_handoff
from desktop_app.llm.fake import FakeBackend
from desktop_app.routing.audit import AuditLog
from desktop_app.routing.base import HandoffPlan
from desktop_app.routing.gateway import build_gateway
from tests.gui.chat.test_chat_window import answers, send, wait_idle

PLAN = HandoffPlan(route="cloud", reason="Sent to the cloud model: it is about code.", model="big", needs_confirmation=True,
                   outgoing=(Message("user", "Write code for [EMAIL_1]"),), preview="To: x · model big\n── user ──\nWrite code for [EMAIL_1]\n")


def click_when_shown(button_attr: str) -> None:
    def click():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, HandoffConfirmDialog):
            getattr(dialog, button_attr).click()
        else:
            QTimer.singleShot(50, click)

    QTimer.singleShot(50, click)


def test_confirm_dialog_shows_reason_and_exact_text(qtbot):
    dialog = HandoffConfirmDialog(PLAN)
    qtbot.addWidget(dialog)
    assert "it is about code" in dialog.reason.text()
    assert dialog.preview.toPlainText() == PLAN.preview and dialog.preview.isReadOnly()
    assert dialog.keep_button.isDefault()
    assert unnamed_controls(dialog) == []


def test_confirm_handoff_returns_the_choice(qtbot):
    click_when_shown("send_button")
    assert confirm_handoff(None, PLAN) is True
    click_when_shown("keep_button")
    assert confirm_handoff(None, PLAN) is False


def test_audit_dialog_lists_newest_first_with_exact_text(qtbot, gui_core):
    log = AuditLog(gui_core.paths.audit_log)
    log.record("http://a/v1", "first-model", [Message("user", "old [PHONE_1]")], 0, "maths", {"PHONE": 1})
    log.record("http://b/v1", "second-model", [Message("system", "S"), Message("user", "new text")], 77, "code")
    dialog = AuditLogDialog(gui_core)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 1).text() == "second-model" and dialog.table.item(0, 3).text() == "77"
    assert dialog.text.toPlainText().endswith("[system]\nS\n\n[user]\nnew text")
    dialog.table.selectRow(1)
    assert "old [PHONE_1]" in dialog.text.toPlainText() and "1 phone" in dialog.text.toPlainText()
    assert unnamed_controls(dialog) == []


def test_audit_dialog_from_the_window_reads_the_log_on_a_worker(qtbot, gui_core):
    from desktop_app.gui.common.workers import WorkerPool

    AuditLog(gui_core.paths.audit_log).record("http://a/v1", "m", [Message("user", "hello")], 0, "maths")
    pool = WorkerPool()
    try:
        dialog = AuditLogDialog(gui_core, pool=pool)
        qtbot.addWidget(dialog)
        assert dialog.table.rowCount() == 0 and "Reading the audit log" in dialog.summary.text()
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    finally:
        pool.shutdown()
    assert dialog.table.item(0, 1).text() == "m" and "1 hand-off" in dialog.summary.text()


def test_audit_dialog_empty(qtbot, gui_core):
    dialog = AuditLogDialog(gui_core)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and "Nothing has been sent" in dialog.summary.text()


def test_window_asks_then_sends_to_cloud(qtbot, main_window, gui_core):
    """Policy ask in the real window: the dialog appears, Send streams the cloud answer, audited."""
    s = gui_core.settings
    s.routing.policy = "ask"
    s.routing.cloud.base_url = "http://127.0.0.1:9/v1"
    s.routing.cloud.model = "big-cloud"
    cloud = FakeBackend(model_name="big-cloud").enqueue("Cloud says hi to [EMAIL_1].")
    gui_core.reset_gateway()
    gui_core.provide(gateway=build_gateway(gui_core.paths, s, MachinePolicy(), {}, backend_factory=lambda c: cloud))
    click_when_shown("send_button")
    send(qtbot, main_window, "Write a Python script that emails a weekly report to ops@acme.com with retries.")
    qtbot.waitUntil(lambda: bool(answers(main_window)) and "ops@acme.com" in answers(main_window)[-1].text(), timeout=10000)
    wait_idle(qtbot, main_window)
    assert answers(main_window)[-1].text() == "Cloud says hi to ops@acme.com."
    [entry] = AuditLog(gui_core.paths.audit_log).entries()
    assert "[EMAIL_1]" in entry.text and "ops@acme.com" not in entry.text
    assert cloud.history and "ops@acme.com" not in cloud.history[0].messages[-1].content
