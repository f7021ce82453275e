"""Dates and periods in documents: "FY 2019", "FY 2022–2026", "quarter ended June 30, 2023",
"12/11/2007", "1 August 2023". ``find_period`` reads the period a document covers (for its
identity, ``doc_meta_extract``); ``period_years`` the years a period typed by the user covers;
``parse_date`` the first full date in a text (also the question hints, ``query_hints``).
"""

from __future__ import annotations

import re
from datetime import date

# Labels of form-like first pages whose value is the document's date ("Date: 12/11/2007").
DATE_LABELS = ("date & time", "date and time", "date", "document date", "version date", "protocol date", "report date",
               "effective date", "date of report")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_MONTH_RE = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DASH = r"\s*(?:-|–|—|to|through)\s*"
_FY_RANGE = re.compile(r"\b(?:Fiscal\s+Years?|FYs?)\s*(\d{4})" + _DASH + r"(?:FY\s*)?(\d{4})\b", re.I)
_FY = re.compile(r"\b(?:Fiscal\s+Year|FY)\s*(\d{4})\b", re.I)
_ENDED = re.compile(r"\b((?:quarter|quarterly period|period|fiscal year|year|three months|six months|nine months|twelve months)"
                    r"\s+ended\s+" + _MONTH_RE + r"\.?\s+\d{1,2},?\s+\d{4})", re.I)
_MDY = re.compile(r"\b(" + _MONTH_RE + r")\.?\s+(\d{1,2}),?\s+(\d{4})\b", re.I)
_DMY = re.compile(r"\b(\d{1,2})[\s-]*(" + _MONTH_RE + r")[\s,-]*(\d{4})\b", re.I)
_MY = re.compile(r"\b(" + _MONTH_RE + r")\.?,?\s+(\d{4})\b", re.I)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MON_DD_YYYY = re.compile(r"\b(" + _MONTH_RE + r")-(\d{1,2})-(\d{4})\b", re.I)


def find_period(title: str, first: str, fields_: dict[str, str], file_name: str) -> tuple[str, tuple[int, int], str]:
    """(label, (year from, year to), sortable date) from the title, then page 1, then labelled dates, then the file name."""
    for where in (title, " ".join(first.split()[:200])):
        m = _FY_RANGE.search(where)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if 1900 < a <= b < 2100:
                return f"FY {a}–{b}", (a, b), f"{b}"
        m = _FY.search(where)
        if m:
            y = int(m.group(1))
            return f"FY {y}", (y, y), f"{y}"
        m = _ENDED.search(where)
        if m:
            label = " ".join(m.group(1).split())
            d = parse_date(label)
            if d:
                # One spelling whatever the cover's case ("FOR THE FISCAL YEAR ENDED JUNE 30, 2024").
                kind = re.split(r"(?i)\s+ended\s+", label, maxsplit=1)[0].lower()
                return f"{kind} ended {date_label(d)}", (d.year, d.year), d.isoformat()
    for label in DATE_LABELS:
        value = fields_.get(label, "")
        d = parse_date(value)
        if d:
            return date_label(d), (d.year, d.year), d.isoformat()
    d = parse_date(" ".join(first.split()[:300]))
    if d:
        return date_label(d), (d.year, d.year), d.isoformat()
    m = YEAR.search(file_name) or YEAR.search(title)
    if m:
        y = int(m.group(1))
        return str(y), (y, y), str(y)
    return "", (0, 0), ""


def period_years(period: str) -> tuple[tuple[int, int], str]:
    """The years a period typed by the user covers, and its sortable date ("FY 2019" -> (2019, 2019))."""
    _label, years, sort = find_period(period, period, {}, "")
    return years, sort


def date_label(d: date) -> str:
    return f"{_MONTHS[d.month - 1].capitalize()} {d.day}, {d.year}"


def _month(name: str) -> int:
    return next((i + 1 for i, m in enumerate(_MONTHS) if m.startswith(name.lower()[:3])), 0)


def parse_date(text: str) -> date | None:
    """The first full date in ``text`` (12/11/2007, December 11, 2007, 1 August 2023, Oct-16-2023, 2023-08-01)."""
    candidates = []
    for m in _NUMERIC_DATE.finditer(text):
        candidates.append((m.start(), int(m.group(3)), int(m.group(1)), int(m.group(2))))
    for m in _MDY.finditer(text):
        candidates.append((m.start(), int(m.group(3)), _month(m.group(1)), int(m.group(2))))
    for m in _DMY.finditer(text):
        candidates.append((m.start(), int(m.group(3)), _month(m.group(2)), int(m.group(1))))
    for m in _MON_DD_YYYY.finditer(text):
        candidates.append((m.start(), int(m.group(3)), _month(m.group(1)), int(m.group(2))))
    for m in _ISO_DATE.finditer(text):
        candidates.append((m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _MY.finditer(text):
        candidates.append((m.start() + 0.5, int(m.group(2)), _month(m.group(1)), 1))
    for _pos, y, mo, d in sorted(candidates):
        try:
            if 1900 < y < 2100:
                return date(y, mo, d)
        except ValueError:
            continue
    return None
