"""Fakes for Assistant tests: a scriptable cloud gateway, a retriever and a grounding function."""

from __future__ import annotations

from typing import Iterator, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import CloudError
from desktop_app.core.records import Citation, Hit, Message
from desktop_app.routing.base import HandoffPlan


class FakeGateway:
    """A CloudGateway that plans what it is told and streams scripted words (or fails)."""

    def __init__(self, route: str = "cloud", needs_confirmation: bool = False, model: str = "big-cloud-model") -> None:
        self.route = route
        self.needs_confirmation = needs_confirmation
        self.model = model
        self.replies: list[object] = []
        self.plans: list[dict] = []
        self.streamed: list[HandoffPlan] = []

    def enqueue(self, *replies: object) -> "FakeGateway":
        """A string streams word by word; an exception fails at once; (words, exc) fails mid-stream."""
        self.replies.extend(replies)
        return self

    def plan(self, question, messages, hits, forced, local_context_length, prompt_tokens) -> HandoffPlan:
        self.plans.append(dict(question=question, messages=list(messages), hits=list(hits), forced=forced,
                               local_context_length=local_context_length, prompt_tokens=prompt_tokens))
        route = forced or self.route
        outgoing = tuple(messages)
        return HandoffPlan(
            route=route,
            reason="The question asks for long-form writing." if route == "cloud" else "Short factual question.",
            model=self.model if route == "cloud" else "",
            needs_confirmation=self.needs_confirmation and route == "cloud",
            outgoing=outgoing,
            preview="\n".join(m.content for m in outgoing),
        )

    def stream(self, plan: HandoffPlan, cancel: CancelToken | None = None) -> Iterator[str]:
        self.streamed.append(plan)
        reply = self.replies.pop(0) if self.replies else "Cloud answer."
        if isinstance(reply, BaseException):
            raise reply
        fail_after = None
        if isinstance(reply, tuple):
            reply, fail_after = reply
        for i, word in enumerate(str(reply).split(" ")):
            if cancel is not None and cancel.cancelled:
                return
            yield word if i == 0 else " " + word
        if fail_after is not None:
            raise fail_after


class FakeRetriever:
    def __init__(self, hits: Sequence[Hit] = ()) -> None:
        self.hits = list(hits)
        self.calls: list[tuple] = []

    def retrieve(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        self.calls.append((query, k, list(collections or [])))
        return self.hits[:k]


def fake_grounding(question: str, hits: Sequence[Hit], budget_tokens: int, count_tokens,
                   first_number: int = 1) -> tuple[str, list[Citation]]:
    """Numbers the hits like the real builder does, within the budget."""
    citations = [Citation(i + first_number, h.source, h.page, h.text, h.score) for i, h in enumerate(hits)]
    blocks = "\n".join(f"[{c.number}] {c.text}" for c in citations)
    text = f"Sources:\n{blocks}\nQuestion: {question}"
    assert count_tokens([Message("user", text)]) <= budget_tokens
    return text, citations


__all__ = ["FakeGateway", "FakeRetriever", "fake_grounding", "CloudError"]
