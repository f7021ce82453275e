"""What the HTTP handlers ask of the app: model names, answers, embeddings — all through the Core.

Only the ``Core``'s services are used (``assistant``, ``library``, ``backend()`` through the
ChatBackend protocol), so however the model runs (in-process or in a child process) the API
answers exactly as the window does. Every method here blocks: call it from a worker thread.
"""

from __future__ import annotations

import re
import threading
from typing import Iterator

from desktop_app.api.answering import ApiEvent, answer_call
from desktop_app.api.calls import ChatCall, EmbeddingCall, ModelIds
from desktop_app.api.errors import ApiError
from desktop_app.api.gate import GenerationGate, Ticket
from desktop_app.app_core import Core
from desktop_app.core.cancel import CancelToken


def local_model_id(model_name: str) -> str:
    """The API name of the on-device model: its GGUF name, lower-case, spaces as dashes."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", model_name.lower()).strip("-.")
    return slug or "local-model"


class ApiService:
    """The app seen from the API (built once per server by the composition code of ``serve``).

    Args:
        core: the ``desktop_app.app.Core`` of this process.
        queue_size: requests that may wait for the model (default: ``api.queue_size``).
    """

    def __init__(self, core: Core, queue_size: int | None = None) -> None:
        self.core = core
        self.gate = GenerationGate(core.settings.api.queue_size if queue_size is None else queue_size)
        self._embed_lock = threading.Lock()
        self._embedder = None
        self._live: set[CancelToken] = set()
        self._live_lock = threading.Lock()

    def warm_up(self) -> ModelIds:
        """Load the model and build the answer pipeline now (seconds), not in the first request:
        in the window, imports on the first request would hold the GUI thread up."""
        ids = self.model_ids()
        self.core.general_backend()  # the model for questions without documents, where there is one
        self.core.assistant  # noqa: B018 - builds the Assistant (and the cloud gateway, if configured)
        return ids

    def model_ids(self) -> ModelIds:
        """Loads the model on first use (seconds)."""
        name = self.core.backend().model_name
        return ModelIds(local=(local_model_id(name), name))

    # ---------------------------------------------------------------- answers

    def answer(self, call: ChatCall, ticket: Ticket, cancel: CancelToken) -> Iterator[ApiEvent]:
        """Wait for the model (in the queue), then answer; nothing at all if the client left first."""
        with self._live_lock:
            self._live.add(cancel)
        try:
            if not ticket.wait(cancel):
                return
            yield from answer_call(self.core.assistant, call, cancel, self.indexed_collections)
        finally:
            with self._live_lock:
                self._live.discard(cancel)

    def indexed_collections(self) -> list[str]:
        """Collections that hold documents ([] without opening the index when none was built)."""
        if not self.core.paths.index_manifest.exists():
            return []
        return [c.name for c in self.core.library.collections() if c.documents > 0]

    def cancel_all(self) -> None:
        """Stop every answer in progress (the server is shutting down)."""
        with self._live_lock:
            for cancel in self._live:
                cancel.cancel()

    # ---------------------------------------------------------------- embeddings

    def embedder(self):
        """The Library's embedder (the one the index uses); its own copy when the Library runs
        in a child process, which does not lend its embedder out."""
        with self._embed_lock:
            if self._embedder is None:
                embedder = getattr(self.core.library, "embedder", None)
                if embedder is None:
                    from desktop_app.rag.embedder import build_embedder

                    embedder = build_embedder(self.core.settings.rag.embedder)
                self._embedder = embedder
            return self._embedder

    def embedding_names(self) -> tuple[str, ...]:
        name = self.core.settings.rag.embedder
        return (name, f"sentence-transformers/{name}")

    def embed(self, call: EmbeddingCall) -> tuple[list[list[float]], int]:
        """Vectors for ``call.texts`` and the word pieces read (texts past the model's window are cut)."""
        embedder = self.embedder()
        if call.dimensions is not None and call.dimensions != embedder.dimension:
            raise ApiError(400, f"This embedding model has {embedder.dimension} dimensions; 'dimensions' cannot "
                                "change that.", "invalid_request_error", None, "dimensions")
        with self._embed_lock:  # one batch at a time: the model is shared with the indexer
            vectors = embedder.embed(list(call.texts))
            counts = embedder.count_tokens(list(call.texts))
        cap = max(1, embedder.max_tokens - 2)  # [CLS] and [SEP] take two of the window's pieces
        return vectors, sum(min(n, cap) for n in counts)
