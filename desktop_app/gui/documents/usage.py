"""Which collections the current conversation uses: loaded from and saved to the conversation store.

Kept apart from the panel's widgets: it owns the selection, talks to the store through the
WorkerPool, and announces every change with ``changed`` (the panel forwards it as
``collectionsChanged``).
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from desktop_app.app_core import Core
from desktop_app.gui.documents import jobs as doc_jobs
from desktop_app.gui.common.workers import WorkerPool


class ConversationCollections(QObject):
    """The ticked collections of one conversation (None: a new chat not saved yet).

    Ticks mean "only these" (``services.document_use``); no ticks mean the documents are
    consulted when relevant to the question. What the box shows is what the next question
    uses: ``choice()`` hands the ticks to the chat, or None while a conversation's saved ticks
    are still being read, and then the service reads the same saved ticks itself.
    """

    changed = Signal(list)  # sorted names

    def __init__(self, core: Core, pool: WorkerPool, on_error: Callable[[Any], None], parent: QObject | None = None,
                 known: Callable[[], set[str] | None] = lambda: None) -> None:
        super().__init__(parent)
        self._core = core
        self._pool = pool
        self._on_error = on_error
        self._known = known  # the collections in the index, or None before the first listing
        self.conversation_id: int | None = None
        self.used: set[str] = set()
        self.loaded = True  # False while a conversation's saved ticks are being read
        self._request = 0

    def choice(self) -> list[str] | None:
        """The ticks the next question uses; None while they are being read (the saved ones apply)."""
        return sorted(self.used) if self.loaded else None

    def switch_to(self, conversation_id: int | None) -> None:
        """Load the conversation's ticks (in a worker); None starts a new chat with none.

        A new chat starts without ticks: an earlier conversation's documents must not answer
        unrelated questions ("Give me a one-line definition of a KPI" cited a transport plan).
        Its first question saves the conversation with the ticks made meanwhile
        (``Assistant.prepare`` stores them). Collections removed from the index since a
        conversation last used them are dropped from it.
        """
        self.conversation_id = conversation_id
        self._request += 1
        if conversation_id is None:
            self.loaded = True
            self.set_used(set())
            return
        self.loaded = False
        request = self._request

        def loaded(result: tuple[int, list[str]]) -> None:
            if request != self._request:
                return  # the user switched again, or ticked, meanwhile
            names = set(result[1])
            known = self._known()
            stale = names - known if known is not None else set()
            self.loaded = True
            self.set_used(names - stale, persist=bool(stale))

        self._pool.run(doc_jobs.conversation_collections_job, self._core, conversation_id,
                       on_returned=loaded, on_errored=self._on_error)

    def toggle(self, name: str, used: bool) -> None:
        """The user ticked or unticked ``name``: that is the choice now, even mid-load."""
        self._request += 1
        self.loaded = True
        self.set_used(self.used | {name} if used else self.used - {name}, persist=True)

    def set_used(self, names: set[str], persist: bool = False) -> None:
        """Replace the selection, announce it, and save it with the conversation if asked."""
        self.used = set(names)
        self.changed.emit(sorted(self.used))
        if persist and self.conversation_id is not None:
            self._pool.run(doc_jobs.save_collections_job, self._core, self.conversation_id,
                           sorted(self.used), on_errored=self._on_error)
