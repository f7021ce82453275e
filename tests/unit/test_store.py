"""ConversationStore: CRUD, search (FTS5 and LIKE), WAL, schema versioning, crash recovery, threads."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import AppError, StorageError
from desktop_app.core.store_schema import SCHEMA_VERSION


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "conversations.sqlite3"


@pytest.fixture
def store(db_path):
    s = ConversationStore(db_path)
    yield s
    s.close()


def test_create_get_and_list_newest_first(store):
    a = store.create_conversation("First")
    time.sleep(0.01)
    b = store.create_conversation("  Second   one ")
    assert b.title == "Second one"
    assert store.get_conversation(a.id).title == "First"
    assert store.get_conversation(9999) is None
    assert [c.id for c in store.list_conversations()] == [b.id, a.id]
    # A new message makes a conversation the most recent one.
    time.sleep(0.01)
    store.add_message(a.id, "user", "hello again")
    assert [c.id for c in store.list_conversations()] == [a.id, b.id]


def test_rename_delete_and_collections(store):
    c = store.create_conversation("Old")
    store.add_message(c.id, "user", "q")
    store.rename(c.id, "New title")
    store.set_collections(c.id, ["contracts", "hr", "contracts"])
    got = store.get_conversation(c.id)
    assert got.title == "New title"
    assert got.collections == ["contracts", "hr"]
    store.delete_conversation(c.id)
    assert store.get_conversation(c.id) is None
    assert store.messages(c.id) == []  # cascade
    store.delete_conversation(c.id)  # deleting twice is harmless


def test_messages_roundtrip_meta_and_update(store):
    c = store.create_conversation("t")
    q = store.add_message(c.id, "user", "What is 2+2?")
    a = store.add_message(c.id, "assistant", "", status="streaming", meta={"route": "local", "model": "m"})
    store.update_message(a.id, content="It is")
    store.update_message(a.id, content="It is 4.", status="complete",
                         meta={"route": "local", "model": "m", "timings": {"ttft_s": 0.1}, "ünï": "cødé"})
    msgs = store.messages(c.id)
    assert [m.id for m in msgs] == [q.id, a.id]
    assert msgs[1].content == "It is 4."
    assert msgs[1].status == "complete"
    assert msgs[1].meta == {"route": "local", "model": "m", "timings": {"ttft_s": 0.1}, "ünï": "cødé"}
    assert store.get_message(a.id).content == "It is 4."
    store.delete_message(q.id)
    assert [m.id for m in store.messages(c.id)] == [a.id]


def test_invalid_role_or_status_and_missing_conversation(store):
    c = store.create_conversation("t")
    with pytest.raises(ValueError):
        store.add_message(c.id, "robot", "x")
    with pytest.raises(ValueError):
        store.add_message(c.id, "user", "x", status="weird")
    store.delete_conversation(c.id)
    with pytest.raises(AppError, match="no longer exists"):
        store.add_message(c.id, "user", "x")


@pytest.fixture(params=["fts5", "like"])
def searchable(request, store):
    if request.param == "like":
        store.has_fts = False  # the fallback path for SQLite builds without FTS5
    else:
        assert store.has_fts, "this SQLite has FTS5; the store should use it"
    return store


def test_search_titles_messages_prefixes_and_all_words(searchable):
    s = searchable
    trip = s.create_conversation("Trip planning")
    s.add_message(trip.id, "user", "Which trains go from Lyon to Marseille?")
    s.add_message(trip.id, "assistant", "The TGV runs hourly.")
    tax = s.create_conversation("Taxes")
    s.add_message(tax.id, "user", "How do I declare freelance income?")

    ids = lambda q: [c.id for c in s.search(q)]  # noqa: E731
    assert ids("trip") == [trip.id]  # title
    assert ids("marseille") == [trip.id]  # message text, case-insensitive
    assert ids("freel") == [tax.id]  # prefix
    assert ids("TGV lyon") == [trip.id]  # every word, across messages of one conversation
    assert ids("TGV income") == []  # words in different conversations
    assert ids("nothing-like-this") == []
    assert set(ids("")) == {trip.id, tax.id}


def test_search_follows_edits_renames_and_deletes(searchable):
    s = searchable
    c = s.create_conversation("Alpha")
    m = s.add_message(c.id, "assistant", "", status="streaming")
    assert s.search("zebra") == []
    s.update_message(m.id, content="a zebra crossing")
    assert [x.id for x in s.search("zebra")] == [c.id]
    s.rename(c.id, "Beta")
    assert s.search("alpha") == [] and [x.id for x in s.search("beta")] == [c.id]
    s.delete_message(m.id)
    assert s.search("zebra") == []
    s.delete_conversation(c.id)
    assert s.search("beta") == []


def test_search_treats_fts_syntax_as_text(searchable):
    s = searchable
    c = s.create_conversation('He said "NEAR" AND OR*')
    assert [x.id for x in s.search('"near" AND')] == [c.id]
    assert s.search("???") == []


def test_wal_mode_and_schema_version_recorded(store, db_path):
    c = store.create_conversation("t")
    store.add_message(c.id, "user", "hi")
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        versions = [r[0] for r in other.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
    finally:
        other.close()


def test_reopen_keeps_everything_and_does_not_migrate_twice(db_path):
    s = ConversationStore(db_path)
    c = s.create_conversation("kept")
    s.add_message(c.id, "user", "remember me")
    s.close()
    s2 = ConversationStore(db_path)
    try:
        assert [m.content for m in s2.messages(c.id)] == ["remember me"]
        assert s2._conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION
    finally:
        s2.close()


def test_newer_schema_is_refused_without_changes(db_path):
    ConversationStore(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(StorageError, match="newer version"):
        ConversationStore(db_path)
    assert db_path.read_bytes() == before


def test_search_index_is_rebuilt_for_a_database_without_one(db_path):
    s = ConversationStore(db_path)
    c = s.create_conversation("Gardening")
    s.add_message(c.id, "user", "When to plant tulips?")
    s.close()
    conn = sqlite3.connect(db_path)  # as if written by a SQLite without FTS5
    for name in ("messages_fts_ai", "messages_fts_ad", "messages_fts_au",
                 "conversations_fts_ai", "conversations_fts_ad", "conversations_fts_au"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE messages_fts")
    conn.execute("DROP TABLE conversations_fts")
    conn.commit()
    conn.close()
    s = ConversationStore(db_path)
    try:
        assert [x.id for x in s.search("tulips")] == [c.id]
    finally:
        s.close()


_KILLED_MID_ANSWER = """
import os, sys
from desktop_app.core.conversation_store import ConversationStore
s = ConversationStore(sys.argv[1])
c = s.create_conversation("crash")
s.add_message(c.id, "user", "Tell me a story")
m = s.add_message(c.id, "assistant", "", status="streaming", meta={"route": "local", "model": "m"})
s.update_message(m.id, content="Once upon a time")
os._exit(9)  # killed mid-answer: no close, no final status
"""


def test_answer_streaming_when_the_app_died_becomes_stopped_with_its_text(db_path):
    db_path.parent.mkdir(parents=True)
    subprocess.run([sys.executable, "-c", _KILLED_MID_ANSWER, str(db_path)], check=False, timeout=60)
    s = ConversationStore(db_path)
    try:
        assert s.recovered == 1
        (conv,) = s.list_conversations()
        q, a = s.messages(conv.id)
        assert (q.content, q.status) == ("Tell me a story", "complete")
        assert (a.content, a.status) == ("Once upon a time", "stopped")
        assert a.meta["model"] == "m"
    finally:
        s.close()


def test_answer_still_streaming_in_another_live_process_is_left_alone(db_path):
    s = ConversationStore(db_path)
    c = s.create_conversation("t")
    m = s.add_message(c.id, "assistant", "partial", status="streaming")
    s.close()
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        conn = sqlite3.connect(db_path)
        conn.execute("UPDATE messages SET writer_pid = ? WHERE id = ?", (writer.pid, m.id))
        conn.commit()
        conn.close()
        s = ConversationStore(db_path)
        assert s.get_message(m.id).status == "streaming"
        s.close()
    finally:
        writer.kill()
        writer.wait()
    s = ConversationStore(db_path)  # the writer is gone now
    try:
        assert s.get_message(m.id).status == "stopped"
    finally:
        s.close()


def test_concurrent_writers_from_threads(store):
    c = store.create_conversation("busy")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(40):
                m = store.add_message(c.id, "assistant", "", status="streaming")
                store.update_message(m.id, content=f"t{n}-{i}", status="complete")
                store.search(f"t{n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    msgs = store.messages(c.id)
    assert len(msgs) == 240
    assert {m.status for m in msgs} == {"complete"}
    assert len({m.content for m in msgs}) == 240


def test_a_later_schema_version_migrates_existing_data(db_path, monkeypatch):
    import desktop_app.core.store_schema as schema

    s = ConversationStore(db_path)
    c = s.create_conversation("before the upgrade")
    s.add_message(c.id, "user", "old message")
    s.close()

    def v2(conn):
        conn.execute("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, v2])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    s = ConversationStore(db_path)
    try:
        conn = s._conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert conn.execute("SELECT pinned FROM conversations WHERE id = ?", (c.id,)).fetchone()[0] == 0
        assert [m.content for m in s.messages(c.id)] == ["old message"]
        assert [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY version")] == \
            list(range(1, SCHEMA_VERSION + 2))
    finally:
        s.close()


def test_a_failing_migration_changes_nothing(db_path, monkeypatch):
    import desktop_app.core.store_schema as schema

    s = ConversationStore(db_path)
    c = s.create_conversation("kept")
    s.close()

    def broken(conn):
        conn.execute("ALTER TABLE conversations ADD COLUMN half_done INTEGER")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StorageError):
        ConversationStore(db_path)
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = [r[1] for r in conn.execute("PRAGMA table_info(conversations)")]
        assert "half_done" not in columns  # the whole step was rolled back
        assert conn.execute("SELECT title FROM conversations WHERE id = ?", (c.id,)).fetchone()[0] == "kept"
    finally:
        conn.close()


def test_health_reports_wal_integrity_and_counts(store):
    c = store.create_conversation("t")
    store.add_message(c.id, "user", "x")
    assert store.health() == {"journal_mode": "wal", "integrity": "ok", "schema_version": SCHEMA_VERSION,
                              "conversations": 1, "messages": 1, "search": "FTS5"}


def test_search_does_not_treat_like_wildcards_as_wildcards(searchable):
    s = searchable
    exact = s.create_conversation("file_name check")
    s.create_conversation("fileXname check")
    assert [c.id for c in s.search("file_name")] == [exact.id]
