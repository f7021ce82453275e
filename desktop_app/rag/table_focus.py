"""A table row in a grounded prompt keeps the columns of the year the question asks about.

Why: an agency's performance table gives one measure for five years in a row, which the table
reader writes as "Table: 3.1.003 | FY 2018 Result: - | … | FY 2021 Result: 3 .92 | FY 2022 Result:
3 .74 | FY 2022 Target: 4 .00 | Not Met". Asked for FY 2022, the bundled 0.5B model took another
year's value from such a row (shown whole, it answered 7 of 17 such questions right instead of 9),
and cut at its colons as prose is, each value sat beside the next column's header. So when the
question names years (or asks for the latest report), a row keeps its cells for those years and
its cells without a year (the label, "Not Met"), and the sentence cutter keeps the shortened row
whole. A row with no cell for an asked year is left as it is: its table is of other years.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Sequence

from desktop_app.rag import query_hints
from desktop_app.rag.fiscal_quarters import asked_quarter
from desktop_app.rag.table_rows import CELL

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def asked_years(question: str) -> tuple[frozenset[int], bool]:
    """The years ``question`` names, and whether it asks for the latest (report, result...). None for
    a fiscal quarter: "the first quarter of fiscal 2023" of a company whose year ends in June ended
    on September 30, 2022, so its figure is in the "2022" column a row cut to 2023 would drop."""
    if asked_quarter(question) is not None:
        return frozenset(), False
    hints = query_hints.parse(question)
    return frozenset(hints.years), hints.relative == "latest"


def keep_asked_cells(question: str, text: str, days: Sequence[date] = ()) -> tuple[str, set[str]]:
    """``text`` with its table rows cut to the asked years' columns, then to the asked span of time
    and day (``keep_asked_period``), and the rows so cut (each is kept as one piece). ``days``: the
    end of the period the question asks about, when the documents tell it (a fiscal quarter)."""
    by_year, rows = keep_asked_columns(text, *asked_years(question))
    by_period, more = keep_asked_period(by_year, question, days)
    return by_period, rows | more


def keep_asked_columns(text: str, years: frozenset[int], latest: bool) -> tuple[str, set[str]]:
    """``text`` with each table row cut to the asked years' cells, and the rows so cut.

    ``latest`` adds each row's latest year to ``years``. Rows whose cells name none of them, and
    every other line, are unchanged.
    """
    if not years and not latest:
        return text, set()
    return _cut_rows(text, lambda line: _kept_cells(line, years, latest))


def _cut_rows(text: str, cut_row) -> tuple[str, set[str]]:
    """``text`` with each table row replaced by ``cut_row(row)`` where that is not None, and the
    rows so cut (whitespace collapsed: the sentence cutter keeps each one whole)."""
    lines, cut = [], set()
    for line in text.split("\n"):
        row = cut_row(line) if CELL in line else None
        if row is not None:
            cut.add(" ".join(row.split()))
            line = row
        lines.append(line)
    return "\n".join(lines), cut


def _kept_cells(line: str, years: frozenset[int], latest: bool) -> str | None:
    cells = line.split(CELL)
    cell_years = [{int(y) for y in _YEAR.findall(_header(c))} for c in cells]
    present = set().union(*cell_years)
    wanted = set(years) | ({max(present)} if latest and present else set())
    if not present & wanted or sum(1 for ys in cell_years if ys) < 2:
        return None  # not a row of years, or none of them is asked for
    kept = [c for c, ys in zip(cells, cell_years) if not ys or ys & wanted]
    return CELL.join(kept) if len(kept) < len(cells) else None


def _header(cell: str) -> str:
    """The part of a cell that names its column ("FY 2022 Result" of "FY 2022 Result: 3 .74")."""
    head, colon, _value = cell.partition(": ")
    return head if colon else ""


# Label words that say which rows are summed, not what the row measures ("Total gross margin").
_LABEL_FILLER = frozenset({"total", "totals", "net", "and", "of", "the", "for", "in", "a", "an", "other"})


def favour_asked_rows(sentences: list[list[str]], scores: list[list[float]], asked: set[str], stem) -> None:
    """A table row labelled with just what is asked ranks first among its passage's pieces ("Total
    gross margin | …" for "the gross margin"), above the prose and the rows of its parts: the words
    of a measure are in most of a statement's lines, so rarity alone left the row out. ``asked``:
    the question's word stems, less those that name its document; ``stem``: the function that made
    them. ``scores`` (one list per passage, one score per piece) are raised in place."""
    for row, row_scores in zip(sentences, scores):
        top = max(row_scores, default=0.0)
        for i, piece in enumerate(row):
            if row_scores[i] > 0 and asked_row_label(piece, asked, stem):
                row_scores[i] = top + 1.0


def asked_row_label(piece: str, asked: set[str], stem) -> bool:
    """Whether ``piece`` is a table row whose own label is what the question asks for: every word
    of its label (before the first cell mark) is a question word, "Total" aside. "Total gross margin
    | Three Months Ended July 1, 2023: 44,399 | …" answers "What was the gross margin in the latest
    10-Q?"; the rows above it ("Products | …", "Services | …") are parts of it."""
    if CELL not in piece:
        return False
    label = piece.split(CELL, 1)[0]
    if ": " in label:
        return False  # a cell with its header ("FY 2019 Result: 69%"): a row with no label of its own
    words = [w for w in re.findall(r"[a-z]+", label.lower()) if w not in _LABEL_FILLER]
    return bool(words) and all(stem(w) in asked for w in words)


