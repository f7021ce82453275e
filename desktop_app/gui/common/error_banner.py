"""An inline banner that explains an error in plain language; the conversation stays as it is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.core.errors import AppError
from desktop_app.gui.common.accessibility import describe


class ErrorBanner(QFrame):
    """Hidden until an error occurs; Dismiss hides it again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#errorBanner { background-color: #fdecea; border: 1px solid #e0a39c; border-radius: 6px; }"
            "#errorBanner QLabel { color: #5f2120; }"
        )
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Error")
        self.dismiss_button = QPushButton("Dismiss", self)
        describe(self.dismiss_button, "Dismiss error", "Hide this message.")
        self.dismiss_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_error(self, error: BaseException | str) -> None:
        """Show ``error`` as plain text (an AppError's message and hint; never a traceback)."""
        if isinstance(error, AppError):
            text = error.message + (f"\n{error.hint}" if error.hint else "")
        else:
            text = str(error) or "Something went wrong."
        self.label.setText(text)
        self.label.setAccessibleDescription(text)
        self.show()

    def text(self) -> str:
        return self.label.text()
