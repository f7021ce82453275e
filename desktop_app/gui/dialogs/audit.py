"""View → Cloud audit log: every hand-off with time, endpoint, model and the exact text sent."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from PySide6.QtCore import Qt

from desktop_app.app_core import Core
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.common.workers import WorkerPool
from desktop_app.routing.audit import AuditEntry, AuditLog
from desktop_app.gui.common.wording import plural

COLUMNS = ("Time", "Model", "Endpoint", "Document characters")


class AuditLogDialog(QDialog):
    """A table of hand-offs (newest first) and the exact text of the selected one."""

    def __init__(self, core: Core, parent: QWidget | None = None, pool: WorkerPool | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cloud audit log")
        self.setObjectName("auditLogDialog")
        self.resize(760, 520)
        self._log_path = core.paths.audit_log
        self.entries: list[AuditEntry] = []
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        describe(self.table, "Hand-offs", "Every question sent to a cloud model, newest first.")
        self.table.currentCellChanged.connect(lambda row, *_: self.show_entry(row))
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        describe(self.text, "Text sent", "The exact text sent to the cloud for the selected hand-off.")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        describe(buttons.button(QDialogButtonBox.StandardButton.Close), "Close", "Close the audit log.")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        log = AuditLog(self._log_path)
        if pool is None:
            self.set_entries(log.entries())
        else:
            # The log keeps the full text of every hand-off and only grows: a worker reads it,
            # the table fills in when it is ready.
            self.summary.setText("Reading the audit log…")
            pool.run(log.entries, pass_cancel=False, on_returned=self.set_entries,
                     on_errored=lambda error: self.summary.setText(str(error)))

    def set_entries(self, entries: list[AuditEntry]) -> None:
        """Show ``entries`` (oldest first, as the log keeps them) newest first."""
        self.entries = list(reversed(entries))
        self.summary.setText(
            f"{plural(len(self.entries), 'hand-off')} recorded in {self._log_path}." if self.entries
            else "Nothing has been sent to a cloud model."
        )
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            for col, value in enumerate((e.time, e.model, e.endpoint, str(e.document_chars))):
                item = QTableWidgetItem(value)
                if col == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        if self.entries:
            self.table.selectRow(0)
            self.show_entry(0)

    def show_entry(self, row: int) -> None:
        if not 0 <= row < len(self.entries):
            return
        e = self.entries[row]
        redacted = ", ".join(f"{n} {kind.lower()}" for kind, n in e.redactions.items()) or "nothing"
        header = f"{e.time} · {e.endpoint} · {e.model}\nReason: {e.reason or '-'}\nRedacted: {redacted}\n\n"
        self.text.setPlainText(header + e.text)
