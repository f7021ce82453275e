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

    Qt's internal helpers (the scroll bars and viewports of scroll areas, the line edit inside a
    spin box or an editable combo box) take their name from the parent control, so they are
    skipped.
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
    while parent is not None:
        if parent.inherits("QAbstractSpinBox") or parent.inherits("QComboBox") or parent.inherits("QTabBar"):
            return True
        if parent.inherits("QDialogButtonBox") and widget.inherits("QAbstractButton"):
            return False
        parent = parent.parentWidget()
    return False
