"""Vector stores over ChromaDB: on this device (PersistentClient) or a shared server (HttpClient).

All user collections live in one Chroma collection with a ``collection`` metadata field, so a
search across several collections is one query. Embeddings are always passed in explicitly and
the Chroma collection is created with ``embedding_function=None``: Chroma's default embedding
function would download a model at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from desktop_app.core.errors import AppError, StorageError

CHROMA_COLLECTION = "slm_assistant_chunks_v1"
SOURCES_PAGE = 5000  # chunk metadatas read per call by sources()


@dataclass(frozen=True)
class StoredChunk:
    id: str
    source: str
    page: int
    collection: str
    text: str
    unit: str = ""  # the cited part when it is not a page ("slide 3"); see Page.unit


@dataclass(frozen=True)
class VectorMatch:
    chunk: StoredChunk
    similarity: float  # cosine similarity, 1 = identical


class VectorStore(Protocol):
    def upsert(self, chunks: Sequence[StoredChunk], embeddings: Sequence[Sequence[float]]) -> None: ...
    def query(self, embedding: Sequence[float], n: int, collections: Sequence[str] | None = None,
              sources: Sequence[str] | None = None) -> list[VectorMatch]: ...
    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]: ...
    def delete_source(self, source: str) -> None: ...
    def delete_pages_after(self, source: str, page: int) -> None: ...
    def delete_collection(self, collection: str) -> None: ...
    def ids(self) -> set[str]: ...
    def sources(self) -> dict[str, int]: ...
    def count(self) -> int: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


# A denser HNSW graph than Chroma's defaults (16 neighbours, ef 100). Real collections hold many
# near-identical pages (forms, report templates, repeated headers); with the defaults hnswlib left
# about 1 passage in 3,000 unreachable on the corpus, so no question could ever retrieve it by
# vector search. 32 neighbours and a wider build/search beam made every passage findable
# (benchmarks/vector_recall.py); indexes built earlier keep their own settings.
HNSW_GRAPH = {"max_neighbors": 32, "ef_construction": 200, "ef_search": 200}

# Chunk ids -> the stored chunks with their texts (KeywordStore.by_ids); see ChromaVectorStore.
ChunkTexts = Callable[[Sequence[str]], dict[str, StoredChunk]]

class ChromaVectorStore:
    """Chroma-backed VectorStore; ``client`` is a PersistentClient or an HttpClient.

    ``texts`` (the keyword store's ``by_ids``), when given, holds every chunk's text, so Chroma
    keeps only vectors and metadata: storing the text again cost two thirds of Chroma's write time
    (it builds its own full-text index of documents; 0.4 of 0.6 CPU s for 733 chunks), and that
    write holds the GIL, stalling the embedding beside it. Indexes written with texts in Chroma
    stay readable.
    """

    def __init__(self, client: Any, texts: ChunkTexts | None = None) -> None:
        self._client = client
        self._texts = texts
        self._collection = self._open()

    @classmethod
    def local(cls, directory: Path, texts: ChunkTexts | None = None) -> "ChromaVectorStore":
        """A store on this device under ``directory``; see the class for ``texts``."""
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            directory.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(directory), settings=ChromaSettings(anonymized_telemetry=False))
        except OSError as exc:
            from desktop_app.core.errors import storage_error_from_os

            raise storage_error_from_os(exc, "the document index") from exc
        return cls(client, texts)

    @classmethod
    def remote(cls, host: str, port: int) -> "ChromaVectorStore":
        """A store on a shared Chroma server (``chroma run``), e.g. for a team."""
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            client = chromadb.HttpClient(host=host, port=int(port), settings=ChromaSettings(anonymized_telemetry=False))
            client.heartbeat()
        except Exception as exc:  # noqa: BLE001 - httpx/chroma raise many connection error types
            raise AppError(
                f"The shared document index at {host}:{port} cannot be reached ({type(exc).__name__}).",
                "Check rag.chroma_host and rag.chroma_port, or set rag.store to local.",
            ) from None
        return cls(client)

    def _open(self):
        return self._client.get_or_create_collection(
            CHROMA_COLLECTION,
            configuration={"hnsw": {"space": "cosine", **HNSW_GRAPH}},
            embedding_function=None,
        )

    def upsert(self, chunks: Sequence[StoredChunk], embeddings: Sequence[Sequence[float]]) -> None:
        if not chunks:
            return
        try:
            self._collection.upsert(
                ids=[c.id for c in chunks],
                embeddings=[list(map(float, e)) for e in embeddings],
                documents=None if self._texts is not None else [c.text for c in chunks],
                metadatas=[_metadata(c) for c in chunks],
            )
        except OSError as exc:
            from desktop_app.core.errors import storage_error_from_os

            raise storage_error_from_os(exc, "the document index") from exc

    def query(self, embedding: Sequence[float], n: int, collections: Sequence[str] | None = None,
              sources: Sequence[str] | None = None) -> list[VectorMatch]:
        """The ``n`` nearest chunks, within ``collections`` and, when given, only from ``sources``."""
        if n <= 0 or self.count() == 0:
            return []
        res = self._collection.query(
            query_embeddings=[list(map(float, embedding))],
            n_results=n,
            where=_where(collections, sources),
            include=["metadatas", "distances"] if self._texts is not None else ["documents", "metadatas", "distances"],
        )
        ids, distances = res["ids"][0], res["distances"][0]
        if self._texts is None:
            return [VectorMatch(_chunk(cid, doc, meta), 1.0 - float(dist))
                    for cid, doc, meta, dist in zip(ids, res["documents"][0], res["metadatas"][0], distances)]
        stored = self._texts(ids)
        # A vector whose text is not in the keyword store (an index the consistency check has yet
        # to repair) has nothing to show or cite: left out.
        return [VectorMatch(stored[cid], 1.0 - float(dist)) for cid, dist in zip(ids, distances) if cid in stored]

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        res = self._collection.get(ids=list(ids), include=["embeddings"])
        return {cid: list(map(float, emb)) for cid, emb in zip(res["ids"], res["embeddings"])}

    def delete_source(self, source: str) -> None:
        self._collection.delete(where={"source": source})

    def delete_pages_after(self, source: str, page: int) -> None:
        """Drop a document's chunks past ``page`` (what a stopped run wrote after its kept pages)."""
        self._collection.delete(where={"$and": [{"source": source}, {"page": {"$gt": page}}]})

    def delete_collection(self, collection: str) -> None:
        self._collection.delete(where={"collection": collection})

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def sources(self) -> dict[str, int]:
        """Chunks per source document, read in pages so a large index never loads at once."""
        counts: dict[str, int] = {}
        offset = 0
        while True:
            page = self._collection.get(include=["metadatas"], limit=SOURCES_PAGE, offset=offset)
            for meta in page["metadatas"] or []:
                source = str((meta or {}).get("source", ""))
                counts[source] = counts.get(source, 0) + 1
            if len(page["ids"]) < SOURCES_PAGE:
                return counts
            offset += SOURCES_PAGE

    def count(self) -> int:
        return int(self._collection.count())

    def reset(self) -> None:
        """Drop every chunk (re-indexing with another embedding model)."""
        try:
            self._client.delete_collection(CHROMA_COLLECTION)
        except Exception:  # noqa: BLE001 - absent already
            pass
        self._collection = self._open()

    def close(self) -> None:
        """Release the client. Chroma shares one in-memory system per folder within a process;
        only closing the last client drops it, so the next open reads what other processes (the
        CLI next to the app, a run after a crash) wrote since, instead of a stale cached index."""
        client, self._client, self._collection = self._client, None, None
        close = getattr(client, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing must never stop shutdown
                pass


def _where(collections: Sequence[str] | None, sources: Sequence[str] | None = None) -> dict | None:
    clauses = []
    for key, values in (("collection", collections), ("source", sources)):
        if values is None:
            continue
        names = list(dict.fromkeys(values))
        clauses.append({key: names[0]} if len(names) == 1 else {key: {"$in": names or ["\x00none"]}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _metadata(chunk: StoredChunk) -> dict:
    meta = {"source": chunk.source, "page": chunk.page, "collection": chunk.collection}
    if chunk.unit:  # only when set: indexes written before units stay byte-for-byte the same
        meta["unit"] = chunk.unit
    return meta


def _chunk(cid: str, doc: str | None, meta: dict | None) -> StoredChunk:
    meta = meta or {}
    return StoredChunk(cid, str(meta.get("source", "")), int(meta.get("page", 1)), str(meta.get("collection", "default")), doc or "",
                       str(meta.get("unit", "") or ""))


def open_vector_store(settings_rag, index_dir: Path,
                      texts: ChunkTexts | None = None) -> ChromaVectorStore:
    """The store chosen by settings (``rag.store``: local or http).

    ``texts`` serves chunk texts to a local store (see ChromaVectorStore). A shared server keeps
    its texts: it holds chunks other people indexed, which this device's keyword store lacks.
    """
    if settings_rag.store == "http":
        return ChromaVectorStore.remote(settings_rag.chroma_host, settings_rag.chroma_port)
    if settings_rag.store != "local":
        raise StorageError(f"Unknown document store '{settings_rag.store}'.", "Set rag.store to local or http.")
    return ChromaVectorStore.local(index_dir / "chroma", texts)
