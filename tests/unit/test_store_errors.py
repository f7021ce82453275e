"""ConversationStore failures: full disk, read-only, unusable folder, damaged file -> StorageError.

Tests run as root, which ignores file permissions, so each failure is produced for real by
other means SQLite honours: ``PRAGMA query_only`` (SQLITE_READONLY), ``max_page_count``
(SQLITE_FULL), a file where the data folder should be, a directory or garbage where the
database should be. In every case what was saved before must still be there afterwards.
"""

from __future__ import annotations

import errno
import sqlite3

import pytest

from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import StorageError
from desktop_app.core.store_errors import storage_error_from_sqlite


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "conversations.sqlite3"


def _saved(db_path) -> list[str]:
    s = ConversationStore(db_path)
    try:
        return [m.content for c in s.list_conversations() for m in s.messages(c.id)]
    finally:
        s.close()


def test_read_only_database_gives_plain_error_and_keeps_saved_data(db_path):
    s = ConversationStore(db_path)
    c = s.create_conversation("t")
    s.add_message(c.id, "user", "saved before")
    s._conn.execute("PRAGMA query_only = ON")  # every write now fails with SQLITE_READONLY
    with pytest.raises(StorageError) as info:
        s.add_message(c.id, "assistant", "lost?")
    assert "read-only" in str(info.value)
    assert "Traceback" not in str(info.value)
    with pytest.raises(StorageError):
        s.rename(c.id, "x")
    assert [m.content for m in s.messages(c.id)] == ["saved before"]  # reading still works
    s.close()
    assert _saved(db_path) == ["saved before"]


def test_full_disk_gives_plain_error_and_keeps_saved_data(db_path):
    s = ConversationStore(db_path)
    c = s.create_conversation("t")
    m = s.add_message(c.id, "assistant", "first part", status="streaming")
    pages = s._conn.execute("PRAGMA page_count").fetchone()[0]
    s._conn.execute(f"PRAGMA max_page_count = {pages}")  # no room to grow: SQLITE_FULL
    with pytest.raises(StorageError) as info:
        s.update_message(m.id, content="first part " + "x" * 200_000)
    assert "disk is full" in str(info.value)
    assert "Free some disk space" in str(info.value)
    s.close()
    assert _saved(db_path) == ["first part"]


def test_file_in_place_of_data_folder(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="a file is in its place"):
        ConversationStore(blocker / "conversations.sqlite3")
    assert blocker.read_text() == "not a folder"


def test_directory_in_place_of_database(db_path):
    db_path.mkdir(parents=True)
    with pytest.raises(StorageError, match="cannot be opened"):
        ConversationStore(db_path)


def test_damaged_database_is_reported_and_left_untouched(db_path):
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not sqlite at all" * 100
    db_path.write_bytes(garbage)
    with pytest.raises(StorageError, match="damaged"):
        ConversationStore(db_path)
    assert db_path.read_bytes() == garbage


def test_closed_store_raises_storage_error(db_path):
    s = ConversationStore(db_path)
    s.close()
    with pytest.raises(StorageError, match="closed"):
        s.list_conversations()


@pytest.mark.parametrize(
    "exc, expected",
    [
        (OSError(errno.ENOSPC, "No space left on device"), "disk is full"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only"),
        (OSError(errno.EACCES, "Permission denied"), "read-only"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), "a file is in its place"),
        (sqlite3.OperationalError("database or disk is full"), "disk is full"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
        (sqlite3.OperationalError("database is locked"), "busy"),
        (sqlite3.DatabaseError("file is not a database"), "damaged"),
    ],
)
def test_error_mapping_table(exc, expected):
    err = storage_error_from_sqlite(exc, "your conversations")
    assert isinstance(err, StorageError)
    assert expected in str(err)


def test_truly_read_only_folder_new_database(tmp_path):
    from tests.core_helpers import immutable

    data = tmp_path / "data"
    data.mkdir()
    with immutable(data):
        with pytest.raises(StorageError) as info:
            ConversationStore(data / "conversations.sqlite3")
    assert "read-only" in str(info.value)


def test_truly_read_only_database_keeps_what_was_saved(db_path):
    from tests.core_helpers import immutable

    s = ConversationStore(db_path)
    c = s.create_conversation("t")
    s.add_message(c.id, "user", "saved before")
    s.close()  # checkpoints the WAL into the main file
    with immutable(db_path, db_path.parent):
        try:
            s = ConversationStore(db_path)
        except StorageError as exc:  # SQLite may refuse to open WAL files it cannot create
            assert "read-only" in str(exc)
        else:
            try:
                assert [m.content for m in s.messages(c.id)] == ["saved before"]
                with pytest.raises(StorageError, match="read-only"):
                    s.add_message(c.id, "assistant", "new")
            finally:
                s.close()
    assert _saved(db_path) == ["saved before"]
