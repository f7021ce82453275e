"""The vector index is built with the app's denser HNSW graph, so near-identical passages stay findable."""

from __future__ import annotations

import random

from desktop_app.rag.vector_store import HNSW_GRAPH, ChromaVectorStore, StoredChunk


def test_a_new_store_uses_the_app_graph_and_keeps_it_on_reopen(tmp_path):
    store = ChromaVectorStore.local(tmp_path / "chroma")
    try:
        hnsw = store._collection.configuration["hnsw"]
        assert {key: hnsw[key] for key in HNSW_GRAPH} == HNSW_GRAPH and hnsw["space"] == "cosine"
    finally:
        store.close()
    again = ChromaVectorStore.local(tmp_path / "chroma")
    try:
        assert again._collection.configuration["hnsw"]["max_neighbors"] == HNSW_GRAPH["max_neighbors"]
    finally:
        again.close()


def test_templated_near_duplicate_passages_each_find_themselves(tmp_path):
    """Report templates give thousands of almost equal vectors: each must still be reachable."""
    rng = random.Random(7)
    template = [rng.gauss(0, 1) for _ in range(64)]
    vectors = [[t + rng.gauss(0, 0.05) for t in template] for _ in range(1500)]
    chunks = [StoredChunk(f"doc{i // 30}-p{i % 30 + 1}-c0", f"/docs/{i // 30}.pdf", i % 30 + 1, "default", f"page {i}")
              for i in range(len(vectors))]
    store = ChromaVectorStore.local(tmp_path / "chroma")
    try:
        for start in range(0, len(chunks), 30):  # one upsert per document, as indexing does
            store.upsert(chunks[start:start + 30], vectors[start:start + 30])
        lost = [c.id for c, v in zip(chunks, vectors) if store.query(v, 1)[0].chunk.id != c.id]
        assert lost == []
    finally:
        store.close()
