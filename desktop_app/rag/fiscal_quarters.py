"""Fiscal quarters: which quarterly report a question about "Q1 2023" or "the first quarter of fiscal
2023" means.

A quarterly filing says only the date its quarter ended ("For the quarterly period ended
December 31, 2022"). Which fiscal quarter that is depends on the company's fiscal year: Apple's
ends in late September, so the quarter ended December 31, 2022 is the first quarter of fiscal
2023; a company whose fiscal year is the calendar year files that same date as its fourth quarter
(in its annual report). The fiscal year's end is read from the company's annual report in the
collection (a 10-K "for the fiscal year ended September 24, 2022"); without one, the calendar year
is assumed.

A quarter that no quarterly report covers is still found in the report of the same quarter a year
later, whose second column is the year-earlier quarter ("Three Months Ended March 31, 2024 |
March 31, 2023").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable, Iterable, Mapping

from desktop_app.rag.doc_meta import DocumentMeta

_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_ORDINAL = r"(first|second|third|fourth|1st|2nd|3rd|4th)"
_FY = r"(?:fiscal\s+(?:year\s+)?|FY\s?)?"
_YEAR4 = r"((?:19|20)\d{2})"
_ASKED = [
    # "Q1 2023", "Q1 FY2023", "Q1 of fiscal 2023", "Q3 FY23", "Q1'24"
    (re.compile(r"\bQ([1-4])(?:\s*,?\s*(?:of\s+)?" + _FY + r"|\s*'|\s+FY)" + r"((?:19|20)?\d{2})\b", re.I), "qy"),
    # "1Q23", "3Q 2023"
    (re.compile(r"\b([1-4])Q\s?((?:19|20)?\d{2})\b", re.I), "qy"),
    # "the first quarter of (fiscal) 2023", "first-quarter 2023", "third fiscal quarter of 2023"
    (re.compile(r"\b" + _ORDINAL + r"[\s-]+(?:fiscal\s+)?quarter\s+(?:of\s+|in\s+)?(?:the\s+)?" + _FY + _YEAR4 + r"\b",
                re.I), "oy"),
    # "fiscal 2023 first quarter", "2023 third quarter"
    (re.compile(r"\b" + _FY + _YEAR4 + r"(?:'s)?\s+" + _ORDINAL + r"[\s-]+quarter\b", re.I), "yo"),
]
_QUARTER_ENDED = re.compile(r"\b(?:three months|quarter|quarterly period|13 weeks)\s+ended\b", re.I)
_QUARTERLY_PERIOD = re.compile(r"\b(quarter|quarterly period|three months)\b", re.I)
_ANNUAL_PERIOD = re.compile(r"\b(fiscal year|year|twelve months)\s+ended\b", re.I)


def asked_quarter(query: str) -> tuple[int, int] | None:
    """(quarter, fiscal year) a question asks about, or None: "Q1 2023" -> (1, 2023)."""
    for pattern, order in _ASKED:
        m = pattern.search(query)
        if not m:
            continue
        if order == "qy":
            quarter, year = int(m.group(1)), m.group(2)
        elif order == "oy":
            quarter, year = _ORDINALS[m.group(1).lower()], m.group(2)
        else:
            year, quarter = m.group(1), _ORDINALS[m.group(2).lower()]
        y = int(year)
        return quarter, (2000 + y if y < 100 else y)
    return None


def _ended(meta: DocumentMeta) -> date | None:
    try:
        return date.fromisoformat(meta.sort_date) if len(meta.sort_date) == 10 else None
    except ValueError:
        return None


def _month_ended(d: date) -> int:
    """The month a period ending on ``d`` belongs to: a 52/53-week period may end in the first days
    of the next month ("July 1, 2023" closes the June quarter)."""
    return d.month if d.day > 7 else (d.month - 2) % 12 + 1


def year_end_month(metas: Iterable[DocumentMeta]) -> int:
    """The month a company's fiscal year ends, from an annual report among ``metas`` (12 if none)."""
    for meta in metas:
        d = _ended(meta)
        if d and _ANNUAL_PERIOD.search(meta.period) and not _QUARTERLY_PERIOD.search(meta.period):
            return _month_ended(d)
    return 12


