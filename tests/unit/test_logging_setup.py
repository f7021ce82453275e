"""The app's log: one rotating file in the logs folder, set up by the composition root; failures
that used to be dropped by broad catches now reach it."""

from __future__ import annotations

import logging
import threading

import pytest

from desktop_app.core import logging_setup
from desktop_app.core.logging_setup import LOG_FILE_NAME, configure_logging, current_log_file


@pytest.fixture(autouse=True)
def no_app_handler_left():
    """Each test starts and ends without our handler on the root logger (and the root level kept)."""
    root = logging.getLogger()
    level = root.level

    def drop():
        for h in list(root.handlers):
            if isinstance(h, logging_setup._AppLogHandler):
                root.removeHandler(h)
                h.close()

    drop()
    yield
    drop()
    root.setLevel(level)


def flush():
    for h in logging.getLogger().handlers:
        h.flush()


def test_warnings_with_tracebacks_go_to_the_file_info_does_not(tmp_path):
    path = configure_logging(tmp_path / "logs", debug=False)
    assert path == (tmp_path / "logs" / LOG_FILE_NAME).absolute() and current_log_file() == path
    log = logging.getLogger("desktop_app.test")
    log.info("routine: not written by default")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("the job failed")
    flush()
    text = path.read_text(encoding="utf-8")
    assert "ERROR" in text and "the job failed" in text and "ValueError: boom" in text and "Traceback" in text
    assert "routine" not in text


def test_configuring_twice_adds_one_handler_and_a_new_home_moves_it(tmp_path):
    configure_logging(tmp_path / "a")
    configure_logging(tmp_path / "a")
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logging_setup._AppLogHandler)]
    assert len(ours) == 1
    moved = configure_logging(tmp_path / "b")
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logging_setup._AppLogHandler)]
    assert len(ours) == 1 and ours[0].baseFilename == str(moved) and moved.parent == (tmp_path / "b").absolute()


def test_debug_logging_is_opt_in_through_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(logging_setup.DEBUG_ENV, "1")
    path = configure_logging(tmp_path / "logs")
    logging.getLogger("desktop_app.test").debug("question text only in debug logs")
    flush()
    assert "question text only in debug logs" in path.read_text(encoding="utf-8")


def test_an_unwritable_logs_folder_does_not_stop_the_app(tmp_path):
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the folder should be")
    assert configure_logging(blocker) is None
    logging.getLogger("desktop_app.test").error("still fine")  # no handler error, no exception


def test_build_core_logs_to_the_homes_logs_folder(tmp_path):
    from desktop_app.app import build_core

    core = build_core(str(tmp_path / "home"))
    try:
        assert current_log_file() == (core.paths.logs_dir / LOG_FILE_NAME).absolute()
    finally:
        core.close()


def test_the_api_log_is_the_same_file(tmp_path):
    from desktop_app.api.runner import log_to_file

    assert log_to_file(tmp_path / "logs") == configure_logging(tmp_path / "logs")
    assert len([h for h in logging.getLogger().handlers if isinstance(h, logging_setup._AppLogHandler)]) == 1


def test_a_failed_folder_look_is_logged_and_the_watching_goes_on(tmp_path, caplog, monkeypatch):
    from desktop_app.rag import watcher as watcher_module

    looks = []
    again = threading.Event()

    def failing_snapshot(folder):
        looks.append(folder)
        if len(looks) >= 2:
            again.set()
        raise PermissionError("denied")

    monkeypatch.setattr(watcher_module, "snapshot", failing_snapshot)
    w = watcher_module.FolderWatcher([str(tmp_path)], lambda folder: None, interval_s=0.01)
    with caplog.at_level(logging.WARNING, logger="desktop_app.rag.watcher"):
        w.start()
        try:
            assert again.wait(10), "the watcher stopped after the first failure"
        finally:
            w.stop()
    records = [r for r in caplog.records if r.name == "desktop_app.rag.watcher"]
    assert records and records[0].exc_info and records[0].exc_info[0] is PermissionError


def test_a_failed_confidence_probe_is_logged_and_routing_goes_on(tmp_path, caplog):
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.policy import MachinePolicy
    from desktop_app.config.settings import Settings
    from desktop_app.core.records import Message
    from desktop_app.llm.fake import FakeBackend
    from desktop_app.routing.gateway import build_gateway

    s = Settings()
    s.routing.policy = "auto"
    s.routing.cloud.base_url = "http://127.0.0.1:9/v1"
    s.routing.cloud.model = "big"

    def probe(messages):
        raise RuntimeError("the model process died")

    gw = build_gateway(AppPaths.resolve(tmp_path), s, MachinePolicy(), {}, backend_factory=lambda c: FakeBackend(),
                       confidence_probe=probe)
    q = "Explain how our pension scheme works."  # borderline: the probe is asked
    with caplog.at_level(logging.WARNING, logger="desktop_app.routing.gateway"):
        plan = gw.plan(q, [Message("user", q)], [], None, 4096, 40)
    assert plan.route in ("local", "cloud")
    probe_records = [r for r in caplog.records if "confidence probe" in r.getMessage()]
    assert probe_records and probe_records[0].exc_info[0] is RuntimeError
    assert q not in caplog.text  # the question itself is never logged
