"""`slm-assistant config`: list/get/set/reset, policy locks, secrets, env overrides."""

from __future__ import annotations

import json

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.settings import Settings
from tests.unit.cli_fakes import run_cli


def _saved() -> dict:
    return json.loads(AppPaths.resolve().settings_file.read_text())


def test_set_get_and_reset_round_trip(capsys):
    assert run_cli(capsys, "config", "set", "routing.policy", "ask")[:2] == (0, "routing.policy = ask\n")
    assert run_cli(capsys, "config", "get", "routing.policy")[1] == "ask\n"
    assert _saved()["routing"]["policy"] == "ask"
    run_cli(capsys, "config", "set", "routing.on_device_only_collections", "hr, legal")
    assert run_cli(capsys, "config", "get", "routing.on_device_only_collections")[1] == '["hr", "legal"]\n'
    run_cli(capsys, "config", "set", "ui.sidebar_visible", "no")
    assert run_cli(capsys, "config", "get", "ui.sidebar_visible")[1] == "false\n"
    code, out, _ = run_cli(capsys, "config", "reset", "routing.policy")
    assert code == 0 and out == f"routing.policy = {Settings().routing.policy}\n"
    assert _saved()["routing"]["policy"] == "off"
    assert _saved()["ui"]["sidebar_visible"] is False  # other settings untouched


@pytest.mark.parametrize(
    "argv, message",
    [
        (("set", "no.such.key", "1"), "There is no setting called 'no.such.key'"),
        (("set", "routing.policy", "sometimes"), "not a valid value for routing.policy"),
        (("set", "llm.max_tokens", "many"), "not a valid int"),
        (("set", "llm.temperature", "9"), "between 0 and 2"),
        (("set", "routing.cloud.base_url", "api.example.com"), "not a web address"),
        (("get", "routing.cloud.api_key"), "API keys are not settings"),
    ],
)
def test_bad_input_is_one_plain_line(capsys, argv, message):
    code, out, err = run_cli(capsys, "config", *argv)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_policy_locked_key_is_refused_and_policy_values_never_saved(capsys, tmp_path, monkeypatch):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"routing": {"policy": "off"}, "privacy": {"allow_export": False}}))
    monkeypatch.setenv("SLM_ASSISTANT_POLICY_FILE", str(policy))
    code, out, err = run_cli(capsys, "config", "set", "routing.policy", "auto")
    assert code != 0 and "Managed by your organization" in err
    assert run_cli(capsys, "config", "reset", "privacy.allow_export")[0] != 0
    # Changing an unlocked key saves the user's own file, without the policy's values in it.
    run_cli(capsys, "config", "set", "ui.theme", "dark")
    saved = _saved()
    assert saved["ui"]["theme"] == "dark"
    assert saved["privacy"]["allow_export"] is True  # the user's value, not the policy's False
    code, out, _ = run_cli(capsys, "config", "list")
    assert "privacy.allow_export = false  [Managed by your organization]" in out  # effective value shown


def test_list_describes_everything_and_never_prints_the_api_key(capsys, monkeypatch):
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_API_KEY", "sk-very-secret-123")
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_MODEL", "gpt-4o-mini")
    code, out, _ = run_cli(capsys, "config", "list")
    assert code == 0 and "sk-very-secret-123" not in out
    for key in Settings().keys():
        assert f"\n{key} = " in "\n" + out
    assert "Cloud hand-off: off (never, no network)" in out
    assert "routing.cloud.model = gpt-4o-mini  [from SLM_ASSISTANT_CLOUD_MODEL]" in out
    assert "cloud API key: set in SLM_ASSISTANT_CLOUD_API_KEY" in out
    code, out, _ = run_cli(capsys, "config", "list", "--json")
    data = json.loads(out)
    assert "sk-very-secret-123" not in out
    assert {r["key"] for r in data["settings"]} == set(Settings().keys())


def test_damaged_settings_file_is_not_overwritten(capsys):
    path = AppPaths.resolve().settings_file
    path.parent.mkdir(parents=True)
    path.write_text("{ not json")
    code, _, err = run_cli(capsys, "config", "set", "ui.theme", "dark")
    assert code != 0 and "damaged" in err
    assert path.read_text() == "{ not json"


def test_path_prints_the_settings_file(capsys):
    assert run_cli(capsys, "config", "path")[1].strip() == str(AppPaths.resolve().settings_file)


def test_get_shows_the_effective_value_unless_the_policy_pins_it(capsys, tmp_path, monkeypatch):
    run_cli(capsys, "config", "set", "routing.cloud.base_url", "https://saved.example/v1")
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_BASE_URL", "http://127.0.0.1:9999/v1")
    code, out, err = run_cli(capsys, "config", "get", "routing.cloud.base_url")
    assert out == "http://127.0.0.1:9999/v1\n" and "SLM_ASSISTANT_CLOUD_BASE_URL" in err and "saved.example" in err
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"routing": {"cloud": {"base_url": "https://gateway.corp/v1"}}}))
    monkeypatch.setenv("SLM_ASSISTANT_POLICY_FILE", str(policy))
    code, out, err = run_cli(capsys, "config", "get", "routing.cloud.base_url")
    assert out == "https://gateway.corp/v1\n" and err == ""  # the pinned endpoint; the variable is ignored
