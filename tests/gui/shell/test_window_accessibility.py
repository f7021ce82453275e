"""Accessibility: every interactive control has an accessible name; keyboard-only use works."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.gui.common.accessibility import is_interactive, unnamed_controls
from tests.gui.chat.test_chat_window import answers, send, wait_idle


def _describe(widgets: list[QWidget]) -> list[str]:
    return [f"{w.metaObject().className()} '{w.objectName()}' (parent {type(w.parentWidget()).__name__})" for w in widgets]


def test_every_control_of_the_window_has_an_accessible_name(qtbot, main_window, fake_backend):
    fake_backend.enqueue("An answer with a [link](https://example.org).")
    send(qtbot, main_window, "Hello")
    wait_idle(qtbot, main_window)  # answers add Copy buttons and text views: check them too
    controls = [w for w in main_window.findChildren(QWidget) if is_interactive(w)]
    assert len(controls) > 10
    missing = unnamed_controls(main_window)
    assert not missing, "controls without an accessible name: " + "; ".join(_describe(missing))
    for w in controls:
        if w.accessibleName():
            assert w.accessibleDescription(), f"{w.accessibleName()} has no accessible description"


def test_the_checker_catches_an_unnamed_control(qtbot, main_window):
    from PySide6.QtWidgets import QPushButton

    QPushButton("Mystery", main_window.composer)
    assert any(w.text() == "Mystery" for w in unnamed_controls(main_window))


def test_settings_dialog_controls_have_accessible_names(qtbot, main_window):
    from desktop_app.gui.settings.dialog import SettingsDialog

    dialog = SettingsDialog(main_window.core, main_window.pool, main_window)
    qtbot.addWidget(dialog)
    missing = unnamed_controls(dialog)
    assert not missing, "settings controls without an accessible name: " + "; ".join(_describe(missing))


def test_shortcuts_are_bound(main_window):
    shortcuts = {a.text().replace("&", ""): [s.toString() for s in a.shortcuts()] for a in main_window.actions.__dict__.values()}
    assert "Ctrl+N" in shortcuts["New chat"]
    assert "Ctrl+F" in shortcuts["Search conversations"]
    assert "Ctrl+," in shortcuts["Settings…"]
    assert "Esc" in shortcuts["Stop answer"]
    assert "Ctrl+Shift+C" in shortcuts["Copy last answer"]
    assert "Ctrl+R" in shortcuts["Regenerate answer"]
    assert QKeySequence(QKeySequence.StandardKey.Preferences).isEmpty() or \
        QKeySequence(QKeySequence.StandardKey.Preferences).toString() in shortcuts["Settings…"]


def test_keyboard_only_chat_and_tab_order(qtbot, main_window, fake_backend):
    """From the question box, Tab reaches the send controls; Ctrl+F and back work without a mouse."""
    assert QApplication.focusWidget() is main_window.composer.edit  # focus starts in the question box
    fake_backend.enqueue("Keyboard answer.")
    qtbot.keyClicks(main_window.composer.edit, "Typed only")
    qtbot.keyClick(main_window.composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(answers(main_window)) and answers(main_window)[-1].text() == "Keyboard answer.", timeout=10000)
    wait_idle(qtbot, main_window)
    order = []
    widget = main_window.sidebar.new_button
    for _ in range(6):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisibleTo(main_window):
            widget = widget.nextInFocusChain()
    # The conversations, then the documents panel (issue 14: the whole order is in test_window_keyboard).
    assert order[:3] == [main_window.sidebar.new_button, main_window.sidebar.search_edit, main_window.sidebar.list]
    assert main_window.documents_dock.isAncestorOf(order[3])
    qtbot.keyClick(main_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert main_window.sidebar.search_edit.hasFocus()
