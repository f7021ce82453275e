"""Worker failures are logged and shown: never printed to a console the windowed build lacks,
never silent when the job's starter gave no error handler (anki's default ``failure``)."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.core.errors import AppError, StorageError
from desktop_app.gui.common.workers import Worker, WorkerPool


def crash(cancel=None):
    raise KeyError("no such thing")


def refuse(cancel=None):
    raise StorageError("The data folder is full.", "Free some space.")


def test_an_unexpected_exception_is_logged_with_its_traceback_and_shown_plainly(qtbot, caplog):
    worker = Worker(crash)
    errors = []
    worker.signals.errored.connect(errors.append)
    with caplog.at_level(logging.WARNING, logger="desktop_app.gui.common.workers"):
        worker.run()  # synchronously: the logic, without the pool
    assert len(errors) == 1 and isinstance(errors[0], AppError)
    assert "Traceback" not in str(errors[0]) and "KeyError" in str(errors[0])
    (record,) = [r for r in caplog.records if r.name == "desktop_app.gui.common.workers"]
    assert record.levelno == logging.ERROR and record.exc_info[0] is KeyError and "crash" in record.getMessage()


def test_a_plain_failure_is_logged_as_one_line(qtbot, caplog):
    worker = Worker(refuse)
    with caplog.at_level(logging.WARNING, logger="desktop_app.gui.common.workers"):
        worker.run()
    (record,) = [r for r in caplog.records if r.name == "desktop_app.gui.common.workers"]
    assert record.levelno == logging.WARNING and "The data folder is full." in record.getMessage()
    assert record.exc_info is None


def test_a_job_started_without_an_error_handler_reaches_the_pools_failure_handler(qtbot):
    shown = []
    pool = WorkerPool(on_failure=shown.append)
    try:
        pool.run(refuse)
        # Wait for the effect, not for `finished`: a job this short can finish before a
        # waitSignal made after the start is connected, and that signal is then never seen.
        qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    finally:
        pool.shutdown()
    assert isinstance(shown[0], StorageError)


def test_a_worker_started_directly_without_an_error_handler_also_reaches_it(qtbot):
    shown = []
    pool = WorkerPool(on_failure=shown.append)
    try:
        pool.start(Worker(refuse))
        qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    finally:
        pool.shutdown()
    assert isinstance(shown[0], StorageError)


def test_a_job_with_its_own_handler_does_not_also_get_the_default(qtbot):
    shown, own = [], []
    pool = WorkerPool(on_failure=shown.append)
    try:
        pool.run(refuse, on_errored=own.append)
        qtbot.waitUntil(lambda: bool(own), timeout=10000)
        qtbot.wait(50)  # let any other queued delivery of the same error arrive
    finally:
        pool.shutdown()
    assert not shown


def failure_boxes():
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.objectName() == "workerFailure"]


def test_the_default_failure_handler_shows_a_non_blocking_message(qtbot):
    pool = WorkerPool()
    try:
        pool.run(refuse)
        qtbot.waitUntil(lambda: any(b.isVisible() for b in failure_boxes()), timeout=10000)
    finally:
        pool.shutdown()
    box = [b for b in failure_boxes() if b.isVisible()][0]
    assert box.text() == "The data folder is full." and box.informativeText() == "Free some space."
    box.close()


@pytest.fixture
def core(isolated_home):
    from desktop_app.app import build_core

    core = build_core(str(isolated_home))
    yield core
    core.close()


def test_the_about_dialog_says_when_the_licence_notices_cannot_be_read(qtbot, core, monkeypatch, caplog):
    import desktop_app.gui.dialogs.about as about

    def broken():
        raise OSError("metadata unreadable")

    monkeypatch.setattr(about, "shipped_notices", broken)
    pool = WorkerPool()
    try:
        with caplog.at_level(logging.WARNING, logger="desktop_app.gui.common.workers"):
            dialog = about.AboutDialog(core, pool=pool)
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitUntil(lambda: dialog.tree.topLevelItem(0).text(0) != "Reading the licence notices…", timeout=10000)
    finally:
        pool.shutdown()
    assert dialog.tree.topLevelItem(0).text(0) == "The licence notices could not be read."
    assert "metadata unreadable" in dialog.text.toPlainText()
    assert any(r.exc_info and r.exc_info[0] is OSError for r in caplog.records)
