"""The indexing strip of the documents panel: progress bar, current file, time left, Cancel, summary.

Progress arrives as IndexProgress records from a worker. Updates are coalesced (at most one
repaint per ``REFRESH_MS``) so a Library that reports every chunk cannot flood the event loop.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui.documents.formatting import bar_format, estimate_eta, progress_line, report_problems, report_summary
from desktop_app.rag.records import IndexProgress, IndexReport
from desktop_app.rag.writer_lock import is_waiting_message

REFRESH_MS = 80


class IndexProgressView(QWidget):
    """Shows one indexing job at a time; hidden parts appear only when they say something."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._latest: IndexProgress | None = None
        self._queued_note = ""
        self._started_at = 0.0
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(REFRESH_MS)
        self._flush_timer.timeout.connect(self._flush)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Indexing status")

        self.bar = QProgressBar()
        self.bar.setAccessibleName("Indexing progress")
        self.bar.setAccessibleDescription("Pages of the added documents read and indexed so far.")
        self.bar.setTextVisible(True)

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel indexing")
        self.cancel_button.setAccessibleDescription(
            "Stops indexing after the current step; documents already indexed are kept."
        )
        self.cancel_button.clicked.connect(self._on_cancel)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Indexing summary")

        self.details_button = QToolButton()
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName("Show problems")
        self.details_button.setAccessibleDescription("Shows or hides the files that were skipped or failed.")
        self.details_button.toggled.connect(self._toggle_details)

        self.problems = QListWidget()
        self.problems.setAccessibleName("Files not indexed")
        self.problems.setAccessibleDescription("One line per file that was skipped or failed, with the reason.")
        self.problems.setWordWrap(True)
        self.problems.setMaximumHeight(120)

        bar_row = QHBoxLayout()
        bar_row.setContentsMargins(0, 0, 0, 0)
        bar_row.addWidget(self.bar, 1)
        bar_row.addWidget(self.cancel_button)
        summary_row = QHBoxLayout()
        summary_row.setContentsMargins(0, 0, 0, 0)
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.details_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addLayout(bar_row)
        layout.addLayout(summary_row)
        layout.addWidget(self.problems)
        self._set_running_visible(False)
        self.summary.hide()
        self.details_button.hide()
        self.problems.hide()

    # --- called on the GUI thread by the panel -------------------------------------------------

    def start(self, what: str) -> None:
        """A job begins: show the bar in 'busy' mode until the first progress arrives."""
        self._latest = None
        self._started_at = time.monotonic()
        self.bar.setRange(0, 0)
        self.bar.setFormat("Reading files…")
        self.status.setText(what)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self._set_running_visible(True)

    def set_queued(self, note: str) -> None:
        """A line about work waiting its turn (e.g. 'Then: 2 more items'), shown under the status."""
        self._queued_note = note
        if self._latest is not None:
            self._flush()
        elif note:
            self.status.setText(f"{self.status.text()}\n{note}")

    def update_progress(self, progress: IndexProgress) -> None:
        """Remember the newest progress; the widgets catch up at most every REFRESH_MS."""
        first = self._latest is None
        self._latest = progress
        if first:
            self._flush()
        elif not self._flush_timer.isActive():
            self._flush_timer.start()

    def finish(self, report: IndexReport) -> None:
        """Show the summary line and, if any file was skipped or failed, the expandable list."""
        self._flush_timer.stop()
        self._flush()  # the last coalesced progress: the bar ends where the work ended
        self._set_running_visible(False)
        self.show_summary(report_summary(report), report_problems(report))

    def fail(self, message: str) -> None:
        """The whole job stopped with an error (already in plain words)."""
        self._flush_timer.stop()
        self._set_running_visible(False)
        self.show_summary(f"Indexing stopped: {message}", [])

    def show_summary(self, text: str, problems: list[str]) -> None:
        self.summary.setText(text)
        self.summary.setAccessibleDescription(text)
        self.summary.show()
        self.problems.clear()
        self.problems.addItems(problems)
        self.details_button.setVisible(bool(problems))
        # Failures need attention: open the list right away; skipped-only stays folded.
        expand = any(line.startswith("Failed") for line in problems)
        self.details_button.setChecked(expand)
        self._toggle_details(expand)

    # --- internals -----------------------------------------------------------------------------

    def _flush(self) -> None:
        p = self._latest
        if p is None:
            return
        if is_waiting_message(p.message):
            # Another process (a CLI run, another window) holds the index: say so, don't look stuck.
            self.bar.setRange(0, 0)
            self.bar.setFormat("Waiting for another indexing run…")
            self.status.setText(p.message)
            self.bar.setAccessibleDescription(p.message)
            return
        elapsed = time.monotonic() - self._started_at
        if p.pages_total > 0:
            self.bar.setRange(0, p.pages_total)
            self.bar.setValue(min(p.pages_done, p.pages_total))
        text = bar_format(p)
        self.bar.setFormat(text)
        line = progress_line(p, estimate_eta(p, elapsed))
        if p.message:
            line = f"{line}\n{p.message}"
        if self._queued_note:
            line = f"{line}\n{self._queued_note}"
        self.status.setText(line)
        # Screen readers read the bar's value and description: keep both meaningful.
        self.bar.setAccessibleDescription(line)

    def _on_cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.status.setText("Cancelling after the current step…")
        self.cancelRequested.emit()

    def _toggle_details(self, shown: bool) -> None:
        self.problems.setVisible(shown and self.problems.count() > 0)
        count = self.problems.count()
        noun = "problem" if count == 1 else "problems"
        self.details_button.setText(f"{'Hide' if shown else 'Show'} {count} {noun}")

    def _set_running_visible(self, visible: bool) -> None:
        for w in (self.status, self.bar, self.cancel_button):
            w.setVisible(visible)
        if visible:
            self.summary.hide()
            self.details_button.hide()
            self.problems.hide()
