"""Every window shortcut is registered once, and Ctrl+Q quits (issue 14, item 4).

On Linux the platform's standard Quit key is Ctrl+Q: registered twice on one action, Qt found
the shortcut ambiguous and did nothing ("QAction::event: Ambiguous shortcut overload: Ctrl+Q").
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from desktop_app.gui.shell.actions import unique_key_sequences


def window_shortcuts(window) -> Counter:
    keys: Counter = Counter()
    for action in window.findChildren(QAction):
        if action.shortcutContext() in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
            for key in action.shortcuts():
                keys[key.toString(QKeySequence.SequenceFormat.PortableText)] += 1
    return keys


def test_no_key_is_bound_twice_in_the_window(main_window):
    keys = window_shortcuts(main_window)
    assert keys["Ctrl+Q"] == 1
    assert [k for k, n in keys.items() if n > 1] == []


def test_ctrl_q_quits(qtbot, main_window):
    quit_action = main_window.actions.quit
    with qtbot.waitSignal(quit_action.triggered, timeout=2000):
        qtbot.keyClick(main_window.composer.edit, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not main_window.isVisible(), timeout=5000)


def test_unique_key_sequences_drops_duplicates_and_empty_ones():
    got = unique_key_sequences([QKeySequence(QKeySequence.StandardKey.Quit), "Ctrl+Q", QKeySequence(), "Ctrl+W"])
    names = [k.toString(QKeySequence.SequenceFormat.PortableText) for k in got]
    assert names.count("Ctrl+Q") == 1 and "Ctrl+W" in names and "" not in names
