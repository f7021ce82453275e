"""Diagnostics for IT support: versions, CPU, model and the last logged problems, never user text."""

from __future__ import annotations

import logging

import pytest

from desktop_app import PRODUCT_NAME, __version__
from desktop_app.app import build_core
from desktop_app.core import logging_setup
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.diagnostics import cpu_features, diagnostics_report, recent_problems


@pytest.fixture
def core(isolated_home):
    root = logging.getLogger()
    level = root.level
    core = build_core(str(isolated_home))  # also points the app's log at this home
    yield core
    core.close()
    for h in list(root.handlers):
        if isinstance(h, logging_setup._AppLogHandler):
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


def flush():
    for h in logging.getLogger().handlers:
        h.flush()


def test_the_report_names_versions_and_the_last_problems_without_tracebacks_or_questions(core):
    log = logging.getLogger("desktop_app.gui.common.workers")
    log.info("What is our pension scheme?")  # below the default level: never in the log
    try:
        raise OSError("disk on fire")
    except OSError:
        log.exception("index_job failed unexpectedly")
    log.warning("refuse failed: StorageError: The data folder is full.")
    flush()
    report = diagnostics_report(core)
    assert report.startswith(f"{PRODUCT_NAME} {__version__}\n")
    assert "Python: " in report and "Packages: " in report and "llama_cpp_python" in report
    assert "PySide6 6." in report  # installed as PySide6_Essentials here: found under either name
    assert "Model loaded: no" in report and "Model setting: the bundled model" in report
    assert "Last 2 logged problems:" in report
    assert "ERROR [MainThread] desktop_app.gui.common.workers: index_job failed unexpectedly" in report
    assert "The data folder is full." in report
    assert "Traceback" not in report and "pension" not in report


def test_a_loaded_model_is_described_and_nothing_is_loaded_to_find_out(core):
    class NoLoads:
        def load_backend(self):
            raise AssertionError("diagnostics must not load the model")

    core.provide(models=NoLoads())
    assert "Model loaded: no" in diagnostics_report(core)
    backend = FakeBackend(model_name="qwen-test", context_length=4096)
    backend.device_label = "CPU, 4 threads"
    backend.system_info = "AVX = 1 | AVX2 = 1 | AVX512 = 0 | FMA = 1"
    core.provide(backend=backend)
    report = diagnostics_report(core)
    assert "Model loaded: qwen-test, context 4096 tokens, CPU, 4 threads" in report
    assert "Model runtime features: AVX AVX2 FMA" in report


def test_recent_problems_keeps_the_last_n_and_skips_continuation_lines(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(
        "2026-01-01 10:00:00,000 ERROR [t] a: first\nTraceback (most recent call last):\n  File x\nOSError: boom\n"
        "2026-01-01 10:00:01,000 INFO [t] a: routine\n"
        "2026-01-01 10:00:02,000 WARNING [t] a: second\n"
        "2026-01-01 10:00:03,000 ERROR [t] a: third\n", encoding="utf-8")
    assert [p.rsplit(": ", 1)[1] for p in recent_problems(log, 2)] == ["second", "third"]
    assert len(recent_problems(log, 10)) == 3
    assert recent_problems(tmp_path / "absent.log", 5) == []


def test_cpu_features_from_the_os(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse4_2 avx avx2 fma f16c hypervisor\n", encoding="utf-8")
    assert cpu_features(info) == "sse4_2 avx avx2 fma f16c"
    arm = tmp_path / "cpuinfo-arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd evtstrm aes\n", encoding="utf-8")
    assert cpu_features(arm) == "asimd"
    assert cpu_features(tmp_path / "none") == ""


def test_the_cli_prints_the_report(isolated_home, capsys):
    from desktop_app.cli import main

    try:
        assert main(["diagnostics", "--last", "5"]) == 0
    finally:
        for h in list(logging.getLogger().handlers):
            if isinstance(h, logging_setup._AppLogHandler):
                logging.getLogger().removeHandler(h)
                h.close()
    out = capsys.readouterr().out
    assert out.startswith(f"{PRODUCT_NAME} {__version__}") and "Logged problems: none" in out
