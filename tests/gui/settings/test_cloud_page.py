"""Settings → Cloud page: values, API key in the keychain, policy locks, Test connection in a worker."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backends import fail

from desktop_app.config.policy import MANAGED_LABEL, MachinePolicy
from desktop_app.core.errors import PolicyError
from desktop_app.gui.common.accessibility import unnamed_controls
from desktop_app.gui.settings.cloud_page import CloudSettingsPage
from desktop_app.routing import secrets
from tests.routing_fixtures import Step
from tests.unit.test_routing_secrets import memory_keyring  # noqa: F401 - the shared fixture


@pytest.fixture
def page(qtbot, gui_core, memory_keyring):
    p = CloudSettingsPage(gui_core)
    qtbot.addWidget(p)
    return p


def test_every_control_is_named(page):
    assert unnamed_controls(page) == []


def test_apply_sets_values_and_keeps_key_out_of_settings(page, gui_core, memory_keyring):
    page.policy_box.setCurrentIndex(1)
    page.base_url.setText("https://llm.corp.example/v1")
    page.model.setText("big-model")
    page.timeout.setValue(12)
    page.api_key.setText("sk-secret-123")
    page.apply()
    gui_core.save_settings()
    r = gui_core.settings.routing
    assert (r.policy, r.cloud.base_url, r.cloud.model, r.cloud.timeout_s) == ("ask", "https://llm.corp.example/v1", "big-model", 12.0)
    assert memory_keyring.store[(secrets.SERVICE, secrets.ACCOUNT)] == "sk-secret-123"
    assert "sk-secret" not in gui_core.paths.settings_file.read_text()
    assert page.api_key.text() == "" and "saved" in page.key_note.text()
    assert json.loads(gui_core.paths.settings_file.read_text())["routing"]["policy"] == "ask"


def test_locked_fields_are_greyed_and_refused(qtbot, gui_core, memory_keyring):
    gui_core.policy = MachinePolicy(values={"routing.cloud.base_url": "https://gw.corp.example/v1", "routing.policy": "auto"})
    gui_core.policy.apply(gui_core.settings)
    page = CloudSettingsPage(gui_core)
    qtbot.addWidget(page)
    assert not page.base_url.isEnabled() and page.base_url.toolTip() == MANAGED_LABEL
    assert not page.policy_box.isEnabled()
    assert page.model.isEnabled()
    from PySide6.QtWidgets import QLabel

    assert sum(lbl.text() == MANAGED_LABEL for lbl in page.findChildren(QLabel)) == 2
    page.base_url.setText("http://elsewhere/v1")
    with pytest.raises(PolicyError):
        page.apply()
    assert gui_core.settings.routing.cloud.base_url == "https://gw.corp.example/v1"


def test_policy_forced_off_disables_test_button(qtbot, gui_core, memory_keyring):
    gui_core.policy = MachinePolicy(values={"routing.policy": "off"})
    gui_core.policy.apply(gui_core.settings)
    page = CloudSettingsPage(gui_core)
    qtbot.addWidget(page)
    assert not page.test_button.isEnabled() and not page.policy_box.isEnabled()


def test_without_keychain_the_page_says_so(qtbot, gui_core):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        page = CloudSettingsPage(gui_core)
        qtbot.addWidget(page)
        assert not page.api_key.isEnabled()
        assert "No system keychain" in page.key_note.text() and secrets.ENV_KEY in page.key_note.text()
    finally:
        keyring.set_keyring(previous)


def test_test_connection_shows_success_then_exact_reason(qtbot, page, scripted_server):
    page.base_url.setText(scripted_server.base_url)
    page.model.setText("scripted")
    page.test_connection()
    qtbot.waitUntil(lambda: page.test_result.text().startswith("✓"), timeout=10000)
    assert "answered" in page.test_result.text()
    scripted_server.script(Step("status", 401))
    qtbot.waitUntil(page.test_button.isEnabled, timeout=5000)
    page.test_connection()
    qtbot.waitUntil(lambda: page.test_result.text().startswith("✗"), timeout=10000)
    assert page.test_result.text() == "✗ Connection failed: the API key was rejected (HTTP 401): scripted 401."
    qtbot.waitUntil(page.test_button.isEnabled, timeout=5000)


def test_settings_dialog_shows_cloud_tab(qtbot, gui_core, memory_keyring):
    from desktop_app.gui.settings.dialog import SettingsDialog
    from desktop_app.gui.common.workers import WorkerPool

    pool = WorkerPool()
    dialog = SettingsDialog(gui_core, pool)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model_page.table.rowCount() == 2, timeout=5000)  # let its listing job finish
    assert dialog.cloud_page is not None
    dialog.cloud_page.policy_box.setCurrentIndex(2)
    dialog.cloud_page.base_url.setText("http://127.0.0.1:9/v1")
    assert dialog.apply()
    assert gui_core.settings.routing.policy == "auto"
    pool.shutdown(5000)
