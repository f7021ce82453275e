"""Fixtures for the main-window GUI tests: a real Core on the test home with a scriptable model.

The Core is the real one (``build_core``: real settings, real SQLite ConversationStore, real
Assistant); only the model is replaced by ``FakeBackend`` (injected as the Core's loaded
backend) and the document library by an empty stand-in, so the tests exercise the window, the
workers and the store without loading llama.cpp or the embedder.
"""

from __future__ import annotations

import pytest

from desktop_app.app import build_core
from desktop_app.llm.fake import FakeBackend


class EmptyLibrary:
    """Library stand-in with no documents (the documents panel lists it at start-up)."""

    def collections(self):
        return []

    def documents(self, collection=None):
        return []

    def retriever(self):
        return None

    def close(self) -> None:
        pass


class FakeModelManager:
    """ModelManager stand-in: lists scripted models and records what was added (no 240 MB copy)."""

    def __init__(self, infos=None) -> None:
        from pathlib import Path

        from desktop_app.llm.models import ModelInfo

        self.added: list[str] = []
        self.infos = list(infos) if infos is not None else [
            ModelInfo(name="Gemma 3 270M (bundled)", path=Path("/models/gemma.gguf"), size_bytes=253_000_000,
                      context_length=32768, quantization="Q4_K_M", architecture="gemma3", has_chat_template=False,
                      bundled=True, active=True),
            ModelInfo(name="Qwen2.5 3B Instruct", path=Path("/models/qwen2.5-3b-instruct-q4_k_m.gguf"),
                      size_bytes=1_930_000_000, context_length=32768, quantization="Q4_K_M", architecture="qwen2",
                      has_chat_template=True),
        ]

    def list_models(self):
        return list(self.infos)

    def add_model(self, path):
        self.added.append(str(path))
        return self.infos[-1]

    def load_backend(self):
        self.loaded = getattr(self, "loaded", 0) + 1
        return FakeBackend(model_name="reloaded-model")


def make_core(home, backend=None, models=None):
    """A real Core on ``home`` whose model is ``backend`` (not loaded from disk)."""
    core = build_core(str(home))
    core.provide(
        backend=backend if backend is not None else FakeBackend(delay_s=0.02),
        library=EmptyLibrary(),
        models=models if models is not None else FakeModelManager(),
    )
    return core


def open_window(qtbot, core):
    """Show a real MainWindow on ``core`` the way ``application.run`` does."""
    from desktop_app.gui.shell.main_window import MainWindow

    window = MainWindow(core)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # Shortcuts go to the active window only (a second window in one test must be activated).
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.waitUntil(lambda: window.startup_done, timeout=5000)  # finish_startup runs after the first paint
    return window


def window_with_real_library(qtbot, home, backend):
    """A window whose Library is the real one, in its child process as ``application.run`` sets
    it up (built lazily on a worker), and whose model is ``backend``. A generator for fixtures:
    yields the window, then closes it and waits for its workers (indexing can take a while)."""
    core = make_core(home, backend)
    core.provide(library=None)
    core.library_in_subprocess = True
    window = open_window(qtbot, core)
    yield window
    if window.isVisible():
        window.close()
    window.pool.shutdown(120000)
    core.close()


@pytest.fixture
def fake_backend():
    return FakeBackend(model_name="fake-model", delay_s=0.02)


@pytest.fixture
def gui_core(isolated_home, fake_backend):
    core = make_core(isolated_home, fake_backend)
    yield core
    core.close()


@pytest.fixture
def main_window(qtbot, gui_core):
    window = open_window(qtbot, gui_core)
    yield window
    if window.isVisible():
        window.close()
    window.pool.shutdown(5000)
