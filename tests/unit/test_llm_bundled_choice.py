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
