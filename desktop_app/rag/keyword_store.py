"""Keyword index: SQLite FTS5 with BM25 ranking (exact figures, names and codes)."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path
from typing import Sequence

from desktop_app.core.errors import storage_error_from_os
from desktop_app.rag.measure_words import with_same_measures
from desktop_app.rag.sqlite_db import connect_wal
from desktop_app.rag.vector_store import StoredChunk

# Words too common to say anything about relevance; without this "what is the" matches all.
STOPWORDS = frozenset(
    "a an and are as at be by can did do does for from had has have how i in is it its of on or our "
    "s that the their there these this those to was were what when where which who whom why will with "
    "you your we they them he she his her me my about into than then so if not no yes".split()
)


class KeywordStore:
    """FTS5 table of chunk texts; ``search`` returns (chunk, bm25 score) best first.

    The name of a chunk's part when it is not a page ("slide 3") is kept in a plain side table,
    ``chunk_units``: an FTS5 table cannot gain a column, and the existing indexes stay valid.
    """

    def __init__(self, db_path: Path) -> None:
        self._lock = threading.RLock()
        try:
            self._db = connect_wal(db_path, "NORMAL")
            self._db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5("
                "text, id UNINDEXED, source UNINDEXED, page UNINDEXED, collection UNINDEXED, "
                "tokenize = 'unicode61 remove_diacritics 2')"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS chunk_units(id TEXT PRIMARY KEY, source TEXT, collection TEXT, unit TEXT)")
            self._open_row_index()
        except sqlite3.Error as exc:
            raise _storage(exc) from exc
        except OSError as exc:
            raise storage_error_from_os(exc, "the keyword index") from exc

    def _open_row_index(self) -> None:
        """The chunk id -> FTS5 row table, filled from ``chunks`` when it is new or out of step.

        FTS5 cannot index its UNINDEXED columns, so "DELETE ... WHERE id = ?" read every row: an
        upsert cost one scan of the whole index per chunk (64 chunks took 0.9 s at 30,000 indexed,
        as long as embedding them). ``chunk_rows`` finds a chunk's row, and a source's,
        collection's or page range's rows, through ordinary indexes. An index written before it,
        or by an older version since, is re-read once here; each delete also checks the row's id,
        so a stale entry can never remove another chunk.
        """
        db = self._db
        db.execute("CREATE TABLE IF NOT EXISTS chunk_rows(id TEXT PRIMARY KEY, row INTEGER NOT NULL, "
                   "source TEXT NOT NULL, collection TEXT NOT NULL, page INTEGER NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS chunk_rows_source ON chunk_rows(source, page)")
        db.execute("CREATE INDEX IF NOT EXISTS chunk_rows_collection ON chunk_rows(collection)")
        rows = db.execute("SELECT count(*) FROM chunk_rows").fetchone()[0]
        if rows == db.execute("SELECT count(*) FROM chunks").fetchone()[0]:
            return
        db.execute("BEGIN")
        try:
            db.execute("DELETE FROM chunk_rows")
            db.execute("INSERT OR REPLACE INTO chunk_rows(id, row, source, collection, page) "
                       "SELECT id, rowid, source, collection, CAST(page AS INTEGER) FROM chunks")
            db.execute("COMMIT")
        except sqlite3.Error:
            self._rollback()
            raise

    def upsert(self, chunks: Sequence[StoredChunk]) -> None:
        if not chunks:
            return
        with self._lock:
            try:
                self._db.execute("BEGIN")
                self._db.executemany("DELETE FROM chunks WHERE rowid IN (SELECT row FROM chunk_rows WHERE id = ?) AND id = ?",
                                     [(c.id, c.id) for c in chunks])
                for c in chunks:
                    cur = self._db.execute("INSERT INTO chunks(text, id, source, page, collection) VALUES (?, ?, ?, ?, ?)",
                                           (c.text, c.id, c.source, c.page, c.collection))
                    self._db.execute("INSERT OR REPLACE INTO chunk_rows(id, row, source, collection, page) VALUES (?, ?, ?, ?, ?)",
                                     (c.id, cur.lastrowid, c.source, c.collection, int(c.page)))
                units = [(c.id, c.source, c.collection, c.unit) for c in chunks if c.unit]
                if units:
                    self._db.executemany("INSERT OR REPLACE INTO chunk_units(id, source, collection, unit) VALUES (?, ?, ?, ?)", units)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _storage(exc) from exc

    def by_ids(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        """The stored chunks with these ids (those not in the index are left out); indexed lookups."""
        found: dict[str, StoredChunk] = {}
        unique = list(dict.fromkeys(ids))
        with self._lock:
            try:
                for start in range(0, len(unique), 500):  # well under SQLite's bound-variable limit
                    part = unique[start:start + 500]
                    rows = self._db.execute(
                        "SELECT c.id, c.source, c.page, c.collection, c.text, u.unit FROM chunk_rows r "
                        "JOIN chunks c ON c.rowid = r.row LEFT JOIN chunk_units u ON u.id = r.id "
                        f"WHERE r.id IN ({','.join('?' * len(part))}) AND c.id = r.id", part).fetchall()
                    found.update((r[0], StoredChunk(r[0], r[1], int(r[2]), r[3], r[4], r[5] or "")) for r in rows)
            except sqlite3.Error as exc:
                raise _storage(exc) from exc
        return found

    def search(self, query: str, n: int, collections: Sequence[str] | None = None,
               sources: Sequence[str] | None = None) -> list[tuple[StoredChunk, float]]:
        """BM25's best ``n`` chunks within ``collections`` and, when given, only from ``sources``."""
        expr = match_expression(query)
        if not expr or n <= 0:
            return []
        # Rank inside FTS5 and fetch text only for the best n: ranking with the text and the join in
        # the sorted rows copied every match's text (thousands) into the sort, ~2x slower at
        # 6,625 chunks (p95 24 -> 13 ms; same results).
        where = "chunks MATCH ?"
        params: list = [expr]
        if collections is not None:
            names = list(dict.fromkeys(collections)) or ["\x00none"]
            where += f" AND collection IN ({','.join('?' * len(names))})"
            params += names
        if sources is not None:
            paths = list(dict.fromkeys(sources)) or ["\x00none"]
            where += f" AND source IN ({','.join('?' * len(paths))})"
            params += paths
        params.append(n)
        sql = ("SELECT c.id, c.source, c.page, c.collection, c.text, best.score, u.unit FROM "
               f"(SELECT rowid AS r, rank AS score FROM chunks WHERE {where} ORDER BY rank LIMIT ?) AS best "
               "JOIN chunks c ON c.rowid = best.r LEFT JOIN chunk_units u ON u.id = c.id ORDER BY best.score")
        with self._lock:
            try:
                rows = self._db.execute(sql, params).fetchall()
            except sqlite3.OperationalError:
                return []  # a query FTS5 cannot parse finds nothing rather than failing the answer
        # bm25() is negative (more negative = better); report a positive score.
        return [(StoredChunk(r[0], r[1], int(r[2]), r[3], r[4], r[6] or ""), -float(r[5])) for r in rows]

    def unmentioned(self, words: Sequence[str], collections: Sequence[str] | None = None) -> list[str]:
        """The ``words`` that no chunk of ``collections`` holds, as a word or the start of one
        ("TAD" is held by "TADs"). One indexed lookup per word: milliseconds."""
        where, params = "chunks MATCH ?", []
        if collections is not None:
            names = list(dict.fromkeys(collections)) or ["\x00none"]
            where += f" AND collection IN ({','.join('?' * len(names))})"
            params = names
        absent = []
        with self._lock:
            for word in words:
                tokens = re.findall(r"\w+", word.lower())
                if not tokens:
                    continue
                expr = '"' + " ".join(tokens) + '"*'
                try:
                    found = self._db.execute(f"SELECT 1 FROM chunks WHERE {where} LIMIT 1", [expr, *params]).fetchone()
                except sqlite3.Error:
                    continue  # a word FTS5 cannot look up is not known to be absent
                if found is None:
                    absent.append(word)
        return absent

    def chunks_of(self, source: str) -> list[StoredChunk]:
        """Every chunk of one source document, in no particular order (whole-document tasks)."""
        with self._lock:
            try:
                rows = self._db.execute("SELECT chunks.id, chunks.source, chunks.page, chunks.collection, chunks.text, u.unit "
                                        "FROM chunks LEFT JOIN chunk_units u ON u.id = chunks.id WHERE chunks.source = ?",
                                        (source,)).fetchall()
            except sqlite3.Error as exc:
                raise _storage(exc) from exc
        return [StoredChunk(r[0], r[1], int(r[2]), r[3], r[4], r[5] or "") for r in rows]

    def delete_source(self, source: str) -> None:
        self._delete("source = ?", (source,))

    def delete_pages_after(self, source: str, page: int) -> None:
        """Drop a document's chunks past ``page`` (what a stopped run wrote after its kept pages)."""
        self._delete("source = ? AND page > ?", (source, page))

    def delete_collection(self, collection: str) -> None:
        self._delete("collection = ?", (collection,))

    def ids(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM chunks")]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def sources(self) -> dict[str, int]:
        """Chunks per source document (the consistency check compares them with the manifest)."""
        with self._lock:
            return {r[0]: int(r[1]) for r in self._db.execute("SELECT source, count(*) FROM chunks GROUP BY source")}

    def reset(self) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN")
                for table in ("chunks", "chunk_units", "chunk_rows"):
                    self._db.execute(f"DELETE FROM {table}")
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _storage(exc) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _delete(self, where: str, params: tuple) -> None:
        """Delete the chunks whose ``chunk_rows`` entry matches ``where``, in one transaction."""
        with self._lock:
            try:
                self._db.execute("BEGIN")
                # The id check: an entry gone stale (see _open_row_index) never removes another chunk.
                self._db.execute(f"DELETE FROM chunks WHERE rowid IN (SELECT row FROM chunk_rows WHERE {where}) "
                                 f"AND id IN (SELECT id FROM chunk_rows WHERE {where})", params + params)
                self._db.execute(f"DELETE FROM chunk_units WHERE id IN (SELECT id FROM chunk_rows WHERE {where})", params)
                self._db.execute(f"DELETE FROM chunk_rows WHERE {where}", params)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _storage(exc) from exc

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def match_expression(query: str) -> str:
    """An FTS5 MATCH expression: the query's content words, each quoted, OR-ed (BM25 ranks).

    Codes and figures such as "XK-4471" or "56,517.3" stay one quoted phrase, which FTS5 matches
    as consecutive tokens.
    """
    words = re.findall(r"\w(?:[\w\-.,/]*\w)?", query.lower())
    terms = with_same_measures([w for w in dict.fromkeys(words) if w not in STOPWORDS])
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _storage(exc: sqlite3.Error):
    from desktop_app.core.errors import StorageError

    text = str(exc).lower()
    if "full" in text:
        return StorageError("The disk is full, so the keyword index could not be saved.", "Free some disk space and try again.")
    if "readonly" in text or "read-only" in text:
        return StorageError("The data folder is read-only, so the keyword index could not be saved.")
    return StorageError(f"The keyword index could not be updated ({exc}).")
