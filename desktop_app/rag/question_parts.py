"""A question about two documents, split into one question for each ("Who heads the EPA, and who
heads the GSA?" -> "Who heads the EPA?", "Who heads the GSA?").

Why: asked about two reports, two protocols or two years at once, the bundled 0.5B model answered
one side, mixed them or only repeated the question: 1 of the 15 corpus questions that need two
documents was right, while it answered most of their halves right on their own ("Who is the EPA
Administrator …?" and "Who is GSA's Administrator …?" were). Each part is searched and answered
as a question of its own, and the answers follow each other in one message
(``services.assistant``).

Split only where the wording says so, and into at most ``MOST_PARTS``:
  - two clauses: "…, and who/what/when/where/which/how …" (a trailing "according to …" of the
    second clause is given to the first);
  - fiscal years or years joined by "and": "in FY 2014 and in FY 2016", "for fiscal years 2014
    and 2018", "OPM's FY 2019 and FY 2020 annual performance reports" (a span "between 1970 and
    2020" is one period, not two);
  - two names or subjects joined by "and the", "and of" or "and in the": "the Department of State
    and the National Archives and Records Administration", "the CMT4J natural history study and
    the Lutronic muscle stimulation study", "of Commerce and of Health and Human Services", and two
    places "Madill, Oklahoma and Venice, Florida". The second one ends where the first one's last
    word recurs ("… study"), else with its run of capitalised words.
Anything else is one question. Pure text work.

Measured (``answer_quality.py --ids`` on the 15 two-document corpus questions, greedy, same
machine): 3 right vs 1 asked whole; with "Who heads/leads …?" also asking for a title's holder
(``role_holders``). Most halves are still answered wrong ("established in 2022-2026" from a plan's
years): the small model's reading, not the split, is the limit there. A question split in two
takes two answers' time.
"""

from __future__ import annotations

import re

MOST_PARTS = 3
# A question about two things that one line or one field of a source cannot answer ("…, and who
# heads the GSA?", "the two studies"): the closest line and the form field are not quoted for it.
ASKS_TWO_THINGS = re.compile(r",\s+and\s+(?:who|what|when|where|how|in)\b|\bthe two\b", re.IGNORECASE)
_THE_TWO = re.compile(r"\b(the|these|those)\s+two\s+", re.IGNORECASE)
_BOTH = re.compile(r"\bboth\s+(?=(?:the|of|in|at)\b)", re.IGNORECASE)
_CLAUSE = re.compile(r",\s+and\s+(?=(?:who|what|when|where|which|how)\b)", re.IGNORECASE)
_ACCORDING = re.compile(r",?\s+according to\b.*$", re.IGNORECASE)
_YEAR = r"(?:19|20)\d\d"
# "in FY 2014 and in FY 2016", "FY 2019 and FY 2020", "fiscal years 2014 and 2018", "in 2021 and 2022"
_PERIODS = re.compile(
    rf"\b(?P<lead>(?:in|for)\s+)?(?P<kind>FY\s*|fiscal\s+years?\s+)(?P<y1>{_YEAR})\s+and\s+(?:(?:in|for)\s+)?(?:the\s+)?(?:FY\s*)?(?P<y2>{_YEAR})\b"
    rf"|\b(?P<lead2>in\s+)(?P<y3>{_YEAR})\s+and\s+(?:in\s+)?(?P<y4>{_YEAR})\b",
    re.IGNORECASE)
_JOIN = re.compile(r"\s+and\s+(?P<lead>the|of|in the|at the)\s+")
_CAPITAL_RUN = re.compile(r"(?:[A-Z][\w'’.-]*|(?:of|and|for|the|on|in)(?=\s+[A-Z]))(?:\s+(?:[A-Z][\w'’.-]*|(?:of|and|for|the|on|in)(?=\s+[A-Z])))*")
_PLACES = re.compile(r"(?P<a>(?:[A-Z][a-z]+\s)*[A-Z][a-z]+,\s+(?:[A-Z][a-z]+\s)*[A-Z][a-z]+)\s+and\s+"
                     r"(?P<b>(?:[A-Z][a-z]+\s)*[A-Z][a-z]+,\s+(?:[A-Z][a-z]+\s)*[A-Z][a-z]+)")


