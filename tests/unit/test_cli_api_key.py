"""`config set-api-key` keeps the key in the keychain (read from stdin, never echoed or saved)."""

import io

from desktop_app.cli import main
from desktop_app.routing.secrets import get_api_key
from tests.unit.test_routing_secrets import memory_keyring  # noqa: F401 - the shared fixture


def test_set_and_clear_api_key(memory_keyring, monkeypatch, capsys, isolated_home):
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-test-123\n"))
    assert main(["config", "set-api-key"]) == 0
    out = capsys.readouterr().out
    assert "saved in the system keychain" in out and "sk-test-123" not in out
    assert get_api_key().value == "sk-test-123"
    settings_text = (isolated_home / "config" / "settings.json")
    assert not settings_text.exists() or "sk-test-123" not in settings_text.read_text()
    assert main(["config", "clear-api-key"]) == 0
    assert get_api_key().value == ""


def test_empty_key_is_refused_plainly(memory_keyring, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["config", "set-api-key"]) == 1
    assert "No API key was given" in capsys.readouterr().err
