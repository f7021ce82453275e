"""A figure stated in a sentence about something else, beside the sentence that answers (prose).

Asked "How large is the transit repair backlog according to the DOT Strategic Plan?", the bundled
model answered "173,000 miles" from "One in five miles (173,000 total miles) of our highways and
major roads is in poor condition, as well as 45,000 bridges. Our nation's transit systems have a
repair backlog of more than $105 billion …". The figure is on the right page, so it counted as
supported (stop 34's runs). Its sentence names nothing the question asks about; the next one names
the transit repair backlog, with a figure.

``other_sentence`` finds that figure. Forms and tables have fields for this (``claim_fields``);
this is the same test for prose, with four guards against false alarms:
  - the figure's own sentence shares *no* word the question asks with (the question's words less
    its names, its codes and the words every question uses), while the sentence right before or
    after it shares at least ``ASKED_WORDS``;
  - the answer does not describe the figure in its source's own words ("173,000 miles of highways
    are in poor condition" is true as stated);
  - the other figure is not a year, and is a figure the question does not already hold;
  - the figure's own sentence has at least ``OWN_WORDS`` content words (an excerpt's cut end,
    "… 8 of …", says too little to be about something else).
Pure text work, no model.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from desktop_app.rag.claim_extract import Mention
from desktop_app.rag.claim_sentences import STOPWORDS, WORD_RE
from desktop_app.rag.claim_units import stem

ASKED_WORDS = 2  # of the question's asked words the answering sentence must name
OWN_WORDS = 4  # a figure's sentence with fewer content words ("… 8 of …", an excerpt's end) says too little to judge
DESCRIBED = 2  # source words beside the figure that, repeated in the answer, describe it as the source does
# Where a passage's sentence ends: a full stop before a capital, or the "…" joining two excerpts.
_SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])|\s*…\s*")
# Words that ask, not what is asked about ("How large is …", "What was the number of …").
_ASKING = frozenset(stem(w) for w in """how what which when where who whom why large big many much long old far
often number total amount size according report reports plan plans strategic fiscal year fy annual performance
give list name""".split())


def asked_words(question: str) -> frozenset[str]:
    """Stems of the lower-case content words of ``question``: what it asks about ("transit",
    "repair", "backlog"), not its names ("DOT"), codes, years or asking words."""
    return frozenset(_root(w) for w in WORD_RE.findall(question)
                     if w.islower() and w not in STOPWORDS and stem(w) not in _ASKING)


def other_sentence(text: str, figures: Sequence[Mention], found: Mention, asked: frozenset[str],
                   said: frozenset[str], known: frozenset[str] = frozenset()) -> Mention | None:
    """The figure of another sentence of ``text`` that names what is asked, when ``found``'s own
    sentence names none of it; None otherwise.

    ``asked``: ``asked_words`` of the question; ``said``: the stems of the words beside the figure
    in the answer; ``known``: the texts of the question's own figures.
    """
    if len(asked) < ASKED_WORDS:
        return None
    sentences = _read(text)  # the same passage is read for every figure of the answer: once
    at = next((i for i, ((s, e), _) in enumerate(sentences) if s <= found.start < e), None)
    if at is None:
        return None
    own_words = sentences[at][1]
    said = frozenset(_trimmed(w) for w in said)
    unit = set(_stems(text[found.end:found.end + 20])[:1])
    if len(own_words - unit) < OWN_WORDS or own_words & asked or len((own_words - unit) & said) >= DESCRIBED:
        return None
    for i in (at - 1, at + 1):  # the sentences right before and after it
        if not 0 <= i < len(sentences) or len(sentences[i][1] & asked) < ASKED_WORDS:
            continue
        start, end = sentences[i][0]
        for m in figures:
            if start <= m.start < end and m.kind in ("number", "money", "percent") and m.text not in known \
                    and not _a_year(m):
                return m
    return None


@lru_cache(maxsize=64)
def _read(text: str) -> tuple[tuple[tuple[int, int], frozenset[str]], ...]:
    """Each sentence of a passage: its span and the roots of its words."""
    return tuple(((s, e), frozenset(_stems(text[s:e]))) for s, e in _sentences(text))


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for brk in _SENTENCE_BREAK_RE.finditer(text):
        spans.append((at, brk.start()))
        at = brk.end()
    spans.append((at, len(text)))
    return [(s, e) for s, e in spans if e > s]


def _stems(text: str) -> list[str]:
    return [_root(w) for w in WORD_RE.findall(text) if w.lower() not in STOPWORDS]


def _root(word: str) -> str:
    return _trimmed(stem(word))


def _trimmed(stemmed: str) -> str:
    # "aged" and "age", "required" and "require" meet (claim_units.stem keeps them apart).
    return re.sub(r"(?:ed|e|d)$", "", stemmed) or stemmed


def _a_year(m: Mention) -> bool:
    return m.kind == "number" and bool(re.fullmatch(r"(?:19|20)\d\d", m.text))


__all__ = ["asked_words", "other_sentence"]
