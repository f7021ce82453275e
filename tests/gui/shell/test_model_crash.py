"""The window outlives its model: the model process is killed mid-answer, the window stays."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from tests.gui.gui_fixtures import make_core, open_window
from tests.gui.chat.test_chat_window import answers, send, wait_idle

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]


def test_killing_the_model_mid_answer_keeps_the_window_and_the_partial_answer(qtbot, isolated_home, bundled_model_path):
    from desktop_app.llm.process_backend import ProcessBackend

    backend = ProcessBackend(bundled_model_path, context_length=1024, gpu_offload="cpu", threads=1)
    core = make_core(isolated_home, backend)
    core.settings.llm.max_tokens = 400
    window = open_window(qtbot, core)
    try:
        first_pid = backend.pid
        send(qtbot, window, "Count from 1 to 200, one number per line.")
        qtbot.waitUntil(lambda: bool(answers(window)) and len(answers(window)[-1].text()) > 4, timeout=120000)
        os.kill(first_pid, signal.SIGKILL)
        wait_idle(qtbot, window, timeout=120000)
        broken = answers(window)[-1]
        assert broken.text().strip()  # what was received is still on screen
        assert broken.status == "error"
        assert "stopped unexpectedly" in window.banner.text()
        stored = core.store.messages(window.controller.conversation_id)
        assert stored[-1].status == "error" and stored[-1].content.strip()

        # The next question starts a fresh model process and is answered.
        send(qtbot, window, "What is the capital of France? Answer in one word.")
        qtbot.waitUntil(lambda: len(answers(window)) == 2 and answers(window)[-1].status != "streaming", timeout=300000)
        wait_idle(qtbot, window, timeout=300000)
        assert answers(window)[-1].status == "complete"
        assert "Paris" in answers(window)[-1].text()
        assert backend.pid != first_pid and backend.restarts == 1
    finally:
        window.close()
        core.close()
