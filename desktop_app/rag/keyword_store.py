"""Keyword index: SQLite FTS5 with BM25 ranking (exact figures, names and codes)."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path
from typing import Sequence

from desktop_app.core.errors import storage_error_from_os
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
        except sqlite3.Error as exc:
            raise _storage(exc) from exc
        except OSError as exc:
            raise storage_error_from_os(exc, "the keyword index") from exc

    def upsert(self, chunks: Sequence[StoredChunk]) -> None:
        if not chunks:
            return
        with self._lock:
            try:
                self._db.execute("BEGIN")
                self._db.executemany("DELETE FROM chunks WHERE id = ?", [(c.id,) for c in chunks])
                self._db.executemany(
                    "INSERT INTO chunks(text, id, source, page, collection) VALUES (?, ?, ?, ?, ?)",
                    [(c.text, c.id, c.source, c.page, c.collection) for c in chunks],
                )
                units = [(c.id, c.source, c.collection, c.unit) for c in chunks if c.unit]
                if units:
                    self._db.executemany("INSERT OR REPLACE INTO chunk_units(id, source, collection, unit) VALUES (?, ?, ?, ?)", units)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _storage(exc) from exc

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
        self._exec("DELETE FROM chunks WHERE source = ?", (source,))
        self._exec("DELETE FROM chunk_units WHERE source = ?", (source,))

    def delete_pages_after(self, source: str, page: int) -> None:
        """Drop a document's chunks past ``page`` (what a stopped run wrote after its kept pages)."""
        self._exec("DELETE FROM chunks WHERE source = ? AND CAST(page AS INTEGER) > ?", (source, page))
        self._exec("DELETE FROM chunk_units WHERE source = ? AND id NOT IN (SELECT id FROM chunks WHERE source = ?)",
                   (source, source))

    def delete_collection(self, collection: str) -> None:
        self._exec("DELETE FROM chunks WHERE collection = ?", (collection,))
        self._exec("DELETE FROM chunk_units WHERE collection = ?", (collection,))

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
        self._exec("DELETE FROM chunks", ())
        self._exec("DELETE FROM chunk_units", ())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _exec(self, sql: str, params: tuple) -> None:
        with self._lock:
            try:
                self._db.execute(sql, params)
            except sqlite3.Error as exc:
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
    terms = [w for w in dict.fromkeys(words) if w not in STOPWORDS]
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _storage(exc: sqlite3.Error):
    from desktop_app.core.errors import StorageError

    text = str(exc).lower()
    if "full" in text:
        return StorageError("The disk is full, so the keyword index could not be saved.", "Free some disk space and try again.")
    if "readonly" in text or "read-only" in text:
        return StorageError("The data folder is read-only, so the keyword index could not be saved.")
    return StorageError(f"The keyword index could not be updated ({exc}).")
