"""A calculation typed into the window is answered by the built-in calculator, marked as such."""

from __future__ import annotations

from tests.gui.chat.test_chat_window import answers, send, wait_idle


def test_calculation_answered_in_the_window_without_the_model(qtbot, main_window, fake_backend):
    send(qtbot, main_window, "How many seconds are in one hour?")
    qtbot.waitUntil(lambda: bool(answers(main_window)) and answers(main_window)[-1].status == "complete", timeout=10000)
    wait_idle(qtbot, main_window)
    answer = answers(main_window)[-1]
    assert answer.body.toPlainText().strip() == "1 hour = 3,600 seconds"
    assert answer.route_label.text() == "On this device · calculator"
    assert "built-in calculator" in answer.reason_label.text()
    assert fake_backend.history == []  # the model was not asked
    # The next question, not a calculation, goes to the model as usual.
    fake_backend.enqueue("Because clocks count in sixties.")
    send(qtbot, main_window, "Why sixty?")
    qtbot.waitUntil(lambda: len(answers(main_window)) == 2 and answers(main_window)[-1].status == "complete", timeout=10000)
    assert answers(main_window)[-1].text() == "Because clocks count in sixties."
