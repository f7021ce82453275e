"""Which collections the current conversation uses: loaded from and saved to the conversation store.

Kept apart from the panel's widgets: it owns the selection, talks to the store through the
WorkerPool, and announces every change with ``changed`` (the panel forwards it as
``collectionsChanged``).
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from desktop_app.gui import doc_jobs
from desktop_app.gui.workers import WorkerPool


class ConversationCollections(QObject):
    """The ticked collections of one conversation (None: a new chat not saved yet)."""

    changed = Signal(list)  # sorted names

    def __init__(self, core: Any, pool: WorkerPool, on_error: Callable[[Any], None], parent: QObject | None = None,
                 known: Callable[[], set[str] | None] = lambda: None) -> None:
        super().__init__(parent)
        self._core = core
        self._pool = pool
        self._on_error = on_error
        self._known = known  # the collections in the index, or None before the first listing
        self.conversation_id: int | None = None
        self.used: set[str] = set()
        self._request = 0

    def switch_to(self, conversation_id: int | None) -> None:
        """Load the conversation's collections (in a worker); None starts a new chat.

        A new chat keeps the collections the user was just using (asking about the same
        documents in a fresh chat is the common case; unticking is one click). Ticks made in a
        new chat are carried into the conversation it becomes once saved (the chat window saves
        a new conversation when its first question is sent). Collections removed from the index
        since a conversation last used them are dropped from it.
        """
        previous, carried = self.conversation_id, set(self.used)
        self.conversation_id = conversation_id
        self._request += 1
        if conversation_id is None:
            self.set_used(carried)
            return
        request = self._request

        def loaded(result: tuple[int, list[str]]) -> None:
            if request != self._request:
                return  # the user switched again meanwhile
            names = set(result[1])
            known = self._known()
            stale = names - known if known is not None else set()
            if previous is None and carried and not names:
                self.set_used(carried, persist=True)
            else:
                self.set_used(names - stale, persist=bool(stale))

        self._pool.run(doc_jobs.conversation_collections_job, self._core, conversation_id,
                       on_returned=loaded, on_errored=self._on_error)

    def toggle(self, name: str, used: bool) -> None:
        self.set_used(self.used | {name} if used else self.used - {name}, persist=True)

    def set_used(self, names: set[str], persist: bool = False) -> None:
        """Replace the selection, announce it, and save it with the conversation if asked."""
        self.used = set(names)
        self.changed.emit(sorted(self.used))
        if persist and self.conversation_id is not None:
            self._pool.run(doc_jobs.save_collections_job, self._core, self.conversation_id,
                           sorted(self.used), on_errored=self._on_error)
