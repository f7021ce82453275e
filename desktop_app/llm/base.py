"""The ChatBackend protocol every model adapter implements, and its request/stats records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol, Sequence, runtime_checkable

from desktop_app.core.cancel import CancelToken
from desktop_app.core.records import Message


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate. The backend formats ``messages`` with the model's own prompt format."""

    messages: tuple[Message, ...]
    max_tokens: int = 512
    temperature: float = 0.2
    stop: tuple[str, ...] = ()


@dataclass
class GenerationStats:
    """Measured on the last ``stream`` call (shown in the status bar, ``ask --json``)."""

    ttft_s: float = 0.0
    tokens_per_s: float = 0.0
    total_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reused_prefix_tokens: int = 0
    mean_logprob: float | None = None
    finish_reason: str = ""
    extra: dict = field(default_factory=dict)


@runtime_checkable
class ChatBackend(Protocol):
    """A model that streams text for a conversation.

    ``stream`` is a plain generator yielding text pieces; it checks ``cancel`` between pieces
    and returns promptly once cancelled. It raises ``desktop_app.core.errors.AppError``
    subclasses (ModelError, ContextOverflowError, CloudError) with plain-language messages.
    """

    @property
    def model_name(self) -> str: ...

    @property
    def context_length(self) -> int: ...

    @property
    def last_stats(self) -> GenerationStats | None: ...

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens of the prompt that ``messages`` format to (for history trimming)."""
        ...

    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[str]: ...

    def close(self) -> None: ...
