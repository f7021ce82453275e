"""Settings dialog on the real window: models listed, values saved, policy locks greyed, reload."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.config.policy import MANAGED_LABEL
from desktop_app.config.settings import SettingsStore
from desktop_app.gui.settings.dialog import SettingsDialog
from tests.gui.gui_fixtures import make_core, open_window


def open_settings(qtbot, window) -> SettingsDialog:
    dialog = SettingsDialog(window.core, window.pool, window)
    qtbot.addWidget(dialog)
    dialog.settingsApplied.connect(window._on_settings_applied)
    return dialog


def test_model_page_lists_models_and_saving_writes_settings(qtbot, main_window, gui_core):
    dialog = open_settings(qtbot, main_window)
    page = dialog.model_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)
    assert page.table.item(0, 0).text().startswith("Gemma 3 270M (bundled)") and "(active)" in page.table.item(0, 0).text()
    assert page.table.item(1, 1).text() == "1.8 GB" and page.table.item(1, 3).text() == "Q4_K_M"
    assert page.table.item(1, 2).text() == "32,768"
    page.temperature.setValue(0.7)
    page.max_tokens.setValue(64)
    page.system_prompt.setPlainText("Be brief.")
    dialog.appearance_page.theme.setCurrentIndex(1)  # Light
    with qtbot.waitSignal(dialog.settingsApplied) as applied:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert applied.args == [False]  # sampling changes need no model reload
    saved = SettingsStore(gui_core.paths.settings_file).load()
    assert (saved.llm.temperature, saved.llm.max_tokens, saved.llm.system_prompt, saved.ui.theme) == (0.7, 64, "Be brief.", "light")


def test_choosing_another_model_reloads_it_after_the_answer(qtbot, main_window, gui_core):
    dialog = open_settings(qtbot, main_window)
    page = dialog.model_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)
    page.table.selectRow(1)
    page.offload.setCurrentIndex(1)  # CPU only
    old_backend = gui_core.loaded_backend()
    with qtbot.waitSignal(dialog.settingsApplied) as applied:
        assert dialog.apply()
    assert applied.args == [True]
    assert gui_core.settings.llm.model_path == "/models/qwen2.5-3b-instruct-q4_k_m.gguf"
    assert gui_core.settings.llm.gpu_offload == "cpu"
    # The window dropped the old model to load the new one (closed off the GUI thread).
    qtbot.waitUntil(lambda: old_backend.closed, timeout=5000)
    qtbot.waitUntil(lambda: main_window.status.model_label.text() == "reloaded-model", timeout=5000)


def test_policy_locked_settings_are_greyed_and_say_managed(qtbot, isolated_home, tmp_path, monkeypatch):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"llm": {"model_path": "/opt/models/approved.gguf"}}))
    monkeypatch.setenv("SLM_ASSISTANT_POLICY_FILE", str(policy))
    core = make_core(isolated_home)
    window = open_window(qtbot, core)
    try:
        dialog = open_settings(qtbot, window)
        page = dialog.model_page
        assert not page.table.isEnabled() and page.table.toolTip() == MANAGED_LABEL
        assert not page.add_button.isEnabled()
        assert MANAGED_LABEL in page.models_status.text()
        assert page.temperature.isEnabled()
        assert "llm.model_path" not in page.values()
    finally:
        window.close()
        core.close()


def test_theme_setting_switches_the_palette(qtbot, main_window):
    from desktop_app.gui.shell.application import apply_theme_setting
    from desktop_app.gui.shell.theme import is_dark
    from PySide6.QtWidgets import QApplication

    try:
        assert apply_theme_setting("dark") is True
        assert is_dark(QApplication.instance().palette())
        assert apply_theme_setting("light") is False
        assert not is_dark(QApplication.instance().palette())
    finally:
        apply_theme_setting("system")


def test_choosing_the_faster_or_more_accurate_bundled_model_reloads_it(qtbot, main_window, gui_core, monkeypatch):
    from desktop_app.llm.bundled import LARGE_MODEL_INSTALL, ChunkedModel
    from desktop_app.gui.settings.model_page import ACCURATE_INDEX

    monkeypatch.setattr(ChunkedModel, "installed", lambda self: False)  # as on a machine without the extra
    dialog = open_settings(qtbot, main_window)
    page = dialog.model_page
    assert page.bundled_model.currentText().startswith("Automatic")
    accurate = page.bundled_model.model().item(ACCURATE_INDEX)
    # Not installed: offered greyed, saying how to add it (found on a worker).
    qtbot.waitUntil(lambda: not accurate.isEnabled(), timeout=5000)
    assert LARGE_MODEL_INSTALL in accurate.toolTip()
    page.bundled_model.setCurrentIndex(1)  # Faster
    with qtbot.waitSignal(dialog.settingsApplied) as applied:
        assert dialog.apply()
    assert applied.args == [True]  # another bundled model: loaded again
    assert gui_core.settings.llm.bundled_model == "fast"
    assert SettingsStore(gui_core.paths.settings_file).load().llm.bundled_model == "fast"
