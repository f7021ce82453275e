"""On-disk schema of the conversation database, versioned with ``PRAGMA user_version``.

Each migration takes the database from version N-1 to N inside one transaction and is
recorded in ``schema_migrations``; a later app version appends migrations, never edits old
ones. The full-text index (FTS5) is kept outside the numbered migrations because it depends
on the SQLite build: it is created when FTS5 exists and simply absent (LIKE search) otherwise.
"""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Callable

from desktop_app.core.errors import StorageError


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would commit the migration's transaction first; run statements one by one.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE conversations (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            title       TEXT    NOT NULL,
            created_at  REAL    NOT NULL,
            updated_at  REAL    NOT NULL,
            collections TEXT    NOT NULL DEFAULT '[]'
        );
        CREATE TABLE messages (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content         TEXT    NOT NULL DEFAULT '',
            status          TEXT    NOT NULL DEFAULT 'complete',
            meta            TEXT    NOT NULL DEFAULT '{}',
            created_at      REAL    NOT NULL,
            writer_pid      INTEGER
        );
        CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
        CREATE INDEX conversations_by_update ON conversations(updated_at DESC);
        """
    )


# Index i holds the migration to version i + 1. Append only.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to ``SCHEMA_VERSION``; return the version it had before.

    Raises:
        StorageError: the file was written by a newer version of the app.
    """
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    before = conn.execute("PRAGMA user_version").fetchone()[0]
    if before > SCHEMA_VERSION:
        raise StorageError(
            "Your conversations were saved by a newer version of SLM Assistant.",
            "Update the app to open them; nothing was changed.",
        )
    for version in range(before + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version - 1](conn)
            conn.execute("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)", (version, time.time()))
            # PRAGMA takes no parameters; ``version`` is an int from our own table.
            conn.execute(f"PRAGMA user_version = {int(version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return before


def fts5_available(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        conn.execute("DROP TABLE temp.fts5_probe")
        return True
    except sqlite3.OperationalError:
        return False


_FTS_TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS messages_fts_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER IF NOT EXISTS messages_fts_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER IF NOT EXISTS messages_fts_au AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER IF NOT EXISTS conversations_fts_ai AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER IF NOT EXISTS conversations_fts_ad AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER IF NOT EXISTS conversations_fts_au AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
END;
"""

_FTS_TRIGGER_NAMES = tuple(re.findall(r"CREATE TRIGGER IF NOT EXISTS (\w+)", _FTS_TRIGGERS))


def ensure_search_index(conn: sqlite3.Connection) -> bool:
    """Create (or rebuild) the FTS5 index when this SQLite has FTS5; return whether it is usable.

    Without FTS5 the triggers are dropped, so a database made elsewhere stays writable here.
    """
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_fts%'")}
    if not fts5_available(conn):
        for name in _FTS_TRIGGER_NAMES:
            if name in have:
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        created = False
        if "messages_fts" not in have:
            conn.execute("CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id')")
            created = True
        if "conversations_fts" not in have:
            conn.execute(
                "CREATE VIRTUAL TABLE conversations_fts USING fts5(title, content='conversations', content_rowid='id')"
            )
            created = True
        # executescript() would commit the open transaction, so run the triggers one by one.
        for statement in _FTS_TRIGGERS.split("END;"):
            if statement.strip():
                conn.execute(statement + "END;")
        if created:
            # External-content tables start empty: index what the database already holds.
            conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
            conn.execute("INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild')")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True
