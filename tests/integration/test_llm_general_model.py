"""Two real model processes: the main model answers document questions, a second one (the larger
bundled model on a small machine; here the 0.5B's file under another name stands in, since CI
does not install the 1.1 GB [large-model] extra) answers questions without documents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.app import build_core
from desktop_app.cli.selftest import run_checks
from desktop_app.core.records import DoneEvent
from desktop_app.llm.bundled import BundledSource
from desktop_app.llm.models import ModelManager
from tests.assistant_helpers import ask

pytestmark = pytest.mark.slow
STAND_IN = "general-stand-in.gguf"


def _linked_from(path: Path):
    def assemble(output_path, overwrite: bool = True):
        os.symlink(path, output_path)
        return output_path

    return assemble


@pytest.fixture
def two_model_core(isolated_home, bundled_model_path, monkeypatch):
    from desktop_app.llm.bundled import DEFAULT_MODEL

    main = BundledSource(DEFAULT_MODEL.file_name, DEFAULT_MODEL.sha256, _linked_from(bundled_model_path))
    general = BundledSource(STAND_IN, DEFAULT_MODEL.sha256, _linked_from(bundled_model_path),
                            "the larger bundled model for questions without documents")
    core = build_core(str(isolated_home))
    core.settings.llm.max_tokens = 12
    core.settings.llm.threads = 1
    core.settings.llm.fast_bundled_weights = False  # no Q8_0 copy per test home
    models = ModelManager(core.paths, core.settings, core.policy, bundled=main)
    monkeypatch.setattr(models, "general_source", lambda: general)
    core.provide(models=models)
    yield core
    core.close()


def test_a_question_without_documents_runs_in_the_second_model_process(two_model_core):
    core = two_model_core
    done = list(ask(core.assistant, "What is the capital of France?"))[-1]
    assert isinstance(done, DoneEvent), done
    main, general = core.loaded_backend(), core.loaded_general_backend()
    assert general is not None and general.pid != main.pid  # two model processes
    assert general.path.name == STAND_IN and done.answer.model == general.model_name
    assert done.answer.text.strip()
    (check,) = [r for r in run_checks(core) if r.name == "model for questions without documents"]
    assert check.ok and "s to load" in check.detail and "without documents" in check.detail, check


def test_a_damaged_second_model_leaves_chat_to_the_main_one_and_self_test_names_it(two_model_core, tmp_path, monkeypatch):
    core = two_model_core
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(b"GGUF" + b"\0" * 4096)
    broken = BundledSource(STAND_IN, "0" * 64, _linked_from(damaged), "the larger bundled model for questions without documents")
    monkeypatch.setattr(core.models, "general_source", lambda: broken)
    done = list(ask(core.assistant, "What is the capital of France?"))[-1]
    assert isinstance(done, DoneEvent), done
    assert done.answer.model == core.loaded_backend().model_name and core.loaded_general_backend() is None
    assert "damaged" in core.general_problem
    (check,) = [r for r in run_checks(core) if r.name == "model for questions without documents"]
    assert not check.ok and "did not load" in check.detail and "answers every question meanwhile" in check.detail
