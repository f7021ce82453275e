"""`slm-assistant self-test` with a FakeBackend: one line per check, exit 0 only if all pass."""

from __future__ import annotations

import json

from desktop_app.config.paths import AppPaths
from desktop_app.core.errors import ModelError
from tests.unit.cli_fakes import fake_core, run_cli  # noqa: F401 (fixture)

CHECKS = ["data folder writable", "settings readable", "machine policy", "offline environment",
          "conversation database", "model present", "model loads", "model generates",
          "model for questions without documents", "document embedder installed"]


def _use_small_model_file(capsys, tmp_path):
    model = tmp_path / "small.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 1000)  # the fake backend stands in for loading it
    assert run_cli(capsys, "config", "set", "llm.model_path", str(model))[0] == 0


def test_all_checks_pass(fake_core, capsys, tmp_path):
    _use_small_model_file(capsys, tmp_path)
    fake_core.backend_fake.enqueue("Paris.")
    code, out, err = run_cli(capsys, "self-test")
    lines = out.splitlines()
    assert [line.split(":")[0].split("  ", 1)[1].strip() for line in lines[:-1]] == CHECKS
    assert all(line.startswith("OK") for line in lines[:-1]), out
    assert lines[-1] == "All checks passed."
    assert code == 0
    assert "WAL" in out and "sha256" in out and '"Paris."' in out


def test_failures_are_reported_one_line_each_and_exit_non_zero(fake_core, capsys, tmp_path):
    _use_small_model_file(capsys, tmp_path)
    AppPaths.resolve().settings_file.write_text("{ damaged")
    fake_core.backend_fake.enqueue(ModelError("The model produced garbage."))
    code, out, _ = run_cli(capsys, "self-test", "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    by_name = {c["name"]: c for c in data["checks"]}
    assert by_name["settings readable"]["ok"] is False and "not valid JSON" in by_name["settings readable"]["detail"]
    assert by_name["model generates"] == {"name": "model generates", "ok": False, "detail": "The model produced garbage."}
    assert by_name["data folder writable"]["ok"] is True


def test_missing_model_skips_the_dependent_checks(fake_core, capsys, tmp_path):
    assert run_cli(capsys, "config", "set", "llm.model_path", str(tmp_path / "gone.gguf"))[0] == 0
    code, out, _ = run_cli(capsys, "self-test")
    assert code == 1
    assert "FAIL  model present: The chosen model file" in out
    assert "FAIL  model loads: skipped: no model" in out
    assert "FAIL  model generates: skipped: the model did not load" in out
    assert "checks failed." in out.splitlines()[-1]


def _with_general_model(fake_core, monkeypatch, general):
    """The 0.5B's stand-in answers documents; ``general`` (a fake, or an error) answers chat."""
    import desktop_app.app as app
    from desktop_app.llm.bundled import BundledSource
    from desktop_app.llm.models import ModelManager

    source = BundledSource("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "0" * 64, lambda *a, **k: None,
                           "the larger bundled model for questions without documents")
    monkeypatch.setattr(ModelManager, "general_source", lambda self: source)
    build = app.build_core

    def with_general(home=None):
        core = build(home)
        if isinstance(general, Exception):
            core.provide(general_backend=None, models=_FailingGeneral(core.models, general))
        else:
            core.provide(general_backend=general)
        return core

    monkeypatch.setattr(app, "build_core", with_general)


class _FailingGeneral:
    def __init__(self, models, error):
        self._models, self._error = models, error

    def __getattr__(self, name):
        return getattr(self._models, name)

    def load_general_backend(self):
        raise self._error


def test_the_model_for_questions_without_documents_is_loaded_and_asked_too(fake_core, capsys, tmp_path, monkeypatch):
    from desktop_app.llm.fake import FakeBackend

    _use_small_model_file(capsys, tmp_path)
    fake_core.backend_fake.enqueue("Paris.")
    _with_general_model(fake_core, monkeypatch, FakeBackend(model_name="Qwen2.5 Coder 1.5B Instruct").enqueue("Paris, France."))
    code, out, _ = run_cli(capsys, "self-test")
    line = next(x for x in out.splitlines() if "model for questions without documents" in x)
    assert line.startswith("OK") and "Qwen2.5 Coder 1.5B Instruct" in line and '"Paris, France."' in line, out
    assert code == 0


def test_a_model_for_questions_without_documents_that_will_not_load_is_named(fake_core, capsys, tmp_path, monkeypatch):
    _use_small_model_file(capsys, tmp_path)
    fake_core.backend_fake.enqueue("Paris.")
    _with_general_model(fake_core, monkeypatch, ModelError("Not enough memory to load the model."))
    code, out, _ = run_cli(capsys, "self-test")
    line = next(x for x in out.splitlines() if "model for questions without documents" in x)
    assert line.startswith("FAIL") and "did not load: Not enough memory" in line and "fake-gemma answers every question" in line
    assert code == 1
