"""`slm-assistant ask` with the cloud configured only through environment variables (one run),
against a loopback OpenAI-compatible server; then `slm-assistant audit` shows what was sent."""

from __future__ import annotations

import json

import pytest

from desktop_app.cli import main
from tests.routing_fixtures import Step
from tests.routing_fixtures import configure_home as configure

pytestmark = pytest.mark.slow


def test_env_configured_handoff_and_audit(isolated_home, bundled_model_path, scripted_server, capsys, monkeypatch):
    configure(isolated_home, bundled_model_path, policy="auto")
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_BASE_URL", scripted_server.base_url)
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_MODEL", "env-model")
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_API_KEY", "sk-env-key")
    scripted_server.script(Step(pieces=["Reply", " to", " [EMAIL_1]", " soon."]))
    question = "Write a Python script that e-mails the weekly KPI report to ana.silva@example.pt every Monday."
    assert main(["ask", "--json", question]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["route"] == "cloud" and out["model"] == "env-model"
    assert out["answer"] == "Reply to ana.silva@example.pt soon."
    assert out["reason"].startswith("Sent to the cloud model:")
    [req] = scripted_server.requests
    assert req["headers"]["Authorization"] == "Bearer sk-env-key"
    assert "ana.silva" not in json.dumps(req["json"]) and "[EMAIL_1]" in req["json"]["messages"][-1]["content"]

    assert main(["audit", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["endpoint"] == scripted_server.base_url and entry["model"] == "env-model"
    assert entry["messages"] == req["json"]["messages"]
    assert "sk-env-key" not in (isolated_home / "data" / "cloud-audit.jsonl").read_text()
    assert "sk-env-key" not in (isolated_home / "config" / "settings.json").read_text()


def test_failure_falls_back_with_notice_on_stderr(isolated_home, bundled_model_path, scripted_server, capsys, monkeypatch):
    configure(isolated_home, bundled_model_path, policy="auto")
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_BASE_URL", scripted_server.base_url)
    scripted_server.script(Step("status", 401))
    assert main(["ask", "--route", "cloud", "Say hello."]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip()  # the local model's answer
    assert "API key was rejected (HTTP 401)" in captured.err and "answered on this device" in captured.err
