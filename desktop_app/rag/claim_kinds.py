"""Is an answer's figure the kind of figure the question asks for: a percent, or a count of things?

A figure can be on the page and still not answer. On the bundled model's real grounded answers
(benchmarks/claim_check_answers.py) these were marked "supported":

- asked "what percent of retirement cases were processed within 60 days?", it answered "OPM
  processed 72,913 of 94,545 claims within 60 days": both counts are in the source, no percent is
  in the answer;
- asked "How many cases were in the background investigation inventory?", it answered "99.9% of
  investigations were quality complete": a percent, no count;
- asked the total sample size, it answered "10", which the source states only as "more than 10
  years": a count of years, not of people;
- asked the registrations of two airplanes, it gave one of them twice ("N6135M and N6135M").

Each function reads the question's words only; ``claim_check`` decides what to mark.
"""

from __future__ import annotations

import re

from desktop_app.rag.claim_counts import asked_count
from desktop_app.rag.claim_extract import Mention
from desktop_app.rag.claim_units import UNITS

_ASKS_PERCENT_RE = re.compile(r"\bwhat\s+(?:percent(?:age)?|share|proportion|fraction)\b|"
                              r"\b(?:percent(?:age)?|proportion)\s+of\b|\bas\s+a\s+percent(?:age)?\b", re.IGNORECASE)
# "How many …", "the number of …" and a sample size ask for a count ("how many percent", rare, does
# not; nor "the serial number of", which names a thing).
_ASKS_COUNT_RE = re.compile(r"\bhow\s+many\b(?!\s+percent)|\b(?:the|a|total)\s+number\s+of\b|\bsample\s+size\b",
                            re.IGNORECASE)
_ASKS_FIGURE_RE = re.compile(r"\bhow\s+(?:many|much|long|old|far|large|big)\b|\bsample\s+size\b|"
                             r"\bwhat\s+(?:percent(?:age)?|share|proportion|number|amount|rate|score|dose|size)\b",
                             re.IGNORECASE)
_ASKS_WHEN_RE = re.compile(r"^\W*when\b|\b(?:what|which)\s+(?:year|date|day|month)\b|\bin\s+which\s+year\b",
                           re.IGNORECASE)
# A figure below 1 written with decimals ("79 / 83 ≈ 0.98") is a fraction: a share, not a count.
_FRACTION_MAX = 1
_PERCENT_MAX = 100
_BEFORE_A_SECOND_RE = re.compile(r"(?<![\w.,])([\w.,$%-]+)\s*(?:,?\s*and|&)\s*$")


def asks_percent(question: str) -> bool:
    """Does the question ask for a percent or share ("What percent of …", "What share of …")?"""
    return _ASKS_PERCENT_RE.search(question) is not None


def asks_count(question: str) -> bool:
    """Does the question ask how many (of anything: people, cases, hours), not a percent?"""
    return _ASKS_COUNT_RE.search(question) is not None and not asks_percent(question)


def gives_a_share(figures: list[Mention]) -> bool:
    """Does the answer give a percent or a fraction among ``figures`` (its own, not the question's)?
    A change in percentage points ("up seven percentage points") is not the share itself."""
    return any((m.kind == "percent" and "point" not in m.text.lower())
               or (m.kind == "number" and 0 < m.value.value < _FRACTION_MAX) for m in figures)


def gives_a_count(figures: list[Mention]) -> bool:
    """Does the answer give a plain amount (not a percent, not a year) among ``figures``?"""
    return any(m.kind in ("number", "money") and not _a_year(m) for m in figures)


def in_its_paragraph(answer: str, mention: Mention, figures: list[Mention]) -> list[Mention]:
    """The ``figures`` in the paragraph of ``answer`` that holds ``mention``: a question about two
    documents is answered part by part, a paragraph each, and each part must give what is asked."""
    start = answer.rfind("\n\n", 0, mention.start)
    end = answer.find("\n\n", mention.end)
    end = len(answer) if end < 0 else end
    return [m for m in figures if start < m.start and m.end <= end]


def wrong_kind(mention: Mention, stated_kind: str, question: str, figures: list[Mention]) -> bool:
    """Is ``mention``, a key figure of the answer, of another kind than the question asks for?

    Asked a percent, an answer that gives only counts ("72,913 of 94,545 claims"); asked how
    many, an answer that gives only a percent ("99.9% of investigations"). ``stated_kind``: the
    kind of the source's figure that states it; a bare "77.1" the source writes as "77.1 percent"
    is the share asked. ``figures``: the answer's own figures in its paragraph (the question's left
    out). An answer giving both kinds is left to the rest of the check: "77.1 percent (72,913 of
    94,545)" answers either question.
    """
    if not mention.key or mention.kind not in ("number", "money", "percent"):
        return False
    if mention.kind == "percent":
        return asks_count(question) and not gives_a_count(figures)
    # A bare figure up to 100 may be a percent a table writes without its sign ("FY 2022 Results: 79").
    return asks_percent(question) and stated_kind != "percent" and mention.value.value > _PERCENT_MAX \
        and not _a_year(mention) and not gives_a_share(figures)


def unit_asked(question: str) -> tuple[str, bool] | None:
    """The unit a question counts ("how many days" → day), as ``claim_units.word_after`` gives the
    word after a figure: what a bare figure of the answer ("It lasted 14 [2].") counts."""
    units = sorted(asked_count(question) & UNITS) if asks_count(question) else []
    return (units[0], False) if units else None


def asks_when(question: str) -> bool:
    """Does the question ask when ("When were …", "In which year …", "What date …")?"""
    return _ASKS_WHEN_RE.search(question) is not None


def asks_a_figure(question: str) -> bool:
    """Does the question ask for a figure outright (how many, how much, how long, what percent,
    what dose or score)? Not "What was the registration number …", answered by a code."""
    return _ASKS_FIGURE_RE.search(question) is not None


def gives_a_year(figures: list[Mention]) -> bool:
    """Is a date or a year (a whole number from 1000 to 2199: "established in 1789") among ``figures``?"""
    return any(m.kind == "date" or (m.kind == "number" and m.value.value == m.value.value.to_integral_value()
                                    and 1000 <= m.value.value < 2200) for m in figures)


def asks_count_of_things(question: str) -> bool:
    """Does the question ask how many of something that is not a unit ("how many patients", the
    sample size)? Then a bare figure of the answer is not stated by a source's "10 years"."""
    return asks_count(question) and unit_asked(question) is None


def given_twice(answer: str, mention: Mention) -> bool:
    """Is ``mention`` the second of the same figure or code given for two things ("the
    registrations of the two airplanes were N6135M and N6135M")? The second cannot be right for both."""
    m = _BEFORE_A_SECOND_RE.search(answer, 0, mention.start)
    return m is not None and answer[m.start(1):m.end(1)] == mention.text and len(mention.text) > 1


def _a_year(mention: Mention) -> bool:
    if mention.kind != "number":
        return False
    value = mention.value.value
    return value == value.to_integral_value() and 1900 <= value <= 2100


__all__ = ["asks_a_figure", "asks_count", "asks_count_of_things", "asks_percent", "asks_when", "gives_a_count",
           "gives_a_share", "gives_a_year", "given_twice", "in_its_paragraph", "unit_asked", "wrong_kind"]
