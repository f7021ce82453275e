"""Watched folders in the documents panel: "Watch folder…", the list of watched folders, stop.

The Library polls the folders on its own thread and indexes changes; its reports reach the
GUI through ``WatchReportBridge`` (a signal, so they arrive queued on the GUI thread). The
folders are kept in ``rag.watch_folders`` and watched again at the next start.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.core.cancel import CancelToken
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.documents.formatting import file_label
from desktop_app.gui.documents.jobs import library_of
from desktop_app.gui.common.workers import WorkerPool
from desktop_app.rag.records import DocumentInfo

WATCH_KEY = "rag.watch_folders"


class WatchReportBridge(QObject):
    """Carries IndexReports from the watcher thread to the GUI thread."""

    reported = Signal(object)

    def callback(self, report: Any) -> None:
        # Runs on the watcher thread: only emit (queued to the GUI thread), never touch widgets.
        try:
            self.reported.emit(report)
        except RuntimeError:  # the panel was closed while the watcher still ran
            pass


def collection_for_folders(folders: list[str], documents: list[DocumentInfo], fallback: str) -> str:
    """The collection already holding documents from the first watched folder (else ``fallback``)."""
    for folder in folders:
        prefix = os.path.join(os.path.abspath(folder), "")
        for doc in documents:
            if os.path.abspath(doc.path).startswith(prefix):
                return doc.collection
    return fallback


def watch_job(core: Any, folders: list[str], collection: str, bridge: WatchReportBridge, cancel: CancelToken) -> None:
    """Runs on a pool thread: (re)start watching ``folders``; an empty list stops watching."""
    library = library_of(core)
    if folders:
        library.watch(list(folders), collection, on_report=bridge.callback)
    else:
        library.stop_watching()


def save_watch_folders_job(core: Any, folders: list[str], cancel: CancelToken) -> None:
    """Runs on a pool thread: the change and its save are one step under the Core's settings lock."""
    core.policy.check_can_set(WATCH_KEY)
    core.update_settings(lambda settings: settings.set(WATCH_KEY, list(folders)))


class WatchFoldersRow(QWidget):
    """'Watch folder…' and 'Stop watching' with the watched folders' names; starts and stops watching.

    Args:
        target: gives the collection new documents go to (watched folders fill it).
        on_error: shows a plain-language AppError.
    """

    reported = Signal(object)  # an IndexReport of the watcher, on the GUI thread

    def __init__(self, core: Any, pool: WorkerPool, target: Callable[[], str], on_error: Callable[[Any], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core, self._pool, self._target, self._on_error = core, pool, target, on_error
        self._restored = False
        self._bridge = WatchReportBridge(self)
        self._bridge.reported.connect(self.reported)
        self.watch_button = QPushButton("Watch folder…")
        describe(self.watch_button, "Watch folder",
                 "Choose a folder to keep indexed: new and changed documents in it are picked up automatically.")
        self.watch_button.clicked.connect(self.choose_folder)
        self.stop_button = QPushButton("Stop watching")
        describe(self.stop_button, "Stop watching folders", "Stops watching every folder; indexed documents stay.")
        self.stop_button.clicked.connect(lambda: self.set_folders([]))
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Watched folders")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.watch_button)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.stop_button)
        self.show_folders([], "")
        policy = getattr(core, "policy", None)
        self.set_locked(bool(policy is not None and policy.is_locked(WATCH_KEY)))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Watch a folder of documents")
        if folder:
            folders = list(self._core.settings.rag.watch_folders)
            self.set_folders(folders + ([folder] if folder not in folders else []))

    def set_folders(self, folders: list[str], collection: str | None = None) -> None:
        """Watch ``folders`` (into ``collection``, default: the chosen one) and remember them; [] stops."""
        self._pool.run(save_watch_folders_job, self._core, list(folders), on_errored=self._on_error)
        self._start(list(folders), collection or self._target())

    def restore(self, documents: list[DocumentInfo], can_watch: bool) -> None:
        """After the first listing: hide when the Library cannot watch, else watch the saved folders again."""
        self.setVisible(can_watch)
        if self._restored or not can_watch:
            return
        self._restored = True
        folders = list(getattr(self._core.settings.rag, "watch_folders", []) or [])
        if folders:
            self._start(folders, collection_for_folders(folders, documents, self._target()))

    def _start(self, folders: list[str], collection: str) -> None:
        self.show_folders(folders, collection)
        self._pool.run(watch_job, self._core, folders, collection, self._bridge, on_errored=self._on_error)

    def show_folders(self, folders: list[str], collection: str) -> None:
        if folders:
            names = ", ".join(file_label(f) for f in folders)
            text = f"Watching {names} → {collection}"
        else:
            text = "No folder is watched."
        self.label.setText(text)
        self.label.setToolTip("\n".join(folders))
        self.label.setAccessibleDescription(text)
        self.stop_button.setVisible(bool(folders))

    def set_locked(self, locked: bool) -> None:
        """Greyed out, with the reason, when the organisation's policy sets the watched folders."""
        for button in (self.watch_button, self.stop_button):
            button.setEnabled(not locked)
            if locked:
                button.setToolTip("Managed by your organization.")
