"""What a document is: title, organisation, type, period, reference; read from its first pages.

Real collections hold many documents that look alike (nine yearly performance reports of one
agency, twenty accident reports on one form): a passage alone does not say which report or which
year it comes from, so neither the search nor the model reading it can tell "FY 2019" from
"FY 2020". ``doc_meta_extract.extract`` reads a document's identity from its PDF metadata and the text of its first
pages with plain heuristics; ``header`` turns it into the line put in front of every chunk that is
embedded and keyword-indexed ("Office of Personnel Management · Annual Performance Report Fiscal
Year 2019 · page 26"), which ``strip_header`` removes again before a passage is shown.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace

from desktop_app.rag.doc_periods import YEAR, period_years

FIELDS = ("title", "organisation", "doc_type", "period", "reference")
HEADER_SEP = " · "
MAX_TITLE_WORDS = 16

# Document types, most specific first (matched case-insensitively in the title, then the first pages).
DOC_TYPES = (
    "Annual Performance Report", "Annual Performance Plan", "Performance and Accountability Report",
    "Agency Financial Report", "Strategic Plan", "Aviation Accident Final Report", "Aviation Accident Factual Report",
    "Aviation Incident Final Report", "Aviation Incident Factual Report", "Accident Report", "Incident Report",
    "Statistical Analysis Plan", "Data Analysis Plan", "Clinical Study Protocol", "Clinical Trial Protocol",
    "Clinical Protocol", "Study Protocol", "Research Protocol", "Informed Consent Form", "Form 10-K", "Form 10-Q",
    "Form 8-K", "Proxy Statement", "Annual Report", "Quarterly Report", "Financial Statements", "Audit Report",
    "White Paper", "User Guide", "User Manual", "Reference Manual", "Technical Report", "Protocol",
)


@dataclass(frozen=True)
class DocumentMeta:
    """A document's identity. Empty strings are unknown; ``year_from``/``year_to`` are 0 when unknown.

    ``period`` is what a reader sees ("FY 2019", "FY 2022–2026", "December 11, 2007");
    ``year_from``..``year_to`` the calendar or fiscal years it covers and ``sort_date`` (ISO
    "YYYY-MM-DD", or "YYYY") orders documents for "latest" and "earlier".
    """

    title: str = ""
    organisation: str = ""
    doc_type: str = ""
    period: str = ""
    reference: str = ""
    year_from: int = 0
    year_to: int = 0
    sort_date: str = ""

    def is_empty(self) -> bool:
        return not any(getattr(self, f) for f in FIELDS)

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> "DocumentMeta":
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def updated(self, **changes: str) -> "DocumentMeta":
        """A copy with the given fields changed; a new ``period`` also resets the years it covers."""
        meta = replace(self, **{k: v.strip() for k, v in changes.items() if v is not None})
        if changes.get("period") is not None:
            years, sort = period_years(meta.period)
            meta = replace(meta, year_from=years[0], year_to=years[1], sort_date=sort)
        return meta

    def covers(self, year: int) -> bool:
        return bool(self.year_from) and self.year_from <= year <= (self.year_to or self.year_from)


def header(meta: DocumentMeta, page: int, unit: str = "") -> str:
    """The contextual line put in front of a chunk: organisation · type or title · period · reference · page.

    ``unit`` names the part instead of "page N" when it is not a page ("slide 3", "Sheet Budget, rows 2–40").
    """
    parts: list[str] = []
    title = _short(meta.title)
    low_title = title.lower()
    if meta.organisation and meta.organisation.lower() not in low_title:
        parts.append(meta.organisation)
    if meta.doc_type and meta.doc_type.lower() not in low_title:
        parts.append(meta.doc_type)
    if title:
        parts.append(title)
    so_far = " ".join(parts).lower()
    if meta.period and not all(y in so_far for y in YEAR.findall(meta.period)) or (meta.period and not YEAR.findall(meta.period)):
        parts.append(meta.period)
    if meta.reference and meta.reference.lower() not in so_far:
        parts.append(meta.reference)
    parts.append(unit or f"page {page}")
    return HEADER_SEP.join(parts)


def strip_header(text: str, page: int, unit: str = "") -> str:
    """``text`` without the contextual header line ``header`` put in front of it (if any)."""
    first, sep, rest = text.partition("\n")
    where = unit or f"page {page}"
    if sep and first.endswith(f"{HEADER_SEP}{where}") or (sep and first == where):
        return rest
    return text


def document_label(text: str, page: int, unit: str = "") -> str:
    """The document part of the header ``header`` put in front of ``text`` ("" when it has none):
    the header without its page, e.g. "Office of Personnel Management · Annual Performance Report
    Fiscal Year 2019"."""
    first, sep, _rest = text.partition("\n")
    suffix = f"{HEADER_SEP}{unit or f'page {page}'}"
    return first[: -len(suffix)] if sep and first.endswith(suffix) else ""


def _short(title: str) -> str:
    words = title.split()
    return " ".join(words[:MAX_TITLE_WORDS]) + ("…" if len(words) > MAX_TITLE_WORDS else "")


