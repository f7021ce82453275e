"""The window's documents side: the documents panel dock, adding documents and models
(menu, file dialogs, drops) and opening citations.

A mixin of ``MainWindow``; the panel itself is ``documents_panel``. It is built after the first
paint, so until then ``documents_panel`` is None and the window chats without it.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.errors import AppError


class WindowDocumentsMixin:
    """Documents panel wiring, drops (``.gguf`` -> models, the rest -> documents), citations."""

    def _build_documents_panel(self):
        """The documents panel, in a dock on the right."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget

        from desktop_app.gui.common.accessibility import describe
        from desktop_app.gui.documents.panel import DocumentsPanel

        panel = DocumentsPanel(self.core, self.pool, self)
        dock = QDockWidget("Documents", self)
        dock.setObjectName("documentsDock")
        dock.setWidget(panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        describe(dock, "Documents", "Your indexed documents and the collections this conversation uses.")
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.resizeDocks([dock], [300], Qt.Orientation.Horizontal)
        dock.show()
        self.documents_dock = dock
        # The conversation reopened at start-up was shown before the panel existed: show its ticks.
        panel.set_conversation(self.controller.conversation_id)
        panel.listingRefreshed.connect(lambda: self.composer.set_documents_available(panel.tree.topLevelItemCount() > 0))
        dock.visibilityChanged.connect(self.actions.toggle_documents.setChecked)
        self.actions.toggle_documents.setVisible(True)
        self.actions.add_documents.setEnabled(True)
        return panel

    def _conversation_collections(self) -> list[str] | None:
        """The ticks the next question uses, as the panel shows them (None: the saved ones)."""
        return self.documents_panel.chosen_collections() if self.documents_panel is not None else None

    def toggle_documents(self) -> None:
        if self.documents_dock is not None:
            self.documents_dock.setVisible(not self.documents_dock.isVisible())

    def add_documents(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self.documents_panel is None:
            return
        files, _ = QFileDialog.getOpenFileNames(
            self, "Add documents", str(Path.home()), "Documents (*.pdf *.txt *.md *.markdown);;All files (*)"
        )
        if files:
            self.add_document_paths(files)

    def add_document_paths(self, paths: list[str]) -> None:
        if self.documents_panel is None:
            self.banner.show_error(AppError("Documents cannot be added in this version."))
            return
        if self.documents_dock is not None:
            self.documents_dock.show()
        self.documents_panel.add_paths(paths)

    def add_model_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from desktop_app.gui.chat import conversation_ops

        path, _ = QFileDialog.getOpenFileName(self, "Add model", str(Path.home()), "GGUF models (*.gguf)")
        if path:
            conversation_ops.add_model(self, path)

    def _open_citation(self, citation) -> None:
        if self.documents_panel is not None:
            self.documents_panel.open_citation(citation)
        else:
            self.status.showMessage(f"{Path(citation.source).name}, page {citation.page}", 6000)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.handle_dropped_paths(paths)

    def handle_dropped_paths(self, paths: list[str]) -> None:
        """``.gguf`` files become models; everything else (files, folders) goes to the documents panel."""
        from desktop_app.gui.chat import conversation_ops
        from desktop_app.gui.documents.drop import is_model_file

        models = [p for p in paths if is_model_file(p)]
        others = [p for p in paths if not is_model_file(p)]
        for path in models:
            conversation_ops.add_model(self, path)
        if others:
            self.add_document_paths(others)
