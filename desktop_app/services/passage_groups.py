"""Packing every passage of a document, in reading order, into groups that fit one model prompt.

Whole-document tasks (summaries, lists) must read all of a document, not the top-k passages a
question retrieves. This module is pure: it gets the passages and a token counter and returns
the groups; ``document_tasks`` sends one prompt per group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from desktop_app.core.records import Hit

CountText = Callable[[str], int]

MIN_OVERLAP_CHARS = 12  # a shorter repeat between neighbours is a coincidence, not the chunker's overlap
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass(frozen=True)
class PassageGroup:
    """Consecutive passages sent to the model together; ``pages`` in reading order, no repeats."""

    passages: tuple[Hit, ...]
    tokens: int

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(p.page for p in self.passages))

    @property
    def source(self) -> str:
        return self.passages[0].source if self.passages else ""


def trim_overlap(passages: Sequence[Hit]) -> list[Hit]:
    """The passages with the text each one repeats from its predecessor removed.

    The chunker carries the last sentence of a chunk into the next (so an answer straddling two
    chunks is found); reading a whole document, that repeat only costs prompt tokens.
    """
    out: list[Hit] = []
    for hit in passages:
        text = hit.text
        if out and out[-1].source == hit.source:
            cut = _repeated_prefix(out[-1].text, text)
            text = text[cut:].lstrip()
        if text.strip():
            out.append(Hit(hit.source, hit.page, text, hit.score, hit.collection, hit.chunk_id, hit.on_device_only))
    return out


def _repeated_prefix(previous: str, text: str) -> int:
    """Length of the longest start of ``text`` that ends ``previous`` (0 when shorter than MIN_OVERLAP_CHARS)."""
    longest = min(len(previous), len(text))
    for size in range(longest, MIN_OVERLAP_CHARS - 1, -1):
        if previous.endswith(text[:size]):
            return size
    return 0


def split_passage(hit: Hit, budget: int, count: CountText) -> list[Hit]:
    """A passage too long for one group, cut at sentence ends into pieces of at most ``budget`` tokens.

    A single sentence longer than the budget is cut by words (never dropped: every word is read).
    """
    pieces: list[str] = []
    current = ""
    for sentence in _sentences(hit.text, budget, count):
        candidate = f"{current} {sentence}".strip()
        if current and count(candidate) > budget:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    return [Hit(hit.source, hit.page, p, hit.score, hit.collection, hit.chunk_id, hit.on_device_only) for p in pieces]


def _sentences(text: str, budget: int, count: CountText) -> list[str]:
    out: list[str] = []
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        if not sentence:
            continue
        if count(sentence) <= budget:
            out.append(sentence)
            continue
        words, part = sentence.split(), []
        for word in words:
            if part and count(" ".join(part + [word])) > budget:
                out.append(" ".join(part))
                part = []
            part.append(word)
        if part:
            out.append(" ".join(part))
    return out


def pack_groups(passages: Sequence[Hit], budget: int, count: CountText, per_passage: int = 0) -> list[PassageGroup]:
    """Consecutive passages packed greedily into groups of at most ``budget`` tokens.

    Args:
        passages: one document's passages in reading order.
        budget: tokens a group's passages may take in the prompt.
        count: tokens of one text.
        per_passage: tokens each passage adds beside its text (its page label).

    Every passage lands in exactly one group, in order; a passage larger than the budget on its
    own is split first (``split_passage``).
    """
    if budget <= per_passage:
        raise ValueError("the budget must leave room for text")
    groups: list[PassageGroup] = []
    current: list[Hit] = []
    size = 0
    for hit in passages:
        tokens = count(hit.text) + per_passage
        pieces = [(hit, tokens)] if tokens <= budget else [
            (p, count(p.text) + per_passage) for p in split_passage(hit, budget - per_passage, count)]
        for piece, n in pieces:
            if current and size + n > budget:
                groups.append(PassageGroup(tuple(current), size))
                current, size = [], 0
            current.append(piece)
            size += n
    if current:
        groups.append(PassageGroup(tuple(current), size))
    return groups


def split_group(group: PassageGroup, count: CountText, per_passage: int = 0) -> list[PassageGroup]:
    """A group cut in two halves (its prompt turned out longer than estimated)."""
    if len(group.passages) > 1:
        half = len(group.passages) // 2
        parts = [group.passages[:half], group.passages[half:]]
    else:
        hit = group.passages[0]
        pieces = split_passage(hit, max(1, count(hit.text) // 2), count)
        parts = [tuple(pieces[: len(pieces) // 2 or 1]), tuple(pieces[len(pieces) // 2 or 1:])]
    return [PassageGroup(p, sum(count(h.text) + per_passage for h in p)) for p in parts if p]
