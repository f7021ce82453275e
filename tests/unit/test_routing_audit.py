"""The audit log: append-only JSON Lines, read back, damaged lines skipped, CLI output."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.errors import StorageError
from desktop_app.core.records import Message
from desktop_app.routing.audit import AuditLog


def test_record_and_read(tmp_path):
    log = AuditLog(tmp_path / "a" / "audit.jsonl")
    log.record("https://api.example.com/v1", "gpt-x", [Message("system", "Be brief."), Message("user", "Mail [EMAIL_1]")],
               document_chars=120, reason="code", redactions={"EMAIL": 1})
    log.record("https://api.example.com/v1", "gpt-x", [Message("user", "second")], document_chars=0)
    lines = (tmp_path / "a" / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["messages"][1]["content"] == "Mail [EMAIL_1]"
    entries = log.entries()
    assert [e.document_chars for e in entries] == [120, 0]
    assert entries[0].text == "[system]\nBe brief.\n\n[user]\nMail [EMAIL_1]"
    assert entries[0].redactions == {"EMAIL": 1}


def test_damaged_line_is_skipped(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("e", "m", [Message("user", "one")], 0)
    with open(log.path, "a") as fh:
        fh.write("{not json\n")
    log.record("e", "m", [Message("user", "two")], 0)
    assert [e.messages[0]["content"] for e in log.entries()] == ["one", "two"]


def test_unwritable_log_raises_plain_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        AuditLog(blocker / "audit.jsonl").record("e", "m", [Message("user", "q")], 0)


def test_audit_cli(capsys):
    from desktop_app.app import build_core
    from desktop_app.cli import main

    core = build_core()
    AuditLog(core.paths.audit_log).record("http://127.0.0.1:9/v1", "m1", [Message("user", "hello [PHONE_1]")], 42, "maths", {"PHONE": 1})
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "m1" in out and "hello [PHONE_1]" in out and "42" in out
    assert main(["audit", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["document_chars"] == 42 and data[0]["endpoint"] == "http://127.0.0.1:9/v1"


def test_audit_cli_empty(capsys):
    from desktop_app.cli import main

    assert main(["audit"]) == 0
    assert "Nothing has been sent" in capsys.readouterr().out
