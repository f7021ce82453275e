"""Cloud failures against a real loopback HTTP server: each yields a local answer and a one-line notice.

The server answers 401, 429 with Retry-After, 500, hangs, cuts or garbles the SSE stream; the
CloudBackend turns each into a CloudError with a plain reason, and the Assistant falls back to
the local model with the conversation intact.
"""

from __future__ import annotations

import time

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import CloudError
from desktop_app.core.records import DoneEvent, Message, NoticeEvent
from desktop_app.llm.base import GenerationRequest
from desktop_app.llm.cloud_backend import CloudBackend
from desktop_app.llm.fake import FakeBackend
from desktop_app.routing.audit import AuditLog
from desktop_app.routing.gateway import build_gateway
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask
from tests.routing_fixtures import Step, free_port

HARD = "Write a 600-word blog post announcing our four-day week; readers can reach HR at hr@acme.com."
REQ = GenerationRequest((Message("user", "hi"),), max_tokens=16)


def backend_for(server, **kw) -> CloudBackend:
    return CloudBackend(server.base_url, "scripted", api_key="sk-test", **{"timeout_s": 5.0, **kw})


def test_streams_and_sends_a_proper_request(scripted_server):
    be = backend_for(scripted_server)
    assert "".join(be.stream(REQ)) == "Hello from the cloud."
    [req] = scripted_server.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer sk-test"
    assert req["json"]["stream"] is True and req["json"]["model"] == "scripted" and req["json"]["max_tokens"] == 16
    assert be.last_stats.completion_tokens == 4


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        (Step("status", 401), "the API key was rejected (HTTP 401): scripted 401"),
        (Step("status", 403), "the API key was rejected (HTTP 403)"),
        (Step("status", 500), "internal error (HTTP 500)"),
        (Step("status", 404), "not found"),
        (Step("cut"), "closed before the answer was complete"),
        (Step("malformed"), "could not be read"),
    ],
)
def test_failures_become_one_line_cloud_errors(scripted_server, step, reason):
    scripted_server.script(step)
    with pytest.raises(CloudError) as info:
        list(backend_for(scripted_server).stream(REQ))
    assert reason in info.value.message and "\n" not in info.value.message


def test_429_is_retried_honouring_retry_after(scripted_server):
    scripted_server.script(Step("status", 429, headers={"Retry-After": "1"}), Step())
    started = time.monotonic()
    assert "".join(backend_for(scripted_server).stream(REQ)) == "Hello from the cloud."
    assert len(scripted_server.requests) == 2
    assert scripted_server.times[1] - scripted_server.times[0] >= 0.9
    assert time.monotonic() - started < 5


def test_429_retries_are_bounded(scripted_server):
    scripted_server.script(*[Step("status", 429, headers={"Retry-After": "0"}) for _ in range(5)])
    with pytest.raises(CloudError, match="rate limiting"):
        list(backend_for(scripted_server, max_retries=2).stream(REQ))
    assert len(scripted_server.requests) == 3
    scripted_server.script(Step("status", 429, headers={"Retry-After": "3600"}))
    with pytest.raises(CloudError, match="asks to wait 3600 s"):
        list(backend_for(scripted_server).stream(REQ))


def test_hang_times_out(scripted_server):
    scripted_server.script(Step("hang"))
    started = time.monotonic()
    with pytest.raises(CloudError, match="did not answer within 1 s"):
        list(backend_for(scripted_server, timeout_s=1.0).stream(REQ))
    assert time.monotonic() - started < 4


def test_refused_connection():
    be = CloudBackend(f"http://127.0.0.1:{free_port()}/v1", "m", timeout_s=2)
    with pytest.raises(CloudError, match="connection refused"):
        list(be.stream(REQ))
    result = be.test_connection()
    assert not result.ok and "connection refused" in result.message


def test_test_connection_reports_success_or_exact_reason(scripted_server):
    be = backend_for(scripted_server)
    assert be.test_connection().ok
    scripted_server.script(Step("status", 401))
    result = be.test_connection()
    assert not result.ok and result.message == "Connection failed: the API key was rejected (HTTP 401): scripted 401."


def test_cancel_stops_the_stream(scripted_server):
    scripted_server.script(Step(pieces=[f" w{i}" for i in range(50)]))
    cancel = CancelToken()
    got = []
    for piece in backend_for(scripted_server).stream(REQ, cancel):
        got.append(piece)
        if len(got) == 3:
            cancel.cancel()
    assert got == [" w0", " w1", " w2"]


@pytest.fixture
def assistant_for(tmp_path):
    stores = []

    def make(server):
        paths = AppPaths.resolve(tmp_path / "home")
        s = Settings()
        s.routing.policy = "auto"
        s.routing.cloud.base_url = server.base_url
        s.routing.cloud.model = "scripted"
        s.routing.cloud.timeout_s = 1.0
        gateway = build_gateway(paths, s, MachinePolicy(), {})
        store = ConversationStore(paths.conversations_db)
        stores.append(store)
        local = FakeBackend(model_name="tiny-local").enqueue("Local answer.")
        return Assistant(store=store, backend_factory=lambda: local, settings=s, gateway=gateway), paths

    yield make
    for store in stores:
        store.close()


@pytest.mark.parametrize(
    ("step", "why"),
    [
        (Step("status", 401), "API key was rejected"),
        (Step("status", 429, headers={"Retry-After": "3600"}), "rate limiting"),
        (Step("status", 500), "internal error"),
        (Step("hang"), "did not answer within"),
        (Step("cut"), "closed before the answer was complete"),
        (Step("malformed"), "could not be read"),
    ],
)
def test_every_failure_yields_a_local_answer_with_a_notice(scripted_server, assistant_for, step, why):
    scripted_server.script(step)
    assistant, paths = assistant_for(scripted_server)
    events = list(ask(assistant, HARD))
    done = events[-1]
    assert isinstance(done, DoneEvent), events
    assert done.answer.text == "Local answer." and done.answer.route == "local"
    notices = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert any(why in n and "answered on this device" in n for n in notices), notices
    stored = assistant.store.messages(done.answer.conversation_id)
    assert [m.role for m in stored] == ["user", "assistant"] and stored[-1].content == "Local answer."
    # it was audited before sending, and only redacted text was sent
    [entry] = AuditLog(paths.audit_log).entries()
    assert "[EMAIL_1]" in entry.text
    assert "hr@acme.com" not in str(scripted_server.requests)


def test_stop_works_while_the_server_has_sent_nothing(scripted_server):
    scripted_server.script(Step("hang"))
    cancel = CancelToken()
    import threading

    threading.Timer(0.3, cancel.cancel).start()
    started = time.monotonic()
    assert list(backend_for(scripted_server, timeout_s=30).stream(REQ, cancel)) == []
    assert time.monotonic() - started < 2


def test_stop_works_during_a_rate_limit_back_off(scripted_server):
    scripted_server.script(Step("status", 429, headers={"Retry-After": "10"}))
    cancel = CancelToken()
    import threading

    threading.Timer(0.3, cancel.cancel).start()
    started = time.monotonic()
    assert list(backend_for(scripted_server).stream(REQ, cancel)) == []
    assert time.monotonic() - started < 2 and len(scripted_server.requests) == 1
