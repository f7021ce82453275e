"""Assistant: a grounded answer is checked against its sources (ClaimsEvent, Answer.claims, saved meta)."""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import ClaimCheck, ClaimsEvent, DoneEvent, Hit
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

# us-fed-agency-reports/DOT2022.pdf, page 7
PASSAGE = ("The Office of the Secretary oversees nine Operating Administrations (OAs), each with its own management "
           "and organizational structure.")


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def grounded(store, reply: str) -> Assistant:
    backend = FakeBackend().enqueue(reply)
    hits = [Hit("/docs/DOT2022.pdf", 7, PASSAGE, 0.9, "plans")]
    return Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                     retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding)


def test_grounded_answer_is_checked_before_done_and_saved(store):
    events = list(ask(grounded(store, "It oversees 10 Operating Administrations [1]."), 
        "How many administrations?", collections=["plans"]))
    kinds = [type(e).__name__ for e in events]
    assert kinds[-2:] == ["ClaimsEvent", "DoneEvent"]
    check = events[-2].check
    (ten,) = [c for c in check.claims if c.text == "10"]
    assert not ten.supported and ten.key
    answer = events[-1].answer
    assert answer.claims == check
    assert {"text": "10", "kind": "number", "supported": False, "source": None}.items() <= next(
        c for c in answer.to_json()["claims"] if c["text"] == "10").items()
    assert answer.to_json()["supported_ratio"] == check.supported_ratio
    saved = store.messages(answer.conversation_id)[-1]
    assert ClaimCheck.from_json(saved.meta["claims"]) == check


def test_a_supported_figure_points_at_its_span(store):
    events = list(ask(grounded(store, "It oversees 9 Operating Administrations [1]."), 
        "How many administrations?", collections=["plans"]))
    (nine,) = [c for c in events[-1].answer.claims.claims if c.text == "9"]
    assert nine.supported and nine.source == 1 and PASSAGE[nine.source_start:nine.source_end] == "nine"


def test_an_answer_without_sources_is_not_checked(store):
    backend = FakeBackend().enqueue("Paris has 2 million people.")
    a = Assistant(store=store, backend_factory=lambda: backend, settings=Settings())
    events = list(ask(a, "Population of Paris?"))
    assert not any(isinstance(e, ClaimsEvent) for e in events)
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.answer.claims is None
    assert "claims" not in done.answer.to_json()
    assert "claims" not in store.messages(done.answer.conversation_id)[-1].meta


def test_a_failing_check_keeps_the_answer(store, monkeypatch):
    import desktop_app.services.answer_stream as answer_stream_mod

    def broken(*args, **kwargs):
        raise RuntimeError("bug in the checker")

    monkeypatch.setattr(answer_stream_mod, "check_claims", broken)
    events = list(ask(grounded(store, "It oversees 9 OAs [1]."), "How many?", collections=["plans"]))
    assert isinstance(events[-1], DoneEvent) and events[-1].answer.claims is None
    assert events[-1].answer.text == "It oversees 9 OAs [1]."
