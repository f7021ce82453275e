"""Accessibility helpers: every interactive control gets a name and a description."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

# Widgets a user can operate; the accessibility test walks the window for these.
INTERACTIVE_CLASSES = (
    "QAbstractButton",
    "QLineEdit",
    "QTextEdit",
    "QPlainTextEdit",
    "QComboBox",
    "QAbstractSpinBox",
    "QAbstractItemView",
    "QAbstractSlider",
    "QTabBar",
)


def describe(widget: QWidget, name: str, description: str = "", tooltip: bool = True) -> QWidget:
    """Set the accessible name and description (and a tooltip) of ``widget``; returns it."""
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(description or name)
    if tooltip and description and not widget.toolTip():
        widget.setToolTip(description)
    return widget


def is_interactive(widget: QWidget) -> bool:
    """True for a control a user can focus and operate."""
    return any(widget.inherits(cls) for cls in INTERACTIVE_CLASSES)


def unnamed_controls(root: QWidget) -> list[QWidget]:
    """Interactive, visible-or-not controls under ``root`` without an accessible name.

    Qt's internal sub-controls (scroll bars, the line edit inside a spin box or combo box, a
    line edit's clear button, an item view's header, a tab widget's tab bar) are announced
    through their owning control, so they are skipped.
    """
    missing: list[QWidget] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not is_interactive(widget) or widget.accessibleName():
            continue
        if widget.inherits("QScrollBar") or _is_internal(widget):
            continue
        missing.append(widget)
    return missing


def _is_internal(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    name = widget.objectName()
    if name.startswith("qt_"):  # Qt's own sub-controls (qt_spinbox_lineedit, qt_scrollarea_viewport...)
        return True
    owners = ("QAbstractSpinBox", "QComboBox", "QTabBar", "QLineEdit")
    while parent is not None:
        if any(parent.inherits(cls) for cls in owners):
            return True
        if widget.inherits("QHeaderView") and parent.inherits("QAbstractItemView"):
            return True
        if widget.inherits("QTabBar") and parent.inherits("QTabWidget"):
            return True
        parent = parent.parentWidget()
    return False
