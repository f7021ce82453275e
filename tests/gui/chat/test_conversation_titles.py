"""Two conversations with the same title can be told apart in the list (issue 14, defect 9)."""

from __future__ import annotations

from desktop_app.core.records import Conversation
from desktop_app.gui.chat.conversation_list import list_labels
from tests.gui.chat.test_chat_window import answers, send, wait_idle


def test_same_question_twice_gives_two_distinct_list_entries(qtbot, main_window, fake_backend):
    window = main_window
    for _ in range(2):
        window.new_chat()
        fake_backend.enqueue("Paris.")
        send(qtbot, window, "What is the capital of France?")
        qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
        wait_idle(qtbot, window)
    texts = [window.sidebar.list.item(i).text() for i in range(window.sidebar.list.count())]
    assert len(texts) == 2 and len(set(texts)) == 2, texts
    assert all(t.startswith("What is the capital of France?") for t in texts)


def test_labels_add_the_start_time_only_to_repeated_titles():
    convs = [Conversation(1, "Budget", 1_700_000_000.0, 0.0), Conversation(2, "Budget", 1_700_090_000.0, 0.0),
             Conversation(3, "Trip", 1_700_000_000.0, 0.0), Conversation(4, "Trip", 1_700_000_010.0, 0.0)]
    labels = list_labels(convs)
    assert labels[0] != labels[1] and labels[0].startswith("Budget · ") and labels[1].startswith("Budget · ")
    # Started within the same minute: numbered.
    assert labels[2].endswith("(2)") and labels[3].endswith("(1)")
    assert list_labels([Conversation(5, "Alone", 0.0, 0.0)]) == ["Alone"]
