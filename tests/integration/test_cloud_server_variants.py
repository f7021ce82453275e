"""The cloud client against the stream shapes real OpenAI-compatible servers send.

Each test starts a loopback http.server (``tests.routing_fixtures.ScriptedServer``) that streams
exactly one server's shape, byte for byte and write by write: OpenAI (role-only first chunk,
finish chunk with an empty delta, usage-only chunk with ``choices: []``), Azure OpenAI
(``prompt_filter_results`` chunk, ``api-key`` header, ``api-version``), vLLM (usage chunk, strict
request body), llama.cpp server (``content: null``), Ollama, LiteLLM-style gateways (no
``[DONE]``; connection held open), proxies that ignore ``stream`` or mislabel the content type,
and SSE details (comments, ``event:`` lines, CRLF, ``data:`` without a space, JSON split across
TCP writes, an ``error`` object mid-stream).
"""

from __future__ import annotations

import json
import time

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import CloudError
from desktop_app.core.records import DoneEvent, Message, NoticeEvent
from desktop_app.llm.base import GenerationRequest
from desktop_app.llm.cloud_backend import (
    AZURE_API_VERSION,
    CloudBackend,
    _sse_events,
    chat_url,
    request_body,
    uses_api_key_header,
)
from desktop_app.llm.fake import FakeBackend
from desktop_app.routing.gateway import build_gateway
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask
from tests.routing_fixtures import Step

REQ = GenerationRequest((Message("system", "Be brief."), Message("user", "hi")), max_tokens=16)
ANSWER = "Hello from the cloud."


def chunk(content=None, *, role=None, finish=None, omit_content=False, **extra) -> dict:
    delta: dict = {}
    if role:
        delta["role"] = role
    if not omit_content and (content is not None or role):
        delta["content"] = content
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}


USAGE = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [],
         "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}}


def events(objs, *, sep: str = "\n", prefix: str = "data: ", done: bool = True) -> list[bytes]:
    """One TCP write per SSE event."""
    out = [f"{prefix}{json.dumps(o) if not isinstance(o, str) else o}{sep}{sep}".encode() for o in objs]
    if done:
        out.append(f"{prefix}[DONE]{sep}{sep}".encode())
    return out


def openai_chunks():
    return [chunk("", role="assistant"), chunk("Hello"), chunk(" from"), chunk(" the"), chunk(" cloud."),
            chunk(finish="stop")]


def backend_for(server, base_url: str | None = None, **kw) -> CloudBackend:
    return CloudBackend(base_url or server.base_url, "m", api_key="sk-test", **{"timeout_s": 5.0, **kw})


def answer(server, step: Step, **kw) -> str:
    server.script(step)
    return "".join(backend_for(server, **kw).stream(REQ))


# ------------------------------------------------------------------ stream shapes of real servers

