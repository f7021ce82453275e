"""Protocols and records of the cloud hand-off that services depend on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.records import Hit, Message, Route


@dataclass(frozen=True)
class HandoffPlan:
    """The router's decision for one question, and what would be sent if it goes to the cloud.

    ``outgoing`` is the exact, already redacted message list; ``preview`` renders it for the
    user (policy ``ask``). ``needs_confirmation`` is true under policy ``ask``.
    """

    route: Route
    reason: str
    model: str = ""
    needs_confirmation: bool = False
    outgoing: tuple[Message, ...] = ()
    preview: str = ""
    notices: tuple[str, ...] = ()
    redactions: dict = field(default_factory=dict)  # placeholder -> original, to map the answer back
    document_chars: int = 0


class CloudGateway(Protocol):
    """Decides local versus cloud under the privacy rules, and streams cloud answers."""

    def plan(
        self,
        question: str,
        messages: Sequence[Message],
        hits: Sequence[Hit],
        forced: Route | None,
        local_context_length: int,
        prompt_tokens: int,
    ) -> HandoffPlan:
        """Decide where ``messages`` (the full local prompt) should be answered. Never raises."""
        ...

    def stream(self, plan: HandoffPlan, cancel: CancelToken | None = None) -> Iterator[str]:
        """Send ``plan.outgoing`` (audited), yield the answer with placeholders mapped back.

        Raises:
            CloudError: with a one-line, plain reason (timeout, refused, bad key, rate limit...).
        """
        ...
