"""Conversation export: readable Markdown with route and citations; lossless JSON."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import AppError


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


@pytest.fixture
def conv(store):
    c = store.create_conversation("Contract questions")
    store.set_collections(c.id, ["contracts"])
    store.add_message(c.id, "user", "What is the notice period?")
    store.add_message(
        c.id, "assistant", "Three months, see [1].",
        meta={
            "route": "local", "model": "gemma-3-270m", "reason": "Answered on this device.",
            "sources": [{"n": 1, "source": "/docs/lease agreement.pdf", "page": 4, "text": "Notice:\n three months.", "score": 0.8}],
            "timings": {"ttft_s": 0.2, "tokens_per_s": 30.0},
        },
    )
    store.add_message(c.id, "user", "Summarise the whole contract in detail")
    store.add_message(
        c.id, "assistant", "The contract covers",
        status="stopped",
        meta={"route": "cloud", "model": "gpt-4o-mini", "reason": "Long-form writing is beyond the local model.",
              "notices": ["Your e-mail address was replaced before sending."]},
    )
    return c


def test_markdown_is_readable_with_route_model_and_citations(store, conv):
    md = store.export_markdown(conv.id)
    assert md.startswith("# Contract questions\n")
    assert "documents: contracts" in md
    assert md.count("### You") == 2
    assert "### Assistant · On this device · gemma-3-270m" in md
    assert "### Assistant · Cloud · gpt-4o-mini" in md
    assert "> Why the cloud: Long-form writing is beyond the local model." in md
    assert "1. lease agreement.pdf, page 4 — “Notice: three months.”" in md
    assert "Stopped before the end" in md
    assert "> Note: Your e-mail address was replaced before sending." in md
    # Order is the conversation's order.
    assert md.index("notice period") < md.index("Three months") < md.index("Summarise") < md.index("covers")


def test_json_is_lossless_and_reimports(store, conv):
    data = store.export_json(conv.id)
    text = json.dumps(data)  # plain JSON types only
    back = json.loads(text)
    assert back["format"] == "slm-assistant.conversation"
    assert back["conversation"]["title"] == "Contract questions"
    assert back["conversation"]["collections"] == ["contracts"]
    original = store.messages(conv.id)
    assert [(m["role"], m["content"], m["status"], m["meta"], m["created_at"]) for m in back["messages"]] == [
        (m.role, m.content, m.status, m.meta, m.created_at) for m in original
    ]
    copy = store.import_json(back)
    assert copy.id != conv.id and copy.title == conv.title and copy.collections == ["contracts"]
    assert [(m.role, m.content, m.status, m.meta, m.created_at) for m in store.messages(copy.id)] == [
        (m.role, m.content, m.status, m.meta, m.created_at) for m in original
    ]


def test_import_rejects_other_files(store):
    with pytest.raises(AppError, match="not an SLM Assistant"):
        store.import_json({"hello": 1})
    with pytest.raises(AppError, match="damaged"):
        store.import_json({"format": "slm-assistant.conversation", "version": 1, "conversation": {}, "messages": []})


def test_export_of_missing_conversation(store):
    with pytest.raises(AppError, match="no longer exists"):
        store.export_markdown(424242)