def fiscal_quarter(meta: DocumentMeta, fiscal_year_end: int) -> tuple[int, int] | None:
    """(quarter, fiscal year) of a quarterly report, or None for any other document."""
    d = _ended(meta)
    if d is None or not _QUARTERLY_PERIOD.search(meta.period):
        return None
    return quarter_ended(d, fiscal_year_end)


def quarter_ended(d: date, fiscal_year_end: int) -> tuple[int, int]:
    """(quarter, fiscal year) of the quarter that ends on ``d``."""
    month = _month_ended(d)
    months_in = (month - fiscal_year_end) % 12 or 12
    quarter = min(4, max(1, round(months_in / 3)))
    year = d.year - 1 if d.month == 1 and month == 12 else d.year  # "January 1, 2022" closes December 2021
    fiscal_year = year + 1 if month > fiscal_year_end else year
    return quarter, fiscal_year


def asked_quarter_ended(query: str, asked: date, documents: Mapping[str, DocumentMeta], pool: list[str],
                        company_of: Callable[[DocumentMeta], str]) -> tuple[int, int] | None:
    """The fiscal quarter of "the three months ended June 25, 2022", a date no report ended on
    (the year-earlier column of a later report), by the fiscal year of the company the question's
    documents are from; None when the question names no quarter's end."""
    if not _QUARTER_ENDED.search(query):
        return None
    known = [p for p in pool if p in documents]
    company = company_of(documents[known[0]]) if known else ""
    return quarter_ended(asked, _year_ends(documents, company_of).get(company, 12))


def reports_of_quarter(asked: tuple[int, int], documents: Mapping[str, DocumentMeta], pool: list[str],
                       company_of: Callable[[DocumentMeta], str]) -> list[str]:
    """The quarterly reports among ``pool`` for the ``asked`` (quarter, fiscal year), else those of
    the same quarter a year later (which hold it as their comparison column). ``company_of`` names
    a document's company (one key per company: its annual report says when its fiscal year ends)."""
    quarterly = [p for p in pool if _QUARTERLY_PERIOD.search(documents[p].period)]
    if not quarterly:
        return []
    year_ends = _year_ends(documents, company_of)
    quarters = {p: fiscal_quarter(documents[p], year_ends[company_of(documents[p])]) for p in quarterly}
    exact = [p for p, q in quarters.items() if q == asked]
    return exact or [p for p, q in quarters.items() if q == (asked[0], asked[1] + 1)]


def quarter_end(asked: tuple[int, int], report: str, documents: Mapping[str, DocumentMeta],
                company_of: Callable[[DocumentMeta], str]) -> date | None:
    """The day the ``asked`` quarter ended, as the quarterly ``report`` found for it writes it: its
    own period's end, or a year before for the report of the same quarter a year later (its
    second column; a 52- or 53-week year may put that column a day or so off)."""
    meta = documents[report]
    ended = _ended(meta)
    if ended is None:
        return None
    held = fiscal_quarter(meta, _year_ends(documents, company_of).get(company_of(meta), 12))
    if held == asked:
        return ended
    if held == (asked[0], asked[1] + 1):
        return ended.replace(year=ended.year - 1, day=min(ended.day, 28 if ended.month == 2 else ended.day))
    return None


def _year_ends(documents: Mapping[str, DocumentMeta], company_of: Callable[[DocumentMeta], str]) -> dict[str, int]:
    """Each company's fiscal year end month, from its annual report (``year_end_month``). Documents
    without a company ("") share no fiscal year: the calendar year is assumed for them."""
    by_company: dict[str, list[DocumentMeta]] = {}
    for meta in documents.values():
        by_company.setdefault(company_of(meta), []).append(meta)
    return {name: year_end_month(metas) if name else 12 for name, metas in by_company.items()}
