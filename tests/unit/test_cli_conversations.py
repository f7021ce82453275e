"""`slm-assistant conversations`: list, search, export (policy-aware, atomic), rename, delete."""

from __future__ import annotations

import json

from desktop_app.config.paths import AppPaths
from desktop_app.core.conversation_store import ConversationStore
from tests.unit.cli_fakes import run_cli


def _seed() -> tuple[int, int]:
    with ConversationStore(AppPaths.resolve().conversations_db) as s:
        a = s.create_conversation("Trip to Lyon")
        s.add_message(a.id, "user", "Which train goes to Lyon?")
        s.add_message(a.id, "assistant", "The TGV.", meta={"route": "local", "model": "gemma"})
        b = s.create_conversation("Taxes")
        s.add_message(b.id, "user", "Freelance income?")
        return a.id, b.id


def test_list_and_search(capsys):
    a, b = _seed()
    code, out, _ = run_cli(capsys, "conversations", "list")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == [str(b), str(a)]
    code, out, _ = run_cli(capsys, "conversations", "search", "--json", "TGV")
    assert [c["id"] for c in json.loads(out)["conversations"]] == [a]


def test_export_markdown_json_and_to_a_file(capsys, tmp_path):
    a, _ = _seed()
    code, out, _ = run_cli(capsys, "conversations", "export", str(a))
    assert code == 0 and out.startswith("# Trip to Lyon") and "On this device · gemma" in out
    code, out, _ = run_cli(capsys, "conversations", "export", str(a), "--format", "json")
    assert json.loads(out)["messages"][1]["content"] == "The TGV."
    target = tmp_path / "out" / "trip.md"
    code, out, err = run_cli(capsys, "conversations", "export", str(a), "-o", str(target))
    assert code == 0 and out == "" and target.read_text().startswith("# Trip to Lyon")
    assert [p.name for p in target.parent.iterdir()] == ["trip.md"]


def test_export_refused_by_policy_and_unknown_id(capsys, tmp_path, monkeypatch):
    a, _ = _seed()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"privacy": {"allow_export": False}}))
    monkeypatch.setenv("SLM_ASSISTANT_POLICY_FILE", str(policy))
    code, out, err = run_cli(capsys, "conversations", "export", str(a))
    assert code != 0 and out == "" and "turned off by your organization" in err
    code, _, err = run_cli(capsys, "conversations", "export", "999")
    assert code != 0 and "There is no conversation 999." in err


def test_rename_and_delete(capsys):
    a, b = _seed()
    assert run_cli(capsys, "conversations", "rename", str(a), "Lyon", "by", "train")[0] == 0
    assert run_cli(capsys, "conversations", "delete", str(b))[0] == 0
    with ConversationStore(AppPaths.resolve().conversations_db) as s:
        assert [(c.id, c.title) for c in s.list_conversations()] == [(a, "Lyon by train")]
        assert s.messages(b) == []
