"""Document metadata (title, organisation, type, period) kept in the index manifest's SQLite file.

A table of its own (``document_meta``) beside the manifest's ``documents`` table, versioned with
its own key in the manifest's ``meta`` table, so an index built before it existed opens unchanged:
its documents simply have no row yet (format 0), and the next indexing run of them reads their
metadata and re-embeds their passages with contextual headers (``Indexer`` compares the format).

What the indexer read (``auto``) and what the user typed (``user``) are kept apart: re-indexing
a changed file refreshes the first and never loses the second.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from desktop_app.core.errors import StorageError, storage_error_from_os
from desktop_app.rag.doc_meta import FIELDS, DocumentMeta
from desktop_app.rag.sqlite_db import connect_wal

TABLE_VERSION = 1


class DocumentMetaStore:
    """Per-document metadata; thread-safe; ``all()`` is cached until any connection writes."""

    def __init__(self, db_path: Path) -> None:
        self._lock = threading.RLock()
        self._cache: dict[str, DocumentMeta] | None = None
        self._cache_version = -1
        try:
            self._db = connect_wal(db_path, "NORMAL")
            self._db.execute("PRAGMA busy_timeout = 5000")
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = self._db.execute("SELECT value FROM meta WHERE key = 'document_meta_version'").fetchone()
            if row is not None and int(row[0]) > TABLE_VERSION:
                raise StorageError("The document index was made by a newer version of SLM Assistant.",
                                   "Update the app, or remove the index folder to rebuild it.")
            self._db.execute("CREATE TABLE IF NOT EXISTS document_meta (path TEXT PRIMARY KEY, auto TEXT NOT NULL DEFAULT '',"
                             " user TEXT NOT NULL DEFAULT '', format INTEGER NOT NULL DEFAULT 0)")
            if row is None:
                self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('document_meta_version', ?)",
                                 (str(TABLE_VERSION),))
        except sqlite3.Error as exc:
            raise StorageError(f"The document index list could not be opened ({exc}).",
                               "Remove the index folder to start again, or check the disk.") from exc
        except OSError as exc:
            raise storage_error_from_os(exc, "the document index") from exc

    # ------------------------------------------------------------------ reading

    def get(self, path: str) -> DocumentMeta:
        """The metadata shown and used for ``path``: what was read, overridden by what the user set."""
        with self._lock:
            row = self._db.execute("SELECT auto, user FROM document_meta WHERE path = ?", (path,)).fetchone()
        return _effective(*row) if row else DocumentMeta()

    def user_fields(self, path: str) -> dict[str, str]:
        with self._lock:
            row = self._db.execute("SELECT user FROM document_meta WHERE path = ?", (path,)).fetchone()
        return _user(row[0]) if row else {}

    def format(self, path: str) -> int:
        """The index format the document's passages were written in (0: before document metadata)."""
        with self._lock:
            row = self._db.execute("SELECT format FROM document_meta WHERE path = ?", (path,)).fetchone()
        return int(row[0]) if row else 0

    def all(self) -> dict[str, DocumentMeta]:
        """Every document's effective metadata (cached; re-read after a write by any process)."""
        with self._lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if self._cache is None or version != self._cache_version:
                rows = self._db.execute("SELECT path, auto, user FROM document_meta").fetchall()
                self._cache = {path: _effective(auto, user) for path, auto, user in rows}
                self._cache_version = version
            return self._cache

    # ------------------------------------------------------------------ writing

    def put_auto(self, path: str, meta: DocumentMeta, format_: int) -> None:
        """Record what indexing read, and the format its passages were written in (keeps user edits)."""
        self._write("INSERT INTO document_meta(path, auto, format) VALUES (?, ?, ?) "
                    "ON CONFLICT(path) DO UPDATE SET auto = excluded.auto, format = excluded.format",
                    (path, meta.to_json(), format_))

    def set_user(self, path: str, **changes: str) -> DocumentMeta:
        """Override fields for ``path`` ("" clears an override); returns the effective metadata.

        The passages keep their old header until the document is indexed again, so the format is
        reset: the next indexing run of the document rewrites them.
        """
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown metadata fields: {sorted(unknown)}")
        with self._lock:
            user = self.user_fields(path)
            for key, value in changes.items():
                if value is None:
                    continue
                if value.strip():
                    user[key] = value.strip()
                else:
                    user.pop(key, None)
            self._write("INSERT INTO document_meta(path, user, format) VALUES (?, ?, 0) "
                        "ON CONFLICT(path) DO UPDATE SET user = excluded.user, format = 0",
                        (path, json.dumps(user, ensure_ascii=False, sort_keys=True)))
            return self.get(path)

    def remove(self, path: str) -> None:
        self._write("DELETE FROM document_meta WHERE path = ?", (path,))

    def remove_missing(self, known: set[str]) -> None:
        """Forget documents no longer in the manifest (a removed collection, a reset index)."""
        with self._lock:
            stale = [p for (p,) in self._db.execute("SELECT path FROM document_meta") if p not in known]
            for path in stale:
                self._write("DELETE FROM document_meta WHERE path = ?", (path,))

    def reset(self) -> None:
        self._write("DELETE FROM document_meta", ())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: tuple) -> None:
        with self._lock:
            try:
                self._db.execute(sql, params)
            except sqlite3.Error as exc:
                text = str(exc).lower()
                if "full" in text:
                    raise StorageError("The disk is full, so the document details could not be saved.",
                                       "Free some disk space and try again.") from exc
                raise StorageError(f"The document details could not be saved ({exc}).") from exc


def _user(text: str) -> dict[str, str]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return {k: str(v) for k, v in data.items() if k in FIELDS}


def _effective(auto: str, user: str) -> DocumentMeta:
    meta = DocumentMeta.from_json(auto)
    overrides = _user(user)
    return meta.updated(**overrides) if overrides else meta
