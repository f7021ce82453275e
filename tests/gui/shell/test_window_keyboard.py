"""The window with the keyboard only (issue 14, defect 8): one short Tab cycle in a sensible order,
messages reached with the arrow keys, each answer's actions reachable from it, the chat not
scrolled by tabbing in, Down from the search box into the results, menus without clashing
mnemonics or shortcuts, and a clear 2 px focus outline in both themes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import QApplication

from desktop_app.gui.chat.message_widget import MessageBodyView, MessageWidget
from tests.gui.chat.test_chat_window import answers, send, wait_idle
from tests.gui.shell.test_window_theme import restore_application_look, switch  # noqa: F401 (fixture)

MAX_STOPS = 15


def _chat(qtbot, window, backend, turns: int = 4) -> None:
    for i in range(turns):
        backend.enqueue(f"Answer number {i}. " + "Some more words of the answer. " * 25)
        send(qtbot, window, f"Question number {i}")
        qtbot.waitUntil(lambda: len(answers(window)) == i + 1 and answers(window)[-1].status == "complete", timeout=10000)
        wait_idle(qtbot, window)


def _press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)
    return QApplication.focusWidget()


def _tab_cycle(qtbot, window) -> list:
    window.composer.edit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.composer.edit)
    stops = []
    for _ in range(100):
        stops.append(_press(qtbot, Qt.Key.Key_Tab))
        if stops[-1] is window.composer.edit:
            return stops
    raise AssertionError(f"Tab never came back to the question: {[type(w).__name__ for w in stops[:30]]}")


def test_one_tab_cycle_is_short_ordered_and_reaches_each_part(qtbot, main_window, fake_backend):
    window = main_window
    _chat(qtbot, window, fake_backend)
    bar = window.chat_view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    stops = _tab_cycle(qtbot, window)
    assert len(stops) <= MAX_STOPS, [type(w).__name__ + ":" + w.accessibleName() for w in stops]
    # Messages are not Tab stops: one message (the one on screen), its Copy, then the rest.
    assert not [w for w in stops if isinstance(w, MessageBodyView)]
    messages = [w for w in stops if isinstance(w, MessageWidget)]
    assert messages == [answers(window)[-1]]
    index = {id(w): i for i, w in enumerate(stops)}
    order = [window.composer.send_button, messages[0], messages[0].copy_button, window.sidebar.list,
             window.documents_panel.tree, window.composer.edit]
    assert [index[id(w)] for w in order] == sorted(index[id(w)] for w in order)
    # Tabbing into the chat kept the reader's place (it used to jump to the top).
    assert bar.value() == bar.maximum()


def test_arrows_move_between_messages_and_their_actions_are_reachable(qtbot, main_window, fake_backend):
    window = main_window
    _chat(qtbot, window, fake_backend, turns=3)
    messages = window.chat_view.messages()
    window.composer.send_button.setFocus(Qt.FocusReason.TabFocusReason)
    assert _press(qtbot, Qt.Key.Key_Tab) is messages[-1]
    assert _press(qtbot, Qt.Key.Key_Up) is messages[-2]
    assert _press(qtbot, Qt.Key.Key_Up) is messages[-3]
    bar = window.chat_view.verticalScrollBar()
    # The focused message is scrolled into view.
    assert messages[-3].y() >= bar.value() - 8 and messages[-3].y() < bar.value() + window.chat_view.viewport().height()
    assert _press(qtbot, Qt.Key.Key_Home) is messages[0]
    assert bar.value() == 0
    assert _press(qtbot, Qt.Key.Key_Down) is messages[1]  # the first answer
    # Its Copy button takes the focus with Tab and copies with Space; Shift+Tab goes back.
    copy = _press(qtbot, Qt.Key.Key_Tab)
    assert copy is messages[1].copy_button
    QApplication.clipboard().clear()
    qtbot.keyClick(copy, Qt.Key.Key_Space)
    assert QApplication.clipboard().text() == messages[1].text()
    assert _press(qtbot, Qt.Key.Key_Backtab) is messages[1]
    assert _press(qtbot, Qt.Key.Key_End) is messages[-1]
    # Past the message's last action, Tab leaves the chat for the conversations.
    _press(qtbot, Qt.Key.Key_Tab)
    assert _press(qtbot, Qt.Key.Key_Tab) is window.sidebar.new_button


def test_down_in_the_search_box_moves_into_the_results(qtbot, main_window, fake_backend):
    window = main_window
    _chat(qtbot, window, fake_backend, turns=2)
    window.focus_search()
    qtbot.keyClicks(window.sidebar.search_edit, "Question")
    assert _press(qtbot, Qt.Key.Key_Down) is window.sidebar.list
    assert window.sidebar.list.currentRow() >= 0


def _menu_texts(window):
    return {title: [a for a in menu.actions() if not a.isSeparator()] for title, menu in window._menus.items()}


def test_menus_have_distinct_mnemonics_and_shortcuts(qtbot, main_window):
    window = main_window
    for title, actions in _menu_texts(window).items():
        keys = [a.text().split("&", 1)[1][0].lower() for a in actions if "&" in a.text()]
        assert len(keys) == len(set(keys)), (title, [a.text() for a in actions])
    assert window.actions.add_documents.shortcut() == QKeySequence("Ctrl+Shift+O")
    # Shortcuts that work wherever the focus is in the window must not clash (a clash does nothing).
    seen: dict[str, str] = {}
    wide = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)
    shortcuts = [(a.text(), s) for a in window.findChildren(type(window.actions.quit))
                 if a.shortcutContext() in wide for s in a.shortcuts()]
    shortcuts += [(s.objectName() or "shortcut", s.key()) for s in window.findChildren(QShortcut) if s.context() in wide]
    for name, key in shortcuts:
        text = key.toString()
        assert text not in seen or seen[text] == name, f"{text}: {seen.get(text)} and {name}"
        seen[text] = name


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_focus_outline_is_two_pixels_of_the_accent(qtbot, main_window, theme):
    window = main_window
    switch(qtbot, window, theme)
    accent = QApplication.palette().color(QPalette.ColorRole.Highlight)
    for widget in (window.documents_panel.tree, window.sidebar.list, window.sidebar.search_edit):
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus)
        image = widget.grab().toImage()
        ratio = image.devicePixelRatio()
        y = int(image.height() / 2)
        edge = [image.pixelColor(x, y) for x in range(int(2 * ratio))]
        assert all(_near(c, accent) for c in edge), (type(widget).__name__, theme, [c.name() for c in edge], accent.name())


def _near(a: QColor, b: QColor, tolerance: int = 24) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= tolerance
