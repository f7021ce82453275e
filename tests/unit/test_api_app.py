"""The local API's HTTP layer in-process (Starlette TestClient, fake model): auth, shapes, SSE, queue."""

from __future__ import annotations

import base64
import json
import struct
import threading
import time

import pytest
from starlette.testclient import TestClient

from desktop_app.api.server import create_app
from desktop_app.api.service import ApiService, local_model_id
from tests.api_fixtures import AUTH, TOKEN, HeldBackend, fake_core


@pytest.fixture
def core(isolated_home):
    c = fake_core(isolated_home)
    yield c
    c.close()


@pytest.fixture
def client(core):
    with TestClient(create_app(ApiService(core), TOKEN)) as c:
        yield c


def sse_events(text: str) -> list:
    lines = [ln[len("data: "):] for ln in text.splitlines() if ln.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    return [json.loads(ln) for ln in lines[:-1]]


def test_every_route_needs_the_token(client):
    for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("POST", "/v1/embeddings"),
                         ("GET", "/nothing")):
        missing = client.request(method, path)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert missing.json()["error"]["code"] == "missing_api_key"
        wrong = client.request(method, path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
        assert wrong.json()["error"]["type"] == "invalid_request_error"


def test_models_lists_the_local_model_and_the_documents_model(client):
    body = client.get("/v1/models", headers=AUTH).json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["fake-gemma-3", "slm-assistant-documents"]
    assert all(m["object"] == "model" and m["owned_by"] == "slm-assistant" for m in body["data"])
    assert client.get("/v1/models/slm-assistant-documents", headers=AUTH).json()["id"] == "slm-assistant-documents"
    assert client.get("/v1/models/gpt-4", headers=AUTH).status_code == 404
    assert local_model_id("Qwen2.5 Coder 0.5B Instruct") == "qwen2.5-coder-0.5b-instruct"


def test_chat_completion_has_openai_shape(client, core):
    core.backend().enqueue("Paris is the capital.")
    r = client.post("/v1/chat/completions", headers=AUTH, json={
        "model": "fake-gemma-3", "messages": [{"role": "user", "content": "Capital of France?"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-") and body["model"] == "fake-gemma-3"
    (choice,) = body["choices"]
    assert choice["message"] == {"role": "assistant", "content": "Paris is the capital.", "refusal": None}
    assert choice["finish_reason"] == "stop" and choice["index"] == 0
    usage = body["usage"]
    assert usage["completion_tokens"] == 4 and usage["total_tokens"] == usage["prompt_tokens"] + 4
    assert body["slm_assistant"]["route"] == "local" and "citations" not in body


def test_chat_stream_is_sse_with_role_pieces_finish_usage_and_done(client, core):
    core.backend().enqueue("one two three")
    r = client.post("/v1/chat/completions", headers=AUTH, json={
        "model": "fake-gemma-3", "messages": [{"role": "user", "content": "Count"}], "stream": True,
        "stream_options": {"include_usage": True}})
    assert r.headers["content-type"].startswith("text/event-stream")
    chunks = sse_events(r.text)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[1:-2]) == "one two three"
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop" and chunks[-2]["choices"][0]["delta"] == {}
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 3


def test_text_completion_and_max_tokens(client, core):
    core.backend().enqueue("a b c d e f")
    body = client.post("/v1/completions", headers=AUTH, json={
        "model": "fake-gemma-3", "prompt": "Letters", "max_tokens": 2}).json()
    assert body["object"] == "text_completion" and body["id"].startswith("cmpl-")
    assert body["choices"][0]["text"] == "a b" and body["choices"][0]["finish_reason"] == "length"


def test_embeddings_float_and_base64(client):
    body = client.post("/v1/embeddings", headers=AUTH, json={"model": "fake-hash-384", "input": ["cat", "dog"]}).json()
    assert body["object"] == "list" and [d["index"] for d in body["data"]] == [0, 1]
    vec = body["data"][0]["embedding"]
    assert len(vec) == 384 and abs(sum(x * x for x in vec) - 1) < 1e-6
    b64 = client.post("/v1/embeddings", headers=AUTH, json={"model": "fake-hash-384", "input": "cat",
                                                            "encoding_format": "base64"}).json()
    raw = base64.b64decode(b64["data"][0]["embedding"])
    assert struct.unpack("<384f", raw) == pytest.approx(vec, abs=1e-6)
    assert b64["usage"]["prompt_tokens"] >= 1
    bad = client.post("/v1/embeddings", headers=AUTH, json={"model": "fake-hash-384", "input": "x", "dimensions": 12})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "dimensions"


def test_bad_requests_get_openai_errors(client):
    r = client.post("/v1/chat/completions", headers=AUTH, content=b"{not json")
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]
    r = client.post("/v1/chat/completions", headers=AUTH, json={"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    r = client.post("/v1/chat/completions", headers=AUTH, json={"model": "slm-assistant-documents",
                                                               "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_documents"
    assert client.get("/v1/chat/completions", headers=AUTH).status_code == 405
    assert client.get("/v1/other", headers=AUTH).json()["error"]["type"] == "invalid_request_error"


def test_full_queue_is_429_with_retry_after_and_frees_up(isolated_home):
    backend = HeldBackend(model_name="Fake Gemma 3")
    core = fake_core(isolated_home, backend)
    service = ApiService(core, queue_size=1)
    request = {"model": "fake-gemma-3", "messages": [{"role": "user", "content": "Go"}]}
    results: list = []
    try:
        with TestClient(create_app(service, TOKEN)) as client:
            def ask():
                results.append(client.post("/v1/chat/completions", headers=AUTH, json=request))

            first = threading.Thread(target=ask)
            first.start()
            assert backend.started.wait(10)  # the first is generating...
            second = threading.Thread(target=ask)
            second.start()
            deadline = time.monotonic() + 10
            while service.gate.admitted < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert service.gate.admitted == 2  # ...and the second waits in the queue of one
            busy = client.post("/v1/chat/completions", headers=AUTH, json=request)
            assert busy.status_code == 429
            assert int(busy.headers["retry-after"]) >= 1
            assert busy.json()["error"]["code"] == "rate_limit_exceeded"
            backend.release()
            first.join(10)
            second.join(10)
            assert [r.status_code for r in results] == [200, 200]
            # The answer's worker thread gives its place back as it ends, which can be just after
            # the client has read the response: wait for it rather than read it at once.
            deadline = time.monotonic() + 10
            while service.gate.admitted and time.monotonic() < deadline:
                time.sleep(0.01)
            assert service.gate.admitted == 0
            assert client.post("/v1/chat/completions", headers=AUTH, json=request).status_code == 200
    finally:
        backend.release()
        core.close()


def test_an_unexpected_failure_is_a_plain_500_never_a_traceback(client, monkeypatch, caplog):
    def broken(self, call, ticket, cancel):
        raise RuntimeError("boom in the answer")
        yield  # a generator, like the real one

    monkeypatch.setattr(ApiService, "answer", broken)
    r = client.post("/v1/chat/completions", headers=AUTH, json={
        "model": "fake-gemma-3", "messages": [{"role": "user", "content": "Hi"}]})
    assert r.status_code == 500
    assert r.json()["error"] == {"message": "The answer failed unexpectedly; the details are in the log.",
                                 "type": "server_error", "param": None, "code": None}
    assert "Traceback" not in r.text and "boom" not in r.text
    assert "boom in the answer" in caplog.text  # the details are logged
    # The failed request gave its place back (its worker thread does, as it ends).
    gate = client.app.state.service.gate
    deadline = time.monotonic() + 10
    while gate.admitted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gate.admitted == 0
