"""Where the user writes: Enter sends, Shift+Enter adds a line, Stop/Esc stops, route per question.

A file dropped here is asked about in this conversation only (``conversation_files``); folders
and ``.gguf`` models are left to the window (documents panel, models) as before.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui.chat.attachment_bar import AttachmentBar
from desktop_app.gui.common.accessibility import describe

# Label shown -> route passed to Assistant.prepare (None = let the router decide).
ROUTE_CHOICES: tuple[tuple[str, str | None], ...] = (("Auto", None), ("On this device", "local"), ("Cloud", "cloud"))


def dropped_files(mime: QMimeData | None) -> list[str]:
    """The local files of a drag the message box takes: [] when it holds a folder, a ``.gguf``
    model or no local file (those go to the window, as before)."""
    if mime is None or not mime.hasUrls():
        return []
    paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    if not paths or any(p.lower().endswith(".gguf") or Path(p).is_dir() for p in paths):
        return []
    return list(dict.fromkeys(paths))


class QuestionEdit(QPlainTextEdit):
    """Multi-line input where Enter submits and Shift+Enter inserts a new line; dropped files are
    handed to the composer instead of being pasted as their paths."""

    submitted = Signal()
    filesDropped = Signal(list)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        paths = dropped_files(event.mimeData())
        if not paths:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.filesDropped.emit(paths)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """The question box with its Send/Stop buttons and the route choice."""

    sendRequested = Signal(str, object)  # text, route (None | "local" | "cloud")
    stopRequested = Signal()
    filesDropped = Signal(list)  # local file paths to ask about in this conversation only

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.edit = QuestionEdit(self)
        self.edit.setObjectName("questionEdit")
        self.edit.setPlaceholderText("Ask a question…  (Enter to send, Shift+Enter for a new line)")
        self.edit.setTabChangesFocus(True)
        # About three lines; the chat above gets the rest of the height.
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * 3 + 18)
        describe(self.edit, "Question", "Type your question. Enter sends it; Shift+Enter starts a new line.")
        self.edit.submitted.connect(self.submit)
        self.edit.filesDropped.connect(self.filesDropped)
        self.setAcceptDrops(True)
        self.attachments = AttachmentBar(self)

        self.route_combo = QComboBox(self)
        for label, _route in ROUTE_CHOICES:
            self.route_combo.addItem(label)
        describe(
            self.route_combo,
            "Where to answer",
            "Auto lets the assistant decide; On this device never sends anything; Cloud asks the configured cloud model.",
        )
        # "Not for this question": the documents are consulted when relevant, unless this is
        # ticked; it applies to the next question only (services.document_use).
        self.no_documents_box = QCheckBox("Don't use documents", self)
        self.no_documents_box.setObjectName("noDocumentsBox")
        describe(self.no_documents_box, "Don't use documents",
                 "Answer the next question without searching your documents. Applies to one question.")
        self.no_documents_box.setVisible(False)  # until there are documents
        self.send_button = QPushButton("Send", self)
        self.send_button.setDefault(False)
        describe(self.send_button, "Send", "Send the question (Enter).")
        self.send_button.clicked.connect(self.submit)
        self.stop_button = QPushButton("Stop", self)
        describe(self.stop_button, "Stop", "Stop the answer now (Esc). What was written so far is kept.")
        self.stop_button.clicked.connect(self.stopRequested)
        self.stop_button.setVisible(False)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.route_combo)
        row.addWidget(self.no_documents_box)
        row.addStretch(1)
        row.addWidget(self.stop_button)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 10)
        layout.setSpacing(6)
        layout.addWidget(self.attachments)
        layout.addWidget(self.edit)
        layout.addLayout(row)
        self._busy = False
        self._cloud_available = True

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()  # the window takes it (documents panel, models)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        paths = dropped_files(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.filesDropped.emit(paths)

    def route(self) -> str | None:
        return ROUTE_CHOICES[self.route_combo.currentIndex()][1]

    def set_cloud_available(self, available: bool) -> None:
        """Without a configured cloud, the choice would only confuse: hide it."""
        self._cloud_available = available
        self.route_combo.setVisible(available)
        if not available:
            self.route_combo.setCurrentIndex(0)

    def set_documents_available(self, available: bool) -> None:
        """Offer "Don't use documents" only when there are documents to leave out."""
        self.no_documents_box.setVisible(available)
        if not available:
            self.no_documents_box.setChecked(False)

    def take_use_documents(self) -> bool:
        """Whether the question being sent may use the documents; the choice is for that one only."""
        use = not self.no_documents_box.isChecked()
        self.no_documents_box.setChecked(False)
        return use

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)
        cursor = self.edit.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.edit.setTextCursor(cursor)

    def submit(self) -> None:
        text = self.text().strip()
        if not text or self._busy:
            return
        self.edit.clear()
        self.sendRequested.emit(text, self.route())

    def set_busy(self, busy: bool) -> None:
        """While an answer is being written, Stop replaces Send (typing the next question is fine)."""
        self._busy = busy
        had_focus = self.stop_button.hasFocus() or self.send_button.hasFocus()
        self.stop_button.setVisible(busy)
        self.send_button.setVisible(not busy)
        if had_focus:
            (self.stop_button if busy else self.edit).setFocus()

    @property
    def busy(self) -> bool:
        return self._busy
