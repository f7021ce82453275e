"""Which bundled model a machine gets, and why (pure rule)."""

from __future__ import annotations

import pytest

from desktop_app.llm.bundled import QWEN_CODER_0_5B, QWEN_CODER_1_5B, choose_bundled


@pytest.mark.parametrize("cores, ram, gpu, large, expected, said", [
    (2, 24, False, False, QWEN_CODER_0_5B, "the bundled model"),
    (2, 24, False, True, QWEN_CODER_0_5B, "this machine: 2 cores"),
    (8, 8, False, True, QWEN_CODER_0_5B, "16 GB"),
    (8, 32, False, True, QWEN_CODER_1_5B, "8 cores and 32 GB"),
    (4, 8, True, True, QWEN_CODER_1_5B, "a GPU"),
    (16, 64, True, False, QWEN_CODER_0_5B, "the bundled model"),
])
def test_the_larger_model_only_where_it_pays_and_only_when_installed(cores, ram, gpu, large, expected, said):
    model, reason = choose_bundled(cores, ram, gpu, large)
    assert model is expected and said in reason


def test_the_chunked_models_add_up_to_their_published_sizes():
    assert QWEN_CODER_0_5B.parts == 6 and QWEN_CODER_0_5B.size == 491_400_064
    assert QWEN_CODER_1_5B.parts == 22 and QWEN_CODER_1_5B.size == 1_117_320_768
    assert QWEN_CODER_0_5B.installed()  # a dependency of the app
    paths = QWEN_CODER_0_5B.chunk_paths()
    assert sum(p.stat().st_size for p in paths) == QWEN_CODER_0_5B.size


@pytest.mark.parametrize("preference, cores, ram, gpu, large, expected, said", [
    ("fast", 16, 64, True, True, QWEN_CODER_0_5B, "faster bundled model (your choice"),
    ("accurate", 2, 8, False, True, QWEN_CODER_1_5B, "your choice in Settings: more accurate, slower"),
    ("accurate", 2, 8, False, False, QWEN_CODER_0_5B, "not installed (pip install"),
    ("auto", 2, 24, False, True, QWEN_CODER_0_5B, "this machine: 2 cores"),
    ("auto", 8, 32, False, True, QWEN_CODER_1_5B, "8 cores and 32 GB"),
])
def test_the_users_choice_of_bundled_model_wins_over_the_machines(preference, cores, ram, gpu, large, expected, said):
    model, reason = choose_bundled(cores, ram, gpu, large, preference)
    assert model is expected and said in reason


def test_the_bundled_model_is_chosen_again_when_the_preference_changes(tmp_path, monkeypatch):
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.policy import MachinePolicy
    from desktop_app.config.settings import Settings
    from desktop_app.llm.bundled import ChunkedModel
    from desktop_app.llm.models import ModelManager

    monkeypatch.setattr(ChunkedModel, "installed", lambda self: False)
    settings = Settings()
    models = ModelManager(AppPaths.resolve(tmp_path), settings, MachinePolicy())
    settings.llm.bundled_model = "accurate"
    assert models.bundled_source.file_name == QWEN_CODER_0_5B.file_name
    assert "not installed" in models.bundled_source.reason
    settings.llm.bundled_model = "fast"
    assert "your choice" in models.bundled_source.reason


def test_an_unknown_bundled_model_choice_is_refused_plainly():
    from desktop_app.config.settings import Settings
    from desktop_app.core.errors import SettingsError

    with pytest.raises(SettingsError, match="not a valid value"):
        Settings().set("llm.bundled_model", "fastest")


@pytest.mark.parametrize("model, copied", [(QWEN_CODER_0_5B, True), (QWEN_CODER_1_5B, False)])
def test_only_a_model_whose_q8_copy_was_measured_faster_runs_from_it(tmp_path, monkeypatch, model, copied):
    """The 1.5B's Q8_0 copy read prompts 0.75x as fast and wrote 0.51x (benchmarks/fast_weights.py --model large)."""
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.policy import MachinePolicy
    from desktop_app.config.settings import Settings
    from desktop_app.llm import fast_weights
    from desktop_app.llm.bundled import BundledSource
    from desktop_app.llm.models import ModelManager

    paths = AppPaths.resolve(tmp_path)
    models = ModelManager(paths, Settings(), MachinePolicy(), BundledSource(model.file_name, model.sha256, lambda *a, **k: None))
    shipped = models.bundled_path
    copy = tmp_path / "copy.gguf"
    monkeypatch.setattr(fast_weights, "ensure_fast_copy", lambda source, sha: copy)
    assert models.runnable_path(shipped) == (copy if copied else shipped)


def _header(path, name, arch="qwen2"):
    from desktop_app.llm.gguf_info import GgufInfo

    return GgufInfo(path=path, size_bytes=1, version=3, name=name, architecture=arch, context_length=32768, file_type=None,
                    quantization="Q4_K_M", chat_template="{{ messages }}", bos_token_id=None, eos_token_id=None,
                    bos_token="", eos_token="", add_bos_token=False, tensor_count=1)


def test_a_bundled_models_file_is_listed_by_its_shipped_name_even_when_another_answers(tmp_path):
    from desktop_app.llm.models import ModelInfo

    large = _header(tmp_path / QWEN_CODER_1_5B.file_name, "Qwen2.5 Coder 1.5B Instruct GGUF")
    assert ModelInfo.from_gguf(large, bundled=False).name == QWEN_CODER_1_5B.name
    assert ModelInfo.from_gguf(_header(tmp_path / "mine.gguf", "My Model", "llama")).name == "My Model"
