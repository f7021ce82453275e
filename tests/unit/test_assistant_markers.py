"""The Assistant adds source markers to a grounded answer written without any, and saves them."""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import DoneEvent, Hit
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

PASSAGE = "The Department of Transportation oversees nine Operating Administrations. It employs 55,000 people."


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def answer(store, text: str, hits=True):
    backend = FakeBackend().enqueue(text)
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=lambda: FakeRetriever([Hit("/docs/DOT2022.pdf", 7, PASSAGE, 0.9, "plans")]
                                                                  if hits else []),
                          grounding=fake_grounding)
    events = list(ask(assistant, "How many people does the Department employ?", collections=["plans"]))
    done = events[-1]
    assert isinstance(done, DoneEvent)
    return done.answer, store.messages(done.answer.conversation_id)[-1]


def test_a_figure_the_passage_states_gets_its_marker_in_the_shown_and_saved_answer(store):
    done, saved = answer(store, "It employs 55,000 people.")
    assert done.text == saved.content == "It employs 55,000 people [1]."
    assert saved.meta["markers_added"] is True
    # The claims were checked again on the marked text: their spans point at the figure.
    (claim,) = [c for c in done.claims.claims if c.text == "55,000"]
    assert done.text[claim.start:claim.end] == "55,000" and claim.supported and claim.source == 1


def test_an_answer_with_markers_or_nothing_checked_is_saved_as_written(store):
    done, saved = answer(store, "It employs 55,000 people [1].")
    assert saved.content == done.text == "It employs 55,000 people [1]." and "markers_added" not in saved.meta
    done, saved = answer(store, "It employs 60,000 people.")
    assert saved.content == "It employs 60,000 people." and done.claims.unsupported_key
