"""The model catalogue's download dialog, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import dataclasses

import pytest

from desktop_app.app import build_core
from desktop_app.gui.dialogs.model_download import ModelDownloadDialog
from desktop_app.gui.common.workers import WorkerPool
from desktop_app.llm import catalogue, llama_runtime
from tests.integration.test_llm_download import PAYLOAD, SHA, ModelServer


@pytest.fixture
def served_catalogue(monkeypatch):
    """The real catalogue with its first entry pointing at a loopback server."""
    server = ModelServer()
    first = dataclasses.replace(catalogue.CATALOGUE[0], url=server.url, file_name="served.gguf", sha256=SHA)
    monkeypatch.setattr(catalogue, "CATALOGUE", (first,) + catalogue.CATALOGUE[1:])
    monkeypatch.setattr("desktop_app.llm.models.CATALOGUE", (first,) + catalogue.CATALOGUE[1:], raising=False)
    monkeypatch.setattr(llama_runtime, "probe_loadable", lambda path, arch="": None)  # weightless test file
    yield server
    server.close()


def _dialog(qtbot, core):
    dialog = ModelDownloadDialog(core, WorkerPool())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_download_shows_progress_verifies_and_adds_the_model(qtbot, isolated_home, served_catalogue):
    core = build_core(str(isolated_home))
    try:
        dialog = _dialog(qtbot, core)
        for widget in (dialog.list, dialog.download_button, dialog.cancel_button, dialog.progress):
            assert widget.accessibleName()
        with qtbot.waitSignal(dialog.modelAdded, timeout=30000) as added:
            dialog.download_button.click()
        info = added.args[0]
        assert info.sha256 == SHA and info.sha256_checked
        target = core.paths.models_dir / "served.gguf"
        assert target.read_bytes() == PAYLOAD
        assert dialog.progress.value() == dialog.progress.maximum()
        assert "checksum verified" in dialog.status.text()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)
        # The model is remembered in the saved settings.
        reloaded = build_core(str(isolated_home))
        assert any(p.endswith("served.gguf") for p in reloaded.settings.llm.user_models)
    finally:
        core.close()


def test_interrupted_download_is_reported_and_resumes(qtbot, isolated_home, served_catalogue):
    core = build_core(str(isolated_home))
    try:
        dialog = _dialog(qtbot, core)
        served_catalogue.cut_after = len(PAYLOAD) // 3
        dialog.download_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=30000)
        assert dialog.status.text() and "ready" not in dialog.status.text()
        served_catalogue.cut_after = None
        with qtbot.waitSignal(dialog.modelAdded, timeout=30000):
            dialog.download_button.click()
        assert any(r and r.startswith("bytes=") and r != "bytes=0-" for r in served_catalogue.requests)
        assert (core.paths.models_dir / "served.gguf").read_bytes() == PAYLOAD
    finally:
        core.close()


def test_policy_that_forbids_user_models_disables_downloads(qtbot, isolated_home, served_catalogue):
    core = build_core(str(isolated_home))
    core.settings.privacy.allow_user_models = False
    try:
        dialog = _dialog(qtbot, core)
        assert not dialog.download_button.isEnabled()
        assert "Managed by your organization" in dialog.status.text()
    finally:
        core.close()
