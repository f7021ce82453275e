"""The window's dialogs (settings, audit log, about) and what applying settings changes.

A mixin of ``MainWindow``: kept apart so the window module stays about wiring.
"""

from __future__ import annotations


class WindowDialogsMixin:
    """Opens the dialogs; reloads the model only between answers."""

    def open_settings(self) -> None:
        from desktop_app.gui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(self.core, self.pool, self)
        dialog.settingsApplied.connect(self._on_settings_applied)
        dialog.exec()

    def _on_settings_applied(self, reload_model: bool) -> None:
        from desktop_app.gui.shell.theme import apply_theme_setting

        apply_theme_setting(self.core.settings.ui.theme)
        self.restyle()
        self._apply_policy()
        if reload_model:
            self._reload_pending = True
            self._reload_model_when_idle()

    def _reload_model_when_idle(self) -> None:
        """Swap the model only between answers: closing it under a running stream would crash it."""
        if getattr(self, "_reload_pending", False) and not self.controller.busy:
            self._reload_pending = False
            self.core.reload_backend()
            self.start_model_loading()

    def open_model_downloads(self) -> None:
        from desktop_app.gui.dialogs.model_download import ModelDownloadDialog

        ModelDownloadDialog(self.core, self.pool, self).exec()

    def open_audit_log(self) -> None:
        from desktop_app.gui.dialogs.audit import AuditLogDialog

        AuditLogDialog(self.core, self, pool=self.pool).exec()

    def open_about(self) -> None:
        from desktop_app.gui.dialogs.about import AboutDialog

        AboutDialog(self.core, self, pool=self.pool).exec()