def split_question(question: str) -> list[str]:
    """The questions ``question`` asks, one per document or period; ``[question]`` when it asks one."""
    text = " ".join(question.split())
    for split in (_by_clause, _by_period, _by_join, _by_places):
        parts = split(text)
        if parts:
            return [_as_question(p) for p in parts[:MOST_PARTS]]
    return [question]


def _by_clause(text: str) -> list[str] | None:
    pieces = _CLAUSE.split(text)
    if len(pieces) < 2:
        return None
    shared = _ACCORDING.search(pieces[-1])
    if shared:
        pieces = [p if _ACCORDING.search(p) else p.rstrip(" ?") + shared.group(0) for p in pieces]
    return pieces


def _by_period(text: str) -> list[str] | None:
    found = _PERIODS.search(text)
    if found is None:
        return None
    if found.group("y1"):
        kind = "FY " if found.group("kind").strip().upper() == "FY" else "fiscal year "
        lead, years = found.group("lead") or "", (found.group("y1"), found.group("y2"))
    else:
        kind, lead, years = "", found.group("lead2"), (found.group("y3"), found.group("y4"))
    # "change between OPM's FY 2019 and FY 2020 reports": each part asks about one of them.
    before = re.sub(r"\bbetween(?=(?:\s+\S+){0,2}\s*$)", "in", text[:found.start()])
    return [before + f"{lead}{kind}{year}" + text[found.end():] for year in years]


def _by_join(text: str) -> list[str] | None:
    join = _JOIN.search(text)
    if join is None:
        return None
    lead = join.group("lead")
    before, after = text[:join.start()], text[join.end():]
    # The first subject starts at the last "the"/"of"/"in the" before the join.
    opening = before.rfind(f" {lead} ")
    if opening < 0:
        return None
    first = before[opening + len(lead) + 2:]
    # "in the X accident near Soledad, California and in the Y landing at Muscle Shoals, Alabama?":
    # a place joined by "in the"/"at the" runs to the question's end (or its "according to").
    second = _to_the_end(after) if " " in lead else _second_subject(first, after)
    if not second or not (re.search(r"[A-Z]", first) and re.search(r"[A-Z]", second)):
        return None  # two common nouns ("the engine and the propeller"): one subject, asked once
    head, tail = before[:opening + len(lead) + 2], after[len(second):]
    return [head + first + tail, head + second + tail]


def _to_the_end(after: str) -> str:
    shared = _ACCORDING.search(after)
    return (after[:shared.start()] if shared else after).rstrip(" ?.")


def _second_subject(first: str, after: str) -> str:
    last = first.split()[-1] if first.split() else ""
    ends = re.search(rf"\b{re.escape(last)}\b", after) if last and last.islower() else None
    if ends:
        return after[:ends.end()]
    run = _CAPITAL_RUN.match(after)
    return run.group(0) if run else ""


def _by_places(text: str) -> list[str] | None:
    found = _PLACES.search(text)
    if found is None:
        return None
    return [text[:found.start()] + found.group(side) + text[found.end():] for side in ("a", "b")]


def _as_question(part: str) -> str:
    part = part.strip().rstrip("?.").strip()
    part = re.sub(r"^compare\s+", "What was ", part, flags=re.IGNORECASE)  # "Compare X in FY 2019 and …"
    # A part is about one of the two: "the registrations of the two airplanes … at Venice" asked
    # the model for two registrations, and it gave one twice ("N6135M and N6135M").
    part = _BOTH.sub("", _THE_TWO.sub(r"\1 ", part))
    return part[:1].upper() + part[1:] + "?"
