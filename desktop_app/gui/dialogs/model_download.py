"""Download a recommended model from the catalogue, with progress, cancel, resume and sha256.

Only runs when the user clicks Download: the app never fetches anything by itself. An
interrupted download keeps its ``.part`` file, so clicking Download again resumes it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.app_core import Core
from desktop_app.config.policy import MANAGED_LABEL
from desktop_app.core.errors import AppError, Cancelled
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.common.workers import Worker, WorkerPool

PROGRESS_EVERY_S = 0.1  # at most ten progress updates a second reach the GUI thread


class _ProgressRelay(QObject):
    """Carries byte counts from the download thread to the GUI thread (queued signal)."""

    progressed = Signal(int, object)  # bytes done, total bytes or None


def download_catalogue_model(core: Core, name: str, relay: _ProgressRelay, cancel=None):
    """Runs on a worker: download, verify and register ``name``; None when cancelled."""
    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S or (total and done >= total):
            last[0] = now
            relay.progressed.emit(done, total)

    try:
        info = core.models.download(name, progress=progress, cancel=cancel)
    except Cancelled:
        return None
    core.save_settings()  # the downloaded model is now one of the user's models
    return info


class ModelDownloadDialog(QDialog):
    """Lists the catalogue; downloads the chosen model on a worker and reports the result."""

    modelAdded = Signal(object)  # ModelInfo of a finished download

    def __init__(self, core: Core, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.pool = pool
        self._worker: Worker | None = None
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress)
        self.setWindowTitle("Download a model")
        describe(self, "Download a model", "Recommended models you can download to this computer.")

        intro = QLabel(
            "These instruct models answer much better than the small built-in one. They are "
            "downloaded from Hugging Face only when you click Download, then run on this computer."
        )
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        describe(self.list, "Catalogue", "Recommended models; select one and press Download.")
        self.list.setWordWrap(True)
        self.list.setSpacing(4)
        for entry in core.models.catalogue():
            item = QListWidgetItem(f"{entry.title} — {entry.approx_size_label}\n{entry.description} Licence: {entry.license}.")
            item.setData(Qt.ItemDataRole.UserRole, entry.name)
            self.list.addItem(item)
        self.list.setCurrentRow(0)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        describe(self.progress, "Download progress", "How much of the model has been downloaded.")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        describe(self.status, "Download status", "What the download is doing, or why it failed.", tooltip=False)

        self.download_button = QPushButton("Download")
        describe(self.download_button, "Download", "Download the selected model (resumes an interrupted download).")
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button = QPushButton("Cancel download")
        describe(self.cancel_button, "Cancel download", "Stop the download; it can be resumed later.")
        self.cancel_button.clicked.connect(self.cancel_download)
        self.cancel_button.setEnabled(False)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button = close.button(QDialogButtonBox.StandardButton.Close)
        describe(close_button, "Close", "Close this window (a running download is cancelled).")
        close.rejected.connect(self.reject)

        if not core.models.user_models_allowed:
            self.download_button.setEnabled(False)
            self.list.setEnabled(False)
            self.status.setText(f"{MANAGED_LABEL}: adding models is turned off.")

        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(close)
        self.resize(560, 380)

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def start_download(self) -> None:
        item = self.list.currentItem()
        if item is None or self.busy:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        self.progress.setValue(0)
        self.progress.setRange(0, 0)  # busy until the size is known
        self.progress.setVisible(True)
        self.status.setText(f"Connecting to download {name}…")
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._worker = self.pool.run(
            download_catalogue_model, self.core, name, self._relay,
            on_returned=self._on_done, on_errored=self._on_error, on_finished=self._on_finished,
        )

    def cancel_download(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.status.setText("Cancelling… (the part already downloaded is kept to resume later)")

    # Slots below run on the GUI thread.

    def _on_progress(self, done: int, total) -> None:
        mb = done / 1e6
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(done * 1000 / total))
            self.status.setText(f"Downloaded {mb:,.0f} of {total / 1e6:,.0f} MB")
        else:
            self.status.setText(f"Downloaded {mb:,.0f} MB")

    def _on_done(self, info) -> None:
        if info is None:
            self.status.setText("Download cancelled. Click Download to resume it later.")
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        check = "checksum verified" if info.sha256_checked else f"sha256 {info.sha256[:16]}…"
        self.status.setText(f"{info.name} is ready ({check}). Choose it in Settings → Model.")
        self.modelAdded.emit(info)

    def _on_error(self, error: AppError) -> None:
        self.status.setText(str(error))

    def _on_finished(self) -> None:
        self._worker = None
        self.download_button.setEnabled(self.core.models.user_models_allowed)
        self.cancel_button.setEnabled(False)

    def reject(self) -> None:
        self.cancel_download()
        super().reject()
