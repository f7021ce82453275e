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


def test_a_window_closed_as_its_model_loads_starts_no_second_load_and_shows_no_box(qtbot, isolated_home):
    """Closing on modelLoaded (as application.run's test does) closes the Core: a second load started
    then failed with "The app is closing." in a message box that kept the event loop running."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    core = make_core(isolated_home)
    core.provide(general_backend=None)  # not loaded yet: a late start would load it from a closed Core
    window = open_window(qtbot, core)
    closed = []
    window.modelLoaded.connect(lambda _b: (window.close(), core.close(), closed.append(True)))
    window.start_model_loading()
    qtbot.waitUntil(lambda: bool(closed), timeout=10000)
    window.pool.shutdown(5000)
    qtbot.wait(300)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes == []
