"""The usage ledger with a real cloud path: the real Gateway (redaction, audit) and CloudBackend
talking to a loopback OpenAI-compatible server, wired by the real composition root."""

from __future__ import annotations

import pytest

from desktop_app.app import build_core
from desktop_app.core.records import DoneEvent
from desktop_app.llm.fake import FakeBackend
from tests.assistant_helpers import ask as ask_assistant
from tests.routing_fixtures import Step

QUESTION = "Write a 600-word blog post announcing our four-day week; readers can reach HR at hr@acme.com or +44 20 7946 0958."


@pytest.fixture
def cloud_core(tmp_path, scripted_server):
    core = build_core(str(tmp_path / "home"))
    s = core.settings
    s.routing.policy = "auto"
    s.routing.cloud.base_url = scripted_server.base_url
    s.routing.cloud.model = "gpt-4o-mini"
    s.routing.cloud.timeout_s = 2.0
    s.routing.cloud.use_keychain = False
    core.provide(backend=FakeBackend(model_name="tiny-local"))
    yield core
    core.close()


def ask(core, question: str, route: str = "cloud") -> DoneEvent:
    events = list(ask_assistant(core.assistant, question, route=route))
    assert isinstance(events[-1], DoneEvent), events[-1]
    return events[-1]


def test_cloud_answers_redactions_and_fallbacks_are_counted_without_text(cloud_core, scripted_server, monkeypatch):
    monkeypatch.setenv("SLM_ASSISTANT_CLOUD_API_KEY", "sk-test")
    scripted_server.script(Step(pieces=["Four", " days", " a", " week", "."]), Step("status", 500))
    cloud_core.loaded_backend().enqueue("Local fallback answer.", "A local one.")

    first = ask(cloud_core, QUESTION).answer
    assert first.route == "cloud" and first.text == "Four days a week."
    sent = scripted_server.requests[0]["json"]["messages"][-1]["content"]
    assert "hr@acme.com" not in sent  # the real redactor ran
    second = ask(cloud_core, QUESTION).answer  # HTTP 500: this device answers
    assert second.route == "local"
    ask(cloud_core, "Hello", route="local")

    rows = cloud_core.usage.store().records()
    assert [(r.route, r.model, r.fell_back) for r in rows] == [
        ("cloud", "gpt-4o-mini", False), ("local", "tiny-local", True), ("local", "tiny-local", False)]
    assert rows[0].redactions == {"EMAIL": 1, "PHONE": 1}
    # Streamed pieces, counted after the placeholders are mapped back (which may join two pieces).
    assert 4 <= rows[0].completion_tokens <= 5 and rows[0].prompt_tokens > 0
    assert rows[0].ttft_s > 0 and rows[0].tokens_per_s > 0
    assert rows[1].redactions == {"EMAIL": 1, "PHONE": 1}  # redacted and sent, then the cloud failed

    summary = cloud_core.usage.summary()
    t = summary.total
    assert (t.device.answers, t.cloud.answers, t.cloud_fallbacks) == (2, 1, 1)
    assert summary.price.source == "gpt-4o-mini"
    expected = (t.device.prompt_tokens * 0.15 + t.device.completion_tokens * 0.60) / 1e6
    assert t.cost_avoided == pytest.approx(expected) and t.cost_avoided > 0

    path = cloud_core.paths.usage_db
    cloud_core.close()
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for text in ("four-day", "acme", "7946", "Four days", "fallback answer"):
        assert text.encode() not in raw, text


@pytest.mark.slow
def test_the_real_local_model_answer_is_counted_with_its_own_figures(tmp_path, bundled_llama_backend):
    from desktop_app.config.settings import Settings
    from desktop_app.core.conversation_store import ConversationStore
    from desktop_app.services.assistant import Assistant
    from desktop_app.services.usage import UsageLedger, UsageRecorder

    settings = Settings()
    settings.llm.max_tokens = 12
    ledger = UsageLedger(tmp_path / "usage.sqlite3", settings)
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        assistant = Assistant(store=store, backend_factory=lambda: bundled_llama_backend, settings=settings,
                              observer=UsageRecorder(ledger).observe)
        events = list(ask_assistant(assistant, "What is the capital of France?"))
    assert isinstance(events[-1], DoneEvent), events[-1]
    stats = bundled_llama_backend.last_stats
    [row] = ledger.store().records()
    assert (row.route, row.model) == ("local", bundled_llama_backend.model_name)
    assert (row.prompt_tokens, row.completion_tokens) == (stats.prompt_tokens, stats.completion_tokens)
    assert 0 < row.completion_tokens <= 12 and row.ttft_s == pytest.approx(stats.ttft_s) and row.tokens_per_s > 0
    ledger.close()
