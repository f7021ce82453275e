"""LocalLlamaBackend (in-process llama.cpp) with the real Gemma 3 270M base model (CPU, short generations)."""

from __future__ import annotations

import threading
import time

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import ContextOverflowError, ModelError
from desktop_app.core.records import Message
from desktop_app.llm.base import ChatBackend, GenerationRequest
from desktop_app.llm.local_backend import LocalLlamaBackend
from desktop_app.llm.llama_runtime import load_llama
from desktop_app.llm.models import ModelManager
from tests.model_fixtures import copy_gguf_with_metadata, write_gguf

pytestmark = pytest.mark.slow

SYSTEM = Message("system", Settings().llm.system_prompt)
FRANCE = Message("user", "What is the capital of France?")


def _ask(backend, messages, max_tokens=16, cancel=None) -> str:
    return "".join(backend.stream(GenerationRequest(tuple(messages), max_tokens=max_tokens, temperature=0.0), cancel))


def test_answers_paris_through_the_completion_format(base_llama_backend):
    backend = base_llama_backend
    assert isinstance(backend, ChatBackend)
    assert backend.prompt_format.name == "completion"  # the GGUF has no chat template
    answer = _ask(backend, [SYSTEM, FRANCE])
    # A 270M base model is not reliably right (issue 8: 6 of 20); the bundled instruct model's
    # answers are checked in test_model_process.py. Here: the completion format streams clean text.
    assert answer.strip() and answer == answer.strip()


def test_streams_pieces_and_fills_stats(base_llama_backend):
    backend = base_llama_backend
    pieces = list(backend.stream(GenerationRequest((SYSTEM, Message("user", "Name three colours.")), max_tokens=16, temperature=0.0)))
    stats = backend.last_stats
    assert len(pieces) >= 2 and all(isinstance(p, str) for p in pieces)
    assert stats.prompt_tokens == backend.count_tokens([SYSTEM, Message("user", "Name three colours.")])
    assert 1 <= stats.completion_tokens <= 16
    assert 0 < stats.ttft_s <= stats.total_s and stats.tokens_per_s > 0
    assert stats.finish_reason in ("stop", "length")
    assert stats.extra["device"] == backend.device_label == "CPU · 1 thread"


def test_follow_up_reuses_the_evaluated_prefix(base_llama_backend):
    backend = base_llama_backend
    long_system = Message("system", SYSTEM.content + " " + " ".join(f"Fact {i}: the sky is blue." for i in range(30)))
    first = [long_system, FRANCE]
    answer = _ask(backend, first, max_tokens=8)
    first_tokens = backend.last_stats.prompt_tokens
    follow_up = first + [Message("assistant", answer), Message("user", "And of Germany?")]
    _ask(backend, follow_up, max_tokens=4)
    reused = backend.last_stats
    assert reused.reused_prefix_tokens >= first_tokens - 2  # the whole first prompt was reused
    backend.forget_cache()
    _ask(backend, follow_up, max_tokens=4)
    cold = backend.last_stats
    assert cold.reused_prefix_tokens == 0 and cold.prompt_tokens == reused.prompt_tokens
    assert reused.ttft_s < cold.ttft_s * 0.6, (reused.ttft_s, cold.ttft_s)


def test_cancel_stops_promptly_and_the_backend_stays_usable(base_llama_backend):
    backend = base_llama_backend
    cancel = CancelToken()
    pieces = []
    started = time.perf_counter()
    for piece in backend.stream(GenerationRequest((Message("user", "Tell a very long story about dragons."),), max_tokens=200), cancel):
        pieces.append(piece)
        if len(pieces) == 2:
            cancel.cancel()
    assert len(pieces) == 2 and time.perf_counter() - started < 5
    assert backend.last_stats.finish_reason == "cancelled" and backend.last_stats.completion_tokens <= 3
    assert "France" in _ask(backend, [SYSTEM, FRANCE])  # usable again: it answers about the question


def test_cancel_during_prompt_evaluation_yields_nothing(base_llama_backend):
    backend = base_llama_backend
    backend.forget_cache()
    cancel = CancelToken()
    cancel.cancel()
    long_question = Message("user", "Summarise: " + "word " * 1500)
    assert _ask(backend, [long_question], cancel=cancel) == ""
    assert backend.last_stats.finish_reason == "cancelled" and backend.last_stats.completion_tokens == 0
    assert "France" in _ask(backend, [SYSTEM, FRANCE])  # usable again: it answers about the question


def test_already_cancelled_short_prompt_yields_nothing(base_llama_backend):
    cancel = CancelToken()
    cancel.cancel()
    assert _ask(base_llama_backend, [FRANCE], cancel=cancel) == ""
    assert base_llama_backend.last_stats.finish_reason == "cancelled"


def test_close_from_another_thread_stops_a_running_answer(base_model_path):
    backend = LocalLlamaBackend(base_model_path, context_length=512, gpu_offload="cpu", threads=1)
    pieces = []
    stream = backend.stream(GenerationRequest((Message("user", "Tell a very long story about dragons."),), max_tokens=300))
    pieces.append(next(stream))
    closer = threading.Thread(target=backend.close)
    started = time.perf_counter()
    closer.start()
    pieces.extend(stream)  # ends at the next token instead of running to 300
    closer.join(5)
    assert not closer.is_alive() and time.perf_counter() - started < 3
    assert len(pieces) <= 3 and backend.last_stats.finish_reason == "cancelled"
    with pytest.raises(ModelError, match="closed"):
        backend.count_tokens([FRANCE])


