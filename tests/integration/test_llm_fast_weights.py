"""The bundled model's faster Q8_0 copy: made once by llama.cpp's quantizer in a child process,
verified against its source, reused, rebuilt when stale, and the model runs from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.llm import fast_weights
from desktop_app.llm.gguf_info import read_gguf_info

pytestmark = pytest.mark.slow


def test_the_copy_is_q8_0_made_once_and_rebuilt_when_its_source_changes(bundled_model_path, tmp_path, capfd):
    source = tmp_path / Path(bundled_model_path).name
    os.symlink(bundled_model_path, source)
    copy = fast_weights.ensure_fast_copy(source, "sha-a")
    printed = capfd.readouterr()
    assert "q8_0" not in printed.out + printed.err  # the quantizer's log stays off the CLI's terminal
    assert copy == fast_weights.fast_copy_path(source) and copy.is_file()
    info = read_gguf_info(copy)
    assert info.quantization == "Q8_0" and info.has_chat_template
    assert fast_weights.is_fast_copy(copy) and not list(tmp_path.glob(".*.part"))
    made = copy.stat().st_mtime_ns
    assert fast_weights.ensure_fast_copy(source, "sha-a") == copy and copy.stat().st_mtime_ns == made  # reused
    assert fast_weights.ensure_fast_copy(source, "sha-b") == copy and copy.stat().st_mtime_ns != made  # another source


def test_a_source_the_quantizer_cannot_read_falls_back_without_a_trace(tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    assert fast_weights.ensure_fast_copy(bad, "sha") is None
    assert not fast_weights.fast_copy_path(bad).exists() and not list(tmp_path.glob(".*.part"))


def test_the_manager_runs_the_bundled_model_from_its_copy_and_lists_it_once(isolated_home, bundled_model_path):
    from desktop_app.app import build_core

    core = build_core(str(isolated_home))
    try:
        bundled = core.models.ensure_bundled()
        runnable = core.models.runnable_path(bundled)
        assert runnable == fast_weights.fast_copy_path(bundled) and runnable.is_file()
        assert [m.path for m in core.models.list_models()].count(runnable) == 0
        core.settings.llm.fast_bundled_weights = False
        assert core.models.runnable_path(bundled) == bundled
    finally:
        core.close()


def test_the_bundled_model_is_named_as_shipped_not_by_its_files_header(isolated_home, bundled_model_path, tmp_path):
    """The 0.5B GGUF's own general.name ends in "AWQ" (the checkpoint it came from); the status
    bar, About and self-test name it as the app ships it. Another file keeps its own name."""
    from desktop_app.app import build_core
    from desktop_app.llm.bundled import DEFAULT_MODEL

    assert read_gguf_info(bundled_model_path).name != DEFAULT_MODEL.name  # what the file itself says
    core = build_core(str(isolated_home))
    try:
        bundled = core.models.ensure_bundled()
        path, info = core.models.runnable(bundled)
        assert info.name == DEFAULT_MODEL.name and path == core.models.runnable_path(bundled)
        assert [m.name for m in core.models.list_models() if m.bundled] == [DEFAULT_MODEL.name]  # Settings → Model
        other = tmp_path / "someone-elses.gguf"
        os.symlink(bundled_model_path, other)
        assert core.models.runnable(other)[1].name == read_gguf_info(bundled_model_path).name
    finally:
        core.close()
