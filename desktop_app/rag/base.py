"""Protocols of the document side that services depend on."""

from __future__ import annotations

from typing import Protocol, Sequence

from desktop_app.core.records import Hit


class Retriever(Protocol):
    """Finds the passages most relevant to a query (hybrid: vectors + keywords, fused)."""

    def retrieve(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        """Return at most ``k`` relevant hits, best first; an empty list when nothing is relevant."""
        ...
