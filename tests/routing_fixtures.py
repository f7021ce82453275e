"""Fixtures for the cloud path: scripted and real OpenAI-compatible servers on 127.0.0.1, a
recording reverse proxy, and a socket guard that fails any connection that is not a Unix socket.

* ``scripted_server``: a tiny http.server that answers like /v1/chat/completions as each test
  scripts it (stream, 401, 429 with Retry-After, 500, hang, cut or malformed stream) and records
  every request it received.
* ``llama_server``: llama-cpp-python's own OpenAI-compatible server on the bundled model, started
  once per session (slow: loads the model).
* ``RecordingProxy``: forwards to an upstream server and keeps every request body, to prove what
  actually left the app.
* ``socket_guard``: any non-AF_UNIX connect raises, and is recorded.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def configure_home(home: Path, model: Path, **routing) -> None:
    """Write settings for a CLI run on ``home``: the cached bundled model, short answers, routing keys."""
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.settings import SettingsStore

    store = SettingsStore(AppPaths.resolve(home).settings_file)
    s = store.load()
    s.llm.model_path = str(model)
    s.llm.max_tokens = 8
    s.llm.context_length = 1024
    for key, value in routing.items():
        s.set(f"routing.{key}", value)
    store.save(s)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sse_body(pieces: list[str], done: bool = True) -> bytes:
    out = []
    for i, piece in enumerate(pieces):
        chunk = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": piece},
                                                                            "finish_reason": None}]}
        out.append(f"data: {json.dumps(chunk)}\n\n")
    if done:
        end = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        out.append(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n")
    return "".join(out).encode()


@dataclass
class Step:
    """One scripted reply: kind is ok, status, hang, cut, malformed or raw.

    ``raw`` sends ``status`` with ``headers`` (default: Content-Type text/event-stream) and then
    each of ``writes`` as its own TCP write (flushed, ``pause_s`` apart), chunk-encoded when
    ``chunked``; then it keeps the connection open up to ``hold_s`` before closing it.
    """

    kind: str = "ok"
    status: int = 200
    pieces: list[str] = field(default_factory=lambda: ["Hello", " from", " the", " cloud."])
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    writes: list[bytes] = field(default_factory=list)
    pause_s: float = 0.0
    chunked: bool = False
    hold_s: float = 0.0


class ScriptedServer:
    """An OpenAI-compatible loopback server whose replies each test scripts."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.requests: list[dict] = []
        self.times: list[float] = []
        self.release = threading.Event()  # ends "hang" replies at teardown
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                server.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"{}")})
                server.times.append(time.monotonic())
                step = server.steps.pop(0) if server.steps else Step()
                server.reply(self, step)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def script(self, *steps: Step) -> "ScriptedServer":
        self.steps.extend(steps)
        return self

    def reply(self, h: BaseHTTPRequestHandler, step: Step) -> None:
        if step.kind == "hang":
            self.release.wait(30)
            return
        if step.kind == "raw":
            self._raw(h, step)
            return
        if step.kind == "status":
            body = step.body or json.dumps({"error": {"message": f"scripted {step.status}"}}).encode()
            h.send_response(step.status)
            for k, v in step.headers.items():
                h.send_header(k, v)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Connection", "close")
        h.end_headers()
        if step.kind == "cut":
            body = sse_body(step.pieces, done=False)
            h.wfile.write(body[: len(body) - 7])  # stop in the middle of an event
        elif step.kind == "malformed":
            h.wfile.write(b"data: {\"choices\": [ this is not json\n\n")
        else:
            h.wfile.write(sse_body(step.pieces))
        h.wfile.flush()
        h.close_connection = True

    def _raw(self, h: BaseHTTPRequestHandler, step: Step) -> None:
        h.send_response(step.status)
        for k, v in (step.headers or {"Content-Type": "text/event-stream"}).items():
            h.send_header(k, v)
        if step.chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.flush()
        for part in step.writes:
            if step.pause_s:
                time.sleep(step.pause_s)
            h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if step.chunked else part)
            h.wfile.flush()
        if step.chunked:
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        if step.hold_s:
            self.release.wait(step.hold_s)
        h.close_connection = True

    def start(self) -> "ScriptedServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def scripted_server():
    server = ScriptedServer().start()
    yield server
    server.stop()


class RecordingProxy:
    """A reverse proxy on 127.0.0.1 that records each request body and streams the reply back."""

    def __init__(self, upstream_port: int) -> None:
        self.received: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length) if length else None
                if body:
                    proxy.received.append({"path": self.path, "json": json.loads(body)})
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=300)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(method, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Connection", "close")
                self.end_headers()
                while True:
                    chunk = resp.read1(4096) if hasattr(resp, "read1") else resp.read(4096)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    self.wfile.flush()
                conn.close()
                self.close_connection = True

            def do_POST(self):
                self._forward("POST")

            def do_GET(self):
                self._forward("GET")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def sent_text(self) -> str:
        return "\n".join(m["content"] for r in self.received for m in r["json"].get("messages", []))

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ``python -m llama_cpp.server``, after registering the CPU code for this processor: the runtime is
# built with its CPU backends as loadable libraries (scripts/install-llama-runtime.sh), which
# llama-cpp-python does not load itself ("no backends are loaded"); the app does it in
# llm/llama_runtime.py, and so does this stand-in cloud server.
_SERVER_WITH_CPU_BACKEND = (
    "import runpy; from desktop_app.llm.llama_runtime import llama_cpp_module; llama_cpp_module(); "
    "runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)"
)


@pytest.fixture(scope="session")
def llama_server(bundled_model_path, tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server on the bundled model (port of 127.0.0.1)."""
    pytest.importorskip("llama_cpp.server")
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [sys.executable, "-c", _SERVER_WITH_CPU_BACKEND, "--model", str(bundled_model_path), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--model_alias", "gemma-cloud-test"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_PROXY": "127.0.0.1"})
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {Path(log).read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/v1/models")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not start within 180 s")
            time.sleep(0.5)
        yield {"port": port, "base_url": f"http://127.0.0.1:{port}/v1", "model": "gemma-cloud-test", "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def recording_proxy(llama_server):
    proxy = RecordingProxy(llama_server["port"])
    yield proxy
    proxy.stop()


class SocketGuard:
    """Fails every connect that is not a Unix socket, and remembers the attempts."""

    def __init__(self) -> None:
        self.attempts: list[object] = []


@pytest.fixture
def socket_guard(monkeypatch):
    """Any outbound (non-AF_UNIX) connection raises and is recorded in ``guard.attempts``."""
    guard = SocketGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock, address):
        if sock.family != getattr(socket, "AF_UNIX", object()):
            guard.attempts.append(address)
            raise ConnectionRefusedError(f"socket guard: outbound connection to {address!r} blocked")

    def connect(sock, address):
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        check(sock, address)
        return real_connect_ex(sock, address)

    def create_connection(address, *args, **kwargs):
        guard.attempts.append(address)
        raise ConnectionRefusedError(f"socket guard: outbound connection to {address!r} blocked")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return guard
