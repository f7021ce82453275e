"""The window's dialogs (settings, model downloads, audit log, about) and the model reload that
applying settings may ask for.

Owned by ``MainWindow`` (composition): each object gets what it uses in its constructor, so
what a dialog depends on is visible here instead of in attributes set elsewhere on the window.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QWidget

from desktop_app.app_core import Core
from desktop_app.gui.common.workers import WorkerPool


class WindowDialogs:
    """Opens the window's modal dialogs on the app's Core and worker pool."""

    def __init__(self, core: Core, pool: WorkerPool, parent: QWidget,
                 on_settings_applied: Callable[[bool], None]) -> None:
        """Args:
            on_settings_applied: called with ``reload_model`` after Settings → Apply/OK.
        """
        self._core = core
        self._pool = pool
        self._parent = parent
        self._on_settings_applied = on_settings_applied

    def open_settings(self) -> None:
        from desktop_app.gui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(self._core, self._pool, self._parent)
        dialog.settingsApplied.connect(self._on_settings_applied)
        dialog.exec()

    def open_model_downloads(self) -> None:
        from desktop_app.gui.dialogs.model_download import ModelDownloadDialog

        ModelDownloadDialog(self._core, self._pool, self._parent).exec()

    def open_audit_log(self) -> None:
        from desktop_app.gui.dialogs.audit import AuditLogDialog

        AuditLogDialog(self._core, self._parent, pool=self._pool).exec()

    def open_about(self) -> None:
        from desktop_app.gui.dialogs.about import AboutDialog

        AboutDialog(self._core, self._parent, pool=self._pool).exec()

    def copy_diagnostics(self, tell: Callable[[str], None]) -> None:
        """Help → Copy diagnostics: versions, CPU features, model, GPU and the last logged problems,
        for IT support. Gathered on a worker (it reads package metadata and the log file); the
        clipboard is filled on the GUI thread and ``tell`` says so in the status bar."""
        from desktop_app.services.diagnostics import diagnostics_report

        def copied(report: str) -> None:
            from PySide6.QtWidgets import QApplication

            QApplication.clipboard().setText(report)
            self.last_diagnostics = report
            tell("Diagnostics copied to the clipboard: paste them into your message to IT support.")

        self._pool.run(diagnostics_report, self._core, pass_cancel=False, on_returned=copied)


class ModelReloader:
    """Swaps the model only between answers: closing it under a running stream would crash it."""

    def __init__(self, core: Core, is_busy: Callable[[], bool], start_loading: Callable[[], None]) -> None:
        """Args:
            is_busy: True while an answer is being written.
            start_loading: loads the (new) model on a worker.
        """
        self._core = core
        self._is_busy = is_busy
        self._start_loading = start_loading
        self.pending = False

    def request(self) -> None:
        """Reload now if idle, else as soon as the running answer ends (``when_idle``)."""
        self.pending = True
        self.when_idle()

    def when_idle(self) -> None:
        if self.pending and not self._is_busy():
            self.pending = False
            self._core.reload_backend()
            self._start_loading()
