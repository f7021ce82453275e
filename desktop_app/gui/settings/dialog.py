"""Settings: Model, Documents, Cloud and Local API tabs, and the theme beside the buttons (one control did
not make a tab worth visiting; it now shows on every page).

Saving validates every value through ``Settings.set`` (typed, with choices) before anything is
written.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget,
)

from desktop_app.app_core import Core
from desktop_app.core.errors import AppError
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.settings.cloud_page import CloudSettingsPage
from desktop_app.gui.settings.api_page import ApiSettingsPage
from desktop_app.gui.settings.documents_page import DocumentsSettingsPage
from desktop_app.gui.settings.model_page import RELOAD_KEYS, ModelSettingsPage
from desktop_app.gui.settings.widgets import add_row

THEMES = (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark"))


class AppearanceSettingsPage(QWidget):
    """Theme (system, light, dark): a row beside the dialog's buttons."""

    def __init__(self, core: Core, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core = core
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.theme = QComboBox()
        for label, _value in THEMES:
            self.theme.addItem(label)
        current = core.settings.ui.theme
        self.theme.setCurrentIndex(next((i for i, (_l, v) in enumerate(THEMES) if v == current), 0))
        add_row(form, "Theme:", self.theme, core.settings.describe("ui.theme"), "ui.theme", core.policy)

    def values(self) -> dict[str, object]:
        return {"ui.theme": THEMES[self.theme.currentIndex()][1]}


class SettingsDialog(QDialog):
    """Tabs of settings; OK/Apply validate and save, then tell the window what to reload."""

    settingsApplied = Signal(bool)  # True when the model must be loaded again

    def __init__(self, core: Core, pool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self.resize(640, 600)
        self.tabs = QTabWidget(self)
        describe(self.tabs, "Settings pages", "Model, documents, cloud and local API settings.")
        self.model_page = ModelSettingsPage(core, pool, self)
        self.appearance_page = AppearanceSettingsPage(core, self)
        self.tabs.addTab(self.model_page, "&Model")
        self.documents_page = DocumentsSettingsPage(core, self)
        self.tabs.addTab(self.documents_page, "&Documents")
        self.cloud_page = CloudSettingsPage(core, self, pool=pool)
        self.tabs.addTab(self.cloud_page, "&Cloud")
        self.tabs.addTab(ApiSettingsPage(core, self, pool=pool), "&Local API")  # acts at once, not on OK

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Apply
        )
        for which, name, text in (
            (QDialogButtonBox.StandardButton.Ok, "OK", "Save the settings and close."),
            (QDialogButtonBox.StandardButton.Cancel, "Cancel", "Close without saving."),
            (QDialogButtonBox.StandardButton.Apply, "Apply", "Save the settings and keep this window open."),
        ):
            describe(self.buttons.button(which), name, text)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.appearance_page)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

    def apply(self) -> bool:
        """Validate and save; returns False (and says why) when a value is refused."""
        settings = self.core.settings
        values = {**self.model_page.values(), **self.documents_page.values(), **self.appearance_page.values()}
        before = {k: settings.get(k) for k in values}
        try:
            for key, value in values.items():
                self.core.policy.check_can_set(key) if before[key] != value else None
                settings.set(key, value)
            self.cloud_page.apply()
            self.core.save_settings()
        except AppError as exc:
            for key, value in before.items():  # leave the running settings as they were
                settings.set(key, value)
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.error_label.hide()
        self.core.reset_gateway()
        reload_model = any(before.get(k) != settings.get(k) for k in RELOAD_KEYS if k in before)
        self.settingsApplied.emit(reload_model)
        return True

    def _ok(self) -> None:
        if self.apply():
            self.accept()
