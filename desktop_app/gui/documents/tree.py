"""The tree of collections and their documents (name, pages, chunks, when indexed).

Collection rows carry the "Use in this conversation" checkbox (Space toggles it from the
keyboard); document rows show the file name with the full path as tooltip.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from desktop_app.gui.documents.formatting import file_label, indexed_when, plural
from desktop_app.rag.records import CollectionInfo, DocumentInfo

KIND_ROLE = Qt.ItemDataRole.UserRole
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
ON_DEVICE_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Name", "Pages", "Chunks", "Indexed")


@dataclass(frozen=True)
class TreeSelection:
    """What the user selected: a collection (``path`` empty) or one document in a collection."""

    collection: str
    path: str = ""

    @property
    def is_document(self) -> bool:
        return bool(self.path)


class DocumentTreeView(QTreeWidget):
    """Lists collections (checkable) with their documents as children."""

    useToggled = Signal(str, bool)  # collection name, used in this conversation

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(list(COLUMNS))
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAccessibleName("Document collections")
        self.setAccessibleDescription(
            "Collections and their documents with page and chunk counts. "
            "Check a collection (Space) to use it in this conversation."
        )
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self._filling = False
        self._documents: dict[str, list[DocumentInfo]] = {}
        self.itemChanged.connect(self._on_item_changed)

    # --- filling -------------------------------------------------------------------------------

    def populate(self, collections: list[CollectionInfo], documents: list[DocumentInfo], used: set[str]) -> None:
        """Rebuild the rows, keeping which collections were expanded and what was selected."""
        expanded = {self.topLevelItem(i).data(0, KEY_ROLE) for i in range(self.topLevelItemCount())
                    if self.topLevelItem(i).isExpanded()}
        selected = self.current_selection()
        by_collection: dict[str, list[DocumentInfo]] = defaultdict(list)
        for doc in documents:
            by_collection[doc.collection].append(doc)
        self._documents = dict(by_collection)
        self._filling = True
        try:
            self.clear()
            for info in sorted(collections, key=lambda c: c.name.lower()):
                top = self._collection_item(info, info.name in used)
                self.addTopLevelItem(top)
                for doc in sorted(by_collection.get(info.name, []), key=lambda d: file_label(d.path).lower()):
                    top.addChild(self._document_item(doc))
                top.setExpanded(info.name in expanded)
                if selected and selected.collection == info.name:
                    self._reselect(top, selected)
        finally:
            self._filling = False

    def set_used(self, used: set[str]) -> None:
        """Tick exactly the collections in ``used`` (after switching conversations)."""
        self._filling = True
        try:
            for i in range(self.topLevelItemCount()):
                item = self.topLevelItem(i)
                state = Qt.CheckState.Checked if item.data(0, KEY_ROLE) in used else Qt.CheckState.Unchecked
                item.setCheckState(0, state)
        finally:
            self._filling = False

    def used(self) -> list[str]:
        """Names of the ticked collections, in display order."""
        return [
            self.topLevelItem(i).data(0, KEY_ROLE)
            for i in range(self.topLevelItemCount())
            if self.topLevelItem(i).checkState(0) == Qt.CheckState.Checked
        ]

    def documents_of(self, collection: str) -> list[DocumentInfo]:
        return list(self._documents.get(collection, []))

    def collection_item(self, name: str) -> QTreeWidgetItem | None:
        for i in range(self.topLevelItemCount()):
            if self.topLevelItem(i).data(0, KEY_ROLE) == name:
                return self.topLevelItem(i)
        return None

    def is_on_device_only(self, collection: str) -> bool:
        item = self.collection_item(collection)
        return bool(item is not None and item.data(0, ON_DEVICE_ROLE))

    def current_selection(self) -> TreeSelection | None:
        item = self.currentItem()
        if item is None:
            return None
        if item.data(0, KIND_ROLE) == "document":
            return TreeSelection(collection=item.parent().data(0, KEY_ROLE), path=item.data(0, KEY_ROLE))
        return TreeSelection(collection=item.data(0, KEY_ROLE))

    # --- internals -----------------------------------------------------------------------------

    def _collection_item(self, info: CollectionInfo, used: bool) -> QTreeWidgetItem:
        label = info.name + ("  · on-device only" if info.on_device_only else "")
        item = QTreeWidgetItem([label, str(info.pages), str(info.chunks), plural(info.documents, "document")])
        item.setData(0, KIND_ROLE, "collection")
        item.setData(0, KEY_ROLE, info.name)
        item.setData(0, ON_DEVICE_ROLE, bool(info.on_device_only))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(0, Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)
        privacy = " Its passages never leave this device." if info.on_device_only else ""
        item.setToolTip(0, f"Collection {info.name}: {plural(info.documents, 'document')}, "
                           f"{plural(info.pages, 'page')}. Tick to use it in this conversation.{privacy}")
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        for col in (1, 2):
            item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _document_item(self, doc: DocumentInfo) -> QTreeWidgetItem:
        label = file_label(doc.path) + (f" · {doc.period}" if doc.period else "")
        item = QTreeWidgetItem([label, str(doc.pages), str(doc.chunks), indexed_when(doc.indexed_at)])
        item.setData(0, KIND_ROLE, "document")
        item.setData(0, KEY_ROLE, doc.path)
        about = "\n".join(line for line in (doc.about(), doc.status().capitalize()) if line)
        item.setToolTip(0, f"{doc.path}\n{about}" if about else doc.path)
        if doc.partial:  # a cancelled scan: the count column says how far it got
            item.setText(1, f"{doc.pages} of {doc.pages_total}")
        for col in (1, 2):
            item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _reselect(self, top: QTreeWidgetItem, selected: TreeSelection) -> None:
        if not selected.is_document:
            self.setCurrentItem(top)
            return
        for j in range(top.childCount()):
            if top.child(j).data(0, KEY_ROLE) == selected.path:
                self.setCurrentItem(top.child(j))
                return
        self.setCurrentItem(top)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != 0 or item.data(0, KIND_ROLE) != "collection":
            return
        self.useToggled.emit(item.data(0, KEY_ROLE), item.checkState(0) == Qt.CheckState.Checked)
