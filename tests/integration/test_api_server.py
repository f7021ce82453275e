"""The local API as users run it: `slm-assistant serve` in a subprocess on 127.0.0.1, driven by the
real `openai` client, with the real bundled model, MiniLM and Chroma; plus in-process servers on
a held fake model for what needs exact timing (client disconnects, a full queue, 50 at once)."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.api_fixtures import AUTH, TOKEN, HeldBackend, fake_core
from tests.rag_fixtures import write_pdf

pytestmark = pytest.mark.slow

openai = pytest.importorskip("openai")
START_TIMEOUT_S = 240
FACT = "Every employee of Meridian Tools receives thirty-one days of paid annual leave, agreed in 2024."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configured_home(root: Path, model: Path) -> Path:
    settings = {"llm": {"model_path": str(model), "max_tokens": 48, "context_length": 2048, "temperature": 0.0,
                        "threads": 2}}
    (root / "config").mkdir(parents=True)
    (root / "config" / "settings.json").write_text(json.dumps(settings))
    return root


def cli_env(root: Path, **extra: str) -> dict:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SLM_ASSISTANT_API_TOKEN": TOKEN,
           "SLM_ASSISTANT_POLICY_FILE": str(root / "no-policy.json")}
    env.pop("SLM_ASSISTANT_HOME", None)
    env.update(extra)
    return env


def cli(home: Path, *argv: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", "--home", str(home), *argv], capture_output=True,
                          text=True, timeout=START_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL)


class Served:
    """A running `slm-assistant serve`; its output goes to files (a full pipe must not stall it)."""

    def __init__(self, home: Path, env: dict, *argv: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.out = home.parent / f"serve-{self.port}.out"
        self.err = home.parent / f"serve-{self.port}.err"
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "--home", str(home), "serve", "--port",
                                          str(self.port), *argv], stdout=out, stderr=err, env=env,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert self.proc.poll() is None, self.err.read_text()
            assert time.monotonic() < deadline, "serve did not start: " + self.err.read_text()
            try:
                if httpx.get(f"{self.url}/models", headers=AUTH, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)

    def client(self, **kwargs):
        return openai.OpenAI(base_url=self.url, api_key=kwargs.pop("api_key", TOKEN), max_retries=0, timeout=120,
                             **kwargs)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # what Ctrl+C does
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture(scope="module")
def served(bundled_model_path, tmp_path_factory):
    """A home with a small PDF indexed (real MiniLM + Chroma) in collection "handbook", served."""
    root = tmp_path_factory.mktemp("api")
    home = configured_home(root / "home", bundled_model_path)
    env = cli_env(root)
    pdf = write_pdf(root / "handbook.pdf", [
        ["# Meridian Tools staff handbook", "This handbook describes the working hours, the office locations and "
         "the travel rules of Meridian Tools. Offices open at eight in the morning."],
        ["# Annual leave", FACT, "Leave must be booked in the HR portal two weeks ahead."],
    ])
    indexed = cli(home, "index", "--collection", "handbook", "--quiet", str(pdf), env=env)
    assert indexed.returncode == 0, indexed.stderr
    server = Served(home, env)
    yield server
    server.stop()


def test_models_lists_the_local_model_and_the_documents_model(served):
    ids = [m.id for m in served.client().models.list()]
    assert len(ids) == 2 and ids[1] == "slm-assistant-documents" and ids[0]


def test_chat_whole_and_streamed_with_the_real_model(served):
    client = served.client()
    model = client.models.list().data[0].id
    reply = client.chat.completions.create(model=model, max_tokens=16, messages=[
        {"role": "user", "content": "What is the capital of France? Answer in one word."}])
    assert "paris" in reply.choices[0].message.content.lower()
    assert reply.choices[0].finish_reason in ("stop", "length")
    assert reply.usage.prompt_tokens > 0 and 0 < reply.usage.completion_tokens <= 16
    assert reply.model_extra["slm_assistant"]["route"] == "local"

    chunks = list(client.chat.completions.create(model=model, max_tokens=8, stream=True,
                                                 stream_options={"include_usage": True},
                                                 messages=[{"role": "user", "content": "Count from one to ten."}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert chunks[-2].choices[0].finish_reason == "length"
    assert chunks[-1].usage.completion_tokens == 8

    legacy = client.completions.create(model=model, prompt="Name a colour of the sky.", max_tokens=6)
    assert legacy.choices[0].text.strip() and legacy.usage.completion_tokens <= 6


def test_embeddings_are_the_apps_minilm_vectors(served):
    client = served.client()
    texts = ["How many days of annual leave do staff get?", "Employees receive thirty-one days of paid leave.",
             "The spacecraft entered orbit around Jupiter."]
    vectors = [d.embedding for d in client.embeddings.create(model="all-MiniLM-L6-v2", input=texts).data]
    assert [len(v) for v in vectors] == [384, 384, 384]

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))

    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2]) + 0.2
    floats = httpx.post(f"{served.url}/embeddings", headers=AUTH, timeout=60,
                        json={"model": "all-MiniLM-L6-v2", "input": texts[0], "encoding_format": "float"}).json()
    assert floats["data"][0]["embedding"] == pytest.approx(vectors[0], abs=1e-5)  # base64 (the client's) == float


def test_documents_model_answers_from_the_pdf_with_citations(served):
    client = served.client()
    question = [{"role": "user", "content": "How many days of paid annual leave do employees get?"}]
    reply = client.chat.completions.create(model="slm-assistant-documents", messages=question, max_tokens=32,
                                           extra_body={"collections": ["handbook"]})
    citations = reply.model_extra["citations"]
    assert citations, reply
    first = citations[0]
    assert set(first) == {"n", "source", "page", "text"} and first["n"] == 1
    assert Path(first["source"]).name == "handbook.pdf" and first["page"] == 2 and "thirty-one days" in first["text"]

    chunks = list(client.chat.completions.create(model="slm-assistant-documents", messages=question, max_tokens=8,
                                                 stream=True))
    final = chunks[-1]
    assert final.choices[0].finish_reason in ("stop", "length")
    assert final.model_extra["citations"][0]["page"] == 2

    missing = httpx.post(f"{served.url}/chat/completions", headers=AUTH, timeout=60, json={
        "model": "slm-assistant-documents", "messages": question, "collections": ["nope"]})
    assert missing.status_code == 404 and "handbook" in missing.json()["error"]["message"]


def test_no_or_wrong_token_is_401(served):
    with pytest.raises(openai.AuthenticationError) as err:
        served.client(api_key="not-the-token").models.list()
    assert err.value.status_code == 401
    bare = httpx.get(f"{served.url}/models", timeout=10)
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "missing_api_key"


def test_serve_on_the_network_needs_confirmation_and_policy_can_forbid(tmp_path):
    home = tmp_path / "home"
    env = cli_env(tmp_path)
    proc = cli(home, "serve", "--host", "0.0.0.0", "--port", str(free_port()), env=env)
    assert proc.returncode == 1 and "needs your confirmation" in proc.stderr and "--yes-expose" in proc.stderr
    assert "Traceback" not in proc.stderr

    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"api.allow_network": False}))
    proc = cli(home, "serve", "--host", "0.0.0.0", "--yes-expose", "--port", str(free_port()),
               env=cli_env(tmp_path, SLM_ASSISTANT_POLICY_FILE=str(policy)))
    assert proc.returncode != 0 and "organization" in proc.stderr and "loopback" in proc.stderr

    policy.write_text(json.dumps({"api": {"enabled": False}}))
    proc = cli(home, "serve", "--port", str(free_port()), env=cli_env(tmp_path, SLM_ASSISTANT_POLICY_FILE=str(policy)))
    assert proc.returncode != 0 and "does not allow the local API" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ctrl_c_stops_the_server_cleanly(bundled_model_path, tmp_path):
    home = configured_home(tmp_path / "home", bundled_model_path)
    server = Served(home, cli_env(tmp_path))
    assert server.client().models.list().data
    assert server.stop() == 0
    assert "stopped" in server.err.read_text() and "Traceback" not in server.err.read_text()


# ---------------------------------------------------------------- in-process, held fake model


@pytest.fixture
def held(isolated_home):
    """A real uvicorn on 127.0.0.1 serving a Core whose model answers only when released."""
    from desktop_app.api.runner import BackgroundServer, bind
    from desktop_app.api.server import create_app
    from desktop_app.api.service import ApiService

    backend = HeldBackend(model_name="Fake Gemma 3")
    core = fake_core(isolated_home, backend, queue_size=0)
    service = ApiService(core)
    server = BackgroundServer(create_app(service, TOKEN), bind("127.0.0.1", 0)).start()
    yield server, service, backend
    backend.release()
    server.stop()
    core.close()


def test_a_client_that_disconnects_cancels_its_generation(held):
    server, service, backend = held
    body = {"model": "fake-gemma-3", "stream": True, "messages": [{"role": "user", "content": "Tell me a story"}]}
    with httpx.Client(timeout=10) as http:
        with http.stream("POST", f"{server.url}/chat/completions", headers=AUTH, json=body) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(lines).startswith("data: ")  # the opening chunk: the model is generating
            assert backend.started.wait(5)
        # Leaving the block closes the connection mid-answer.
    assert backend.cancelled.wait(5), "the generation went on after its client left"
    deadline = time.monotonic() + 5
    while service.gate.admitted and time.monotonic() < deadline:
        time.sleep(0.02)
    assert service.gate.admitted == 0  # the model is free for the next request

    backend.release()
    reply = openai.OpenAI(base_url=server.url, api_key=TOKEN, max_retries=0).chat.completions.create(
        model="fake-gemma-3", messages=[{"role": "user", "content": "Hi"}])
    assert reply.choices[0].message.content == "Echo: Hi"


def test_a_client_that_gives_up_on_a_whole_answer_cancels_it_too(held):
    server, service, backend = held
    body = {"model": "fake-gemma-3", "messages": [{"role": "user", "content": "Tell me a story"}]}
    with pytest.raises(httpx.ReadTimeout):  # stream: false; the client stops waiting and closes
        httpx.post(f"{server.url}/chat/completions", headers=AUTH, json=body, timeout=httpx.Timeout(10, read=1.0))
    assert backend.started.is_set()
    assert backend.cancelled.wait(5), "the generation went on after its client left"
    deadline = time.monotonic() + 5
    while service.gate.admitted and time.monotonic() < deadline:
        time.sleep(0.02)
    assert service.gate.admitted == 0


def test_the_openai_client_sees_429_while_the_model_is_busy(held):
    server, service, backend = held
    client = openai.OpenAI(base_url=server.url, api_key=TOKEN, max_retries=0)
    results: list = []
    first = threading.Thread(target=lambda: results.append(client.chat.completions.create(
        model="fake-gemma-3", messages=[{"role": "user", "content": "First"}])))
    first.start()
    assert backend.started.wait(5)
    with pytest.raises(openai.RateLimitError) as err:  # queue_size 0: nothing may wait
        client.chat.completions.create(model="fake-gemma-3", messages=[{"role": "user", "content": "Second"}])
    assert int(err.value.response.headers["retry-after"]) >= 1
    backend.release()
    first.join(10)
    assert results[0].choices[0].message.content == "Echo: First"


def test_fifty_concurrent_streams_are_answered_or_refused_and_the_server_stops(isolated_home):
    import asyncio

    from desktop_app.api.runner import BackgroundServer, bind
    from desktop_app.api.server import create_app
    from desktop_app.api.service import ApiService
    from desktop_app.llm.fake import FakeBackend

    core = fake_core(isolated_home, FakeBackend(model_name="Fake Gemma 3", delay_s=0.01), queue_size=4)
    service = ApiService(core)
    server = BackgroundServer(create_app(service, TOKEN), bind("127.0.0.1", 0)).start()
    body = {"model": "fake-gemma-3", "stream": True, "messages": [{"role": "user", "content": "one two three four"}]}

    async def one(http) -> tuple[int, str]:
        async with http.stream("POST", f"{server.url}/chat/completions", headers=AUTH, json=body) as response:
            text = "".join([line async for line in response.aiter_lines()])
            return response.status_code, text

    async def fifty():
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=60)) as http:
            return await asyncio.gather(*(one(http) for _ in range(50)))

    try:
        results = asyncio.run(fifty())
    finally:
        server.stop()
        core.close()
    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 429}, statuses
    assert statuses.count(200) >= 5  # at least one generating plus the four queued
    for status, text in results:
        if status == 200:
            assert text.endswith("[DONE]") and '"finish_reason": "stop"' in text
    assert service.gate.admitted == 0
    assert not server._thread.is_alive()
