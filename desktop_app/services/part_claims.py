"""The claim check of an answer given part by part: each part against its own question and sources.

A question about two documents is asked as one question each (``rag.question_parts``), and the
parts' answers follow each other in one message. Checked as one answer to the whole question, a
part was judged with the other part's words and documents, and two wrong answers were marked
fully supported (stop 34's runs of ``benchmarks/answer_quality.py``):
  - "The Piper PA-31T pilot had a total flight experience of 2,319 hours": the hours of another
    Piper's pilot, from a third report. The whole question also named the Air Tractor at Soledad,
    so "Piper" told that report apart from the Soledad one and it counted as on the subject. Among
    the part's own sources, only the Muscle Shoals report names what the part asks about.
  - Asked who signed a report and who is Director now, "Arthur signed the Civil Service Act of
    1883" passed as naming a person because the other part named Kiran Ahuja.
Each part's text is checked with its part's question and sources (its source numbers run on from
the part before, so they are the message's), gets the source markers that part lacks
(``claim_markers``), and its claims are moved to where the part sits in the message.

Where each part lies in the final message, with its question and source numbers, is saved with
the message (``CheckedParts.meta``), so the answer's check can be measured again without the model
(``benchmarks/claim_check_answers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Protocol, Sequence

from desktop_app.core.records import Citation, ClaimCheck
from desktop_app.rag.claim_markers import with_source_markers
from desktop_app.services.answer_recheck import quoted_spans

JOIN = "\n\n"  # between the parts of the message, as AnswerStream streams them


class Part(Protocol):
    question: str
    citations: Sequence[Citation]


Check = Callable[[str, Part, list[tuple[int, int]]], "ClaimCheck | None"]


@dataclass(frozen=True)
class CheckedParts:
    """A part-by-part answer, checked: the message, its claims (None when no part could be
    checked), whether source markers were added, and each part's span in the message."""

    text: str
    claims: ClaimCheck | None
    markers_added: bool
    spans: tuple[tuple[int, int], ...]

    def meta(self, parts: Sequence[Part]) -> list[dict]:
        """Saved with the message: each part's question, span and source numbers."""
        return [{"question": p.question, "start": s, "end": e, "sources": [c.number for c in p.citations]}
                for p, (s, e) in zip(parts, self.spans)]


def checked_parts(parts: Sequence[Part], texts: Sequence[str], check: Check) -> CheckedParts:
    """The message of the parts' final ``texts``, each part checked against its own question and
    sources. ``check(text, part, quoted)`` checks one part's text (None when it cannot).

    The lines the app quoted in a part (a decline's form field, the closest line under a flagged
    figure) are the sources' words: they are not checked, and a part holding one keeps its
    markers as they are.
    """
    pieces: list[str] = []
    claims, spans = [], []
    checked = marked_any = False
    at = 0
    for part, text in zip(parts, texts):
        result = check(text, part, quoted_spans(text)) if text and part.citations else None
        if result is not None:
            marked = with_source_markers(text, result)
            if marked != text:
                text, marked_any = marked, True
                result = check(text, part, quoted_spans(text)) or result  # spans moved: check again
            checked = True
            claims.extend(_moved(result.claims, at))
        pieces.append(text)
        spans.append((at, at + len(text)))
        at += len(text) + len(JOIN)
    return CheckedParts(JOIN.join(pieces), ClaimCheck(tuple(claims)) if checked else None, marked_any, tuple(spans))


def not_found_part(question: str) -> str:
    """What a part of a question says when nothing was found for it."""
    return f"Nothing in your documents answers “{question}”."


def check_by_part(message: str, meta: Sequence[dict], citations: Sequence[Citation],
                  check: Callable[[str, str, Sequence[Citation], list[tuple[int, int]]], ClaimCheck]) -> ClaimCheck:
    """A saved message's claims checked again part by part, from what ``CheckedParts.meta`` saved."""
    claims = []
    for part in meta:
        text = message[part["start"]:part["end"]]
        own = [c for c in citations if c.number in set(part["sources"])]
        if text and own:
            claims.extend(_moved(check(text, part["question"], own, quoted_spans(text)).claims, part["start"]))
    return ClaimCheck(tuple(claims))


def _moved(claims, at: int) -> list:
    """A part's claims placed where the part starts in the message."""
    return [replace(c, start=c.start + at, end=c.end + at) for c in claims]


__all__ = ["JOIN", "CheckedParts", "check_by_part", "checked_parts", "not_found_part"]
