"""Shared fixtures: every test gets its own SLM_ASSISTANT_HOME and no machine policy."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.model_fixtures", "tests.gui.gui_fixtures", "tests.routing_fixtures", "tests.installers_fixtures", "tests.rag_fixtures"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Point all app data at a temp dir, and ignore any real /etc policy."""
    home = tmp_path / "home"
    monkeypatch.setenv("SLM_ASSISTANT_HOME", str(home))
    monkeypatch.setenv("SLM_ASSISTANT_POLICY_FILE", str(tmp_path / "no-policy.json"))
    # The environment file only adds locks, so also move this process's managed locations
    # away: a policy installed on the test machine (say by the .deb test) must not leak in.
    from desktop_app.config import policy_sources

    monkeypatch.setattr(policy_sources, "LINUX_POLICY", tmp_path / "etc-policy.json")
    monkeypatch.setattr(policy_sources, "MACOS_MANAGED_DIR", tmp_path / "managed-preferences")
    monkeypatch.setattr(policy_sources, "MACOS_POLICY", tmp_path / "library-policy.json")
    # As on CI, where the [large-model] extra is not installed: one bundled model, the 0.5B, answers
    # every question whatever is installed here; tests of the larger one inject it themselves.
    from desktop_app.llm import bundled

    monkeypatch.setattr(bundled, "_large_installed", lambda: False)
    monkeypatch.delenv("SLM_ASSISTANT_CLOUD_API_KEY", raising=False)
    monkeypatch.delenv("SLM_ASSISTANT_CLOUD_BASE_URL", raising=False)
    monkeypatch.delenv("SLM_ASSISTANT_CLOUD_MODEL", raising=False)
    return home
