"""Composition root: settings -> backends -> services (-> window). Nothing else builds objects.

``build_core`` is Qt-free and shared by the CLI and the GUI; ``run_gui`` adds the window.
Heavy components (llama.cpp model, embedder, Chroma) are created lazily on first use, so the
window appears before any model loads.
"""

from __future__ import annotations

import os

from desktop_app.app_core import Core
from desktop_app.config.paths import AppPaths
from desktop_app.config.policy_sources import load_machine_policy
from desktop_app.config.settings import SettingsStore
from desktop_app.core.logging_setup import configure_logging

__all__ = ["Core", "build_core", "enforce_offline_environment", "run_gui"]


def enforce_offline_environment() -> None:
    """No telemetry, no hub downloads: set before any Hugging Face or Chroma import."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # transformers 5.25+ fetches "Hub kernels" for a model's layers by default (code downloaded at
    # run time); the embedder runs the layers it ships with.
    os.environ.setdefault("USE_HUB_KERNELS", "0")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def build_core(home: str | None = None) -> Core:
    """Read policy and settings and build the (lazy) object graph."""
    enforce_offline_environment()
    policy = load_machine_policy()
    paths = AppPaths.resolve(home, data_dir_override=policy.data_dir)
    settings_store = SettingsStore(paths.settings_file)
    settings = policy.apply(settings_store.load())
    # One log for every front-end (window, CLI, serve): set up here, before anything can fail.
    configure_logging(paths.logs_dir)
    return Core(paths=paths, policy=policy, settings_store=settings_store, settings=settings)


def run_gui(argv: list[str] | None = None, home: str | None = None) -> int:
    """Open the main window (imports Qt only here)."""
    from desktop_app.gui.shell.application import run

    return run(build_core(home), argv)
