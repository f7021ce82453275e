"""llama.cpp load failures mapped to plain ModelError messages (pure function, table-driven)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.llm.llama_runtime import explain_failure

FAIL = ValueError("Failed to load model from file: /m/model.gguf")


@pytest.mark.parametrize(
    "arch, log, exc, expected",
    [
        ("mamba9", ["llama_model_load: error loading model: unknown model architecture: 'mamba9'"], FAIL,
         "architecture 'mamba9' is not supported by this version"),
        ("", ["llama_model_load: error loading model: unknown model architecture: 'rwkv99'"], FAIL,
         "architecture 'rwkv99' is not supported"),
        ("llama", ["tensor 'blk.0.attn_q.weight' data is not within the file bounds, model is corrupted or incomplete"], FAIL,
         "'model.gguf' is incomplete or damaged"),
        ("llama", ["ggml_backend_cpu_buffer_type_alloc_buffer: failed to allocate buffer of size 4096000000"], FAIL,
         "not enough memory"),
        ("llama", [], ValueError("Failed to create llama_context"), "working memory could not be set up"),
        ("llama", ["some new failure nobody mapped yet"], FAIL, "could not be loaded (some new failure nobody mapped yet)"),
        ("llama", [], FAIL, "could not be loaded."),
        ("llama", ["llama_model_load_from_file_impl: no backends are loaded. hint: use ggml_backend_load()"], FAIL,
         "has no code that runs on this processor"),
    ],
    ids=["unsupported-arch", "arch-from-log", "truncated", "out-of-memory", "context", "unknown-reason", "no-log",
         "no-cpu-backend"],
)
def test_explain_failure(arch, log, exc, expected):
    error = explain_failure(Path("/m/model.gguf"), arch, log, exc)
    assert expected in str(error)
    assert "Traceback" not in str(error) and error.hint
