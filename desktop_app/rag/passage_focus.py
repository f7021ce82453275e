"""Keep the sentences of a retrieved passage that matter to the question.

Why: a small model reading five whole chunks (about 1,000 tokens) is slower to its first token
and easily distracted by the wrong figure; the sentence that holds the answer is usually one or
two of a chunk's ten. We keep the best-matching sentences (question words, with a bonus for
figures when the question asks for one) plus their immediate neighbours, in document order,
marking cuts with "…". Pure text work: no model call, microseconds per passage.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"(?<=[.!?;:])\s+(?=[A-Z0-9(\"'])|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
_NUMBER = re.compile(r"\d")
_STOP = frozenset(
    "a an the of in on at to for from by with and or is are was were be been what which who whom "
    "whose when where why how many much does did do this that these those it its as per than there "
    "their they them his her he she you your we our i me my not no yes any all each about into over "
    "under after before during between also only can could would should may might will shall".split()
)
_FIGURE_CUES = ("how many", "how much", "what year", "when", "what date", "percent", "%", "number",
                "rate", "total", "amount", "age", "how old", "how long", "dose", "target", "size")


def _stem(word: str) -> str:
    return word[:6]  # crude, language-light stemming: "injuries"/"injured" -> "injuri"/"injure"


def question_terms(question: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(question.lower()) if w not in _STOP and len(w) > 1}


def split_sentences(text: str) -> list[str]:
    parts = [" ".join(p.split()) for p in _SENTENCE.split(text)]
    return [p for p in parts if p]


def focus_passage(question: str, text: str, max_chars: int = 600) -> str:
    """The sentences of ``text`` that best answer ``question``, at most about ``max_chars`` long.

    A passage already shorter than ``max_chars`` is returned whole (whitespace collapsed).
    """
    flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    sentences = split_sentences(text)
    if len(sentences) <= 1:
        return flat[:max_chars].rstrip() + "…"
    terms = question_terms(question)
    wants_figure = any(cue in question.lower() for cue in _FIGURE_CUES)
    scores = []
    for sentence in sentences:
        words = {_stem(w) for w in _WORD.findall(sentence.lower())}
        score = len(terms & words)
        if wants_figure and _NUMBER.search(sentence):
            score += 0.5
        scores.append(score)
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    keep: set[int] = set()
    used = 0
    for i in order:
        if scores[i] <= 0 and keep:
            break
        # The best sentence and its neighbours: a figure's label is often the sentence before.
        for j in (i, i - 1, i + 1):
            if 0 <= j < len(sentences) and j not in keep and used + len(sentences[j]) <= max_chars:
                keep.add(j)
                used += len(sentences[j]) + 1
        if used >= max_chars:
            break
    if not keep:
        keep.add(order[0])
    pieces, last = [], -1
    for i in sorted(keep):
        if last >= 0 and i != last + 1:
            pieces.append("…")
        pieces.append(sentences[i])
        last = i
    out = " ".join(pieces)
    if min(keep) > 0:
        out = "… " + out
    if max(keep) < len(sentences) - 1:
        out += " …"
    return out
