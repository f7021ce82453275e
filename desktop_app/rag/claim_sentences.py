"""An answer's sentences for the claim check: the words beside a figure, the markers citing it.

``claim_check`` reads each figure of an answer with the words of its own sentence (what it counts),
the ``[n]`` markers of that sentence (which passages to search first) and the years it names.
Mentions of a source ("page 7", "DOT2022.pdf") are pointers, not claims, and not context.
"""

from __future__ import annotations

import bisect
import re
from typing import Sequence

from desktop_app.core.records import Citation
from desktop_app.rag.claim_extract import Mention
from desktop_app.rag.claim_units import stem

# Words each side of a figure in the answer (within its sentence) that may say what it counts.
# On the corpus questions (benchmarks/claim_check.py) 4 words flagged 3 % of right answers that
# restate the question, 12 none, at the cost of fewer figures caught from elsewhere on the page.
CONTEXT_WORDS = 12
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’]+")
STOPWORDS = frozenset("""a an the and or of to in on at by for with from as is are was were be been being it its this
that these those there their they he she his her we our you your not no than then so such also which who whom what
when where how all any each per about over under up down into out more less most least only answer answers document
documents source sources state states stated says said according some other""".split())
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)|\n")
_MARKERS_AFTER_RE = re.compile(r"(?:\s*\[\d+(?:\s*[,–-]\s*\d+)*\])+")
_MARKER_NUMBERS_RE = re.compile(r"\d+")
_PAGE_REF_RE = re.compile(r"\b(?:pages?|pp?\.)\s*\d+(?:\s*(?:[-–]|to|and)\s*\d+)?", re.IGNORECASE)
_MARKER_RE = re.compile(r"\[[\d,\s–-]+\]")


def reference_spans(answer: str, citations: Sequence[Citation]) -> list[tuple[int, int]]:
    """Where the answer names its sources ("page 7", "DOT2022.pdf"): pointers, not claims."""
    spans = [m.span() for m in _PAGE_REF_RE.finditer(answer)]
    for citation in citations:
        name = re.split(r"[\\/]", citation.source)[-1]
        for form in {name, name.rsplit(".", 1)[0]} - {""}:
            spans += [m.span() for m in re.finditer(re.escape(form), answer)]
    return spans


class AnswerSentences:
    """The answer's sentence ends, found once: each claim looks up its own sentence by bisection."""

    def __init__(self, answer: str, references: Sequence[tuple[int, int]] = ()) -> None:
        self.answer = answer
        self.ends = [m.end() for m in _SENTENCE_END_RE.finditer(answer)]
        self.references = references

    def around(self, start: int, end: int) -> tuple[int, int]:
        """(where the sentence holding [start, end) begins, where its closing mark is)."""
        i = bisect.bisect_right(self.ends, start)
        j = bisect.bisect_right(self.ends, end)
        return (self.ends[i - 1] if i else 0), (self.ends[j] - 1 if j < len(self.ends) else len(self.answer))

    def context_stems(self, mention: Mention) -> frozenset[str]:
        """The content words within CONTEXT_WORDS of a figure, in its own sentence."""
        if mention.kind not in ("number", "percent", "money"):
            return frozenset()
        before, after = self.around(mention.start, mention.end)
        left = self._words(before, mention.start)[-CONTEXT_WORDS:]
        right = self._words(mention.end, after)[:CONTEXT_WORDS]
        return frozenset(stem(w) for w in left + right if w.lower() not in STOPWORDS)

    def _words(self, start: int, end: int) -> list[str]:
        """The words of answer[start:end], less those naming a source ("DOT2022.pdf, page 7"):
        a pointer says where a figure is, not what it counts."""
        return [m.group(0) for m in WORD_RE.finditer(self.answer, start, end)
                if not any(s <= m.start() < e for s, e in self.references)]

    def names_year(self, mention: Mention, year: int) -> bool:
        """True when the claim's own sentence names ``year`` ("... from the average for FY 2017")."""
        before, after = self.around(mention.start, mention.end)
        return re.search(rf"\b{year}\b", self.answer[before:after + 1]) is not None

    def years_given(self, mention: Mention, years: frozenset[int], figures: Sequence[Mention]) -> frozenset[int]:
        """Of ``years``, those the claim's sentence gives it for: every one the sentence names when
        the claim is its only figure ("79% in FY 2014 and in FY 2016"); none when the sentence
        states other figures too (each may go with its own year)."""
        before, after = self.around(mention.start, mention.end)
        if any(f is not mention and before <= f.start < after for f in figures):
            return frozenset()
        return frozenset(y for y in years if self.names_year(mention, y))

    def cited_numbers(self, mention: Mention) -> set[int]:
        """The citation numbers of the claim's sentence, with markers just after its full stop."""
        before, after = self.around(mention.start, mention.end)
        after = min(after + 1, len(self.answer))
        trailing = _MARKERS_AFTER_RE.match(self.answer, after)
        end = trailing.end() if trailing else after
        return {int(n) for marker in _MARKER_RE.finditer(self.answer, before, end)
                for n in _MARKER_NUMBERS_RE.findall(marker.group(0))}


__all__ = ["CONTEXT_WORDS", "STOPWORDS", "WORD_RE", "AnswerSentences", "reference_spans"]
