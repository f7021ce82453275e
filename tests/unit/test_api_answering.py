"""The local API's request -> Assistant mapping, with fakes: parsing, history, documents, caps, routing."""

from __future__ import annotations

import pytest

from desktop_app.api.answering import Failed, Finished, Piece, Ready, StopScanner, answer_call
from desktop_app.api.calls import ChatCall, ModelIds, parse_chat, parse_completion, parse_embeddings
from desktop_app.api.errors import ApiError
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import ContextOverflowError
from desktop_app.core.records import Hit, Message
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import KEPT_LOCAL, Assistant
from tests.unit.assistant_fakes import FakeGateway, FakeRetriever, fake_grounding

IDS = ModelIds(local=("fake-gemma", "Fake Gemma"))
HITS = [Hit(chunk_id="c1", source="/docs/handbook.pdf", page=3, text="Staff get 28 days of leave a year.", score=0.9,
            collection="hr")]


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "conv.sqlite3")
    yield s
    s.close()


def make(store, backend=None, gateway=None, hits=(), settings=None):
    backend = backend or FakeBackend(model_name="Fake Gemma")
    retriever = FakeRetriever(hits)
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=settings or Settings(),
                          retriever_factory=lambda: retriever, gateway=gateway, grounding=fake_grounding)
    return assistant, backend, retriever


def run(assistant, call, indexed=("hr",), cancel=None):
    return list(answer_call(assistant, call, cancel or CancelToken(), lambda: list(indexed)))


def chat(messages, model="fake-gemma", **extra):
    return parse_chat({"model": model, "messages": messages, **extra}, IDS)


# ---------------------------------------------------------------- parsing


