"""Assistant's cloud path with a fake CloudGateway: hand-off, confirmation, fallback to local."""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import CloudError, ContextOverflowError
from desktop_app.core.records import DoneEvent, ErrorEvent, NoticeEvent, RouteEvent, TokenEvent
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import KEPT_LOCAL, Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeGateway


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def make(store, backend, gateway, settings=None) -> Assistant:
    return Assistant(store=store, backend_factory=lambda: backend, settings=settings or Settings(), gateway=gateway)


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TokenEvent))


def test_cloud_route_streams_from_the_gateway_and_records_route(store):
    backend = FakeBackend(model_name="tiny")
    gateway = FakeGateway().enqueue("A long essay.")
    events = list(ask(make(store, backend, gateway), "Write an essay about rivers"))
    assert events[0] == RouteEvent("cloud", "big-cloud-model", "The question asks for long-form writing.")
    assert text_of(events) == "A long essay."
    answer = events[-1].answer
    assert (answer.route, answer.model, answer.reason) == ("cloud", "big-cloud-model", "The question asks for long-form writing.")
    assert backend.history == []  # the local model did not generate
    assert gateway.plans[0]["forced"] is None and gateway.plans[0]["local_context_length"] == 2048
    meta = store.messages(answer.conversation_id)[-1].meta
    assert meta["route"] == "cloud" and meta["model"] == "big-cloud-model"


def test_forced_local_is_passed_to_the_gateway(store):
    backend = FakeBackend(model_name="tiny").enqueue("Local.")
    gateway = FakeGateway()
    events = list(ask(make(store, backend, gateway), "Write an essay", route="local"))
    assert gateway.plans[0]["forced"] == "local" and gateway.streamed == []
    assert events[-1].answer.route == "local" and text_of(events) == "Local."


def test_auto_route_means_the_router_decides(store):
    gateway = FakeGateway(route="local")
    list(ask(make(store, FakeBackend(), gateway), "hi", route="auto"))
    assert gateway.plans[0]["forced"] is None


def test_cloud_failure_before_any_text_falls_back_to_local_with_notice(store):
    backend = FakeBackend(model_name="tiny").enqueue("Local answer.")
    gateway = FakeGateway().enqueue(CloudError("the cloud model did not answer within 60 seconds"))
    events = list(ask(make(store, backend, gateway), "Write an essay"))
    notices = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert any("within 60 seconds" in n and "answered on this device" in n for n in notices)
    routes = [e for e in events if isinstance(e, RouteEvent)]
    assert [r.route for r in routes] == ["cloud", "local"]
    answer = events[-1].answer
    assert (answer.text, answer.route, answer.model) == ("Local answer.", "local", "tiny")
    stored = store.messages(answer.conversation_id)[-1]
    assert (stored.content, stored.status, stored.meta["route"]) == ("Local answer.", "complete", "local")


def test_cloud_stream_cut_mid_answer_restarts_locally(store):
    backend = FakeBackend(model_name="tiny").enqueue("Local answer.")
    gateway = FakeGateway().enqueue(("Half of a cloud", CloudError("the cloud stream was cut off")))
    events = list(ask(make(store, backend, gateway), "Write an essay"))
    i_second_route = [i for i, e in enumerate(events) if isinstance(e, RouteEvent)][1]
    assert any(isinstance(e, TokenEvent) for e in events[:i_second_route])  # cloud text came first
    assert text_of(events[i_second_route:]) == "Local answer."
    answer = events[-1].answer
    assert answer.text == "Local answer." and answer.route == "local"
    assert store.messages(answer.conversation_id)[-1].content == "Local answer."


def test_policy_ask_without_approval_stays_local(store):
    backend = FakeBackend(model_name="tiny").enqueue("Local.")
    gateway = FakeGateway(needs_confirmation=True)
    a = make(store, backend, gateway)
    prepared = a.prepare("Write an essay")
    assert prepared.plan.needs_confirmation and prepared.plan.preview.endswith("Write an essay")
    events = list(a.answer(prepared))  # not asked (approved=None): stays local
    assert gateway.streamed == []
    answer = events[-1].answer
    assert answer.route == "local" and KEPT_LOCAL in answer.notices


def test_policy_ask_with_approval_goes_to_the_cloud(store):
    gateway = FakeGateway(needs_confirmation=True).enqueue("Cloud text.")
    a = make(store, FakeBackend(), gateway)
    prepared = a.prepare("Write an essay")
    assert prepared.plan.needs_confirmation
    events = list(a.answer(prepared, approved=True))
    assert events[-1].answer.route == "cloud" and text_of(events) == "Cloud text."


def test_no_gateway_and_forced_cloud_answers_locally_with_a_notice(store):
    backend = FakeBackend(model_name="tiny").enqueue("Local.")
    events = list(ask(make(store, backend, None), "Write an essay", route="cloud"))
    notices = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert notices == ["Answered on this device: cloud hand-off is off."]
    assert events[-1].answer.route == "local"


def test_prompt_too_long_locally_may_go_to_cloud_but_not_stay_local(store):
    backend = FakeBackend(context_length=200)
    huge = "word " * 400
    gateway = FakeGateway(needs_confirmation=True).enqueue("Cloud handles it.")
    a = make(store, backend, gateway)
    prepared = a.prepare(huge)
    assert not prepared.fits_locally
    declined = list(a.answer(prepared, approved=False))
    assert isinstance(declined[-1], ErrorEvent) and isinstance(declined[-1].error, ContextOverflowError)
    approved = list(a.answer(a.prepare(huge, conversation_id=prepared.conversation_id), approved=True))
    assert isinstance(approved[-1], DoneEvent) and approved[-1].answer.text == "Cloud handles it."
    assert backend.history == []


def test_cloud_failure_when_local_cannot_fit_is_one_plain_error(store):
    backend = FakeBackend(context_length=200)
    gateway = FakeGateway().enqueue(CloudError("the API key was refused (401)"))
    events = list(ask(make(store, backend, gateway), "word " * 400))
    assert isinstance(events[-1], ErrorEvent)
    assert "401" in str(events[-1].error) and "too long" in str(events[-1].error)
