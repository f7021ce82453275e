"""A scriptable fake ChatBackend for unit tests: enqueue replies, read back what it was asked."""

from __future__ import annotations

import time
from typing import Iterator, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.records import Message
from desktop_app.llm.base import GenerationRequest, GenerationStats


class FakeBackend:
    """Streams scripted replies word by word.

    ``enqueue("text")`` scripts the next reply; ``enqueue(SomeError(...))`` makes the next call
    raise. With nothing queued it echoes the last user message. ``history`` keeps every request.
    """

    def __init__(self, model_name: str = "fake-model", context_length: int = 2048, delay_s: float = 0.0) -> None:
        self._model_name = model_name
        self._context_length = context_length
        self.delay_s = delay_s
        self._queue: list[object] = []
        self.history: list[GenerationRequest] = []
        self._last_stats: GenerationStats | None = None
        self.closed = False

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def context_length(self) -> int:
        return self._context_length

    @property
    def last_stats(self) -> GenerationStats | None:
        return self._last_stats

    def enqueue(self, *replies: object) -> "FakeBackend":
        self._queue.extend(replies)
        return self

    def count_tokens(self, messages: Sequence[Message]) -> int:
        # Roughly one token per word plus a few for each turn's framing.
        return sum(len(m.content.split()) + 4 for m in messages)

    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[str]:
        self.history.append(request)
        reply = self._queue.pop(0) if self._queue else None
        if isinstance(reply, BaseException):
            raise reply
        if reply is None:
            last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
            reply = f"Echo: {last_user}"
        start = time.perf_counter()
        first = None
        n = 0
        words = str(reply).split(" ")
        for i, word in enumerate(words):
            if cancel is not None and cancel.cancelled:
                break
            if n >= request.max_tokens:
                break
            if self.delay_s:
                time.sleep(self.delay_s)
            piece = word if i == 0 else " " + word
            if first is None:
                first = time.perf_counter() - start
            n += 1
            yield piece
        total = time.perf_counter() - start
        self._last_stats = GenerationStats(
            ttft_s=first or 0.0,
            tokens_per_s=(n / total) if total > 0 else 0.0,
            total_s=total,
            prompt_tokens=self.count_tokens(request.messages),
            completion_tokens=n,
        )

    def close(self) -> None:
        self.closed = True