# The span of time a statement's column covers, as its header writes it ("Nine Months Ended July 1,
# 2023", "Years ended September 24, 2022"), and the words a question asks for one with.
_SPAN_HEADER = re.compile(r"\b(three|six|nine|twelve)\s+months\s+ended\b|\b(?:fiscal\s+)?years?\s+ended\b", re.I)
_ASKED_SPANS = (
    ("six", re.compile(r"\bsix months\b|\b(?:first|second) half\b|\bhalf[- ]year", re.I)),
    ("nine", re.compile(r"\bnine months\b", re.I)),
    ("three", re.compile(r"\bquarters?\b|\bquarterly\b|\bthree months\b|\b10-Q\b|\bQ[1-4]\b|\b[1-4]Q\d", re.I)),
    ("twelve", re.compile(r"\bfiscal (?:year )?\d{4}\b|\bfiscal year\b|\bannual\b|\b10-K\b|\btwelve months\b|"
                          r"\byears? ended\b|\bfull year\b", re.I)),
)
_DAY = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
                  r"\s+(\d{1,2}),\s+((?:19|20)\d{2})\b")


def keep_asked_period(text: str, question: str, days: Sequence[date] = ()) -> tuple[str, set[str]]:
    """``text`` with each statement row cut to the columns of the span of time and the day the
    question asks for, and the rows so cut.

    A quarterly report's row holds the quarter and the year to date, for this year and the last
    ("Net income | Three Months Ended July 1, 2023: 26,434 | Nine Months Ended July 1, 2023: …");
    the bundled model, asked for the quarter, took the year to date or another column's figure.
    "the latest 10-Q", "Q1 2024" and "the quarter ended …" ask for three months; "the six months
    ended June 30, 2024" for six, on that day; "fiscal 2021" and "the annual report" for the year.
    A row none of whose columns is of the asked span or day is left as it is. ``days``: more days
    asked, which a column's date may miss by a few days (a 52- or 53-week year ends on a Saturday).
    """
    span = asked_span(question)
    days = [d for d in (_date_of(m) for m in _DAY.finditer(question)) if d] + list(days)
    if not span and not days:
        return text, set()
    return _cut_rows(text, lambda line: _kept_period(line, span, days))


def asked_span(question: str) -> str:
    """The span of time a question asks a figure for: "three" (a quarter), "six", "nine", "twelve"
    (a fiscal year), or ""."""
    return next((name for name, pattern in _ASKED_SPANS if pattern.search(question)), "")


def _kept_period(line: str, span: str, days: Sequence[date]) -> str | None:
    cells = line.split(CELL)
    spans = [span_of(_header(c)) for c in cells]
    timed = [i for i, s in enumerate(spans) if s]
    if len(timed) < 2:
        return None
    keep = [i for i in timed if spans[i] == span] or timed
    dated = [i for i in keep if _near(_day_of(_header(cells[i])), days)]
    keep = dated or keep
    if len(keep) == len(timed):
        return None
    return CELL.join(c for i, c in enumerate(cells) if not spans[i] or i in keep)


def span_of(header: str) -> str:
    """The span of time a column's header names ("Nine Months Ended July 1, 2023": "nine"), or ""."""
    m = _SPAN_HEADER.search(header)
    return "" if m is None else (m.group(1) or "twelve").lower()


def _day_of(header: str) -> date | None:
    m = _DAY.search(header.replace(".", ""))
    return None if m is None else _date_of(m)


def _date_of(m: re.Match) -> date | None:
    try:
        return datetime.strptime(" ".join(m.groups()), "%B %d %Y").date()
    except ValueError:
        return None


def _near(day: date | None, days: Sequence[date]) -> bool:
    """Is ``day`` one of ``days``, give or take a week?"""
    return day is not None and any(abs((day - d).days) <= 7 for d in days)
