"""Settings → Local API: the switch serves a real uvicorn on 127.0.0.1 from the window's process."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from PySide6.QtWidgets import QMessageBox

from desktop_app.api.hosting import host_for
from desktop_app.config.policy import MachinePolicy
from desktop_app.gui.shell.api_autostart import start_with_window
from desktop_app.gui.settings.api_page import ApiSettingsPage
from desktop_app.gui.common.workers import WorkerPool
from desktop_app.llm.fake import FakeBackend
from tests.gui.gui_fixtures import make_core


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def core(isolated_home, monkeypatch):
    monkeypatch.setenv("SLM_ASSISTANT_API_TOKEN", "page-token")
    c = make_core(isolated_home, backend=FakeBackend(model_name="Fake Gemma 3"))
    c.settings.api.port = free_port()
    yield c
    host_for(c).stop()
    c.close()


def saved(core) -> dict:
    return json.loads(core.paths.settings_file.read_text())["api"]


def test_switch_serves_and_stops_and_is_remembered(qtbot, core):
    page = ApiSettingsPage(core, pool=WorkerPool())
    qtbot.addWidget(page)
    assert not page.enabled.isChecked() and page.status.text().startswith("Off")

    page.enabled.setChecked(True)
    url = f"http://127.0.0.1:{core.settings.api.port}/v1"
    qtbot.waitUntil(lambda: url in page.status.text(), timeout=15000)
    assert "fake-gemma-3" in page.status.text() and saved(core)["enabled"] is True
    models = httpx.get(f"{url}/models", headers={"Authorization": "Bearer page-token"}, timeout=5).json()
    assert [m["id"] for m in models["data"]] == ["fake-gemma-3", "slm-assistant-documents"]
    assert httpx.get(f"{url}/models", timeout=5).status_code == 401
    assert not page.port.isEnabled() and page.rotate.isEnabled()

    page.enabled.setChecked(False)
    qtbot.waitUntil(lambda: page.status.text().startswith("Off"), timeout=15000)
    assert saved(core)["enabled"] is False and page.port.isEnabled()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models", timeout=2)


def test_a_new_token_is_shown_once_with_a_copy_button(qtbot, core, monkeypatch):
    monkeypatch.delenv("SLM_ASSISTANT_API_TOKEN")
    page = ApiSettingsPage(core, pool=WorkerPool())
    qtbot.addWidget(page)
    page.enabled.setChecked(True)
    qtbot.waitUntil(lambda: "Serving at" in page.status.text(), timeout=15000)
    token = page.token.text()
    assert len(token) >= 40
    url = host_for(core).serving.url
    assert httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {token}"}, timeout=5).status_code == 200
    page.copy.click()
    from PySide6.QtWidgets import QApplication

    assert QApplication.clipboard().text() == token

    page.rotate.click()
    qtbot.waitUntil(lambda: page.token.text() not in ("", token) and "Serving at" in page.status.text(), timeout=15000)
    url = host_for(core).serving.url
    assert httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {token}"}, timeout=5).status_code == 401


def test_network_address_asks_first_and_no_means_off(qtbot, core, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    page = ApiSettingsPage(core, pool=WorkerPool())
    qtbot.addWidget(page)
    page.address.setText("0.0.0.0")
    page.enabled.setChecked(True)
    assert asked and "other computers" in asked[0]
    assert not page.enabled.isChecked() and not host_for(core).running
    assert "did not confirm" in page.status.text() and core.settings.api.enabled is False


def test_policy_can_forbid_the_api_or_the_network(qtbot, isolated_home):
    core = make_core(isolated_home)
    core.policy = MachinePolicy(values={"api.enabled": False, "api.allow_network": False})
    core.settings = core.policy.apply(core.settings)
    page = ApiSettingsPage(core, pool=WorkerPool())
    qtbot.addWidget(page)
    assert not page.enabled.isEnabled() and not page.address.isEnabled()
    assert "Managed by your organization" in page.enabled.toolTip()
    core.close()


def test_the_api_starts_with_the_window_when_left_on(qtbot, core):
    start_with_window(core, WorkerPool())  # off (the default): nothing starts
    assert not host_for(core).running
    core.settings.api.enabled = True
    errors = []
    start_with_window(core, WorkerPool(), on_problem=errors.append)
    qtbot.waitUntil(lambda: host_for(core).running, timeout=15000)
    assert errors == []
    page = ApiSettingsPage(core, pool=WorkerPool())  # opened later: shows the running server
    qtbot.addWidget(page)
    assert page.enabled.isChecked() and "Serving at" in page.status.text()
