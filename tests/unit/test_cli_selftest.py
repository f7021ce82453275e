"""`slm-assistant self-test` with a FakeBackend: one line per check, exit 0 only if all pass."""

from __future__ import annotations

import json

from desktop_app.config.paths import AppPaths
from desktop_app.core.errors import ModelError
from tests.unit.cli_fakes import fake_core, run_cli  # noqa: F401 (fixture)

CHECKS = ["data folder writable", "settings readable", "machine policy", "offline environment",
          "conversation database", "model present", "model loads", "model generates", "document embedder installed"]


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
