"""Help → Copy diagnostics on the real window: the report reaches the clipboard, the status bar says so."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from desktop_app import __version__


def test_help_copy_diagnostics_fills_the_clipboard_from_a_worker(qtbot, main_window):
    help_menu = main_window._menus["help"]
    assert main_window.actions.copy_diagnostics in help_menu.actions()
    QApplication.clipboard().setText("")
    main_window.actions.copy_diagnostics.trigger()
    qtbot.waitUntil(lambda: QApplication.clipboard().text() != "", timeout=10000)
    report = QApplication.clipboard().text()
    assert __version__ in report and "CPU:" in report and "Packages:" in report and "Log:" in report
    assert "copied to the clipboard" in main_window.status.currentMessage()
