"""The window of one whole-document task (summary, comparison, list): progress and Cancel while the
model reads the document part by part, then the result with its cited pages.

GUI thread only. It never waits for the task: the task runs in a Worker and this dialog only
receives its signals (``show_progress``, ``show_result``, ``show_error``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import AppError
from desktop_app.core.records import Citation
from desktop_app.services.document_tasks import TaskProgress, TaskResult

CITATION_ROLE = Qt.ItemDataRole.UserRole + 1


class DocumentTaskDialog(QDialog):
    """Non-modal: the user keeps chatting while a long document is read.

    Args:
        on_citation: shows a cited page (the documents panel's passage popup).
    """

    cancelRequested = Signal()

    def __init__(self, title: str, on_citation: Callable[[Citation], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DocumentTaskDialog")
        self.setWindowTitle(title)
        self.setModal(False)
        self.resize(620, 520)
        self._on_citation = on_citation
        self.running = True
        self.result: TaskResult | None = None
        self.status = QLabel("Starting…")
        self.status.setObjectName("taskStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy until the first step says how many there are
        self.text = QTextBrowser()
        self.text.setObjectName("taskResult")
        self.text.setAccessibleName("Result")
        self.text.hide()
        self.sources = QListWidget()
        self.sources.setObjectName("taskSources")
        self.sources.setAccessibleName("Cited pages")
        self.sources.hide()
        self.sources.itemActivated.connect(self._open_source)
        self.buttons = QDialogButtonBox()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("taskCancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        self.close_button.hide()
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        for widget in (self.status, self.progress):
            layout.addWidget(widget)
        layout.addWidget(self.text, 3)
        layout.addWidget(self.sources, 1)
        layout.addWidget(self.buttons)

    # --- the worker's signals (GUI thread) ----------------------------------------------------

    def show_progress(self, step: TaskProgress) -> None:
        self.status.setText(step.message)
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(step.step - 1)  # the step is starting, not done

    def show_result(self, result: TaskResult | None) -> None:
        self._finish()
        if result is None:
            self.status.setText("Stopped. Nothing was written: a summary stopped midway would miss the parts not yet read.")
            return
        self.result = result
        notes = " ".join(result.notices)
        self.status.setText(f"{result.title} — {result.model_calls} model calls, {result.seconds:.0f} s. {notes}".strip())
        self.text.setPlainText(result.text)
        self.text.show()
        for citation in result.sources:
            item = QListWidgetItem(f"[{citation.number}] {Path(citation.source).name}, {citation.place}")
            item.setData(CITATION_ROLE, citation)
            self.sources.addItem(item)
        self.sources.setVisible(bool(result.sources))

    def show_error(self, error: AppError) -> None:
        self._finish()
        self.status.setText(str(error))

    # --- user actions -------------------------------------------------------------------------

    def cancel(self) -> None:
        if self.running:
            self.status.setText("Stopping after the current part…")
            self.cancel_button.setEnabled(False)
            self.cancelRequested.emit()

    def closeEvent(self, event) -> None:  # closing a running task stops it: nobody would see its result
        self.cancel()
        super().closeEvent(event)

    def _finish(self) -> None:
        self.running = False
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.hide()
        self.cancel_button.hide()
        self.close_button.show()

    def _open_source(self, item: QListWidgetItem) -> None:
        citation = item.data(CITATION_ROLE)
        if citation is not None:
            self._on_citation(citation)
