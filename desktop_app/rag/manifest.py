"""The index manifest (SQLite): which documents are indexed, their state, and the index's model.

Crash safety rests on one ordering, used by the indexer for every file:
  1. ``begin(path, sha)`` marks the document ``pending`` (committed) before any chunk is written;
  2. chunks are written to both stores under deterministic ids (so a repeat overwrites);
  3. ``finish(path, pages, chunks)`` marks it ``done`` only after its last chunk is stored.
After a kill -9, ``pending()`` lists the documents whose chunks may be partial; the indexer
purges their chunks from both stores and indexes them again on the next run. That is only true
while one writer works at a time: another process's 'pending' rows are work in progress, not
leftovers, so every writer holds ``writer_lock.WriterLock`` first (see that module).

A cancelled run keeps the first pages of a long PDF (a scan read by OCR) as a ``partial``
document, and a later run continues it:
  4. the pages past the last fully written one are deleted from both stores, then
     ``mark_partial(path, pages, pages_total, chunks)`` records pages 1..pages (committed);
  5. a later run marks it ``resuming`` (``resume``) and writes the pages after ``pages``;
     ``finish`` marks it ``done``. A run stopped before that leaves ``resuming``: its first
     ``pages`` pages are whole, so recovery deletes the chunks past them and marks it ``partial``
     again (``back_to_partial``) instead of purging the document.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.errors import StorageError, disk_full_error, read_only_error, storage_error_from_os
from desktop_app.rag.sqlite_db import connect_wal

SCHEMA_VERSION = 2  # 2: pages_total (of a partly indexed document)

# Documents shown by `docs list` and searched: whole ones, and the kept pages of partial ones.
LISTED = ("done", "partial", "resuming")


@dataclass(frozen=True)
class DocumentRow:
    path: str
    sha256: str
    collection: str
    pages: int
    chunks: int
    state: str  # pending | done | partial | resuming (see the module docstring)
    indexed_at: float
    pages_total: int = 0  # the file's pages; ``pages`` of them are indexed while it is partial

    @property
    def partial(self) -> bool:
        return self.state in ("partial", "resuming")


class Manifest:
    """Documents and index metadata; thread-safe (the indexer's writer thread and readers)."""

    def __init__(self, db_path: Path) -> None:
        self._lock = threading.RLock()
        try:
            self._db = connect_wal(db_path, "FULL")  # a 'done' mark must survive power loss
            self._migrate()
        except sqlite3.Error as exc:
            raise StorageError(f"The document index list could not be opened ({exc}).",
                               "Remove the index folder to start again, or check the disk.") from exc
        except OSError as exc:
            raise storage_error_from_os(exc, "the document index") from exc

    def _migrate(self) -> None:
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        version = self.get_meta("schema_version")
        if version is None:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS documents ("
                " path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, collection TEXT NOT NULL,"
                " pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,"
                " state TEXT NOT NULL, indexed_at REAL NOT NULL DEFAULT 0,"
                " pages_total INTEGER NOT NULL DEFAULT 0)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS documents_collection ON documents(collection)")
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(version) > SCHEMA_VERSION:
            raise StorageError("The document index was made by a newer version of SLM Assistant.",
                               "Update the app, or remove the index folder to rebuild it.")
        elif int(version) < 2:
            # Checked first: a run killed between the two statements must not fail the next open.
            if "pages_total" not in {r[1] for r in self._db.execute("PRAGMA table_info(documents)")}:
                self._write("ALTER TABLE documents ADD COLUMN pages_total INTEGER NOT NULL DEFAULT 0")
            self.set_meta("schema_version", "2")

    # ------------------------------------------------------------------ meta

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._write("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value))

    def embedder(self) -> tuple[str, int] | None:
        name, dim = self.get_meta("embedder_name"), self.get_meta("embedder_dimension")
        return (name, int(dim)) if name and dim else None

    def set_embedder(self, name: str, dimension: int) -> None:
        self.set_meta("embedder_name", name)
        self.set_meta("embedder_dimension", str(dimension))

    # ------------------------------------------------------------------ documents

    def begin(self, path: str, sha256: str, collection: str) -> None:
        with self._lock:
            self._write(
                "INSERT INTO documents(path, sha256, collection, state, indexed_at) VALUES (?, ?, ?, 'pending', ?) "
                "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, collection = excluded.collection,"
                " state = 'pending', pages = 0, chunks = 0, pages_total = 0",
                (path, sha256, collection, time.time()),
            )

    def finish(self, path: str, pages: int, chunks: int) -> None:
        with self._lock:
            self._write("UPDATE documents SET state = 'done', pages = ?, chunks = ?, pages_total = ?, indexed_at = ?"
                        " WHERE path = ?", (pages, chunks, pages, time.time(), path))

    def mark_partial(self, path: str, pages: int, pages_total: int, chunks: int) -> None:
        """Pages 1..``pages`` of ``pages_total`` are stored (``chunks`` chunks), and nothing past them."""
        with self._lock:
            self._write("UPDATE documents SET state = 'partial', pages = ?, pages_total = ?, chunks = ?, indexed_at = ?"
                        " WHERE path = ?", (pages, pages_total, chunks, time.time(), path))

    def resume(self, path: str) -> None:
        """A run continues a partial document: chunks past its ``pages`` are being written."""
        with self._lock:
            self._write("UPDATE documents SET state = 'resuming' WHERE path = ? AND state = 'partial'", (path,))

    def back_to_partial(self, path: str) -> None:
        """A stopped continuation was undone (the chunks past ``pages`` deleted): partial again."""
        with self._lock:
            self._write("UPDATE documents SET state = 'partial' WHERE path = ? AND state = 'resuming'", (path,))

    def remove(self, path: str) -> None:
        with self._lock:
            self._write("DELETE FROM documents WHERE path = ?", (path,))

    def remove_collection(self, collection: str) -> None:
        with self._lock:
            self._write("DELETE FROM documents WHERE collection = ?", (collection,))

    def get(self, path: str) -> DocumentRow | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLS} FROM documents WHERE path = ?", (path,)).fetchone()
            return DocumentRow(*row) if row else None

    def documents(self, collection: str | None = None,
                  state: str | tuple[str, ...] | None = LISTED) -> list[DocumentRow]:
        """Rows in ``state`` (one, several, or None: all); by default the listed documents."""
        sql, params = f"SELECT {_COLS} FROM documents WHERE 1=1", []
        if collection is not None:
            sql += " AND collection = ?"
            params.append(collection)
        if state is not None:
            states = (state,) if isinstance(state, str) else tuple(state)
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        with self._lock:
            return [DocumentRow(*r) for r in self._db.execute(sql + " ORDER BY collection, path", params)]

    def collection_names(self) -> list[str]:
        """Every collection that has a row, in any state (a running job's collection too)."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT DISTINCT collection FROM documents ORDER BY collection")]

    def has_documents(self) -> bool:
        """True when at least one document is listed (cheap: called before every search)."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM documents WHERE state IN ('done', 'partial', 'resuming') LIMIT 1"
                                    ).fetchone() is not None

    def pending(self) -> list[DocumentRow]:
        return self.documents(state="pending")

    def under(self, folder: str) -> list[DocumentRow]:
        """Documents whose path lies inside ``folder`` (any state)."""
        prefix = folder.rstrip("/\\")
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLS} FROM documents WHERE substr(path, 1, ?) = ?",
                                    (len(prefix) + 1, prefix + _sep(prefix))).fetchall()
        return [DocumentRow(*r) for r in rows]

    def reset(self) -> None:
        with self._lock:
            self._write("DELETE FROM documents")
            self._write("DELETE FROM meta WHERE key LIKE 'embedder_%'")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: tuple = ()) -> None:
        # A full or read-only disk must reach the user as one sentence, not as sqlite3 internals.
        try:
            self._db.execute(sql, params)
        except sqlite3.Error as exc:
            text = str(exc).lower()
            if "full" in text:
                raise disk_full_error("the document index list") from exc
            if "readonly" in text or "read-only" in text:
                raise read_only_error("the document index list") from exc
            raise StorageError(f"The document index list could not be updated ({exc}).") from exc


_COLS = "path, sha256, collection, pages, chunks, state, indexed_at, pages_total"


def _sep(path: str) -> str:
    return "\\" if ("\\" in path and "/" not in path) else "/"
