"""Which fiscal year a passage states a figure for, when the question asks about another one.

An agency's yearly report gives this year's figures beside last year's: "During FY 2016, OPM
processed 77.1 percent of the retirement cases within 60 days", on a page of the FY 2017 report.
Asked for FY 2017, the bundled model answered 77.1 percent: a figure the passage states, for
another year. When the figure's own sentence names fiscal years and none of them is a year the
question names, the figure answers another period, unless another passage states it for an asked
year.

Only fiscal years ("FY 2016", "fiscal year 2016") mark a figure's period here: a bare year near a
figure is as often a date of something else ("certified in 2005"). A fiscal year after "since",
"from", "through", "until", "by", "between" or "to" bounds a span or a deadline ("by FY 2020"),
so it does not say which year the figure is of. A table row as the page stores it has no year of
its own (its years are in the column headers, elsewhere on the page), so it neither supports nor
rules out a period; a row as the table reader writes it ("FY 2014 Results: 13.7") names each
cell's year in the cell.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from desktop_app.rag import query_hints
from desktop_app.rag.claim_extract import Mention
from desktop_app.rag.table_rows import CELL

# Characters before / after the figure within its sentence where the fiscal year that qualifies
# it is written ("During FY 2016, OPM processed 77.1 percent" / "77.1 percent in FY 2016").
BEFORE_CHARS = 160
AFTER_CHARS = 60
AS_OF_REACH = 30  # characters: an "as of" date this close before a figure dates it alone
_REFERS_BACK_RE = re.compile(r"\s*(?:those|these|this|that|it|they|such)\b", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?;](?=\s+[A-Z(])|…")
_AS_OF_RE = re.compile(r"\bas\s+of\s*$", re.IGNORECASE)
_SPAN_WORD_RE = re.compile(r"\b(?:since|from|through|thru|until|till|by|between|to)\s*$", re.IGNORECASE)
_LATEST = frozenset({"latest", "most recent", "newest", "current"})
LATER_YEARS = 30
_RELATIVE_RE = re.compile(r"\b(?:latest|most recent|newest|current|last|recent|previous|prior|preceding|earlier|"
                          r"before|next|following|later|since|between|compared?)\b", re.IGNORECASE)


def question_years(question: str) -> frozenset[int]:
    """The years a question asks about: those it names ("FY 2017", "its 2014 report").

    "In FY 2018 and in its latest report" also asks about a year it does not name, one no earlier
    than 2018: with "latest" (or "most recent", "newest", "current") the named years and every later
    one (up to LATER_YEARS on), so a figure the FY 2018 report gives "FY 2014 Results" for is of
    another period. With any other relative time ("previous", "since", "between") no year can be
    ruled out: none.
    """
    years = frozenset(query_hints.parse(question).years)
    relative = {m.group(0).lower() for m in _RELATIVE_RE.finditer(question)}
    if not relative:
        return years
    if years and relative <= _LATEST:
        return frozenset(range(min(years), max(years) + LATER_YEARS + 1))
    return frozenset()


def other_period(statements: Sequence[tuple[str, Sequence[Mention], Mention]],
                 asked: frozenset[int]) -> tuple[int, Mention | None]:
    """Which statement of a figure to report, and the other fiscal year it is stated for, if any.

    ``statements``: each place a passage states the figure, as (the passage's text, every mention
    in it from ``extract(text, passage=True)``, the figure's mention there), best first; ``asked``:
    the question's years (``question_years``). A statement whose sentence names an asked fiscal
    year wins: (its index, None). Otherwise, when some statement's sentence names fiscal years, all
    of them other years than the asked ones, the figure is of another period: (that statement's
    index, the year nearest the figure). Otherwise (0, None): statements that name no fiscal year
    (a table row) say nothing about the period either way.
    """
    other = None
    for i, (text, figures, found) in enumerate(statements if asked else ()):
        years = fiscal_years(text, figures, found)
        if any(m.value[0] in asked for m in years):
            return i, None
        if years and other is None:
            other = i, min(years, key=lambda m: abs(m.start - found.start))
    return other or (0, None)


def stated_for_one(statements: Sequence[tuple[str, Sequence[Mention], Mention]],
                   said_for: frozenset[int]) -> Mention | None:
    """An answer gives one figure for several asked years ("79% in FY 2014 and in FY 2016"); is it
    stated for just one of them? ``said_for``: those years (two or more); ``statements`` as for
    ``other_period``. When a statement names fiscal years and just one of ``said_for`` among them
    ("FY 2014 Results: 79%") and none names two, that year's mention in the first such statement;
    otherwise None (statements naming no year say nothing of it).
    """
    first = None
    for text, figures, found in statements:
        named = [m for m in fiscal_years(text, figures, found) if m.value[0] in said_for]
        if len({m.value[0] for m in named}) > 1:
            return None
        if named and first is None:
            first = named[0]
    return first


def fiscal_years(text: str, figures: Sequence[Mention], found: Mention) -> list[Mention]:
    """The fiscal years that ``found``'s sentence in ``text`` states it for (spans and deadlines left out).

    In a table row as the reader writes it ("Average number of minutes | FY 2014 Results: 13.7 |
    FY 2015 Results: 12.1"), a figure's years are those of its own cell's header, none of another cell.
    """
    start, end = _sentence(text, found.start, found.end)
    cell_start = text.rfind(CELL, start, found.start)
    cell_end = text.find(CELL, found.end, end)
    start = cell_start + len(CELL) if cell_start >= 0 else start
    end = cell_end if cell_end >= 0 else end
    lo, hi = max(start, found.start - BEFORE_CHARS), min(end, found.end + AFTER_CHARS)
    years = _years_between(text, figures, lo, hi)
    dated = [m for m in years if not m.value[3] and found.start - AS_OF_REACH <= m.start < found.start]
    if dated:  # "(as of March 2015, 70.1 percent": that date, whatever year the sentence names farther off
        return dated
    if not years and cell_start < 0 and start > 0 and _REFERS_BACK_RE.match(text, start):
        # "During FY 2016, OPM processed 77.1 percent … Those cases were processed in 45 days":
        # a sentence that opens by pointing back is of the previous sentence's year.
        before, _ = _sentence(text, start - 1, start - 1)
        years = _years_between(text, figures, max(before, start - BEFORE_CHARS), start)
    return years


def _years_between(text: str, figures: Sequence[Mention], lo: int, hi: int) -> list[Mention]:
    years = []
    for m in figures:
        if m.kind != "date" or not (lo <= m.start and m.end <= hi):
            continue
        if m.value[3] and not _SPAN_WORD_RE.search(text[max(lo, m.start - 12):m.start]):
            years.append(m)
        elif m.value[1] and _AS_OF_RE.search(text[max(lo, m.start - 8):m.start]):
            # "as of March 2015, 70.1 percent": a figure dated by its month is of that calendar
            # year, or of the fiscal year that month falls in (a federal FY starts in October).
            years.append(m)
            if m.value[1] >= 10:
                years.append(replace(m, value=(m.value[0] + 1, *m.value[1:])))
    return years


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence (or semicolon clause) holding text[start:end]."""
    begin = 0
    for m in _SENTENCE_END_RE.finditer(text, 0, start):
        begin = m.end()
    after = _SENTENCE_END_RE.search(text, end)
    return begin, (after.start() if after else len(text))


__all__ = ["fiscal_years", "other_period", "question_years", "stated_for_one"]
