"""WriterLock: one writer per index folder across processes; a killed holder never blocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from desktop_app.core.cancel import CancelToken
from desktop_app.rag.writer_lock import WriterLock, is_waiting_message, waiting_message

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from desktop_app.rag.writer_lock import WriterLock
    lock = WriterLock(Path(sys.argv[1]))
    assert lock.acquire(timeout_s=30)
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    lock.release()
""")


def hold_in_child(path, seconds: float) -> subprocess.Popen:
    """Another process that takes the lock and keeps it ``seconds`` (returns once it holds it)."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_second_process_waits_is_told_the_holders_pid_then_proceeds(tmp_path):
    path = tmp_path / "index" / "writer.lock"
    child = hold_in_child(path, 1.5)
    lock = WriterLock(path)
    told = []
    started = time.monotonic()
    assert lock.acquire(on_wait=told.append, timeout_s=30)
    waited = time.monotonic() - started
    try:
        assert told == [child.pid]
        assert waited >= 0.5, "the lock was not held by the other process"
        assert lock.holder() == os.getpid()
    finally:
        lock.release()
        child.wait(10)


def test_a_lock_left_by_a_killed_process_never_blocks(tmp_path):
    path = tmp_path / "writer.lock"
    child = hold_in_child(path, 60)
    assert not WriterLock(path).acquire(timeout_s=0.3)  # really held
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert WriterLock(path).holder() == child.pid  # the file still names the dead holder...
    lock = WriterLock(path)
    assert lock.acquire(timeout_s=5)  # ...but the OS dropped its lock with the process
    assert lock.holder() == os.getpid()
    lock.release()


def test_waiting_gives_up_when_cancelled(tmp_path):
    path = tmp_path / "writer.lock"
    child = hold_in_child(path, 60)
    try:
        cancel = CancelToken()
        threading.Timer(0.4, cancel.cancel).start()
        started = time.monotonic()
        assert WriterLock(path).acquire(cancel) is False
        assert time.monotonic() - started < 5
    finally:
        child.kill()
        child.wait(10)


def test_reentrant_in_one_thread_exclusive_between_threads_and_releasable_elsewhere(tmp_path):
    lock = WriterLock(tmp_path / "writer.lock")
    assert lock.acquire() and lock.acquire() and lock.depth == 2
    got = []
    other = threading.Thread(target=lambda: got.append(lock.acquire(timeout_s=0.3)))
    other.start()
    other.join()
    assert got == [False]  # another thread of this process is another writer
    lock.release()
    assert lock.depth == 1
    # A generator holding the lock may be closed from another thread: the release still works.
    closer = threading.Thread(target=lock.release)
    closer.start()
    closer.join()
    assert lock.depth == 0
    again = WriterLock(tmp_path / "writer.lock")
    assert again.acquire(timeout_s=1)
    again.release()
    with pytest.raises(RuntimeError):
        lock.release()


def test_waiting_message_names_the_holder_and_is_recognised():
    line = waiting_message(1234)
    assert line.startswith("Another indexing run is in progress (PID 1234); waiting")
    assert is_waiting_message(line) and not is_waiting_message("Skipped a.xlsx")
    assert "PID" not in waiting_message(None)
