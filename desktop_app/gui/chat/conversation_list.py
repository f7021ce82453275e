"""The conversation list: new, search (Ctrl+F), select, rename, delete, export."""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QMenu, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.records import Conversation
from desktop_app.gui.common.accessibility import describe

ID_ROLE = Qt.ItemDataRole.UserRole


class ConversationSidebar(QWidget):
    """Lists conversations (newest first) and asks the window to act on them."""

    conversationSelected = Signal(int)
    newRequested = Signal()
    renameRequested = Signal(int)
    deleteRequested = Signal(int)
    exportRequested = Signal(int)
    searchChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setMinimumWidth(200)
        self.new_button = QPushButton("New chat", self)
        describe(self.new_button, "New chat", "Start a new conversation (Ctrl+N).")
        self.new_button.clicked.connect(self.newRequested)

        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText("Search conversations (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        describe(self.search_edit, "Search conversations", "Show only conversations whose title or messages contain this text.")
        # Search as the user types, but not on every key press: the store is asked 200 ms after typing stops.
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(lambda: self.searchChanged.emit(self.search_edit.text().strip()))
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_now)
        self.search_edit.installEventFilter(self)  # Down moves into the results

        self.list = QListWidget(self)
        self.list.setObjectName("conversationList")
        describe(
            self.list,
            "Conversations",
            "Your saved conversations, newest first. Enter opens one; F2 renames; Delete removes; the menu key shows more.",
        )
        # Long titles are cut with "…" (full title in the tooltip) rather than scrolled sideways.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setUniformItemSizes(True)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._show_menu)
        self.list.itemActivated.connect(self._on_activated)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self._refreshing = False

        for keys, signal in ((QKeySequence(Qt.Key.Key_F2), self.renameRequested), (QKeySequence.StandardKey.Delete, self.deleteRequested)):
            action = QAction(self.list)
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _=False, s=signal: self._emit_for_current(s))
            self.list.addAction(action)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.setSpacing(6)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.list, 1)

    # ---------------------------------------------------------------- content

    def set_conversations(self, conversations: list[Conversation], current_id: int | None) -> None:
        """Replace the list, keeping ``current_id`` selected when it is in it."""
        self._refreshing = True
        try:
            self.list.clear()
            labels = list_labels(conversations)
            for conv, label in zip(conversations, labels):
                item = QListWidgetItem(label)
                item.setData(ID_ROLE, conv.id)
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(conv.updated_at or conv.created_at))
                item.setToolTip(f"{conv.title}\nLast change: {when}")
                self.list.addItem(item)
                if conv.id == current_id:
                    self.list.setCurrentItem(item)
        finally:
            self._refreshing = False

    def conversation_ids(self) -> list[int]:
        return [self.list.item(i).data(ID_ROLE) for i in range(self.list.count())]

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item else None

    def select(self, conversation_id: int | None) -> None:
        self._refreshing = True
        try:
            for i in range(self.list.count()):
                if self.list.item(i).data(ID_ROLE) == conversation_id:
                    self.list.setCurrentRow(i)
                    return
            self.list.clearSelection()
            self.list.setCurrentItem(None)
        finally:
            self._refreshing = False

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def search_text(self) -> str:
        return self.search_edit.text().strip()

    # ---------------------------------------------------------------- events

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        from PySide6.QtCore import QEvent

        if obj is self.search_edit and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            self._search_now()  # the results as typed, not 200 ms later
            if self.list.count():
                if self.list.currentRow() < 0:
                    self.list.setCurrentRow(0)
                self.list.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(obj, event)

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.searchChanged.emit(self.search_text())

    def _on_activated(self, item: QListWidgetItem) -> None:
        self.conversationSelected.emit(item.data(ID_ROLE))

    def _on_current_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None and not self._refreshing:
            self.conversationSelected.emit(current.data(ID_ROLE))

    def _emit_for_current(self, signal) -> None:
        cid = self.current_id()
        if cid is not None:
            signal.emit(cid)

    def _show_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos) or self.list.currentItem()
        if item is None:
            return
        cid = item.data(ID_ROLE)
        menu = QMenu(self)
        menu.setAccessibleName("Conversation actions")
        menu.addAction("Rename…", lambda: self.renameRequested.emit(cid))
        menu.addAction("Export…", lambda: self.exportRequested.emit(cid))
        menu.addSeparator()
        menu.addAction("Delete…", lambda: self.deleteRequested.emit(cid))
        menu.exec(self.list.viewport().mapToGlobal(pos))


def list_labels(conversations: list[Conversation]) -> list[str]:
    """Each conversation's title; titles that repeat get the date and time they were started
    ("What is the capital of France? · 3 Mar, 14:05"), so two of them can be told apart."""
    titles = [c.title or "Untitled" for c in conversations]
    repeated = {t for t in titles if titles.count(t) > 1}
    labels = []
    for conv, title in zip(conversations, titles):
        if title in repeated:
            stamp = time.localtime(conv.created_at or conv.updated_at)
            title = f"{title} · {stamp.tm_mday} {time.strftime('%b, %H:%M', stamp)}"
        labels.append(title)
    # Started within the same minute: number them in list order (newest first).
    for label in {x for x in labels if labels.count(x) > 1}:
        same = [i for i, x in enumerate(labels) if x == label]
        for n, i in enumerate(reversed(same), 1):
            labels[i] = f"{label} ({n})"
    return labels