def test_prompt_larger_than_context_is_a_plain_error(base_llama_backend):
    huge = Message("user", "blah " * 3000)
    with pytest.raises(ContextOverflowError, match="too long"):
        _ask(base_llama_backend, [huge])
    assert "France" in _ask(base_llama_backend, [SYSTEM, FRANCE])  # usable again


def test_draft_confidence_is_a_mean_logprob(base_llama_backend):
    sure = base_llama_backend.draft_confidence([SYSTEM, FRANCE], max_tokens=6)
    assert -10.0 < sure <= 0.0


def test_manager_loads_the_active_model_and_close_frees_it(tmp_path, base_model_path):
    settings = Settings()
    settings.llm.model_path = str(base_model_path)
    settings.llm.gpu_offload = "cpu"
    settings.llm.context_length = 1024
    backend = ModelManager(AppPaths.resolve(tmp_path / "home"), settings, MachinePolicy()).load_backend()
    assert backend.context_length == 1024 and backend.model_name == "Gemma 3 270m"
    backend.close()
    with pytest.raises(ModelError, match="closed"):
        _ask(backend, [FRANCE])


def test_add_model_probes_the_real_file(tmp_path, base_model_path):
    manager = ModelManager(AppPaths.resolve(tmp_path / "home"), Settings(), MachinePolicy())
    info = manager.add_model(base_model_path)
    assert info.architecture == "gemma3" and info.quantization == "Q4_K_M" and info.context_length == 32768


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p, real: p.write_bytes(b""), "empty"),
        (lambda p, real: p.write_bytes(b"<html>not a model</html>"), "not a GGUF"),
        (lambda p, real: p.write_bytes(real.read_bytes()[: real.stat().st_size // 3]), "incomplete"),
        (lambda p, real: write_gguf(p, architecture="notanarch"), "architecture 'notanarch' is not supported"),
    ],
    ids=["zero-bytes", "not-gguf", "truncated", "unsupported-architecture"],
)
def test_bad_model_files_give_plain_errors(tmp_path, base_model_path, make, message):
    path = tmp_path / "bad.gguf"
    make(path, base_model_path)
    with pytest.raises(ModelError, match=message) as err:
        LocalLlamaBackend(path, context_length=512, gpu_offload="cpu", threads=1)
    assert "Traceback" not in str(err.value) and "llama_" not in str(err.value)


def test_llama_cpp_load_failure_is_explained(tmp_path, base_model_path):
    """Past the header check, llama.cpp's own failure is turned into a plain message too."""
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(base_model_path.read_bytes()[: base_model_path.stat().st_size // 2])
    with pytest.raises(ModelError, match="incomplete or damaged"):
        load_llama(cut, "gemma3", n_ctx=256)


GEMMA_STYLE_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
    "<start_of_turn>{{ 'model' if m.role == 'assistant' else 'user' }}\n{{ m.content | trim }}<end_of_turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def test_a_gguf_with_a_chat_template_is_prompted_through_it(tmp_path, base_model_path):
    """The same weights with a template in their metadata switch format: chosen from metadata, not name."""
    path = copy_gguf_with_metadata(base_model_path, tmp_path / "templated.gguf", {"tokenizer.chat_template": GEMMA_STYLE_TEMPLATE})
    backend = LocalLlamaBackend(path, context_length=1024, gpu_offload="cpu", threads=1)
    try:
        assert backend.prompt_format.name == "chat template" and backend.model_name == "Gemma 3 270m"
        first = [SYSTEM, FRANCE]
        text = backend.prompt_format.format(first).text
        assert text.startswith("<bos><start_of_turn>user\n" + SYSTEM.content) and text.endswith("<start_of_turn>model\n")
        tokens = backend._prompt_tokens(first)[0]
        bos = backend.info.bos_token_id
        assert tokens[0] == bos and tokens[1] != bos  # the template's BOS, not a second one
        # Special markers are single special tokens, not spelled out as text.
        assert backend.count_tokens(first) < len(text) // 3
        answer = _ask(backend, first, max_tokens=6)
        follow = first + [Message("assistant", answer), Message("user", "And of Germany?")]
        _ask(backend, follow, max_tokens=4)
        assert backend.last_stats.reused_prefix_tokens >= len(tokens) - 1
    finally:
        backend.close()


def test_fused_attention_is_on_by_default_and_a_refusal_loads_without_it(base_model_path, monkeypatch):
    """llm.flash_attention reaches llama.cpp; a model or device refusing it still loads, without it."""
    import llama_cpp

    import desktop_app.llm.local_backend as local_backend_mod

    backend = LocalLlamaBackend(base_model_path, context_length=256, gpu_offload="cpu", threads=1)
    try:
        assert backend._llama.context_params.flash_attn_type == llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
        assert _ask(backend, [FRANCE], max_tokens=4).strip()
    finally:
        backend.close()

    def refuse_fused(path, architecture="", **params):
        if params.get("flash_attn"):
            raise ModelError("fused attention is not supported here")
        return load_llama(path, architecture, **params)

    monkeypatch.setattr(local_backend_mod, "load_llama", refuse_fused)
    backend = LocalLlamaBackend(base_model_path, context_length=256, gpu_offload="cpu", threads=1)
    try:
        assert backend.flash_attention is False
        assert backend._llama.context_params.flash_attn_type == llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
    finally:
        backend.close()
