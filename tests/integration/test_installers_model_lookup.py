"""The installed app's model lookup: the GGUF inside the bundle is linked (or copied), not re-assembled."""

from __future__ import annotations

import os

import pytest

from desktop_app.llm import bundled

pytestmark = pytest.mark.slow


def test_installed_model_is_linked_into_the_models_folder(bundled_model_path, tmp_path, monkeypatch):
    monkeypatch.setenv(bundled.INSTALLED_MODEL_ENV, str(bundled_model_path))
    source = bundled.BundledSource.default()
    target = bundled.ensure_bundled_model(tmp_path / "models", source)
    assert target.is_symlink() and target.resolve() == bundled_model_path.resolve()
    assert bundled.is_verified(target, source.sha256)
    assert bundled.ensure_bundled_model(tmp_path / "models", source) == target


def test_installed_model_is_copied_where_links_are_refused(bundled_model_path, tmp_path, monkeypatch):
    monkeypatch.setenv(bundled.INSTALLED_MODEL_ENV, str(bundled_model_path))

    def no_links(*_args, **_kwargs):
        raise OSError("symbolic links need developer mode")

    monkeypatch.setattr(os, "symlink", no_links)
    target = bundled.ensure_bundled_model(tmp_path / "models", bundled.BundledSource.default())
    assert target.is_file() and not target.is_symlink()
    assert target.stat().st_size == bundled_model_path.stat().st_size


def test_missing_installed_model_falls_back_to_the_chunk_packages(tmp_path, monkeypatch):
    monkeypatch.setenv(bundled.INSTALLED_MODEL_ENV, str(tmp_path / "gone.gguf"))
    source = bundled.BundledSource.default()
    assert source.assemble == bundled.DEFAULT_MODEL.assemble  # the chunk packages' own assembler
    assert source.file_name == bundled.DEFAULT_MODEL.file_name
