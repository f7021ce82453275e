"""ConversationStore: every conversation saved as it happens, in SQLite (WAL) in the data folder.

Thread rule: one connection shared by all threads, serialised by a lock. The GUI's workers save
streaming answers from pool threads while the GUI thread lists and searches; SQLite calls are
short, so one lock costs nothing noticeable and avoids "database is locked" between our own
threads. Other processes (a CLI ``ask`` next to the window) are handled by WAL + busy_timeout.

Every write is one transaction, so a failure (full disk, read-only folder) rolls back that write
only: what was saved before stays saved, and the caller gets a StorageError in plain words.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from desktop_app.core.errors import AppError, StorageError
from desktop_app.core.records import ROLES, STATUSES, Conversation, StoredMessage
from desktop_app.core.store_errors import storage_error_from_sqlite
from desktop_app.core.store_schema import ensure_search_index, migrate
from desktop_app.core.store_search import matching_conversation_ids


class ConversationStore:
    """Conversations and their messages in one SQLite file; safe to share between threads.

    Args:
        db_path: the database file (``AppPaths.conversations_db``); its folder is created.

    Raises:
        StorageError: the folder or file cannot be created or written, or the file is damaged.
    """

    def __init__(self, db_path: Path | str) -> None:
        self.path = Path(db_path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=10.0, isolation_level=None, check_same_thread=False)
            self._configure()
            migrate(self._conn)
            self.has_fts = ensure_search_index(self._conn)
            self.recovered = self._recover_interrupted()
        except (OSError, sqlite3.Error) as exc:
            self._close_quietly()
            raise storage_error_from_sqlite(exc, "your conversations", opening=True) from exc
        except BaseException:
            self._close_quietly()
            raise

    # ------------------------------------------------------------------ lifecycle

    def _configure(self) -> None:
        conn = self._conn
        assert conn is not None
        # A filesystem without shared memory (a network drive) may refuse WAL: still usable, just
        # not concurrent; health() reports the mode in use and self-test flags it.
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL survives an app crash (what users hit); only a power cut may lose the last write.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")

    def _recover_interrupted(self) -> int:
        """Mark answers left ``streaming`` by a process that no longer runs as ``stopped``.

        The received text was saved while streaming, so it is kept. An answer still being written
        by another live process (the window, while a CLI opens the file) is left alone.
        """
        rows = self._conn.execute("SELECT id, writer_pid FROM messages WHERE status = 'streaming'").fetchall()
        dead = [mid for mid, pid in rows if pid is None or pid == os.getpid() or not _process_alive(pid)]
        if dead:
            with self._transaction():
                self._conn.executemany(
                    "UPDATE messages SET status = 'stopped', writer_pid = NULL WHERE id = ?", [(m,) for m in dead]
                )
        return len(dead)

    def health(self) -> dict[str, Any]:
        """What ``self-test`` reports: journal mode, integrity check, counts, search engine."""
        with self._db("the health check") as conn:
            return {
                "journal_mode": str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower(),
                "integrity": conn.execute("PRAGMA quick_check").fetchone()[0],
                "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
                "conversations": conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0],
                "messages": conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0],
                "search": "FTS5" if self.has_fts else "LIKE",
            }

    def close(self) -> None:
        """Close the database (checkpointing the WAL); further calls raise StorageError."""
        with self._lock:
            self._close_quietly()

    def _close_quietly(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def __enter__(self) -> "ConversationStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _db(self, what: str) -> Iterator[sqlite3.Connection]:
        """Hold the lock and turn SQLite/OS failures into a StorageError about ``what``."""
        with self._lock:
            if self._conn is None:
                raise StorageError("The conversation database is closed.")
            try:
                yield self._conn
            except sqlite3.IntegrityError:
                raise  # a broken constraint is the caller's to explain (add_message: conversation gone)
            except (OSError, sqlite3.DatabaseError) as exc:
                raise storage_error_from_sqlite(exc, what) from exc

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # ------------------------------------------------------------------ conversations

    def create_conversation(self, title: str, collections: Sequence[str] = ()) -> Conversation:
        now = time.time()
        title = _clean_title(title)
        with self._db("the new conversation") as conn, self._transaction():
            cur = conn.execute(
                "INSERT INTO conversations(title, created_at, updated_at, collections) VALUES (?, ?, ?, ?)",
                (title, now, now, json.dumps(list(collections))),
            )
            cid = int(cur.lastrowid)
        return Conversation(id=cid, title=title, created_at=now, updated_at=now, collections=list(collections))

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        with self._db("the conversation") as conn:
            row = conn.execute(f"SELECT {_CONV_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        return _conversation(row) if row else None

    def list_conversations(self) -> list[Conversation]:
        """All conversations, most recently active first."""
        with self._db("the conversation list") as conn:
            rows = conn.execute(f"SELECT {_CONV_COLUMNS} FROM conversations ORDER BY updated_at DESC, id DESC").fetchall()
        return [_conversation(r) for r in rows]

    def search(self, text: str) -> list[Conversation]:
        """Conversations whose title or messages contain every word of ``text`` (prefixes match).

        Uses the FTS5 index when this SQLite has one, LIKE otherwise; newest first.
        """
        if not (text or "").strip():
            return self.list_conversations()
        where, params = matching_conversation_ids(text, self.has_fts)
        with self._db("the search") as conn:
            rows = conn.execute(
                f"SELECT {_CONV_COLUMNS} FROM conversations WHERE id IN ({where}) ORDER BY updated_at DESC, id DESC",
                params,
            ).fetchall()
        return [_conversation(r) for r in rows]

    def rename(self, conversation_id: int, title: str) -> None:
        with self._db("the new title") as conn, self._transaction():
            conn.execute(
                "UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?",
                (_clean_title(title), time.time(), conversation_id),
            )

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and its messages (no-op if it does not exist)."""
        with self._db("the deletion") as conn, self._transaction():
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def set_collections(self, conversation_id: int, names: Sequence[str]) -> None:
        """Remember which document collections this conversation searches."""
        unique = list(dict.fromkeys(str(n) for n in names))
        with self._db("the selected collections") as conn, self._transaction():
            conn.execute("UPDATE conversations SET collections = ? WHERE id = ?", (json.dumps(unique), conversation_id))

    # ------------------------------------------------------------------ messages

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        """The conversation's messages, oldest first."""
        with self._db("the messages") as conn:
            rows = conn.execute(
                f"SELECT {_MSG_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
            ).fetchall()
        return [_message(r) for r in rows]

    def get_message(self, message_id: int) -> StoredMessage | None:
        with self._db("the message") as conn:
            row = conn.execute(f"SELECT {_MSG_COLUMNS} FROM messages WHERE id = ?", (message_id,)).fetchone()
        return _message(row) if row else None

    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        status: str = "complete",
        meta: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Append a message.

        Raises:
            AppError: the conversation no longer exists (deleted from another window).
            StorageError: the disk is full or read-only; nothing saved before is lost.
        """
        _check(role=role, status=status)
        now = time.time()
        meta = dict(meta or {})
        pid = os.getpid() if status == "streaming" else None
        try:
            with self._db("the message") as conn, self._transaction():
                cur = conn.execute(
                    "INSERT INTO messages(conversation_id, role, content, status, meta, created_at, writer_pid) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (conversation_id, role, content, status, _dumps(meta), now, pid),
                )
                conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
                mid = int(cur.lastrowid)
        except sqlite3.IntegrityError:
            raise AppError("That conversation no longer exists.", "Start a new conversation.") from None
        return StoredMessage(
            id=mid, conversation_id=conversation_id, role=role, content=content,  # type: ignore[arg-type]
            created_at=now, status=status, meta=meta,
        )

    def update_message(
        self,
        message_id: int,
        content: str | None = None,
        status: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Change a message's text, status and/or meta (``meta`` replaces the old one)."""
        if status is not None:
            _check(status=status)
        sets: list[str] = []
        params: list[Any] = []
        if content is not None:
            sets.append("content = ?")
            params.append(content)
        if status is not None:
            sets += ["status = ?", "writer_pid = ?"]
            params += [status, os.getpid() if status == "streaming" else None]
        if meta is not None:
            sets.append("meta = ?")
            params.append(_dumps(meta))
        if not sets:
            return
        now = time.time()
        with self._db("the answer") as conn, self._transaction():
            conn.execute(f"UPDATE messages SET {', '.join(sets)} WHERE id = ?", (*params, message_id))
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)",
                (now, message_id),
            )

    def delete_message(self, message_id: int) -> None:
        with self._db("the deletion") as conn, self._transaction():
            conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    # ------------------------------------------------------------------ export / import

    def export_markdown(self, conversation_id: int) -> str:
        """A readable Markdown transcript with where each answer came from and its sources."""
        from desktop_app.core.conversation_export import to_markdown

        conv = self._require(conversation_id)
        return to_markdown(conv, self.messages(conversation_id))

    def export_json(self, conversation_id: int) -> dict[str, Any]:
        """Everything stored about the conversation, losslessly (``import_json`` reads it back)."""
        from desktop_app.core.conversation_export import to_json

        conv = self._require(conversation_id)
        return to_json(conv, self.messages(conversation_id))

    def import_json(self, data: dict[str, Any]) -> Conversation:
        """Add a conversation exported by ``export_json`` (as a new conversation with new ids)."""
        from desktop_app.core.conversation_export import parse_json

        conv, msgs = parse_json(data)
        with self._db("the imported conversation") as conn, self._transaction():
            cid = int(conn.execute(
                "INSERT INTO conversations(title, created_at, updated_at, collections) VALUES (?, ?, ?, ?)",
                (conv.title, conv.created_at, conv.updated_at, json.dumps(conv.collections)),
            ).lastrowid)
            conn.executemany(
                "INSERT INTO messages(conversation_id, role, content, status, meta, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(cid, m.role, m.content, "stopped" if m.status == "streaming" else m.status, _dumps(m.meta),
                  m.created_at) for m in msgs],
            )
        return self.get_conversation(cid)  # type: ignore[return-value]

    def _require(self, conversation_id: int) -> Conversation:
        conv = self.get_conversation(conversation_id)
        if conv is None:
            raise AppError("That conversation no longer exists.")
        return conv


_CONV_COLUMNS = "id, title, created_at, updated_at, collections"
_MSG_COLUMNS = "id, conversation_id, role, content, created_at, status, meta"


def _conversation(row: tuple) -> Conversation:
    return Conversation(id=row[0], title=row[1], created_at=row[2], updated_at=row[3], collections=_loads(row[4], []))


def _message(row: tuple) -> StoredMessage:
    return StoredMessage(
        id=row[0], conversation_id=row[1], role=row[2], content=row[3], created_at=row[4], status=row[5],
        meta=_loads(row[6], {}),
    )


def _dumps(value: Any) -> str:
    # default=str: a stray Path or datetime in meta must never make saving an answer fail.
    return json.dumps(value, ensure_ascii=False, default=str)


def _loads(text: str, fallback: Any) -> Any:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return fallback
    return value if isinstance(value, type(fallback)) else fallback


def _clean_title(title: str) -> str:
    return " ".join(str(title).split()) or "New conversation"


def _check(role: str | None = None, status: str | None = None) -> None:
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (never signals it: os.kill(pid, 0) kills on Windows)."""
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but belongs to someone else
    return True


__all__ = ["ConversationStore", "STATUSES"]
