"""Small helpers shared by the settings pages: policy locks, labelled rows."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from desktop_app.config.policy import MANAGED_LABEL
from desktop_app.gui.common.accessibility import describe


def lock_if_managed(widget: QWidget, key: str, policy, form: QFormLayout | None = None) -> bool:
    """Grey out ``widget`` when IT locked ``key``; says so in the tooltip and the description."""
    if not policy.is_locked(key):
        return False
    widget.setEnabled(False)
    widget.setToolTip(MANAGED_LABEL)
    widget.setAccessibleDescription(f"{MANAGED_LABEL}. {widget.accessibleDescription()}".strip())
    if form is not None:
        note = QLabel(MANAGED_LABEL)
        note.setObjectName("managedLabel")
        note.setStyleSheet("color: palette(mid); font-style: italic;")
        form.addRow("", note)
    return True


def add_row(form: QFormLayout, label: str, widget: QWidget, description: str, key: str | None = None, policy=None) -> QWidget:
    """Add ``widget`` under ``label`` with its accessible name/description (and the policy lock)."""
    describe(widget, label.rstrip(":"), description)
    caption = QLabel(label)
    caption.setBuddy(widget)
    form.addRow(caption, widget)
    if key is not None and policy is not None:
        lock_if_managed(widget, key, policy, form)
    return widget
