"""A local Chroma store keeps vectors and metadata only; chunk texts come from the keyword store.

Real Chroma on disk and the real FTS5 keyword store. An index written when Chroma still held the
texts reads the same, and a vector whose text is missing from the keyword store is left out.
"""

from __future__ import annotations

from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.vector_store import ChromaVectorStore, StoredChunk


def unit(i: int, dim: int = 8) -> list[float]:
    return [1.0 if j == i else 0.0 for j in range(dim)]


def chunks() -> list[StoredChunk]:
    return [StoredChunk(f"c{i}", f"/docs/r{i}.pdf", i + 1, "default", f"passage {i} on runway incursions",
                        "slide 2" if i == 1 else "") for i in range(3)]


def test_texts_are_not_stored_in_chroma_and_queries_read_them_from_the_keyword_store(tmp_path):
    keywords = KeywordStore(tmp_path / "keywords.sqlite3")
    store = ChromaVectorStore.local(tmp_path / "chroma", keywords.by_ids)
    try:
        stored = chunks()
        keywords.upsert(stored)
        store.upsert(stored, [unit(i) for i in range(3)])
        assert store._collection.get(include=["documents"])["documents"] == [None, None, None]
        best = store.query(unit(1), 2)
        assert best[0].chunk == stored[1] and abs(best[0].similarity - 1.0) < 1e-6  # its page, unit and text
        assert best[1].chunk.text.startswith("passage ")
        keywords.delete_source("/docs/r1.pdf")  # out of step: the vector has no text any more
        assert sorted(m.chunk.id for m in store.query(unit(1), 3)) == ["c0", "c2"]
    finally:
        store.close()
        keywords.close()


def test_an_index_written_with_texts_in_chroma_reads_the_same(tmp_path):
    stored = chunks()
    before = ChromaVectorStore.local(tmp_path / "chroma")  # as earlier versions wrote it
    try:
        before.upsert(stored, [unit(i) for i in range(3)])
        assert before._collection.get(ids=["c0"], include=["documents"])["documents"] == [stored[0].text]
        assert before.query(unit(0), 1)[0].chunk == stored[0]
    finally:
        before.close()
    keywords = KeywordStore(tmp_path / "keywords.sqlite3")
    keywords.upsert(stored)
    now = ChromaVectorStore.local(tmp_path / "chroma", keywords.by_ids)
    try:
        assert [m.chunk for m in now.query(unit(2), 1)] == [stored[2]]
    finally:
        now.close()
        keywords.close()
