"""Asking again when a grounded answer states a key figure its sources do not (issue 16's retry).

Off by default (``rag.recheck_unsupported``); when on, the second answer replaces the first, says
why, and a stop or failure during it keeps the complete first answer.
"""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import ModelError
from desktop_app.core.records import DoneEvent, Hit, NoticeEvent, RouteEvent, TokenEvent
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

# us-fed-agency-reports/DOT2022.pdf, page 7
PASSAGE = ("The Office of the Secretary oversees nine Operating Administrations (OAs), each with its own management "
           "and organizational structure.")
WRONG = "It oversees 10 Operating Administrations [1]."
RIGHT = "It oversees nine Operating Administrations [1]."


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def assistant(store, backend: FakeBackend, recheck: bool) -> Assistant:
    settings = Settings()
    settings.rag.recheck_unsupported = recheck
    hits = [Hit("/docs/DOT2022.pdf", 7, PASSAGE, 0.9, "plans")]
    return Assistant(store=store, backend_factory=lambda: backend, settings=settings,
                     retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding)


def run(store, backend, recheck=True, cancel_on_second=False):
    a = assistant(store, backend, recheck)
    events = []
    prepared = a.prepare("How many administrations does the Office oversee?", collections=["plans"])
    from desktop_app.core.cancel import CancelToken

    cancel = CancelToken()
    for event in a.answer(prepared, cancel=cancel):
        events.append(event)
        if cancel_on_second and isinstance(event, TokenEvent) and len(backend.history) == 2:
            cancel.cancel()
    return events


def test_off_by_default_the_model_is_asked_once():
    assert Settings().rag.recheck_unsupported is False


def test_without_recheck_the_unsupported_answer_stays_marked(store):
    backend = FakeBackend().enqueue(WRONG, RIGHT)
    events = list(ask(assistant(store, backend, recheck=False), "How many administrations?", collections=["plans"]))
    assert len(backend.history) == 1
    assert events[-1].answer.text == WRONG and events[-1].answer.claims.unsupported_key


def test_an_unsupported_key_figure_is_asked_again_and_the_second_answer_replaces_it(store):
    backend = FakeBackend().enqueue(WRONG, RIGHT)
    events = run(store, backend)
    assert len(backend.history) == 2
    first, second = backend.history
    # The same conversation, one instruction more at the end of the question's message.
    assert first.messages[:-1] == second.messages[:-1]
    added = second.messages[-1].content[len(first.messages[-1].content):]
    assert "“10”" in added and "Copy each figure" in added
    assert second.max_tokens < first.max_tokens
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.answer.text == RIGHT
    assert not done.answer.claims.unsupported_key
    notes = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert any("asked again" in n and "“10”" in n for n in notes)
    # The window and the CLI start the answer afresh at the second RouteEvent.
    kinds = [type(e).__name__ for e in events]
    assert kinds.count("RouteEvent") == 2 and kinds.index("TokenEvent") < len(kinds) - 1 - kinds[::-1].index("RouteEvent")
    saved = store.messages(done.answer.conversation_id)[-1]
    assert saved.content == RIGHT and saved.status == "complete" and saved.meta["rechecked"] is True
    assert any("asked again" in n for n in saved.meta["notices"])


def test_a_second_answer_that_is_still_unsupported_is_not_asked_a_third_time(store):
    backend = FakeBackend().enqueue(WRONG, "It oversees 11 Operating Administrations [1].")
    done = run(store, backend)[-1]
    assert len(backend.history) == 2
    assert done.answer.text.startswith("It oversees 11") and done.answer.claims.unsupported_key


def test_a_supported_answer_is_not_asked_again(store):
    backend = FakeBackend().enqueue(RIGHT)
    done = run(store, backend)[-1]
    assert len(backend.history) == 1 and done.answer.text == RIGHT
    assert "rechecked" not in store.messages(done.answer.conversation_id)[-1].meta


def test_a_stop_while_asking_again_keeps_the_complete_first_answer(store):
    backend = FakeBackend().enqueue(WRONG, "It oversees nine Operating Administrations and many more words [1].")
    events = run(store, backend, cancel_on_second=True)
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.answer.text == WRONG and not done.answer.stopped
    assert not any("asked again" in n for n in done.answer.notices)
    saved = store.messages(done.answer.conversation_id)[-1]
    assert saved.content == WRONG and saved.status == "complete" and "rechecked" not in saved.meta


def test_a_model_failure_while_asking_again_keeps_the_first_answer(store):
    backend = FakeBackend().enqueue(WRONG, ModelError("The model stopped."))
    done = run(store, backend)[-1]
    assert isinstance(done, DoneEvent) and done.answer.text == WRONG
    assert store.messages(done.answer.conversation_id)[-1].status == "complete"


def test_route_events_name_the_same_local_model(store):
    backend = FakeBackend(model_name="local-model").enqueue(WRONG, RIGHT)
    routes = [e for e in run(store, backend) if isinstance(e, RouteEvent)]
    assert [(r.route, r.model) for r in routes] == [("local", "local-model")] * 2


def test_the_retry_says_whether_a_figure_is_absent_or_stated_of_something_else():
    from desktop_app.core.records import Claim, ClaimCheck, Message
    from desktop_app.llm.base import GenerationRequest
    from desktop_app.services.answer_recheck import recheck_notice, stricter_request

    absent = ClaimCheck((Claim("77", "number", 0, 2, False),))
    elsewhere = ClaimCheck((Claim("435", "number", 0, 3, False, source=3, reason=Claim.OTHER_SUBJECT),))
    request = GenerationRequest(messages=(Message("user", "How many hours?"),), max_tokens=256)
    assert "“77”, which the sources above do not contain." in stricter_request(request, absent).messages[-1].content
    assert ("“435”, which the sources above state only about something other than what the question asks."
            in stricter_request(request, elsewhere).messages[-1].content)
    assert recheck_notice(elsewhere).startswith("The first answer stated “435”, which the sources state only about")
