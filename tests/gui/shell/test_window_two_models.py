"""The window with two local models: the status bar names both, a question without documents is
answered (and labelled) by the general one, and About says which answers what."""

from __future__ import annotations

from desktop_app.llm.fake import FakeBackend
from tests.gui.chat.test_chat_window import answers, send, wait_idle
from tests.gui.gui_fixtures import make_core, open_window


def test_the_status_bar_and_the_answer_name_the_model_that_answers_chat(qtbot, isolated_home):
    main = FakeBackend(model_name="Qwen2.5 Coder 0.5B Instruct", delay_s=0.01)
    general = FakeBackend(model_name="Qwen2.5 Coder 1.5B Instruct", delay_s=0.01).enqueue("Paris is the capital of France.")
    core = make_core(isolated_home, main)
    core.provide(general_backend=general)
    window = open_window(qtbot, core)
    try:
        label = window.status.model_label
        qtbot.waitUntil(lambda: "(chat)" in label.text(), timeout=10000)
        assert label.text() == "Qwen2.5 Coder 0.5B Instruct (documents) · Qwen2.5 Coder 1.5B Instruct (chat)"
        assert "Questions about your documents are answered by Qwen2.5 Coder 0.5B Instruct" in label.toolTip()
        send(qtbot, window, "What is the capital of France?")
        qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status != "streaming", timeout=10000)
        wait_idle(qtbot, window)
        answer = answers(window)[-1]
        assert answer.text() == "Paris is the capital of France."
        assert "Qwen2.5 Coder 1.5B Instruct" in answer.route_label.text() and main.history == []

        from desktop_app.gui.dialogs.about import model_label

        assert model_label(core) == ("Qwen2.5 Coder 0.5B Instruct for documents; "
                                     "Qwen2.5 Coder 1.5B Instruct for other questions")
    finally:
        window.close()
        window.pool.shutdown(5000)
        core.close()


def test_one_model_is_named_alone(qtbot, main_window, gui_core):
    qtbot.waitUntil(lambda: main_window.status.model_label.text() != "", timeout=10000)
    qtbot.wait(200)  # the general model's worker has run: it found none and named nothing more
    assert "(chat)" not in main_window.status.model_label.text()
