"""The documents panel: collections and documents, adding (drop or dialog), indexing progress,
which collections the current conversation uses, and the passage popup for citations.

Thread rule: every Library and store call runs in a WorkerPool job (see ``doc_jobs``); this
widget only reacts to the jobs' signals on the GUI thread, so chatting goes on while indexing.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCursor, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.app_core import Core
from desktop_app.core.errors import AppError, IndexMismatchError
from desktop_app.core.records import Citation
from desktop_app.gui.documents import jobs as doc_jobs
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.chat.citation_popup import CitationPopup, open_citation_file
from desktop_app.gui.documents.collection_box import CollectionChooser
from desktop_app.gui.documents.drop import is_model_file, local_paths_from_mime
from desktop_app.gui.documents.formatting import file_label, plural, report_problems, report_summary
from desktop_app.gui.documents.progress import IndexProgressView
from desktop_app.gui.documents.task_actions import DocumentTaskActions
from desktop_app.gui.documents.tree import DocumentTreeView
from desktop_app.gui.documents.usage import ConversationCollections
from desktop_app.gui.documents.watch import WatchFoldersRow
from desktop_app.gui.common.workers import Worker, WorkerPool
from desktop_app.rag.document_files import file_dialog_filter
from desktop_app.rag.records import IndexReport
from desktop_app.services.library import ON_DEVICE_ONLY_KEY

WARM_UP_DELAY_MS = 1500  # after start-up settles: the window is drawn and the user is reading
DOCUMENT_FILTER = file_dialog_filter()  # every type the indexer reads (rag/document_files.py)


class DocumentsPanel(QWidget):
    """Dockable panel listing collections and documents, with indexing and citations."""

    collectionsChanged = Signal(list)  # collections the current conversation uses
    busyChanged = Signal(bool)  # indexing started / ended
    indexFinished = Signal(object)  # the IndexReport of a finished (or cancelled) job
    indexFailed = Signal(object)  # the AppError that stopped a whole job
    listingRefreshed = Signal()  # the tree was rebuilt from the Library

    def __init__(self, core: Core, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._pool = pool
        self._indexed_names: set[str] | None = None  # None until the first listing arrives
        self._usage = ConversationCollections(core, pool, self._show_error, self, known=lambda: self._indexed_names)
        self._index_worker: Worker | None = None
        self._queue: list[tuple[list[str], str]] = []
        self._refreshing = False
        self._refresh_again = False
        self.citation_popup: CitationPopup | None = None
        self.setObjectName("DocumentsPanel")
        self.setAcceptDrops(True)
        describe(self, "Documents", "Your indexed documents. Drop PDF, text or Markdown files or folders here to add them.")
        self._build()
        self._usage.changed.connect(self._on_usage_changed)
        self.refresh()

    # --- the public contract (used by the main window) -----------------------------------------

    @property
    def busy(self) -> bool:
        """True while documents are being indexed."""
        return self._index_worker is not None

    @property
    def conversation_id(self) -> int | None:
        return self._usage.conversation_id

    def used_collections(self) -> list[str]:
        return sorted(self._usage.used)

    def chosen_collections(self) -> list[str] | None:
        """The ticks the next question uses ("only these"); None while they are being read."""
        return self._usage.choice()

    def add_paths(self, paths: list[str], collection: str | None = None) -> None:
        """Index files or folders (recursively) into ``collection`` (default: the chosen one).

        Model files (.gguf) are left to the main window. While a job runs, new paths queue up.
        """
        paths = [p for p in paths if p and not is_model_file(p)]
        if not paths:
            return
        collection = collection or self.target_collection()
        if self.busy:
            self._queue.append((paths, collection))
            self._show_queue()
            return
        self._start_index(paths, collection)

    def set_conversation(self, conversation_id: int | None) -> None:
        """Show (and tick) the collections the conversation uses; None means a new, unsaved chat."""
        self._usage.switch_to(conversation_id)

    def open_citation(self, citation: Citation, near: QPoint | None = None) -> None:
        """Show the cited passage in a small popup with "Open at page N"."""
        if self.citation_popup is None:
            self.citation_popup = CitationPopup(self.window() if self.window() is not self else None)
        self.citation_popup.show_citation(citation, near if near is not None else QCursor.pos())

    def cancel_indexing(self) -> None:
        """Stop the running job and drop the ones waiting (documents already indexed stay)."""
        self._queue.clear()
        if self._index_worker is not None:
            self._index_worker.cancel()

    def refresh(self) -> None:
        """Reload collections and documents from the Library (in a worker)."""
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self._pool.run(doc_jobs.listing_job, self._core, on_returned=self._on_listing,
                       on_errored=self._show_error, on_finished=self._on_listing_finished)

    def target_collection(self) -> str:
        """The collection that new documents go to."""
        return self.collection_box.target()

    def set_target_collection(self, name: str) -> None:
        self.collection_box.set_target(name)

    # --- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.add_files_button = describe(QPushButton("Add documents…"), "Add documents",
                                         "Choose PDF, text or Markdown files to index on this device.")
        self.add_files_button.clicked.connect(self.choose_files)
        self.add_folder_button = describe(QPushButton("Add folder…"), "Add folder",
                                          "Choose a folder; its documents and sub-folders are indexed.")
        self.add_folder_button.clicked.connect(self.choose_folder)

        self.collection_box = CollectionChooser()
        self.collection_box.rejectedName.connect(self._show_message)
        collection_label = QLabel("Add to:")
        collection_label.setBuddy(self.collection_box)

        self.tree = DocumentTreeView()
        self.tree.useToggled.connect(self._usage.toggle)
        self.tree.currentItemChanged.connect(lambda *_: self._update_actions())
        self.tree.itemActivated.connect(lambda *_: self.open_selected_document())

        self.remove_button = describe(QPushButton("Remove…"), "Remove",
                                      "Removes the selected document or collection from the index (asks first).")
        self.remove_button.clicked.connect(self.remove_selected)
        self.reindex_button = describe(QPushButton("Re-index"), "Re-index",
                                       "Indexes the selected document or collection again; unchanged files are skipped.")
        self.reindex_button.clicked.connect(self.reindex_selected)
        self.on_device_box = describe(QCheckBox("On-device only"), "On-device only",
                                      "Passages of the selected collection never leave this device, even when cloud hand-off is on.")
        self.on_device_box.clicked.connect(self._on_device_clicked)
        self.watch_row = WatchFoldersRow(self._core, self._pool, self.target_collection, self._show_error)
        self.watch_row.reported.connect(self._on_watch_report)
        self._warm_up_scheduled = False
        self.rebuild_button = describe(QPushButton("Rebuild index"), "Rebuild index",
                                       "Indexes every known document again with the current embedding model.")
        self.rebuild_button.clicked.connect(self.rebuild_index)
        self.rebuild_button.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Documents message")
        self.message.hide()

        self.progress = IndexProgressView()
        self.progress.cancelRequested.connect(self.cancel_indexing)

        add_row = QHBoxLayout()
        add_row.addWidget(self.add_files_button)
        add_row.addWidget(self.add_folder_button)
        target_row = QHBoxLayout()
        target_row.addWidget(collection_label)
        target_row.addWidget(self.collection_box, 1)
        action_row = QHBoxLayout()
        action_row.addWidget(self.remove_button)
        action_row.addWidget(self.reindex_button)
        action_row.addStretch(1)
        action_row.addWidget(self.on_device_box)

        layout = QVBoxLayout(self)
        layout.addLayout(add_row)
        layout.addLayout(target_row)
        hint = QLabel("Your documents are used when they are relevant to a question. "
                      "Tick collections to answer only from them in this conversation.")
        hint.setWordWrap(True)
        hint.setAccessibleName("Hint")
        layout.addWidget(hint)
        layout.addWidget(self.tree, 1)
        layout.addLayout(action_row)
        layout.addWidget(self.watch_row)
        layout.addWidget(self.message)
        layout.addWidget(self.rebuild_button)
        layout.addWidget(self.progress)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree, activated=self.remove_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)
        # The same actions from the context menu (right click or the Menu key).
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for text, slot in (("Open document", self.open_selected_document), ("Re-index", self.reindex_selected),
                           ("Remove…", self.remove_selected)):
            action = QAction(text, self.tree)
            action.triggered.connect(slot)
            self.tree.addAction(action)
        self.task_actions = DocumentTaskActions(self, self._core, self._pool)  # Summarise, Compare with…, List…
        self._update_actions()

    # --- user actions --------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add documents", "", DOCUMENT_FILTER)
        self.add_paths(paths)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents")
        if folder:
            self.add_paths([folder])

    def remove_selected(self) -> None:
        sel = self.tree.current_selection()
        if sel is None:
            return
        if sel.is_document:
            ok = self.confirm("Remove document", f"Remove {file_label(sel.path)} from the index?\n"
                                                 "The file itself stays where it is.")
            if ok:
                self._library_call(doc_jobs.remove_document_job, sel.path)
        else:
            count = len(self.tree.documents_of(sel.collection))
            ok = self.confirm("Remove collection", f"Remove the collection {sel.collection} and its "
                                                   f"{plural(count, 'document')} from the index?\nThe files themselves stay where they are.")
            if ok:
                self._library_call(doc_jobs.remove_collection_job, sel.collection)

    def reindex_selected(self) -> None:
        sel = self.tree.current_selection()
        if sel is None:
            return
        paths = [sel.path] if sel.is_document else [d.path for d in self.tree.documents_of(sel.collection)]
        self.add_paths(paths, sel.collection)

    def rebuild_index(self) -> None:
        """Index every known document again (after the embedding model changed)."""
        if not self.busy:
            self._start_index([], self.target_collection(), rebuild=True)

    def _on_watch_report(self, report: IndexReport) -> None:
        if report.files_indexed or report.files_removed or report.failed:
            self.progress.show_summary(f"Watched folder: {report_summary(report)}", report_problems(report))
        self.refresh()

    def open_selected_document(self) -> None:
        sel = self.tree.current_selection()
        if sel is not None and sel.is_document:
            if not open_citation_file(Citation(number=0, source=sel.path, page=0, text="")):
                self._show_message(f"{file_label(sel.path)} could not be opened; it may have been moved.")

    def confirm(self, title: str, text: str) -> bool:
        """Ask before something destructive (a seam the tests replace)."""
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- drag and drop -------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(not is_model_file(p) for p in local_paths_from_mime(event.mimeData())):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # keep accepting while the drag moves over children
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths_from_mime(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_paths(paths)

    # --- job plumbing (GUI thread) -------------------------------------------------------------

    def _start_index(self, paths: list[str], collection: str, rebuild: bool = False) -> None:
        self._show_message("")
        self.rebuild_button.hide()
        what = "Rebuilding the index…" if rebuild else f"Preparing {plural(len(paths), 'item')} for {collection}…"
        self.progress.start(what)
        self._index_worker = self._pool.run(
            doc_jobs.index_job, self._core, paths, collection, rebuild=rebuild,
            on_yielded=self.progress.update_progress,
            on_returned=lambda report, c=collection: self._on_index_done(report, c),
            on_errored=self._on_index_failed,
            on_finished=self._on_index_finished,
        )
        self.busyChanged.emit(True)

    def _show_queue(self) -> None:
        waiting = sum(len(paths) for paths, _ in self._queue)
        self.progress.set_queued(f"Then: {plural(waiting, 'more item')}." if waiting else "")

    def _on_index_done(self, report: IndexReport, collection: str) -> None:
        # Nothing is ticked for the user: new documents are consulted when a question is about
        # them (services.document_use); a tick would restrict every later question to them.
        self.progress.finish(report)
        self.indexFinished.emit(report)

    def _on_index_failed(self, error: AppError) -> None:
        self.progress.fail(str(error))
        # An index built by another embedding model can only be used after a rebuild: offer it.
        self.rebuild_button.setVisible(isinstance(error, IndexMismatchError))
        self.indexFailed.emit(error)

    def _on_index_finished(self) -> None:
        self._index_worker = None
        self.refresh()
        if self._queue:
            paths, collection = self._queue.pop(0)
            self._start_index(paths, collection)
            self._show_queue()
        else:
            self.busyChanged.emit(False)
        self._update_actions()

    def _library_call(self, job: Callable[..., Any], *args: Any) -> None:
        self._pool.run(job, self._core, *args, on_errored=self._show_error, on_finished=self.refresh)

    def _on_listing(self, result) -> None:
        collections, documents, can_watch = result
        names = {c.name for c in collections}
        self._indexed_names = names
        self.tree.populate(collections, documents, self._usage.used)
        stale = {n for n in self._usage.used if n not in names}
        if stale and not self.busy:  # a removed collection cannot stay in use
            self._usage.set_used(self._usage.used - stale, persist=True)
        self.collection_box.set_names(sorted(names))
        self._update_actions()
        if documents and not self._warm_up_scheduled:
            self._warm_up_scheduled = True
            QTimer.singleShot(WARM_UP_DELAY_MS, self, lambda: self._pool.run(doc_jobs.warm_up_job, self._core))
        self.watch_row.restore(documents, can_watch)
        self.listingRefreshed.emit()

    def _on_listing_finished(self) -> None:
        self._refreshing = False
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()

    def _on_usage_changed(self, names: list[str]) -> None:
        self.tree.set_used(set(names))
        self.collectionsChanged.emit(names)

    def _on_device_clicked(self, checked: bool) -> None:
        sel = self.tree.current_selection()
        if sel is not None:
            self._library_call(doc_jobs.on_device_only_job, sel.collection, checked)

    def _update_actions(self) -> None:
        sel = self.tree.current_selection()
        self.remove_button.setEnabled(sel is not None and not self.busy)
        self.reindex_button.setEnabled(sel is not None)
        policy = getattr(self._core, "policy", None)
        required = policy.required(ON_DEVICE_ONLY_KEY) if policy is not None else []
        locked = self._locked(ON_DEVICE_ONLY_KEY) or (sel is not None and sel.collection in required)
        self.on_device_box.setEnabled(sel is not None and not locked)
        self.on_device_box.setToolTip("Managed by your organization." if locked else self.on_device_box.accessibleDescription())
        self.on_device_box.setChecked(sel is not None and self.tree.is_on_device_only(sel.collection))

    def _locked(self, key: str) -> bool:
        policy = getattr(self._core, "policy", None)
        return bool(policy is not None and policy.is_locked(key))

    def _show_error(self, error: AppError) -> None:
        self._show_message(str(error))

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setAccessibleDescription(text)
