"""History trimming: the smallest cut at a user turn that fits, system prompt and question kept."""

from __future__ import annotations

import random

import pytest

from desktop_app.core.records import Message
from desktop_app.services.prompt_budget import answer_reserve, fit_history


def count(messages) -> int:
    return sum(len(m.content.split()) + 4 for m in messages)


def linear_reference(system, history, question, budget):
    """Drop turns one by one from the oldest, re-cutting at a user turn (the obvious way)."""
    for cut in range(len(history) + 1):
        if cut < len(history) and history[cut].role != "user":
            continue
        msgs = [system, *history[cut:], question]
        if count(msgs) <= budget:
            return msgs, cut
    return [system, question], len(history)


@pytest.mark.parametrize("seed", range(30))
def test_matches_the_linear_reference(seed):
    rng = random.Random(seed)
    history = []
    for i in range(rng.randint(0, 30)):
        history.append(Message("user", "q " * rng.randint(1, 30)))
        if rng.random() < 0.9:  # sometimes an answer is missing (error / deleted)
            history.append(Message("assistant", "a " * rng.randint(1, 60)))
    system, question = Message("system", "be nice"), Message("user", "now " * rng.randint(1, 20))
    budget = rng.randint(20, 600)
    assert fit_history(system, history, question, budget, count) == linear_reference(system, history, question, budget)


def test_nothing_dropped_when_it_fits():
    system, q = Message("system", "s"), Message("user", "q")
    hist = [Message("user", "a"), Message("assistant", "b")]
    assert fit_history(system, hist, q, 1000, count) == ([system, *hist, q], 0)


def test_question_alone_too_big_returns_everything_dropped():
    system, q = Message("system", "s"), Message("user", "x " * 100)
    msgs, dropped = fit_history(system, [Message("user", "a"), Message("assistant", "b")], q, 50, count)
    assert msgs == [system, q] and dropped == 2 and count(msgs) > 50


@pytest.mark.parametrize("context, max_tokens, expected", [(4096, 512, 512), (2048, 512, 512), (512, 512, 128),
                                                           (200, 40, 40), (128, 512, 64)])
def test_answer_reserve(context, max_tokens, expected):
    assert answer_reserve(context, max_tokens) == expected
