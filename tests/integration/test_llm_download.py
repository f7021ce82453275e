"""Model downloads against a real HTTP server on 127.0.0.1 (never the internet).

The server honours Range requests and can be told to cut a transfer short, so resume after an
interrupted download, checksum mismatch, server errors and cancel are tested end to end.
"""

from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import Cancelled, ModelError
from desktop_app.llm import llama_runtime
from desktop_app.llm.downloader import download_file, part_path
from desktop_app.llm.models import ModelManager
from tests.model_fixtures import gguf_bytes

PAYLOAD = gguf_bytes({"general.architecture": "llama", "general.name": "Served Model", "llama.context_length": 4096},
                     tensors=[("w", 100_000, 0)])  # ~400 kB: several chunks
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class ModelServer:
    """Serves PAYLOAD at /model.gguf; ``cut_after`` drops the connection after that many bytes."""

    def __init__(self) -> None:
        self.cut_after: int | None = None
        self.ignore_range = False
        self.status: int | None = None
        self.requests: list[str | None] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                owner.requests.append(self.headers.get("Range"))
                if owner.status:
                    self.send_error(owner.status)
                    return
                start = 0
                rng = self.headers.get("Range")
                if rng and not owner.ignore_range:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(PAYLOAD):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(PAYLOAD)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
                else:
                    self.send_response(200)
                body = PAYLOAD[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if owner.cut_after is not None:
                    body = body[: owner.cut_after]
                    owner.cut_after = None
                self.wfile.write(body)
                self.wfile.flush()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.gguf"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = ModelServer()
    yield srv
    srv.close()


def test_download_with_progress_and_checksum(tmp_path, server):
    seen: list[tuple[int, int | None]] = []
    result = download_file(server.url, tmp_path / "m.gguf", sha256=SHA, progress=lambda d, t: seen.append((d, t)))
    assert result.path.read_bytes() == PAYLOAD and result.sha256 == SHA
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD)) and len(seen) > 2
    assert not part_path(tmp_path / "m.gguf").exists()


def test_interrupted_download_resumes_with_range(tmp_path, server):
    target = tmp_path / "m.gguf"
    server.cut_after = 150_000
    with pytest.raises(ModelError, match="interrupted|stopped early"):
        download_file(server.url, target, sha256=SHA)
    kept = part_path(target).stat().st_size
    assert 0 < kept <= 150_000 and not target.exists()
    result = download_file(server.url, target, sha256=SHA)
    assert server.requests == [None, f"bytes={kept}-"]
    assert result.path.read_bytes() == PAYLOAD and result.sha256 == SHA


def test_server_ignoring_range_restarts_cleanly(tmp_path, server):
    target = tmp_path / "m.gguf"
    part_path(target).write_bytes(PAYLOAD[:1000])
    server.ignore_range = True
    assert download_file(server.url, target, sha256=SHA).path.read_bytes() == PAYLOAD


def test_already_complete_part_is_verified_not_refetched(tmp_path, server):
    target = tmp_path / "m.gguf"
    part_path(target).write_bytes(PAYLOAD)
    assert download_file(server.url, target, sha256=SHA).sha256 == SHA


def test_checksum_mismatch_deletes_the_part(tmp_path, server):
    target = tmp_path / "m.gguf"
    with pytest.raises(ModelError, match="sha256"):
        download_file(server.url, target, sha256="0" * 64)
    assert not target.exists() and not part_path(target).exists()


def test_nothing_listening_is_plain(tmp_path):
    with pytest.raises(ModelError, match="Could not connect to 127.0.0.1"):
        download_file("http://127.0.0.1:9/model.gguf", tmp_path / "m.gguf", timeout_s=5)


def test_server_error_is_plain(tmp_path, server):
    server.status = 404
    with pytest.raises(ModelError, match="404"):
        download_file(server.url, tmp_path / "m.gguf")


def test_cancel_keeps_the_part_for_resume(tmp_path, server):
    target = tmp_path / "m.gguf"
    cancel = CancelToken()

    def progress(done, total):
        if done > 100_000:
            cancel.cancel()

    with pytest.raises(Cancelled):
        download_file(server.url, target, progress=progress, cancel=cancel)
    assert 0 < part_path(target).stat().st_size < len(PAYLOAD)
    assert download_file(server.url, target, sha256=SHA).path.read_bytes() == PAYLOAD


def test_manager_download_adds_the_model(tmp_path, server, monkeypatch):
    monkeypatch.setattr(llama_runtime, "probe_loadable", lambda path, arch="": None)  # weightless test file
    manager = ModelManager(AppPaths.resolve(tmp_path / "home"), Settings(), MachinePolicy())
    info = manager.download("served", url=server.url, sha256=SHA)
    assert info.name == "Served Model" and info.path == (manager.paths.models_dir / "model.gguf").resolve()
    assert manager.settings.llm.user_models == [str(info.path)]


def test_manager_deletes_a_download_that_is_not_a_model(tmp_path, server, monkeypatch):
    monkeypatch.setitem(globals(), "PAYLOAD", b"<html>a captive portal's login page</html>")
    manager = ModelManager(AppPaths.resolve(tmp_path / "home"), Settings(), MachinePolicy())
    with pytest.raises(ModelError, match="not a GGUF"):
        manager.download("served", url=server.url)
    assert not (manager.paths.models_dir / "model.gguf").exists()


def test_cli_download_prints_progress_and_checksum(server, monkeypatch, capsys, isolated_home):
    from desktop_app import cli

    monkeypatch.setattr(llama_runtime, "probe_loadable", lambda path, arch="": None)
    assert cli.main(["models", "download", "served", "--url", server.url, "--sha256", SHA]) == 0
    captured = capsys.readouterr()
    assert "Downloading:" in captured.err and "(100%)" in captured.err
    assert "Downloaded Served Model" in captured.out and f"sha256 {SHA} (matches" in captured.out
    assert (isolated_home / "data" / "models" / "model.gguf").read_bytes() == PAYLOAD
    assert cli.main(["models", "download", "served", "--url", server.url, "--sha256", "0" * 64]) == 1
    assert "does not match" in capsys.readouterr().err
