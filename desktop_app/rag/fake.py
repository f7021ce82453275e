"""In-memory VectorStore for unit tests (the FakeEmbedder lives in embedder.py)."""

from __future__ import annotations

import math
from typing import Sequence

from desktop_app.rag.vector_store import StoredChunk, VectorMatch


class InMemoryVectorStore:
    """A VectorStore kept in dicts; ``history`` records the operations it received."""

    def __init__(self) -> None:
        self.chunks: dict[str, StoredChunk] = {}
        self.vectors: dict[str, list[float]] = {}
        self.history: list[tuple[str, object]] = []

    def upsert(self, chunks: Sequence[StoredChunk], embeddings: Sequence[Sequence[float]]) -> None:
        self.history.append(("upsert", [c.id for c in chunks]))
        for c, e in zip(chunks, embeddings):
            self.chunks[c.id] = c
            self.vectors[c.id] = list(e)

    def query(self, embedding: Sequence[float], n: int, collections: Sequence[str] | None = None,
              sources: Sequence[str] | None = None) -> list[VectorMatch]:
        def cos(a: Sequence[float], b: Sequence[float]) -> float:
            na = math.sqrt(sum(x * x for x in a)) or 1.0
            nb = math.sqrt(sum(x * x for x in b)) or 1.0
            return sum(x * y for x, y in zip(a, b)) / (na * nb)

        found = [VectorMatch(c, cos(embedding, self.vectors[cid])) for cid, c in self.chunks.items()
                 if (collections is None or c.collection in collections) and (sources is None or c.source in sources)]
        found.sort(key=lambda m: -m.similarity)
        return found[:n]

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        return {cid: self.vectors[cid] for cid in ids if cid in self.vectors}

    def delete_source(self, source: str) -> None:
        self.history.append(("delete_source", source))
        self._drop(lambda c: c.source == source)

    def delete_pages_after(self, source: str, page: int) -> None:
        self._drop(lambda c: c.source == source and c.page > page)

    def delete_collection(self, collection: str) -> None:
        self._drop(lambda c: c.collection == collection)

    def ids(self) -> set[str]:
        return set(self.chunks)

    def sources(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.chunks.values():
            counts[c.source] = counts.get(c.source, 0) + 1
        return counts

    def count(self) -> int:
        return len(self.chunks)

    def reset(self) -> None:
        self.chunks.clear()
        self.vectors.clear()

    def close(self) -> None:
        pass

    def _drop(self, predicate) -> None:
        for cid in [cid for cid, c in self.chunks.items() if predicate(c)]:
            del self.chunks[cid]
            del self.vectors[cid]
