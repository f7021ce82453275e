"""About dialog: version, model, policy line, and the licence notices a user can read."""

from __future__ import annotations

import json

import pytest

from desktop_app import __version__
from desktop_app.app import build_core
from desktop_app.gui.dialogs.about import AboutDialog, bundled_model_label


@pytest.fixture
def core(isolated_home):
    core = build_core(str(isolated_home))
    yield core
    core.close()


def open_dialog(qtbot, core):
    dialog = AboutDialog(core)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def group_names(dialog):
    return [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]


def header_text(dialog) -> str:
    from PySide6.QtWidgets import QLabel

    return dialog.findChild(QLabel, "aboutHeader").text()


def test_header_shows_version_and_model(qtbot, core):
    text = header_text(open_dialog(qtbot, core))
    assert __version__ in text and bundled_model_label() in text and "Qwen2.5 Coder 0.5B Instruct" in text
    assert "Managed by your organization" not in text


def test_lists_model_qt_and_python_licences(qtbot, core):
    dialog = open_dialog(qtbot, core)
    groups = group_names(dialog)
    assert groups[0].startswith("Models") and groups[1].startswith("Qt (LGPL-3.0)")
    assert any(g.startswith("Python libraries") for g in groups)
    names = {n.name for n in dialog.notices}
    assert {"torch", "llama_cpp_python", "sentence-transformers", "chromadb"} <= names


def test_bundled_model_licence_is_readable(qtbot, core):
    dialog = open_dialog(qtbot, core)
    assert dialog.select_notice("Qwen2.5 Coder 0.5B Instruct (bundled model)")
    shown = dialog.text.toPlainText()
    assert "Apache License" in shown and "Qwen2.5-Coder-Apache-2.0.txt" in shown


def test_qt_notice_has_lgpl_text_and_relinking_note(qtbot, core):
    dialog = open_dialog(qtbot, core)
    assert dialog.select_notice("Qt 6 and Qt for Python (PySide6)")
    shown = dialog.text.toPlainText()
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in shown
    assert "Relinking" in shown and "replace" in shown


def test_python_dependency_licence_text(qtbot, core):
    dialog = open_dialog(qtbot, core)
    assert dialog.select_notice("torch")
    shown = dialog.text.toPlainText()
    assert "Licence: Apache-2.0" in shown and "LICENSE" in shown


def test_policy_is_named_in_header(qtbot, tmp_path, monkeypatch, isolated_home):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"privacy.allow_export": False}), encoding="utf-8")
    monkeypatch.setenv("SLM_ASSISTANT_POLICY_FILE", str(policy))
    core = build_core(str(isolated_home))
    try:
        text = header_text(open_dialog(qtbot, core))
        assert "Managed by your organization" in text and str(policy) in text
    finally:
        core.close()


def test_from_the_window_the_list_is_gathered_off_the_gui_thread(qtbot, core, monkeypatch):
    """Opened from the menu, the dialog appears at once and the list fills in from a worker."""
    import threading

    import desktop_app.gui.dialogs.about as about
    from desktop_app.gui.common.workers import WorkerPool

    gathered_on: list[threading.Thread] = []
    real = about.shipped_notices
    monkeypatch.setattr(about, "shipped_notices", lambda: gathered_on.append(threading.current_thread()) or real())
    pool = WorkerPool()
    try:
        dialog = AboutDialog(core, pool=pool)
        qtbot.addWidget(dialog)
        dialog.show()
        assert not dialog.loaded and group_names(dialog) == ["Reading the licence notices…"]
        qtbot.waitUntil(lambda: dialog.loaded, timeout=30000)
    finally:
        pool.shutdown()
    assert gathered_on and gathered_on[0] is not threading.main_thread()
    assert group_names(dialog)[0].startswith("Models")
    assert dialog.select_notice("Qwen2.5 Coder 0.5B Instruct (bundled model)")
