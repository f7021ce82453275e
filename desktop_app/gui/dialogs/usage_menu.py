"""Tools → Usage and savings…: the menu entry, shown only when the usage view is on.

Kept apart from the dialog so the window does not import the dialog (and its chart) at start.
``usage.enabled`` false (the user's setting or IT policy) hides the entry; the dialog is
imported when first opened.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction


def add_usage_action(window) -> QAction:
    """Add the entry to ``window``'s Tools menu (after the audit log) and return it."""
    action = QAction("&Usage and savings…", window)
    tip = "Answers on this device vs the cloud, speed, and the cloud cost avoided."
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: open_usage_dialog(window))
    action.setVisible(bool(window.core.settings.usage.enabled))
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is not None and menu.title().replace("&", "") == "Tools":
            menu.addAction(action)
            break
    window.addAction(action)
    return action


def open_usage_dialog(window) -> None:
    from desktop_app.gui.dialogs.usage import UsageDialog

    UsageDialog(window.core, window, pool=window.pool).exec()
