"""GuardedRetriever: what ``Library.retriever()`` returns, so `ask` searches the way `search` does."""

from __future__ import annotations

from typing import Callable, Sequence

from desktop_app.core.records import Hit


class GuardedRetriever:
    """A HybridRetriever whose queries go through the Library (``search``).

    There they see other processes' writes, show only listed documents, and fail as plain
    AppErrors. Other attributes (``config``...) are the HybridRetriever's own, so callers may
    tune it as before.

    Args:
        retrieve: ``(hybrid, query, k, collections) -> hits``, the Library's guarded search.
        hybrid: the HybridRetriever it runs.
    """

    def __init__(self, retrieve: Callable[..., list[Hit]], hybrid) -> None:
        object.__setattr__(self, "_retrieve", retrieve)
        object.__setattr__(self, "_hybrid", hybrid)

    def retrieve(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        return self._retrieve(self._hybrid, query, k, collections)

    def __getattr__(self, name: str):
        return getattr(self._hybrid, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._hybrid, name, value)
