"""Helpers for the local API tests: a real Core on a fake model, and a model that waits to be let go."""

from __future__ import annotations

import threading
from typing import Iterator

from desktop_app.core.cancel import CancelToken
from desktop_app.llm.base import GenerationRequest
from desktop_app.llm.fake import FakeBackend

TOKEN = "test-token-1234"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class HeldBackend(FakeBackend):
    """A FakeBackend whose every piece waits for ``release()``: a generation that lasts as long as a
    test needs. ``started`` is set when a generation begins; ``cancelled`` when one saw its cancel."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.go = threading.Event()
        self.started = threading.Event()
        self.cancelled = threading.Event()
        self.finished = threading.Event()

    def release(self) -> None:
        self.go.set()

    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[str]:
        self.started.set()
        inner = super().stream(request, cancel)
        try:
            for piece in inner:
                yield piece
                while not self.go.wait(0.01):
                    if cancel is not None and cancel.cancelled:
                        self.cancelled.set()
                        return
        finally:
            self.finished.set()


def fake_core(home, backend=None, **api):
    """The Core ``serve`` builds, under ``home``, with ``backend`` as the model and the hashing embedder."""
    from desktop_app.app import build_core

    core = build_core(str(home))
    core.provide(backend=backend or FakeBackend(model_name="Fake Gemma 3"))
    core.settings.rag.embedder = "fake-hash-384"
    for key, value in api.items():
        core.settings.set(f"api.{key}", value)
    return core
