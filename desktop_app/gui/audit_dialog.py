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

from desktop_app.gui.accessibility import describe
from desktop_app.routing.audit import AuditLog

COLUMNS = ("Time", "Model", "Endpoint", "Document characters")


class AuditLogDialog(QDialog):
    """A table of hand-offs (newest first) and the exact text of the selected one."""

    def __init__(self, core, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cloud audit log")
        self.setObjectName("auditLogDialog")
        self.resize(760, 520)
        self.entries = list(reversed(AuditLog(core.paths.audit_log).entries()))
        summary = QLabel(
            f"{len(self.entries)} hand-off(s) recorded in {core.paths.audit_log}." if self.entries
            else "Nothing has been sent to a cloud model."
        )
        summary.setWordWrap(True)
        self.summary = summary
        self.table = QTableWidget(len(self.entries), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        describe(self.table, "Hand-offs", "Every question sent to a cloud model, newest first.")
        for row, e in enumerate(self.entries):
            for col, value in enumerate((e.time, e.model, e.endpoint, str(e.document_chars))):
                item = QTableWidgetItem(value)
                if col == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
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
        layout.addWidget(summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.table.currentCellChanged.connect(lambda row, *_: self.show_entry(row))
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
