"""Assistant with a FakeBackend and a real ConversationStore: events, trimming, stop, regenerate."""

from __future__ import annotations

import pytest

import desktop_app.services.answer_stream as answer_stream_mod
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import AppError, ContextOverflowError, ModelError, StorageError
from desktop_app.core.records import DoneEvent, ErrorEvent, Hit, NoticeEvent, RouteEvent, SourcesEvent, TokenEvent
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import NOT_IN_DOCUMENTS, Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def make(store, backend=None, **kw) -> Assistant:
    backend = backend or FakeBackend()
    return Assistant(store=store, backend_factory=lambda: backend, settings=kw.pop("settings", Settings()), **kw)


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


def test_plain_answer_streams_in_order_and_is_saved(store):
    backend = FakeBackend(model_name="tiny").enqueue("Paris is the capital.")
    events = list(ask(make(store, backend), "What is the capital of France?"))
    assert kinds(events) == ["RouteEvent"] + ["TokenEvent"] * 4 + ["DoneEvent"]
    assert events[0] == RouteEvent("local", "tiny", events[0].reason)
    assert "".join(e.text for e in events if isinstance(e, TokenEvent)) == "Paris is the capital."
    answer = events[-1].answer
    assert (answer.text, answer.model, answer.route, answer.stopped) == ("Paris is the capital.", "tiny", "local", False)
    assert answer.timings.completion_tokens == 4
    (conv,) = store.list_conversations()
    assert conv.title == "What is the capital of France?" and answer.conversation_id == conv.id
    q, a = store.messages(conv.id)
    assert (q.role, q.content, q.status) == ("user", "What is the capital of France?", "complete")
    assert (a.role, a.content, a.status, a.id) == ("assistant", "Paris is the capital.", "complete", answer.message_id)
    assert a.meta["route"] == "local" and a.meta["model"] == "tiny" and a.meta["timings"]["completion_tokens"] == 4
    # The model saw the system prompt first and the question last.
    sent = backend.history[-1].messages
    assert sent[0].role == "system" and sent[-1].content == "What is the capital of France?"


def test_follow_up_sends_history(store):
    backend = FakeBackend().enqueue("Paris.", "About two million.")
    a = make(store, backend)
    first = list(ask(a, "Capital of France?"))[-1].answer
    list(ask(a, "How many people live there?", conversation_id=first.conversation_id))
    sent = [m.content for m in backend.history[-1].messages[1:]]
    assert sent == ["Capital of France?", "Paris.", "How many people live there?"]


def test_long_history_is_trimmed_oldest_first_keeping_system_prompt(store):
    backend = FakeBackend(context_length=200)
    settings = Settings()
    settings.llm.max_tokens = 40
    a = make(store, backend, settings=settings)
    conv = store.create_conversation("long")
    for i in range(20):  # each message: 10 words + 4 framing = 14 "tokens"
        store.add_message(conv.id, "user", f"question {i} " + "word " * 8)
        store.add_message(conv.id, "assistant", f"answer {i} " + "word " * 8)
    events = list(ask(a, "And the last one?", conversation_id=conv.id))
    assert isinstance(events[-1], DoneEvent)
    req = backend.history[-1]
    sent = list(req.messages)
    assert sent[0].content == settings.llm.system_prompt
    assert sent[-1].content == "And the last one?"
    kept = sent[1:-1]
    assert kept and kept[0].role == "user"  # never opens with an orphaned answer
    assert kept[-1].content.startswith("answer 19")  # newest turns kept
    assert not any(m.content.startswith("question 0 ") for m in kept)  # oldest dropped
    prompt = backend.count_tokens(sent)
    assert prompt <= 200 - 40  # room for the answer
    # One more turn would not have fitted: the trim is as small as possible.
    first_kept = int(kept[0].content.split()[1])
    bigger = sent[:1] + [m for m in _all_history(store, conv.id) if _turn(m) >= first_kept - 1] + sent[-1:]
    assert backend.count_tokens(bigger) > 200 - 40
    assert req.max_tokens <= 200 - prompt
    notices = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert any("oldest" in n for n in notices)


def _all_history(store, cid):
    from desktop_app.core.records import Message

    return [Message(m.role, m.content) for m in store.messages(cid)[:40]]


def _turn(m) -> int:
    return int(m.content.split()[1])


def test_prompt_that_cannot_fit_is_a_context_overflow_and_leaves_nothing(store):
    backend = FakeBackend(context_length=200)
    a = make(store, backend)
    huge = "word " * 400
    with pytest.raises(ContextOverflowError, match="too long"):
        a.prepare(huge)
    assert store.list_conversations() == []  # no empty conversation left behind
    assert backend.history == []


def test_stop_mid_stream_keeps_partial_text_marked_stopped(store):
    backend = FakeBackend().enqueue(" ".join(f"w{i}" for i in range(50)))
    cancel = CancelToken()
    events = []
    for ev in ask(make(store, backend), "Tell me a long story", cancel=cancel):
        events.append(ev)
        if sum(isinstance(e, TokenEvent) for e in events) == 5:
            cancel.cancel()
    answer = events[-1].answer
    assert answer.stopped and answer.text == "w0 w1 w2 w3 w4"
    stored = store.messages(answer.conversation_id)[-1]
    assert (stored.content, stored.status) == ("w0 w1 w2 w3 w4", "stopped")
    assert answer.timings.completion_tokens == 5