def test_chat_request_splits_question_history_and_instructions():
    call = chat([{"role": "system", "content": "Answer in French."},
                 {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
                 {"role": "user", "content": [{"type": "text", "text": "Capital of Italy?"}]}],
                max_tokens=8, stop="\n", stream=True, stream_options={"include_usage": True})
    assert call.question == "Capital of Italy?"
    assert call.history == (Message("user", "Hi"), Message("assistant", "Hello!"))
    assert call.instructions == "Answer in French."
    assert (call.max_tokens, call.stop, call.stream, call.include_usage, call.documents) == (8, ("\n",), True, True, False)


@pytest.mark.parametrize("body, param", [
    ({"model": "fake-gemma", "messages": []}, "messages"),
    ({"model": "fake-gemma", "messages": [{"role": "assistant", "content": "x"}]}, "messages"),
    ({"model": "fake-gemma", "messages": [{"role": "tool", "content": "x"}]}, "messages[0].role"),
    ({"model": "fake-gemma", "messages": [{"role": "user", "content": "  "}]}, "messages"),
    ({"model": "fake-gemma", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
    ({"model": "fake-gemma", "messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
    ({"model": "fake-gemma", "messages": [{"role": "user", "content": "x"}], "collections": ["hr"]}, "collections"),
    ({"messages": [{"role": "user", "content": "x"}]}, "model"),
])
def test_unusable_chat_requests_are_400_naming_the_field(body, param):
    with pytest.raises(ApiError) as err:
        parse_chat(body, IDS)
    assert err.value.status == 400 and err.value.param == param and err.value.message


def test_unknown_model_is_404_listing_the_names():
    with pytest.raises(ApiError) as err:
        chat([{"role": "user", "content": "x"}], model="gpt-4o")
    assert err.value.status == 404 and err.value.code == "model_not_found"
    assert "fake-gemma" in err.value.message and "slm-assistant-documents" in err.value.message


def test_completion_and_embedding_requests():
    call = parse_completion({"model": "slm-assistant-documents", "prompt": ["Leave?"], "collections": "hr"}, IDS)
    assert (call.kind, call.documents, call.question, call.collections) == ("text", True, "Leave?", ("hr",))
    emb = parse_embeddings({"model": "all-MiniLM-L6-v2", "input": "one", "encoding_format": "base64"})
    assert emb.texts == ("one",) and emb.encoding == "base64"
    with pytest.raises(ApiError):
        parse_embeddings({"model": "m", "input": [[1, 2, 3]]})


# ---------------------------------------------------------------- answering


def test_plain_model_answers_with_history_and_instructions_then_forgets_the_conversation(store):
    assistant, backend, retriever = make(store)
    backend.enqueue("Roma è la capitale.")
    call = chat([{"role": "system", "content": "Answer in Italian."}, {"role": "user", "content": "Hi"},
                 {"role": "assistant", "content": "Ciao!"}, {"role": "user", "content": "Capital of Italy?"}])
    events = run(assistant, call)
    assert isinstance(events[0], Ready)
    done = events[-1]
    assert isinstance(done, Finished)
    assert done.text == "Roma è la capitale." == "".join(e.text for e in events if isinstance(e, Piece))
    assert done.finish_reason == "stop" and done.completion_tokens == 4 and done.prompt_tokens > 0
    assert done.route["route"] == "local" and done.citations == []
    sent = backend.history[0].messages
    assert sent[0].role == "system" and sent[0].content == Settings().llm.system_prompt  # the app's prompt holds
    assert [m.content for m in sent[1:]] == ["Hi", "Ciao!", "Answer in Italian.\n\nCapital of Italy?"]
    assert retriever.calls == []  # the plain model never searches the documents
    assert store.list_conversations() == []  # API traffic does not fill the window's list


def test_documents_model_searches_every_indexed_collection_and_cites(store):
    assistant, backend, retriever = make(store, hits=HITS)
    backend.enqueue("You get 28 days [1].")
    call = chat([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "How much leave?"}],
                model="slm-assistant-documents")
    done = run(assistant, call, indexed=("hr", "legal"))[-1]
    assert retriever.calls[0][0] == "How much leave?"  # the client's instructions stay out of the search
    assert retriever.calls[0][2] == ["hr", "legal"]
    assert [(c.number, c.source, c.page) for c in done.citations] == [(1, "/docs/handbook.pdf", 3)]
    assert "[1] Staff get 28 days" in backend.history[0].messages[-1].content


def test_documents_model_with_chosen_collections_and_unknown_or_none(store):
    assistant, _, retriever = make(store, hits=HITS)
    call = chat([{"role": "user", "content": "Leave?"}], model="slm-assistant-documents", collections=["hr"])
    run(assistant, call, indexed=("hr", "legal"))
    assert retriever.calls[-1][2] == ["hr"]

    missing = chat([{"role": "user", "content": "Leave?"}], model="slm-assistant-documents", collections=["nope"])
    (failed,) = run(assistant, missing, indexed=("hr",))
    assert isinstance(failed, Failed) and failed.error.status == 404 and "'nope'" in failed.error.message

    (failed,) = run(assistant, chat([{"role": "user", "content": "Leave?"}], model="slm-assistant-documents"), indexed=())
    assert isinstance(failed, Failed) and failed.error.status == 400 and "No documents" in failed.error.message
    assert store.list_conversations() == []


def test_max_tokens_stops_the_generation_and_says_length(store):
    assistant, backend, _ = make(store)
    backend.enqueue("one two three four five six seven eight")
    cancel = CancelToken()
    events = run(assistant, chat([{"role": "user", "content": "Count"}], max_tokens=3), cancel=cancel)
    done = events[-1]
    assert done.text == "one two three" and done.finish_reason == "length" and done.completion_tokens == 3
    assert cancel.cancelled  # the backend was told to stop, not left generating the rest


def test_stop_string_cuts_the_answer_even_across_pieces(store):
    assistant, backend, _ = make(store)
    backend.enqueue("alpha beta END gamma delta")
    events = run(assistant, chat([{"role": "user", "content": "Go"}], stop=["a END"]))
    done = events[-1]
    assert done.text == "alpha bet" and done.finish_reason == "stop"
    assert "".join(e.text for e in events if isinstance(e, Piece)) == "alpha bet"


def test_stop_scanner_holds_back_only_a_possible_start():
    scanner = StopScanner(["###"])
    assert scanner.feed("abc#") == ("abc", False)
    assert scanner.feed("#x") == ("##x", False)
    assert scanner.feed("y##") == ("y", False)
    assert scanner.feed("#z") == ("", True)


def test_routing_applies_as_in_the_window(store):
    gateway = FakeGateway(route="cloud").enqueue("From the cloud.")
    assistant, backend, _ = make(store, gateway=gateway)
    done = run(assistant, chat([{"role": "user", "content": "Write an essay"}]))[-1]
    assert done.route["route"] == "cloud" and done.text == "From the cloud." and backend.history == []

    # Policy "ask": an API client cannot confirm for the user, so the question stays local.
    asking = FakeGateway(route="cloud", needs_confirmation=True)
    assistant, backend, _ = make(store, gateway=asking)
    done = run(assistant, chat([{"role": "user", "content": "Write an essay"}]))[-1]
    assert done.route["route"] == "local" and KEPT_LOCAL in done.route["notices"] and asking.streamed == []

    forced = FakeGateway(route="cloud")
    assistant, backend, _ = make(store, gateway=forced)
    done = run(assistant, chat([{"role": "user", "content": "Hi"}], route="local"))[-1]
    assert done.route["route"] == "local" and forced.plans[0]["forced"] == "local"


def test_errors_become_openai_errors(store):
    assistant, backend, _ = make(store, backend=FakeBackend(model_name="Fake Gemma", context_length=64))
    (failed,) = run(assistant, chat([{"role": "user", "content": "word " * 200}]))
    assert isinstance(failed, Failed) and failed.error.status == 400 and failed.error.code == "context_length_exceeded"

    assistant, backend, _ = make(store)
    backend.enqueue(ContextOverflowError("Too long.", "Shorten it."))
    events = run(assistant, chat([{"role": "user", "content": "Hi"}]))
    assert isinstance(events[0], Ready) and isinstance(events[-1], Failed)
    assert events[-1].error.body()["error"]["message"] == "Too long. Shorten it."
    assert store.list_conversations() == []


def test_a_call_cancelled_by_its_client_ends_with_what_was_sent(store):
    assistant, backend, _ = make(store, backend=FakeBackend(model_name="Fake Gemma"))
    backend.enqueue("a b c d e f")
    cancel = CancelToken()
    gen = answer_call(assistant, chat([{"role": "user", "content": "Go"}]), cancel, lambda: [])
    assert isinstance(next(gen), Ready)
    assert next(gen) == Piece("a")
    cancel.cancel()  # the client went away
    rest = list(gen)
    assert isinstance(rest[-1], Finished) and rest[-1].text == "a"
    assert len(backend.history) == 1
