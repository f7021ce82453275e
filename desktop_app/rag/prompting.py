"""Grounded prompt assembly: numbered, quoted sources within a token budget, then the question.

The result is only the text of the user message, so it works unchanged with chat-template
models and with the bundled base model's completion format (the llm layer wraps it). It is kept
short and explicit because a 270M model follows simple instructions best.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Callable, Sequence

from desktop_app.core.records import Citation, Hit, Message
from desktop_app.rag.passage_focus import focus_passages
from desktop_app.rag.same_page import merge_same_page

MIN_PASSAGE_CHARS = 200  # a passage cut shorter than this is not worth a source number
# The sources are cut to the sentences that match the question (see passage_focus). Whole
# chunks made grounded prompts of 700-1,100 tokens: 15-50 s to the first token on a loaded 2-core
# machine (benchmarks/answer_quality.py). About 1,600 characters for all five (320 each, shared
# by how well they match) keeps the matching sentences and their neighbours, and roughly halves
# the prompt.
FOCUS_BUDGET_CHARS = 1600

INSTRUCTION = (
    "Answer the question using only the sources below, in one or two sentences. Copy names and "
    "figures exactly as the sources write them, and put the source's number after the fact, like "
    "[1]. If the sources do not contain the answer, reply only: The documents do not contain this."
)


def build_grounded_prompt(question: str, hits: Sequence[Hit], budget_tokens: int,
                          count_tokens: Callable[[list[Message]], int], first_number: int = 1) -> tuple[str, list[Citation]]:
    """Build the user message and its citations.

    Args:
        question: the user's question.
        hits: retrieved passages, best first; the best ones get the budget first.
        budget_tokens: tokens the whole user message may take.
        count_tokens: the model's counter over a list of messages.
        first_number: the first source's number (a question's second part goes on from the first's).

    Returns:
        (user message text, citations numbered from ``first_number`` in the order they appear). When not even
        one passage fits, the question alone and no citations.
    """
    # One number per file and page: two chunks of one page were [1] and [2] for the same place.
    hits = merge_same_page(hits)
    citations: list[Citation] = []
    blocks: list[str] = []

    def render(parts: list[str]) -> str:
        sources = "\n\n".join(parts)
        # No trailing "Answer:": both prompt formats add their own answer cue, and a doubled cue
        # ("Answer:\nA:") made the bundled base model invent multiple-choice lines ("B: ...").
        instruction = INSTRUCTION.replace("[1]", f"[{first_number}]")  # the example is a number it has
        return f"{instruction}\n\nSources:\n{sources}\n\nQuestion: {question.strip()}"

    def fits(text: str) -> bool:
        return count_tokens([Message("user", text)]) <= budget_tokens

    days = sorted({date.fromisoformat(h.asked_period_end) for h in hits if h.asked_period_end})
    focused = focus_passages(question, [h.text for h in hits], FOCUS_BUDGET_CHARS, [h.document for h in hits], days)
    for hit, passage in zip(hits, focused):
        if not passage:
            continue
        number = len(citations) + first_number
        block = _block(number, hit, passage)
        if not fits(render(blocks + [block])):
            # Try a shortened passage before giving up: the start of a chunk carries its topic.
            lo, hi, best = MIN_PASSAGE_CHARS, len(passage) - 1, None
            while lo <= hi:
                mid = (lo + hi) // 2
                candidate = _block(number, hit, passage[:mid].rstrip() + "…")
                if fits(render(blocks + [candidate])):
                    best, lo = (candidate, passage[:mid].rstrip() + "…"), mid + 1
                else:
                    hi = mid - 1
            if best is None:
                break
            block, passage = best
        blocks.append(block)
        citations.append(Citation(number=number, source=hit.source, page=hit.page, text=passage, score=hit.score,
                                  unit=hit.unit, document=hit.document))
    if not blocks:
        return question, []
    return render(blocks), citations


def _block(number: int, hit: Hit, passage: str) -> str:
    # Only the file and page: the document's label (Hit.document) was tried beside them, so the
    # model could tell five look-alike reports apart. On 48 corpus questions it changed 4 answers
    # (2 right, 2 wrong: 19/48 either way) for ~25 more prompt tokens a source, so it is left out;
    # the citations still carry it for the claim check (claim_subject).
    # Also tried (stop 27): each file's name written once, its passages under it as "[2] page 5:
    # "…"" (45 tokens fewer a prompt: first token 1.85 s vs 2.02 s, median of the 191 grounded
    # corpus questions), but 95 right vs 102: the model copied "[2] page 3: "…"" lines as its
    # answer and mixed up which report a passage came from. Not kept.
    name = os.path.basename(hit.source) or hit.source
    return f'[{number}] {name}, {hit.place}:\n"{passage}"'
