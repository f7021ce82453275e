"""KeywordStore's row index (chunk_rows): upserts, deletes and lookups by id without scanning the
FTS5 table, an index written before it filled on open, and a stale entry that cannot remove
another chunk."""

from __future__ import annotations

import sqlite3

from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.vector_store import StoredChunk


def chunk(cid: str, source: str = "/d/a.pdf", page: int = 1, collection: str = "default", text: str | None = None,
          unit: str = "") -> StoredChunk:
    return StoredChunk(cid, source, page, collection, text or f"text of {cid} about landing gear", unit)


def texts(store: KeywordStore) -> dict[str, str]:
    with store._lock:
        return dict(store._db.execute("SELECT id, text FROM chunks").fetchall())


def test_upsert_replaces_a_chunk_by_id_and_by_ids_reads_it_back(tmp_path):
    store = KeywordStore(tmp_path / "kw.sqlite3")
    try:
        store.upsert([chunk("a"), chunk("b", page=2, unit="slide 2")])
        store.upsert([chunk("a", text="the new text of a")])
        assert texts(store) == {"a": "the new text of a", "b": "text of b about landing gear"}
        found = store.by_ids(["b", "a", "missing", "a"])
        assert set(found) == {"a", "b"}
        assert found["b"] == chunk("b", page=2, unit="slide 2")
        assert found["a"].text == "the new text of a"
        assert [c.id for c, _ in store.search("new", 5)] == ["a"]
    finally:
        store.close()


def test_deletes_by_source_page_range_and_collection_keep_the_rest(tmp_path):
    store = KeywordStore(tmp_path / "kw.sqlite3")
    try:
        store.upsert([chunk("a1", page=1), chunk("a2", page=2, unit="sheet x"), chunk("a10", page=10),
                      chunk("b1", source="/d/b.pdf"), chunk("c1", source="/d/c.pdf", collection="other")])
        store.delete_pages_after("/d/a.pdf", 1)  # 10 > 1 as a number, not as text
        assert sorted(texts(store)) == ["a1", "b1", "c1"]
        store.delete_source("/d/b.pdf")
        store.delete_collection("other")
        assert sorted(texts(store)) == ["a1"]
        assert store.by_ids(["a2", "b1", "c1"]) == {}
        with store._lock:
            assert store._db.execute("SELECT id FROM chunk_units").fetchall() == []
            assert [r[0] for r in store._db.execute("SELECT id FROM chunk_rows")] == ["a1"]
        store.reset()
        assert store.count() == 0 and store.by_ids(["a1"]) == {}
    finally:
        store.close()


def test_an_index_written_before_the_row_table_is_filled_on_open(tmp_path):
    path = tmp_path / "kw.sqlite3"
    old = sqlite3.connect(path)  # the table as earlier versions wrote it, without chunk_rows
    old.execute("CREATE VIRTUAL TABLE chunks USING fts5(text, id UNINDEXED, source UNINDEXED, page UNINDEXED, "
                "collection UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')")
    old.executemany("INSERT INTO chunks(text, id, source, page, collection) VALUES (?, ?, ?, ?, ?)",
                    [("old text one", "x1", "/d/x.pdf", 1, "default"), ("old text two", "x2", "/d/x.pdf", 2, "default"),
                     ("other text", "y1", "/d/y.pdf", 1, "default")])
    old.commit()
    old.close()
    store = KeywordStore(path)
    try:
        assert set(store.by_ids(["x1", "x2", "y1"])) == {"x1", "x2", "y1"}
        store.upsert([chunk("x1", source="/d/x.pdf", text="rewritten one")])  # no duplicate left behind
        store.delete_pages_after("/d/x.pdf", 1)
        assert texts(store) == {"x1": "rewritten one", "y1": "other text"}
    finally:
        store.close()


def test_a_stale_row_entry_never_deletes_another_chunk(tmp_path):
    path = tmp_path / "kw.sqlite3"
    store = KeywordStore(path)
    store.upsert([chunk("a"), chunk("b", source="/d/b.pdf")])
    with store._lock:  # as if an older version had rewritten the table: the entry of "a" names b's row
        row_b = store._db.execute("SELECT row FROM chunk_rows WHERE id = 'b'").fetchone()[0]
        store._db.execute("UPDATE chunk_rows SET row = ? WHERE id = 'a'", (row_b,))
    store.upsert([chunk("a", text="a again")])
    store.delete_source("/d/a.pdf")
    assert "b" in texts(store)
    store.close()
