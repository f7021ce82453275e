"""The strip above the question box for a file asked about in this conversation only: indexing
progress with Cancel while the dropped file is read, then a removable "Asking about: report.pdf" chip.

Only shows state; ``conversation_file_drop.ConversationFileDrop`` decides what it shows.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QToolButton, QWidget

from desktop_app.gui.common.accessibility import describe
from desktop_app.rag.records import IndexProgress


class AttachmentBar(QFrame):
    """Hidden, "indexing" (label, bar, Cancel) or "attached" (chip with a remove button)."""

    cancelRequested = Signal()
    removeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentBar")
        self.label = QLabel(self)
        self.label.setObjectName("attachmentLabel")
        self.label.setAccessibleName("File asked about")
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        describe(self.bar, "Indexing progress", "Pages of the dropped file read so far.")
        self.cancel_button = QPushButton("Cancel", self)
        describe(self.cancel_button, "Cancel indexing", "Stop reading the dropped file; nothing is added.")
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.remove_button = QToolButton(self)
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.clicked.connect(self.removeRequested)
        describe(self.remove_button, "Stop asking about this file",
                 "Remove the file from this conversation; its private index is deleted. The file itself is kept.")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.label)
        row.addWidget(self.remove_button)
        row.addWidget(self.bar)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        self.files: list[str] = []
        self.clear()

    @property
    def state(self) -> str:
        """"hidden", "indexing" or "attached"."""
        return self._state

    def clear(self) -> None:
        self._state = "hidden"
        self.files = []
        self.setVisible(False)

    def show_indexing(self, names: list[str]) -> None:
        self._state = "indexing"
        self.label.setText(f"Reading {', '.join(names)}…")
        self.bar.setRange(0, 0)  # busy until the page count is known
        for widget, shown in ((self.bar, True), (self.cancel_button, True), (self.remove_button, False)):
            widget.setVisible(shown)
        self.cancel_button.setEnabled(True)
        self.setVisible(True)

    def show_progress(self, progress: IndexProgress) -> None:
        if self._state != "indexing":
            return
        if progress.pages_total:
            self.bar.setRange(0, progress.pages_total)
            self.bar.setValue(min(progress.pages_done, progress.pages_total))
            self.bar.setAccessibleDescription(f"{progress.pages_done} of {progress.pages_total} pages read.")

    def show_cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling…")

    def show_attached(self, names: list[str]) -> None:
        """The chip: ``names`` are what questions in this conversation are grounded on."""
        if not names:
            self.clear()
            return
        self._state = "attached"
        self.files = list(names)
        text = ", ".join(names)
        self.label.setText(f"Asking about: {text}")
        self.label.setAccessibleName(f"Asking about {text}")
        self.remove_button.setAccessibleName(f"Stop asking about {text}")
        for widget, shown in ((self.bar, False), (self.cancel_button, False), (self.remove_button, True)):
            widget.setVisible(shown)
        self.remove_button.setEnabled(True)
        self.setVisible(True)
