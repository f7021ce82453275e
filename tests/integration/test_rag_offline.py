"""Indexing and searching open no network connection (embedder from the package, Chroma local)."""

from __future__ import annotations

import socket

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.rag.embedder import MiniLMEmbedder
from desktop_app.services.library import Library

pytestmark = pytest.mark.slow


def test_index_and_search_make_no_outbound_connection(rag_corpus, tmp_path, monkeypatch):
    attempts = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        if self.family != getattr(socket, "AF_UNIX", None):
            attempts.append(address)
            raise OSError("network access attempted during a local-only operation")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: guarded(socket.socket(), a[0]))
    folder, questions = rag_corpus
    library = Library(AppPaths.resolve(tmp_path / "home"), Settings(), MachinePolicy(), embedder=MiniLMEmbedder())
    try:
        gen = library.index([str(folder / "parts-catalogue.pdf")])
        for _ in gen:
            pass
        exact = [q for q in questions if q.exact][0]
        assert library.search(exact.text, k=1)[0].page == exact.page
    finally:
        library.close()
    assert attempts == []
