"""The cloud path against a real OpenAI-compatible server: llama-cpp-python's own server on the
bundled model, on 127.0.0.1, behind a recording proxy that proves what actually left the app.
"""

from __future__ import annotations

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import DoneEvent, Hit, NoticeEvent
from desktop_app.llm.cloud_backend import CloudBackend
from desktop_app.llm.fake import FakeBackend
from desktop_app.rag.prompting import build_grounded_prompt
from desktop_app.routing.audit import AuditLog
from desktop_app.routing.gateway import build_gateway
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeRetriever

pytestmark = pytest.mark.slow

SECRET_PASSAGE = "Executive salaries: the CFO earns 412,000 EUR; bonus pool approved by the board."
SHARED_PASSAGE = "Refunds go to IBAN DE89 3704 0044 0532 0130 00 within 14 days of the request."


@pytest.fixture
def cloud_assistant(tmp_path, recording_proxy, llama_server):
    stores = []

    def make(hits=(), on_device_only=()):
        paths = AppPaths.resolve(tmp_path / "home")
        s = Settings()
        s.llm.max_tokens = 12
        s.routing.policy = "auto"
        s.routing.cloud.base_url = recording_proxy.base_url
        s.routing.cloud.model = llama_server["model"]
        s.routing.cloud.timeout_s = 120
        s.routing.on_device_only_collections = list(on_device_only)
        gateway = build_gateway(paths, s, MachinePolicy(), {})
        store = ConversationStore(paths.conversations_db)
        stores.append(store)
        local = FakeBackend(model_name="tiny-local", context_length=2048).enqueue("Local answer.")
        assistant = Assistant(store=store, backend_factory=lambda: local, settings=s, gateway=gateway,
                              retriever_factory=lambda: FakeRetriever(hits), grounding=build_grounded_prompt)
        return assistant, paths, local

    yield make
    for store in stores:
        store.close()


def test_handoff_answers_from_the_real_server(cloud_assistant, recording_proxy, llama_server):
    assistant, paths, local = cloud_assistant()
    question = ("Write a 500-word blog post for customers about our new returns policy; "
                "questions go to Jane at jane.doe@acme.com or +44 20 7946 0958.")
    events = list(ask(assistant, question))
    done = events[-1]
    assert isinstance(done, DoneEvent), events
    assert done.answer.route == "cloud" and done.answer.model == llama_server["model"]
    assert done.answer.text.strip() and "long piece of writing" in done.answer.reason
    assert local.history == []  # the local model never generated
    sent = recording_proxy.sent_text()
    assert "jane.doe@acme.com" not in sent and "7946" not in sent
    assert "[EMAIL_1]" in sent and "[PHONE_1]" in sent
    assert recording_proxy.received[0]["json"]["stream"] is True
    [entry] = AuditLog(paths.audit_log).entries()
    assert entry.messages == recording_proxy.received[0]["json"]["messages"]  # the audit is exactly what was sent


def test_shared_passages_go_redacted_and_private_ones_never(cloud_assistant, recording_proxy):
    shared = [Hit("policies/refunds.pdf", 2, SHARED_PASSAGE, 0.2, collection="policies")]
    assistant, paths, _ = cloud_assistant(hits=shared)
    conv = assistant.store.create_conversation("refunds").id
    assistant.store.set_collections(conv, ["policies"])
    q = "Compare our refund process with what customers expect and recommend improvements."
    done = list(ask(assistant, q, conversation_id=conv))[-1]
    assert done.answer.route == "cloud"
    sent = recording_proxy.sent_text()
    assert "Refunds go to IBAN [IBAN_1] within 14 days" in sent and "DE89" not in sent
    assert AuditLog(paths.audit_log).entries()[0].document_chars > 40

    before = len(recording_proxy.received)
    private = [Hit("hr/pay.pdf", 1, SECRET_PASSAGE, 0.9, collection="hr", on_device_only=True)]
    assistant2, paths2, local2 = cloud_assistant(hits=private, on_device_only=["hr"])
    conv2 = assistant2.store.create_conversation("pay").id
    assistant2.store.set_collections(conv2, ["hr"])
    events = list(ask(assistant2, "Write a detailed memo analysing executive pay and compute the bonus pool.",
                                 conversation_id=conv2, route="cloud"))
    done = events[-1]
    assert done.answer.route == "local" and done.answer.text == "Local answer."
    assert any("on-device-only" in e.text for e in events if isinstance(e, NoticeEvent))
    assert len(recording_proxy.received) == before  # nothing at all reached the server
    assert "412,000" not in recording_proxy.sent_text()
    assert "412,000" in local2.history[0].messages[-1].content  # the local model did see it


def test_test_connection_against_real_server(llama_server):
    ok = CloudBackend(llama_server["base_url"], llama_server["model"], timeout_s=120).test_connection()
    assert ok.ok and "answered" in ok.message
