"""Which model answers questions without documents (a pure rule, the manager's choice), and how
the Core loads it beside the main model, falls back from it and reloads both."""

from __future__ import annotations

import threading

import pytest

from desktop_app.app import build_core
from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.errors import ModelError
from desktop_app.llm import bundled
from desktop_app.llm.bundled import GENERAL_MODEL_MIN_RAM_GB, QWEN_CODER_0_5B, QWEN_CODER_1_5B, ChunkedModel, choose_general
from desktop_app.llm.fake import FakeBackend
from desktop_app.llm.models import ModelManager


@pytest.mark.parametrize("document_model, ram, large, preference, expected", [
    (QWEN_CODER_0_5B, 24, True, "auto", QWEN_CODER_1_5B),  # a small machine with the larger model installed
    (QWEN_CODER_0_5B, 24, False, "auto", None),  # not installed: the 0.5B answers everything
    (QWEN_CODER_0_5B, GENERAL_MODEL_MIN_RAM_GB - 1, True, "auto", None),  # too little memory for two
    (QWEN_CODER_1_5B, 64, True, "auto", None),  # a large machine: the 1.5B answers everything already
    (QWEN_CODER_0_5B, 24, True, "fast", None),  # the user asked for the faster model for everything
    (QWEN_CODER_0_5B, 24, True, "accurate", None),
])
def test_the_larger_model_answers_plain_chat_only_beside_the_small_one_on_auto(document_model, ram, large, preference, expected):
    model, reason = choose_general(document_model, ram, large, preference)
    assert model is expected
    assert ("without documents" in reason) if expected else reason == ""


@pytest.fixture
def machine(monkeypatch):
    """A 2-core, 24 GB machine with the larger model's chunks present (as after the quick start)."""
    from desktop_app.llm import hardware

    monkeypatch.setattr(bundled, "_large_installed", lambda: True)
    monkeypatch.setattr(bundled, "total_ram_gb", lambda: 24.0)
    monkeypatch.setattr(hardware, "physical_core_count", lambda: 2)
    monkeypatch.setattr(ChunkedModel, "chunk_paths", lambda self: [])


def manager(tmp_path, **llm) -> ModelManager:
    settings = Settings()
    for key, value in llm.items():
        setattr(settings.llm, key, value)
    return ModelManager(AppPaths.resolve(tmp_path), settings, MachinePolicy())


def test_the_manager_names_the_larger_model_for_chat_on_a_small_machine(tmp_path, machine):
    models = manager(tmp_path)
    assert models.bundled_source.file_name == QWEN_CODER_0_5B.file_name
    general = models.general_source()
    assert general.file_name == QWEN_CODER_1_5B.file_name and "without documents" in general.reason


@pytest.mark.parametrize("llm", [{"bundled_model": "fast"}, {"bundled_model": "accurate"}, {"model_path": "/models/mine.gguf"}])
def test_one_model_answers_everything_when_the_user_chose_one(tmp_path, machine, llm):
    assert manager(tmp_path, **llm).general_source() is None


def test_the_choice_follows_a_change_of_preference(tmp_path, machine):
    models = manager(tmp_path)
    assert models.general_source() is not None
    models.settings.llm.bundled_model = "fast"
    assert models.general_source() is None


class Models:
    """The Core's view of a ModelManager: loads the main and the general model (fakes)."""

    def __init__(self, general=None, fail=None) -> None:
        self.main = FakeBackend(model_name="small")
        self.general = general
        self.fail = fail
        self.loads = {"main": 0, "general": 0}

    def load_backend(self):
        self.loads["main"] += 1
        return self.main

    def load_general_backend(self):
        self.loads["general"] += 1
        if self.fail is not None:
            raise self.fail
        return self.general


@pytest.fixture
def core(isolated_home):
    core = build_core(str(isolated_home))
    yield core
    core.close()


def test_the_core_loads_the_general_model_once_beside_the_main_one(core):
    models = Models(general=FakeBackend(model_name="large"))
    core.provide(models=models)
    assert core.general_backend() is models.general and core.backend() is models.main
    assert core.general_backend() is models.general
    assert models.loads == {"main": 1, "general": 1}
    assert core.loaded_general_backend() is models.general and core.general_problem == ""


def test_without_a_separate_model_the_main_one_answers_chat(core):
    models = Models(general=None)
    core.provide(models=models)
    assert core.general_backend() is models.main and core.loaded_general_backend() is None


def test_a_general_model_that_will_not_load_leaves_chat_to_the_main_one_and_says_why(core):
    models = Models(fail=ModelError("Not enough memory to load the model."))
    core.provide(models=models)
    assert core.general_backend() is models.main
    assert core.general_backend() is models.main and models.loads["general"] == 1  # not retried per question
    assert "Not enough memory" in core.general_problem
    core.reload_backend()  # Settings changed: both are loaded again, the problem forgotten
    models.fail = None
    models.general = FakeBackend(model_name="large")
    assert core.general_backend() is models.general and core.general_problem == ""


def test_a_provided_backend_answers_chat_too(core):
    fake = FakeBackend(model_name="provided")
    core.provide(backend=fake)
    assert core.general_backend() is fake


def test_a_reload_closes_both_models_off_the_calling_thread(core):
    closed = threading.Event()
    general = FakeBackend(model_name="large")
    general.close = closed.set
    core.provide(models=Models(general=general))
    core.general_backend()
    core.reload_backend()
    assert closed.wait(5) and core.loaded_general_backend() is None and core.loaded_backend() is None