def test_abandoned_stream_is_saved_as_stopped(store):
    backend = FakeBackend().enqueue("one two three four five six")
    gen = ask(make(store, backend), "count")
    for ev in gen:
        if isinstance(ev, TokenEvent) and ev.text == " three":
            break
    gen.close()  # the GUI quits, or Ctrl+C unwinds the CLI
    (conv,) = store.list_conversations()
    last = store.messages(conv.id)[-1]
    assert (last.content, last.status) == ("one two three", "stopped")


def test_answer_is_saved_while_it_streams(store, monkeypatch):
    monkeypatch.setattr(answer_stream_mod, "SAVE_EVERY_S", 0.0)
    backend = FakeBackend().enqueue("alpha beta gamma delta")
    seen = []
    for ev in ask(make(store, backend), "letters"):
        if isinstance(ev, TokenEvent):
            (conv,) = store.list_conversations()
            last = store.messages(conv.id)[-1]
            seen.append((last.content, last.status))
    assert seen == [("alpha", "streaming"), ("alpha beta", "streaming"), ("alpha beta gamma", "streaming"),
                    ("alpha beta gamma delta", "streaming")]


def test_regenerate_replaces_the_answer_and_keeps_the_question_once(store):
    backend = FakeBackend().enqueue("First try.", "Second try.", "Third try.")
    a = make(store, backend)
    cid = list(ask(a, "Say something"))[-1].answer.conversation_id
    for save_question in (False, True):  # the GUI passes False; either way the question is stored once
        prepared = a.prepare_regenerate(cid)
        assert [m.content for m in store.messages(cid)][-1].endswith("try.")  # nothing changed yet
        list(a.answer(prepared, save_question=save_question))
        sent = [m.content for m in backend.history[-1].messages[1:]]
        assert sent == ["Say something"]
    msgs = store.messages(cid)
    assert [(m.role, m.content) for m in msgs] == [("user", "Say something"), ("assistant", "Third try.")]


def test_regenerate_without_a_question(store):
    a = make(store)
    conv = store.create_conversation("empty")
    with pytest.raises(AppError, match="no question"):
        a.prepare_regenerate(conv.id)


def test_documents_in_play_without_hits_answers_that_they_do_not_contain_it(store):
    backend = FakeBackend()
    retriever = FakeRetriever([])
    a = make(store, backend, retriever_factory=lambda: retriever, grounding=fake_grounding)
    events = list(ask(a, "What is our refund policy?", collections=["contracts"]))
    assert events[-1].answer.text == NOT_IN_DOCUMENTS
    assert backend.history == []  # the model was not asked to guess
    assert retriever.calls == [("What is our refund policy?", 5, ["contracts"])]
    (conv,) = store.list_conversations()
    assert conv.collections == ["contracts"]  # a new conversation remembers its documents
    assert store.messages(conv.id)[-1].content == NOT_IN_DOCUMENTS


def test_documents_with_hits_ground_the_prompt_and_cite(store):
    backend = FakeBackend().enqueue("Thirty days [1].")
    hits = [Hit("/docs/policy.pdf", 3, "Refunds are accepted within thirty days.", 0.9, "contracts")]
    a = make(store, backend, retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding)
    events = list(ask(a, "Refund window?", collections=["contracts"]))
    sources = [e for e in events if isinstance(e, SourcesEvent)]
    assert len(sources) == 1 and sources[0].sources[0].page == 3
    assert "[1] Refunds are accepted" in backend.history[-1].messages[-1].content
    answer = events[-1].answer
    assert answer.sources[0].source == "/docs/policy.pdf"
    assert store.messages(answer.conversation_id)[-1].meta["sources"][0]["page"] == 3
    # The stored question is the user's text, not the grounded prompt.
    assert store.messages(answer.conversation_id)[0].content == "Refund window?"


def test_broken_model_fails_preparing_and_creates_nothing(store):
    def broken():
        raise ModelError("The model file is damaged.", "Choose another model in Settings.")

    a = Assistant(store=store, backend_factory=broken, settings=Settings())
    with pytest.raises(ModelError, match="damaged"):
        a.prepare("hello")
    assert store.list_conversations() == []


def test_backend_failure_keeps_the_question_and_no_empty_answer(store):
    backend = FakeBackend().enqueue(ModelError("The model stopped working."))
    events = list(ask(make(store, backend), "hello"))
    assert kinds(events)[-1] == "ErrorEvent"
    (conv,) = store.list_conversations()
    assert [(m.role, m.content) for m in store.messages(conv.id)] == [("user", "hello")]


class _FlakyStore(ConversationStore):
    """Updates fail (disk full) after the answer started; everything before stays saved."""

    fail_updates = False

    def update_message(self, *args, **kwargs):
        if self.fail_updates:
            raise StorageError("The disk is full, so the answer could not be saved.", "Free some disk space.")
        return super().update_message(*args, **kwargs)


def test_disk_full_while_streaming_reports_plainly_and_keeps_the_question(tmp_path, monkeypatch):
    monkeypatch.setattr(answer_stream_mod, "SAVE_EVERY_S", 0.0)
    store = _FlakyStore(tmp_path / "c.sqlite3")
    store.fail_updates = True
    backend = FakeBackend().enqueue("a b c")
    events = list(ask(make(store, backend), "q"))
    notices = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert len(notices) == 1 and "disk is full" in notices[0]
    assert "".join(e.text for e in events if isinstance(e, TokenEvent)) == "a b c"  # still shown
    assert isinstance(events[-1], ErrorEvent) and "disk is full" in str(events[-1].error)
    (conv,) = store.list_conversations()
    assert store.messages(conv.id)[0].content == "q"
    store.close()
