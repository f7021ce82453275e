"""The app's offline environment: nothing from a hub, no telemetry, no run-time kernel downloads."""

from __future__ import annotations

from desktop_app.app import enforce_offline_environment

OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
           "ANONYMIZED_TELEMETRY": "False", "USE_HUB_KERNELS": "0"}


def test_unset_variables_are_set_offline(monkeypatch):
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    enforce_offline_environment()
    import os

    assert {name: os.environ.get(name) for name in OFFLINE} == OFFLINE


def test_the_frozen_apps_runtime_hook_forces_them_whatever_the_user_set(monkeypatch):
    import os
    import runpy
    from pathlib import Path

    for name in OFFLINE:
        monkeypatch.setenv(name, "surprise")
    for name in ("TOKENIZERS_PARALLELISM", "HF_DATASETS_OFFLINE", "DO_NOT_TRACK", "SLM_ASSISTANT_BUNDLED_MODEL"):
        monkeypatch.setenv(name, "")  # restored after the test: the hook sets these too
    runpy.run_path(str(Path(__file__).resolve().parents[2] / "installers" / "hooks" / "rthook_slm_offline.py"))
    assert {name: os.environ.get(name) for name in OFFLINE} == OFFLINE
