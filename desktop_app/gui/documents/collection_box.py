"""The "Add to:" chooser: which collection new documents go to, with "New collection…"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QInputDialog, QWidget

from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.documents.formatting import COLLECTION_NAME_RULE, clean_collection_name

DEFAULT_COLLECTION = "default"
NEW_COLLECTION = "New collection…"


class CollectionChooser(QComboBox):
    """Existing collections plus a last entry that asks for a new name."""

    rejectedName = Signal(str)  # a plain message when the typed name cannot be used

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        describe(self, "Collection for new documents",
                 "New documents are added to this collection. Choose 'New collection…' to create one.")
        self.addItems([DEFAULT_COLLECTION, NEW_COLLECTION])
        self._last = DEFAULT_COLLECTION
        self.activated.connect(self._on_activated)

    def target(self) -> str:
        """The collection that new documents go to."""
        text = self.currentText()
        return DEFAULT_COLLECTION if not text or text == NEW_COLLECTION else text

    def set_target(self, name: str) -> None:
        if self.findText(name) < 0:
            self.insertItem(self.count() - 1, name)
        self.setCurrentText(name)
        self._last = name

    def set_names(self, names: list[str]) -> None:
        """Offer ``names`` (plus default and the current choice), keeping the current choice."""
        current = self.target()
        shown = sorted(set(names) | {DEFAULT_COLLECTION, current}, key=str.lower)
        self.blockSignals(True)
        self.clear()
        self.addItems(shown + [NEW_COLLECTION])
        self.setCurrentText(current)
        self.blockSignals(False)

    def _on_activated(self, index: int) -> None:
        if self.itemText(index) != NEW_COLLECTION:
            self._last = self.itemText(index)
            return
        text, ok = QInputDialog.getText(self, "New collection", f"Name of the new collection.\n{COLLECTION_NAME_RULE}")
        name = clean_collection_name(text) if ok else None
        if ok and name is None:
            self.rejectedName.emit(f"That name cannot be used. {COLLECTION_NAME_RULE}")
        self.set_target(name or self._last)
