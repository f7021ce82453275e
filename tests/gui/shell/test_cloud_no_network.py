"""A whole GUI session (open the window, ask, get an answer, close) opens no network connection
when cloud hand-off is off or has no endpoint: every non-Unix-socket connect is refused and recorded.
"""

from __future__ import annotations

import pytest

from tests.gui.gui_fixtures import make_core, open_window
from tests.gui.chat.test_chat_window import answers, send, wait_idle


@pytest.mark.parametrize(
    "routing",
    [
        {},  # the default: policy off
        {"routing.policy": "off", "routing.cloud.base_url": "http://127.0.0.1:9/v1", "routing.cloud.model": "m"},
        {"routing.policy": "auto"},  # no endpoint configured
    ],
)
def test_gui_session_makes_no_connection(qtbot, isolated_home, socket_guard, monkeypatch, routing):
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_API_KEY", "sk-never-sent")
    core = make_core(isolated_home)
    for key, value in routing.items():
        core.settings.set(key, value)
    core.save_settings()
    core.loaded_backend().enqueue("A local answer.")
    window = open_window(qtbot, core)
    send(qtbot, window, "Write a 600-word essay comparing three cloud providers and recommend one.")
    qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].text() == "A local answer.", timeout=10000)
    wait_idle(qtbot, window)
    window.close()
    window.pool.shutdown(5000)
    core.close()
    assert core._gateway is None
    assert socket_guard.attempts == []


def test_guard_would_see_a_cloud_connection(qtbot, isolated_home, socket_guard):
    """Control: with an endpoint and policy auto, the same session does try to connect (and falls back)."""
    from tests.routing_fixtures import free_port

    core = make_core(isolated_home)
    port = free_port()
    for key, value in {"routing.policy": "auto", "routing.cloud.base_url": f"http://127.0.0.1:{port}/v1",
                       "routing.cloud.model": "m"}.items():
        core.settings.set(key, value)
    core.loaded_backend().enqueue("A local answer.")
    window = open_window(qtbot, core)
    send(qtbot, window, "Write a 600-word essay comparing three cloud providers and recommend one.")
    qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].text() == "A local answer.", timeout=10000)
    wait_idle(qtbot, window)
    window.close()
    window.pool.shutdown(5000)
    core.close()
    assert socket_guard.attempts and socket_guard.attempts[0][1] == port
