"""The Assistant answers a pure calculation with the built-in calculator: no model, no documents, no cloud."""

from __future__ import annotations

import dataclasses

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import CALCULATOR, DoneEvent, Hit, RouteEvent, TokenEvent
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import CALCULATED, Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeGateway, FakeRetriever, fake_grounding


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def never_loaded():
    raise AssertionError("the model must not be loaded for a calculation")


def test_calculation_is_answered_without_the_model_and_saved(store):
    retriever = FakeRetriever([Hit("a.pdf", 1, "Totals: 17 and 3.", 0.9)])
    assistant = Assistant(store=store, backend_factory=never_loaded, settings=Settings(),
                          retriever_factory=lambda: retriever, grounding=fake_grounding)
    events = list(ask(assistant, "What is 99 plus 101?", collections=["work"]))
    assert events[0] == RouteEvent("local", CALCULATOR, CALCULATED)
    assert "".join(e.text for e in events if isinstance(e, TokenEvent)) == "99 + 101 = 200"
    answer = events[-1].answer
    assert isinstance(events[-1], DoneEvent) and (answer.model, answer.text) == (CALCULATOR, "99 + 101 = 200")
    assert retriever.calls == []  # a calculation needs no documents, even with a collection ticked
    q, a = store.messages(answer.conversation_id)
    assert (q.content, a.content, a.meta["model"]) == ("What is 99 plus 101?", "99 + 101 = 200", CALCULATOR)


def test_follow_up_after_a_calculation_reaches_the_model_with_it_in_the_history(store):
    backend = FakeBackend().enqueue("It is the number of hours in a week.")
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings())
    first = list(ask(assistant, "How many hours are in a week?"))[-1].answer
    assert first.text == "1 week = 168 hours"
    list(ask(assistant, "Why does that matter for shift planning?", conversation_id=first.conversation_id))
    sent = [m.content for m in backend.history[-1].messages[1:]]
    assert sent == ["How many hours are in a week?", "1 week = 168 hours", "Why does that matter for shift planning?"]


def test_calculator_off_asks_the_model(store):
    settings = Settings()
    settings = dataclasses.replace(settings, llm=dataclasses.replace(settings.llm, calculator=False))
    backend = FakeBackend(model_name="tiny").enqueue("99 + 101 equals 190.")
    events = list(ask(Assistant(store=store, backend_factory=lambda: backend, settings=settings), "What is 99 plus 101?"))
    assert events[-1].answer.model == "tiny" and len(backend.history) == 1


def test_a_question_forced_to_the_cloud_goes_there(store):
    gateway = FakeGateway()
    gateway.replies.append("200")
    backend = FakeBackend()
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(), gateway=gateway)
    events = list(ask(assistant, "What is 99 plus 101?", route="cloud"))
    assert events[-1].answer.route == "cloud"


def test_anything_else_still_goes_to_the_model(store):
    backend = FakeBackend(model_name="tiny").enqueue("Canberra.")
    events = list(ask(Assistant(store=store, backend_factory=lambda: backend, settings=Settings()),
                      "What is the capital of Australia?"))
    assert events[-1].answer.model == "tiny"


def test_regenerating_a_calculation_replaces_it_without_a_second_question(store):
    assistant = Assistant(store=store, backend_factory=never_loaded, settings=Settings())
    first = list(ask(assistant, "What is 6 times 7?"))[-1].answer
    again = list(assistant.answer(assistant.prepare_regenerate(first.conversation_id)))[-1].answer
    assert again.text == "6 × 7 = 42"
    assert [m.content for m in store.messages(first.conversation_id)] == ["What is 6 times 7?", "6 × 7 = 42"]
