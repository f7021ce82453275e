"""The documents panel's whole-document actions: Summarise, Compare with…, List deadlines/figures….

Each starts a ``DocumentTasks`` run in a Worker (the model reads every part of the document:
seconds to minutes) and shows it in a ``DocumentTaskDialog`` with progress and Cancel; the GUI
thread never waits for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QWidget

from desktop_app.gui.common.workers import WorkerPool
from desktop_app.gui.documents.task_dialog import DocumentTaskDialog
from desktop_app.gui.documents.tree import KEY_ROLE
from desktop_app.services.document_tasks import GROUP_TOKENS, DocumentTasks
from desktop_app.services.task_prompts import LISTS


class DocumentTaskActions(QObject):
    """Adds the three actions to ``panel.tree``'s context menu and runs them.

    Args:
        panel: the DocumentsPanel (its tree, its selection, its citation popup).
    """

    def __init__(self, panel: Any, core: Any, pool: WorkerPool) -> None:
        super().__init__(panel)
        self._panel = panel
        self._core = core
        self._pool = pool
        self.dialogs: list[DocumentTaskDialog] = []
        self.group_tokens = GROUP_TOKENS
        self.actions: dict[str, QAction] = {}
        for key, text, slot in (("summary", "Summarise", self.summarise_selected),
                                ("compare", "Compare with…", self.compare_selected),
                                ("list", "List deadlines/figures…", self.list_selected)):
            action = QAction(text, panel.tree)
            action.triggered.connect(slot)
            panel.tree.addAction(action)
            self.actions[key] = action
        panel.tree.currentItemChanged.connect(lambda *_: self.update_enabled())
        self.update_enabled()

    def _tasks(self) -> DocumentTasks:
        return DocumentTasks(self._core.library, self._core.backend, group_tokens=self.group_tokens)

    def _selected_document(self) -> str | None:
        sel = self._panel.tree.current_selection()
        return sel.path if sel is not None and sel.is_document else None

    def update_enabled(self) -> None:
        """Enabled only on a document (a collection has nothing to summarise as one text)."""
        on_document = self._selected_document() is not None
        for action in self.actions.values():
            action.setEnabled(on_document)

    # --- the actions (GUI thread) --------------------------------------------------------------

    def summarise_selected(self) -> None:
        path = self._selected_document()
        if path:
            self.start(f"Summary of {Path(path).name}", self._tasks().summarise, path)

    def compare_selected(self) -> None:
        path = self._selected_document()
        if not path:
            return
        others = [d.path for c in self._collections() for d in self._panel.tree.documents_of(c) if d.path != path]
        other = self.choose_document(path, others)
        if other:
            self.start(f"{Path(path).name} compared with {Path(other).name}", self._tasks().compare, path, other)

    def list_selected(self) -> None:
        path = self._selected_document()
        what = self.choose_list(path) if path else None
        if path and what:
            self.start(f"{what.capitalize()} in {Path(path).name}", self._tasks().extract, path, what)

    def start(self, title: str, task, *args) -> DocumentTaskDialog:
        """Run ``task(*args, cancel=...)`` in a Worker and show it in a new dialog."""
        parent = self._panel.window() if isinstance(self._panel.window(), QWidget) else None
        dialog = DocumentTaskDialog(title, self._panel.open_citation, parent)
        worker = self._pool.run(task, *args, on_yielded=dialog.show_progress, on_returned=dialog.show_result,
                                on_errored=dialog.show_error)
        dialog.cancelRequested.connect(worker.cancel)
        dialog.finished.connect(lambda _r, d=dialog: self._forget(d))
        worker.signals.finished.connect(lambda d=dialog: self._forget(d))  # closed while it ran
        self.dialogs.append(dialog)
        dialog.show()
        return dialog

    # --- choices (seams the tests replace) -----------------------------------------------------

    def choose_document(self, path: str, others: list[str]) -> str | None:
        if not others:
            self._panel._show_message("Add another document to compare it with.")
            return None
        names = [f"{Path(p).name}  ({p})" for p in others]
        choice, ok = QInputDialog.getItem(self._panel, "Compare with…", f"Compare {Path(path).name} with:", names, 0, False)
        return others[names.index(choice)] if ok and choice in names else None

    def choose_list(self, path: str) -> str | None:
        kinds = list(LISTS)
        choice, ok = QInputDialog.getItem(self._panel, "List…", f"List in {Path(path).name}:",
                                          [k.capitalize() for k in kinds], 0, False)
        return kinds[[k.capitalize() for k in kinds].index(choice)] if ok and choice else None

    def _collections(self) -> list[str]:
        tree = self._panel.tree
        return [tree.topLevelItem(i).data(0, KEY_ROLE) for i in range(tree.topLevelItemCount())]

    def _forget(self, dialog: DocumentTaskDialog) -> None:
        # Kept while it runs or is shown: the list holds the only Python reference to the dialog.
        if dialog in self.dialogs and not dialog.running and not dialog.isVisible():
            self.dialogs.remove(dialog)