SHAPES = {
    # OpenAI with stream_options.include_usage: role-only first chunk, empty finish delta, usage chunk.
    "openai": events(openai_chunks() + [USAGE]),
    # Azure OpenAI: a first chunk with choices [] and prompt_filter_results; filter results on each chunk.
    "azure": events([{"id": "", "object": "", "created": 0, "model": "", "choices": [],
                      "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]}]
                    + [dict(c, choices=[dict(c["choices"][0], content_filter_results={})]) for c in openai_chunks()]),
    # vLLM: role chunk with content "", usage chunk before [DONE].
    "vllm": events(openai_chunks() + [USAGE]),
    # llama.cpp server: role chunk with content null, final chunk carries usage and timings.
    "llama.cpp": events([chunk(None, role="assistant"), chunk("Hello"), chunk(" from"), chunk(" the"),
                         chunk(" cloud."), chunk(finish="stop", usage=USAGE["usage"], timings={"predicted_n": 4})]),
    # Ollama: role on every delta; the final delta has content "".
    "ollama": events([chunk(p, role="assistant") for p in ["Hello", " from", " the", " cloud."]]
                     + [chunk("", role="assistant", finish="stop")]),
    # chunks whose delta has content null or no content at all between the pieces
    "null-and-missing": events([chunk(None, role="assistant"), chunk("Hello"), chunk(None), chunk(" from"),
                                chunk(omit_content=True), chunk(" the cloud."), chunk(finish="stop")]),
    # some gateways: finish_reason, then the stream simply ends (no [DONE])
    "no-done-after-finish": events(openai_chunks(), done=False),
    "no-done-usage-last": events(openai_chunks() + [USAGE], done=False),
    # SSE details
    "keep-alive-comments": [b": keep-alive\n\n", b": ping\n\n"] + events(openai_chunks()) + [b": bye\n\n"],
    "event-lines": [b"event: message\nid: 1\nretry: 3000\n" + e for e in events(openai_chunks())],
    "crlf": events(openai_chunks(), sep="\r\n"),
    "data-without-space": events(openai_chunks(), prefix="data:"),
    "bom-first": [b"\xef\xbb\xbf"] + events(openai_chunks()),
    # the last event is not closed by a blank line, but is whole
    "last-event-unterminated": events(openai_chunks(), done=False)[:-1] + [f"data: {json.dumps(chunk(finish='stop'))}\n".encode()],
    # several data lines, one chunk each, in one event (single newlines)
    "one-event-many-chunks": ["".join(f"data: {json.dumps(c)}\n" for c in openai_chunks()).encode() + b"\n"],
}


def split_writes(writes: list[bytes], size: int) -> list[bytes]:
    whole = b"".join(writes)
    return [whole[i:i + size] for i in range(0, len(whole), size)]


@pytest.mark.parametrize("chunked", [False, True], ids=["close-delimited", "chunked"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_servers_stream_shape_gives_the_whole_answer(scripted_server, shape, chunked):
    scripted_server.script(Step("raw", writes=SHAPES[shape], chunked=chunked))
    be = backend_for(scripted_server)
    assert "".join(be.stream(REQ)) == ANSWER
    assert be.last_stats.finish_reason == "stop"


def test_json_split_across_tcp_writes_and_crlf_split_between_writes(scripted_server):
    # 7-byte writes: payloads, "data:" prefixes and the CR LF pairs are all cut between writes
    writes = split_writes(events(openai_chunks() + [USAGE], sep="\r\n"), 7)
    assert any(w.endswith(b"\r") for w in writes)
    scripted_server.script(Step("raw", writes=writes, pause_s=0.002, chunked=True))
    assert "".join(backend_for(scripted_server).stream(REQ)) == ANSWER


def test_pieces_are_shown_as_they_arrive(scripted_server):
    writes = events(openai_chunks())
    scripted_server.script(Step("raw", writes=writes, pause_s=0.5))
    started = time.monotonic()
    stream = backend_for(scripted_server).stream(REQ)
    next(stream)  # the role-only chunk gives nothing: the first piece is "Hello"
    # "Hello" is the second write; a client that buffered the body would wait for all of them.
    assert time.monotonic() - started < 0.5 * len(writes) - 1.0, len(writes)
    assert "".join(stream) == " from the cloud."


def test_a_gateway_that_keeps_the_stream_open_after_the_finish_chunk(scripted_server):
    scripted_server.script(Step("raw", writes=events(openai_chunks(), done=False), hold_s=20))
    started = time.monotonic()
    be = backend_for(scripted_server, timeout_s=30)
    assert "".join(be.stream(REQ)) == ANSWER
    assert time.monotonic() - started < 4 and be.last_stats.finish_reason == "stop"


@pytest.mark.parametrize(
    "writes",
    [
        events(openai_chunks()[:-1], done=False),  # whole events, but no finish and no [DONE]
        events(openai_chunks(), done=False)[:-1] + [b'data: {"choices": [{"delta": {"content": "x"'],  # cut mid-event
        [],  # headers, then nothing
    ],
    ids=["no-finish", "cut-mid-event", "empty"],
)
def test_a_stream_that_ends_before_the_finish_is_a_truncation(scripted_server, writes):
    scripted_server.script(Step("raw", writes=writes))
    with pytest.raises(CloudError, match="closed before the answer was complete"):
        list(backend_for(scripted_server).stream(REQ))


@pytest.mark.parametrize(
    "error_event",
    [
        # OpenAI / llama.cpp / LiteLLM
        b'data: {"error": {"message": "The server had an error\\nwhile processing", "type": "server_error", "code": null}}\n\n',
        # vLLM's streaming error
        b'data: {"error": {"object": "error", "message": "The server had an error while processing", "type": "BadRequestError", "param": null, "code": 400}}\n\n',
        # vLLM ErrorResponse without the wrapper
        b'data: {"object": "error", "message": "The server had an error while processing", "type": "InternalServerError", "code": 500}\n\n',
        # an SSE error event
        b'event: error\ndata: {"message": "The server had an error while processing"}\n\n',
    ],
    ids=["error-object", "vllm-wrapped", "vllm-bare", "event-error"],
)
def test_an_error_sent_mid_stream_is_a_plain_cloud_error(scripted_server, error_event):
    scripted_server.script(Step("raw", writes=events(openai_chunks()[:3], done=False) + [error_event]))
    got = []
    with pytest.raises(CloudError) as info:
        for piece in backend_for(scripted_server).stream(REQ):
            got.append(piece)
    assert info.value.message == "the cloud service reported an error: The server had an error while processing"
    assert got == ["Hello", " from"]


def test_a_content_filter_that_withholds_the_answer_is_an_error(scripted_server):
    withheld = [chunk("", role="assistant"), chunk(finish="content_filter")]
    scripted_server.script(Step("raw", writes=events(withheld)),
                           Step("raw", writes=events(withheld, done=False), hold_s=20))  # and the stream held open
    for _ in range(2):
        started = time.monotonic()
        with pytest.raises(CloudError, match="content filter withheld the answer"):
            list(backend_for(scripted_server, timeout_s=30).stream(REQ))
        assert time.monotonic() - started < 3


# ------------------------------------------------------------------ servers that do not stream

COMPLETION = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps(COMPLETION).encode()),
        ("application/json; charset=utf-8", json.dumps(COMPLETION, indent=2).encode()),  # pretty-printed
        ("text/event-stream", json.dumps(COMPLETION).encode()),  # mislabelled by a proxy
        ("application/x-ndjson", b"\n".join(json.dumps(c).encode() for c in openai_chunks() + [USAGE]) + b"\n"),
    ],
    ids=["json", "pretty-json", "json-labelled-sse", "json-lines"],
)
def test_a_server_that_ignores_stream_true_is_accepted(scripted_server, content_type, body):
    scripted_server.script(Step("raw", headers={"Content-Type": content_type}, writes=[body[:40], body[40:]]))
    be = backend_for(scripted_server)
    assert "".join(be.stream(REQ)) == ANSWER
    assert be.last_stats.finish_reason == "stop"


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", None])
def test_sse_with_a_wrong_or_missing_content_type_is_read_as_sse(scripted_server, content_type):
    headers = {"Content-Type": content_type} if content_type else {"X-Served-By": "proxy"}
    scripted_server.script(Step("raw", headers=headers, writes=events(openai_chunks())))
    assert "".join(backend_for(scripted_server).stream(REQ)) == ANSWER


def test_a_non_streamed_error_object_with_status_200_is_a_cloud_error(scripted_server):
    body = json.dumps({"error": {"message": "model 'm' not found", "type": "invalid_request_error"}}).encode()
    scripted_server.script(Step("raw", headers={"Content-Type": "application/json"}, writes=[body]))
    with pytest.raises(CloudError, match="reported an error: model 'm' not found"):
        list(backend_for(scripted_server).stream(REQ))


# ------------------------------------------------------------------ request: URL, headers, body

@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/v1/chat/completions", " /v1 "])
def test_base_url_with_or_without_v1_and_trailing_slash(scripted_server, suffix):
    base = f"http://127.0.0.1:{scripted_server.port}{suffix.strip()}"
    assert "".join(backend_for(scripted_server, base_url=f" {base} ").stream(REQ)) == ANSWER
    [req] = scripted_server.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer sk-test" and "api-key" not in req["headers"]


def test_request_body_has_only_fields_strict_servers_accept(scripted_server):
    assert "".join(backend_for(scripted_server).stream(REQ)) == ANSWER
    [req] = scripted_server.requests
    body = req["json"]
    assert set(body) == {"model", "messages", "stream", "max_tokens", "temperature"}
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert body["stream"] is True and body["max_tokens"] == 16 and isinstance(body["temperature"], float)
    assert req["headers"]["Content-Type"] == "application/json"
    stops = request_body("m", GenerationRequest(REQ.messages, stop=("a", "b", "c", "d", "e")))
    assert stops["stop"] == ["a", "b", "c", "d"]  # OpenAI accepts at most four


def test_azure_deployment_url_with_api_version_sends_api_key(scripted_server):
    base = f"http://127.0.0.1:{scripted_server.port}/openai/deployments/gpt-4o-prod?api-version=2024-10-21"
    assert "".join(backend_for(scripted_server, base_url=base).stream(REQ)) == ANSWER
    [req] = scripted_server.requests
    assert req["path"] == "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21"
    assert req["headers"]["api-key"] == "sk-test" and "Authorization" not in req["headers"]


def test_azure_urls_and_auth():
    dep = "https://contoso.openai.azure.com/openai/deployments/gpt-4o"
    assert chat_url(dep) == f"{dep}/chat/completions?api-version={AZURE_API_VERSION}"
    assert chat_url(dep + "/") == f"{dep}/chat/completions?api-version={AZURE_API_VERSION}"
    assert chat_url(dep + "?api-version=2025-04-01-preview") == f"{dep}/chat/completions?api-version=2025-04-01-preview"
    assert chat_url(f"{dep}/chat/completions?api-version=2024-06-01") == f"{dep}/chat/completions?api-version=2024-06-01"
    # a bare Azure resource (or /openai) uses Azure's v1 API, where the model is the deployment name
    for bare in ("https://contoso.openai.azure.com", "https://contoso.openai.azure.com/", "https://contoso.openai.azure.com/openai"):
        assert chat_url(bare) == "https://contoso.openai.azure.com/openai/v1/chat/completions"
    assert chat_url("https://contoso.openai.azure.com/openai/v1/") == "https://contoso.openai.azure.com/openai/v1/chat/completions"
    assert chat_url("https://x.cognitiveservices.azure.com/openai/deployments/d").endswith(f"?api-version={AZURE_API_VERSION}")
    assert uses_api_key_header(chat_url(dep)) and uses_api_key_header("https://contoso.openai.azure.com/openai/v1")
    assert uses_api_key_header("https://apim.example.com/openai/deployments/d/chat/completions?api-version=2024-10-21")
    assert not uses_api_key_header("https://api.openai.com/v1") and not uses_api_key_header("http://127.0.0.1:8000/v1")
    headers = CloudBackend(dep, "gpt-4o", api_key="k")._headers()
    assert headers["api-key"] == "k" and "Authorization" not in headers
    assert CloudBackend("https://api.openai.com/v1", "m", api_key="k")._headers()["Authorization"] == "Bearer k"
    # other gateways and subpaths are left as typed
    assert chat_url("https://gw.example/litellm") == "https://gw.example/litellm/chat/completions"
    assert chat_url("http://localhost:11434/v1") == "http://localhost:11434/v1/chat/completions"


@pytest.mark.parametrize(
    ("error", "fixed"),
    [
        ("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
         lambda b: "max_tokens" not in b and b["max_completion_tokens"] == 16),
        ("Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
         lambda b: "temperature" not in b and b["max_tokens"] == 16),
    ],
)
def test_a_400_asking_for_another_parameter_is_retried_once_with_it(scripted_server, error, fixed):
    body = json.dumps({"error": {"message": error, "type": "invalid_request_error", "param": "x"}}).encode()
    scripted_server.script(Step("status", 400, body=body), Step())
    assert "".join(backend_for(scripted_server, max_retries=0).stream(REQ)) == ANSWER
    first, second = (r["json"] for r in scripted_server.requests)
    assert "max_tokens" in first and "temperature" in first and fixed(second)
    # the same 400 again is reported, not retried for ever
    scripted_server.script(Step("status", 400, body=body), Step("status", 400, body=body), Step("status", 400, body=body))
    with pytest.raises(CloudError, match="refused the request \\(HTTP 400\\)"):
        list(backend_for(scripted_server, max_retries=0).stream(REQ))


def test_a_redirect_names_the_address_to_use(scripted_server):
    scripted_server.script(Step("status", 308, headers={"Location": "https://api.example.com/v1/chat/completions"}))
    with pytest.raises(CloudError, match="redirected \\(HTTP 308\\) to https://api.example.com/v1/chat/completions"):
        list(backend_for(scripted_server).stream(REQ))


def test_sse_event_parser_keeps_event_names_and_flags_a_cut_last_event():
    lines = ["\ufeff: hi", "event: error", "data:{\"a\":1}", "", "id: 7", "data: x", "data: y", "", "data: cut"]
    assert list(_sse_events(iter(lines))) == [("error", '{"a":1}', True), ("message", "x\ny", True),
                                              ("message", "cut", False)]


# ------------------------------------------------------------------ end to end through the Assistant

def test_assistant_answers_from_a_gateway_stream_without_done(scripted_server, tmp_path):
    writes = [b": keep-alive\r\n\r\n"] + events(openai_chunks() + [USAGE], sep="\r\n", prefix="data:", done=False)
    scripted_server.script(Step("raw", writes=split_writes(writes, 11), chunked=True))
    paths = AppPaths.resolve(tmp_path / "home")
    s = Settings()
    s.routing.policy = "auto"
    s.routing.cloud.base_url = f"http://127.0.0.1:{scripted_server.port}/"
    s.routing.cloud.model = "m"
    s.routing.cloud.timeout_s = 5.0
    gateway = build_gateway(paths, s, MachinePolicy(), {})
    store = ConversationStore(paths.conversations_db)
    try:
        local = FakeBackend(model_name="tiny-local").enqueue("Local answer.")
        assistant = Assistant(store=store, backend_factory=lambda: local, settings=s, gateway=gateway)
        out = list(ask(assistant, "Write a 600-word blog post announcing our four-day week."))
        done = out[-1]
        assert isinstance(done, DoneEvent), out
        assert done.answer.route == "cloud" and done.answer.text == ANSWER
        assert not [e for e in out if isinstance(e, NoticeEvent) and "could not answer" in e.text]
        assert scripted_server.requests[0]["path"] == "/v1/chat/completions"
    finally:
        store.close()
