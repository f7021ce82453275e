"""With cloud hand-off off, or without an endpoint, `slm-assistant ask` opens no network connection.

A socket guard fails any connect that is not a Unix socket; the real bundled model answers.
The control case (an endpoint configured) proves the guard does catch the cloud client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_app.cli import main
from tests.routing_fixtures import configure_home as configure
from tests.routing_fixtures import free_port

pytestmark = pytest.mark.slow

QUESTION = "Write a 600-word essay comparing three cloud providers and recommend one."


def ask_json(capsys, *extra: str) -> dict:
    rc = main(["ask", "--json", *extra, QUESTION])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_policy_off_makes_no_connection_even_with_env_endpoint(isolated_home, bundled_model_path, socket_guard,
                                                               capsys, monkeypatch):
    configure(isolated_home, bundled_model_path, **{"cloud.base_url": "http://127.0.0.1:9/v1", "cloud.model": "m"})
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_API_KEY", "sk-should-never-be-used")
    for route in ("auto", "cloud"):
        answer = ask_json(capsys, "--route", route)
        assert answer["route"] == "local" and answer["answer"].strip()
    assert socket_guard.attempts == []


@pytest.mark.parametrize("policy", ["ask", "auto"])
def test_no_endpoint_makes_no_connection(isolated_home, bundled_model_path, socket_guard, capsys, policy):
    configure(isolated_home, bundled_model_path, policy=policy)
    answer = ask_json(capsys, "--route", "cloud", "--yes")
    assert answer["route"] == "local"
    assert socket_guard.attempts == []


def test_guard_catches_the_cloud_client_when_an_endpoint_is_set(isolated_home, bundled_model_path, socket_guard, capsys):
    port = free_port()
    configure(isolated_home, bundled_model_path, policy="auto",
              **{"cloud.base_url": f"http://127.0.0.1:{port}/v1", "cloud.model": "m"})
    answer = ask_json(capsys, "--route", "cloud")
    assert answer["route"] == "local"  # fell back after the guard refused the connection
    assert any("could not" in n or "refused" in n for n in answer["notices"]), answer["notices"]
    assert socket_guard.attempts and socket_guard.attempts[0][1] == port


GUARDED_ASK = textwrap.dedent(
    """
    import socket, sys
    def refuse(*a, **k):
        raise SystemExit("outbound connection attempted: %r" % (a[1:] or a,))
    real = socket.socket.connect
    def connect(self, address):
        if self.family != socket.AF_UNIX:
            refuse(self, address)
        return real(self, address)
    socket.socket.connect = connect
    socket.create_connection = refuse
    from desktop_app.cli import main
    rc = main(["ask", "--route", "cloud", sys.argv[1]])
    loaded = [m for m in ("desktop_app.routing.gateway", "desktop_app.llm.cloud_backend") if m in sys.modules]
    print("LOADED", loaded, file=sys.stderr)
    sys.exit(rc or (3 if loaded else 0))
    """
)


def test_separate_process_loads_no_network_code(isolated_home, bundled_model_path):
    configure(isolated_home, bundled_model_path)
    env = {**os.environ, "SLM_ASSISTANT_HOME": str(isolated_home), "SLM_ASSISTANT_CLOUD_BASE_URL": "http://127.0.0.1:9/v1"}
    proc = subprocess.run([sys.executable, "-c", GUARDED_ASK, QUESTION], env=env, capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip()
    assert "LOADED []" in proc.stderr
