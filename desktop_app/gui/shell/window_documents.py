"""The window's documents side: the documents panel dock, adding documents and models (menu,
file dialogs, drops) and opening citations.

Owned by ``MainWindow`` (composition). The panel is built after the first paint, so until then
``panel`` is None and the window chats without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QMainWindow

from desktop_app.app_core import Core
from desktop_app.core.errors import AppError
from desktop_app.rag.document_files import file_dialog_filter
from desktop_app.gui.common.workers import WorkerPool


class WindowDocuments:
    """Documents panel dock, drops (``.gguf`` -> models, the rest -> documents), citations."""

    def __init__(self, core: Core, pool: WorkerPool, window: QMainWindow, *, show_error: Callable[[AppError], None],
                 show_message: Callable[[str, int], None], add_model: Callable[[str], None],
                 documents_listed: Callable[[bool], None], citation_closed: Callable[[], None]) -> None:
        """Args:
            window: the main window the dock and the file dialogs belong to.
            show_error / show_message: the window's error banner and status line.
            add_model: registers a ``.gguf`` file as a model (on a worker).
            documents_listed: told after each listing whether any document is indexed.
            citation_closed: called when the citation popup closes (the window takes the focus back).
        """
        self._core = core
        self._pool = pool
        self._window = window
        self._show_error = show_error
        self._show_message = show_message
        self._add_model = add_model
        self._documents_listed = documents_listed
        self._citation_closed = citation_closed
        self.panel = None
        self.dock = None
        self._wired_popup = None

    def build(self, conversation_id: int | None, toggle_action, add_action):
        """The documents panel, in a dock on the right; returns the panel."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget

        from desktop_app.gui.common.accessibility import describe
        from desktop_app.gui.documents.panel import DocumentsPanel

        window = self._window
        panel = DocumentsPanel(self._core, self._pool, window)
        dock = QDockWidget("Documents", window)
        dock.setObjectName("documentsDock")
        dock.setWidget(panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        describe(dock, "Documents", "Your indexed documents and the collections this conversation uses.")
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.resizeDocks([dock], [300], Qt.Orientation.Horizontal)
        dock.show()
        self.panel, self.dock = panel, dock
        # The conversation reopened at start-up was shown before the panel existed: show its ticks.
        panel.set_conversation(conversation_id)
        panel.listingRefreshed.connect(lambda: self._documents_listed(panel.tree.topLevelItemCount() > 0))
        dock.visibilityChanged.connect(toggle_action.setChecked)
        toggle_action.setVisible(True)
        add_action.setEnabled(True)
        return panel

    def chosen_collections(self) -> list[str] | None:
        """The ticks the next question uses, as the panel shows them (None: the saved ones)."""
        return self.panel.chosen_collections() if self.panel is not None else None

    def toggle(self) -> None:
        if self.dock is not None:
            self.dock.setVisible(not self.dock.isVisible())

    def choose_files(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self.panel is None:
            return
        files, _ = QFileDialog.getOpenFileNames(
            self._window, "Add documents", str(Path.home()), file_dialog_filter()
        )
        if files:
            self.add_paths(files)

    def add_paths(self, paths: list[str]) -> None:
        if self.panel is None:
            self._show_error(AppError("Documents cannot be added in this version."))
            return
        if self.dock is not None:
            self.dock.show()
        self.panel.add_paths(paths)

    def choose_model(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self._window, "Add model", str(Path.home()), "GGUF models (*.gguf)")
        if path:
            self._add_model(path)

    def open_citation(self, citation) -> None:
        if self.panel is None:
            self._show_message(f"{Path(citation.source).name}, {citation.place}", 6000)
            return
        self.panel.open_citation(citation)
        popup = self.panel.citation_popup  # made on first use by the panel
        if popup is not None and popup is not self._wired_popup:
            self._wired_popup = popup
            popup.closed.connect(self._citation_closed)
            popup.page_text_source = self._read_page_text

    def _read_page_text(self, citation, done) -> None:
        """The cited page's text from the index, read on a worker (a library call may take a while)."""
        from desktop_app.gui.chat.page_text import page_text

        library = self._core.library

        def read() -> str:  # runs on the worker thread: never touch widgets here
            return page_text(library.passages(citation.source), citation.page, getattr(citation, "unit", ""))

        # Unreadable (still indexing, removed): the popup falls back to the quoted passage.
        self._pool.run(read, pass_cancel=False, on_returned=done, on_errored=lambda _error: done(""))

    def handle_dropped_paths(self, paths: list[str]) -> None:
        """``.gguf`` files become models; everything else (files, folders) goes to the documents panel."""
        from desktop_app.gui.documents.drop import is_model_file

        for path in (p for p in paths if is_model_file(p)):
            self._add_model(path)
        others = [p for p in paths if not is_model_file(p)]
        if others:
            self.add_paths(others)
