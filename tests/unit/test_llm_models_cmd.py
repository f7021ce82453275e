"""`slm-assistant models ...` end to end through the real dispatcher, on synthetic GGUF files."""

from __future__ import annotations

import hashlib
import json

import pytest

from desktop_app import cli
from desktop_app.llm import bundled as bundled_mod
from desktop_app.llm import llama_runtime
from tests.model_fixtures import gguf_bytes, write_gguf

BUNDLED = gguf_bytes({"general.architecture": "gemma3", "general.name": "Bundled Tiny", "gemma3.context_length": 32768, "general.file_type": 15})


@pytest.fixture(autouse=True)
def fake_bundled(monkeypatch):
    """A tiny stand-in for the 240 MB bundled model, and no native probe of weightless files."""

    def assemble(output_path, overwrite=False):
        open(output_path, "wb").write(BUNDLED)

    source = bundled_mod.BundledSource("bundled.gguf", hashlib.sha256(BUNDLED).hexdigest(), assemble)
    monkeypatch.setattr(bundled_mod.BundledSource, "default", classmethod(lambda cls, *args, **kwargs: source))
    monkeypatch.setattr(llama_runtime, "probe_loadable", lambda path, arch="": None)


def test_list_shows_the_bundled_model_as_active(capsys):
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("* Bundled Tiny") and "Q4_K_M" in out[0] and "bundled" in out[0]


def test_add_then_use_persists_settings(tmp_path, capsys, isolated_home):
    model = write_gguf(tmp_path / "extra.gguf", name="Extra", chat_template="{{ messages[0].content }}")
    assert cli.main(["models", "add", str(model)]) == 0
    assert "Added Extra" in capsys.readouterr().out
    assert cli.main(["models", "use", str(model)]) == 0
    assert "Active model: Extra" in capsys.readouterr().out
    saved = json.loads((isolated_home / "config" / "settings.json").read_text())
    assert saved["llm"]["model_path"] == str(model.resolve())
    assert cli.main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line[:1] for line in lines] == [" ", "*"] and "chat template" in lines[1]
    assert cli.main(["models", "use", "bundled"]) == 0
    assert json.loads((isolated_home / "config" / "settings.json").read_text())["llm"]["model_path"] == ""


def test_bad_file_is_one_plain_line_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"")
    assert cli.main(["models", "add", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty" in err and "Traceback" not in err


def test_catalogue_lists_real_urls(capsys):
    assert cli.main(["models", "catalogue"]) == 0
    out = capsys.readouterr().out
    for name in ("qwen2.5-3b-instruct", "llama-3.2-3b-instruct", "phi-3.5-mini-instruct"):
        assert name in out
    assert out.count("https://huggingface.co/") == 3


def test_download_unknown_name_without_url(capsys):
    assert cli.main(["models", "download", "nope"]) == 1
    assert "no model called 'nope'" in capsys.readouterr().err
