"""Fitting a conversation into the model's context window, with room left for the answer."""

from __future__ import annotations

from typing import Callable, Sequence

from desktop_app.core.records import Message

CountTokens = Callable[[Sequence[Message]], int]

MIN_ANSWER_TOKENS = 64


def answer_reserve(context_length: int, max_tokens: int) -> int:
    """Tokens kept free for the answer: the configured maximum, but never more than a quarter
    of a small context (so a 512-token model still has room for a question)."""
    return max(1, min(max_tokens, max(MIN_ANSWER_TOKENS, context_length // 4)))


def fit_history(
    system: Message, history: Sequence[Message], question: Message, budget: int, count: CountTokens
) -> tuple[list[Message], int]:
    """Keep the system prompt and the question; drop the oldest turns until the prompt fits.

    Returns the messages and how many history messages were dropped. History is cut only at
    a user turn, so the kept part never opens with an answer whose question is gone. The cut
    is found by binary search over exact token counts (prompt length shrinks as turns go), so
    a long history costs O(log n) tokenisations, not O(n).
    """
    turns = list(history)
    if count([system, *turns, question]) <= budget:
        return [system, *turns, question], 0
    # Valid cut points: history starting at a user turn, or no history at all.
    cuts = [i for i, m in enumerate(turns) if m.role == "user" and i > 0] + [len(turns)]
    lo, hi = 0, len(cuts) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if count([system, *turns[cuts[mid]:], question]) <= budget:
            hi = mid
        else:
            lo = mid + 1
    cut = cuts[lo]
    return [system, *turns[cut:], question], cut
