"""The shared Chroma server alternative (rag.store = http) against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.errors import AppError
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.services.library import Library
from tests.rag_fixtures import drain
from tests.routing_fixtures import free_port

pytestmark = pytest.mark.slow


def chroma_binary() -> str:
    found = Path(sys.executable).with_name("chroma")
    return str(found) if found.exists() else (shutil.which("chroma") or pytest.skip("the chroma CLI is not installed"))


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real Chroma server on a free loopback port, stopped after the tests."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    proc = subprocess.Popen([chroma_binary(), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    import chromadb

    deadline = time.monotonic() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("chroma run did not start")
            time.sleep(0.3)
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def http_settings(port: int) -> Settings:
    settings = Settings()
    settings.set("rag.store", "http")
    settings.set("rag.chroma_host", "127.0.0.1")
    settings.set("rag.chroma_port", port)
    return settings


def test_index_and_search_through_a_shared_chroma_server(chroma_server, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pumps.md").write_text("The coolant pump P-311 must be replaced every 9,000 hours.\n", encoding="utf-8")
    (docs / "valves.txt").write_text("Valve V-20 is inspected monthly by the night shift.\n", encoding="utf-8")
    library = Library(AppPaths.resolve(tmp_path / "home"), http_settings(chroma_server), MachinePolicy(), embedder=FakeEmbedder())
    try:
        report = drain(library.index([str(docs)], "plant"))
        assert report.ok and report.files_indexed == 2
        hits = library.search("When must coolant pump P-311 be replaced?", k=1)
        assert hits and hits[0].source.endswith("pumps.md") and hits[0].page == 1
    finally:
        library.close()

    # The vectors really live on the server: a plain client sees them.
    import chromadb

    from desktop_app.rag.vector_store import CHROMA_COLLECTION

    remote = chromadb.HttpClient(host="127.0.0.1", port=chroma_server).get_collection(CHROMA_COLLECTION)
    metas = remote.get(include=["metadatas"])["metadatas"]
    assert sorted(Path(m["source"]).name for m in metas) == ["pumps.md", "valves.txt"]
    assert not (tmp_path / "home" / "data" / "index" / "chroma").exists()  # nothing stored locally


def test_unreachable_server_is_one_plain_error(tmp_path):
    library = Library(AppPaths.resolve(tmp_path / "home"), http_settings(free_port()), MachinePolicy(), embedder=FakeEmbedder())
    (tmp_path / "a.txt").write_text("hello world text", encoding="utf-8")
    with pytest.raises(AppError) as info:
        drain(library.index([str(tmp_path / "a.txt")]))
    assert "cannot be reached" in str(info.value) and "rag.store" in str(info.value)
    library.close()
