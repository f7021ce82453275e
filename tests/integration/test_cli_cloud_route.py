"""`ask --route` end to end: the CLI, Core, build_gateway and a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from tests.integration.test_cli_real_model import cli, configured_home
from tests.routing_fixtures import free_port

pytestmark = pytest.mark.slow


def cloud_home(root, model, policy: str):
    home = configured_home(root, model)
    settings = json.loads((home / "config" / "settings.json").read_text())
    settings["routing"] = {"policy": policy, "cloud": {"timeout_s": 120, "use_keychain": False}}
    (home / "config" / "settings.json").write_text(json.dumps(settings))
    return home


def test_route_cloud_goes_to_the_server_named_by_the_environment(bundled_model_path, tmp_path, recording_proxy,
                                                                 llama_server, monkeypatch):
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_BASE_URL", recording_proxy.base_url)
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_MODEL", llama_server["model"])
    home = cloud_home(tmp_path / "h", bundled_model_path, policy="ask")
    proc = cli("ask", "--json", "--route", "cloud", "What is the capital of France? Mail me at ann@example.org",
               home=home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["route"] == "cloud" and data["model"] == llama_server["model"], data
    assert data["answer"].strip()
    assert len(recording_proxy.received) == 1  # forced cloud under policy ask: no confirmation needed
    assert "ann@example.org" not in recording_proxy.sent_text()  # redacted on the way out


def test_unreachable_cloud_falls_back_to_this_device_with_a_notice(bundled_model_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # nothing listens
    home = cloud_home(tmp_path / "h", bundled_model_path, policy="auto")
    proc = cli("ask", "--json", "--route", "cloud", "What is the capital of France?", home=home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["route"] == "local" and "Paris" in data["answer"]
    assert any("answered on this device instead" in n for n in data["notices"])
    assert "answered on this device instead" in proc.stderr
