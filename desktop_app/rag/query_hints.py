"""Which documents a question is about: the organisations, references, years and relative times it names.

"What was OPM's collaborative management score in FY 2019?" is about the Office of Personnel
Management's report for fiscal year 2019, not about the eight other yearly reports that word for
word hold the same measure. Passages cannot say that; the documents' metadata (``doc_meta``) can.
``resolve`` maps a question to the documents it names, so the retriever searches those documents
too and ranks their passages first; ``latest``/``earliest``/``previous`` pick within the family of
like documents (same organisation and type) that the question is otherwise about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Mapping

from desktop_app.rag.doc_meta import DOC_TYPES, DocumentMeta
from desktop_app.rag.doc_periods import parse_date
from desktop_app.rag.fiscal_quarters import asked_quarter, asked_quarter_ended, quarter_end, reports_of_quarter

_YEAR = re.compile(r"(?<![\d.,$])(?:FY\s?|fiscal\s+(?:year\s+)?)?((?:19|20)\d{2})(?![\d,.]\d)", re.I)
_SHORT_FY = re.compile(r"\bFY\s?'?(\d{2})\b", re.I)
_LATEST = re.compile(r"\b(latest|most recent|newest|current|last|recent)\b", re.I)
_EARLIEST = re.compile(r"\b(earliest|oldest|first|original|initial)\b", re.I)
_PREVIOUS = re.compile(r"\b(previous|prior|preceding|year before|earlier)\b", re.I)
_COMPARE = re.compile(r"\b(compare|comparison|compared|between|versus|vs\.?|change[ds]? from|differ|difference|each of|both)\b", re.I)
_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,6}\b")
_SMALL = {"of", "the", "and", "for", "on", "in", "to", "at", "a", "an", "u.s.", "us", "united", "states"}
# First words of organisation names that do not single one out ("National ...", "Office of ...").
_GENERIC_NAME_WORDS = frozenset("""
national federal american international united general royal central state department office agency
institute university hospital college school center centre foundation association council board bureau
commission administration service services ministry government healthcare medical clinical research
faculty second first new
""".split())
_LEGAL_FORMS = frozenset({"inc", "corp", "corporation", "co", "company", "ltd", "llc", "plc", "lp", "sa", "ag", "nv"})
_TYPE_WORDS = re.compile(r"\b(report|plan|protocol|filing|document|statement|review|form|10-[QK])\b", re.I)
# "the previous 10-Q, before the latest one": the one before the latest, not the latest.
_BEFORE_LATEST = re.compile(r"\b(before|prior to|preceding)\s+(the|its|their)\s+(latest|most recent|newest|current|last)\b", re.I)
# Other words for a document type in a question ("the latest quarterly report" is a 10-Q).
_TYPE_ALIASES = {"Form 10-Q": ("10-q", "quarterly report", "quarterly filing"),
                 "Form 10-K": ("10-k", "annual report", "annual filing"),
                 "Form 8-K": ("8-k",)}


@dataclass
class QueryHints:
    """What the question names, and the documents that answer to it (paths, best first)."""

    years: list[int] = field(default_factory=list)
    relative: str = ""  # latest | earliest | previous | ""
    comparison: bool = False
    named: list[str] = field(default_factory=list)  # documents named by organisation or reference
    dated: list[str] = field(default_factory=list)  # documents whose period covers a year (or date) asked about
    strong: bool = False  # named by organisation, reference, exact date or a relative time (not a year alone)
    # The day the asked period ended, when the documents tell it: the asked fiscal quarter's ("Q1
    # 2023" of a company whose year ends in June: September 30, 2022) or the picked report's own
    # ("the earliest 10-Q"). Its statements' column is the one asked for.
    period_end: date | None = None

    def preferred(self) -> list[str]:
        """Documents to search and rank first: named and dated when both, else whichever there is."""
        if self.named and self.dated:
            both = [p for p in self.named if p in self.dated]
            return both or self.named
        return self.named or self.dated

    @property
    def empty(self) -> bool:
        return not (self.named or self.dated or self.relative)


def parse(query: str) -> QueryHints:
    years = [int(y) for y in _YEAR.findall(query)]
    years += [2000 + int(y) for y in _SHORT_FY.findall(query)]
    relative = ""
    if _PREVIOUS.search(query) and _BEFORE_LATEST.search(query):
        relative = "previous"
    elif _LATEST.search(query) and (_TYPE_WORDS.search(query) or not years):
        relative = "latest"
    elif _EARLIEST.search(query) and _TYPE_WORDS.search(query):
        relative = "earliest"
    elif _PREVIOUS.search(query) and _TYPE_WORDS.search(query):
        relative = "previous"
    hints = QueryHints(years=list(dict.fromkeys(years)), relative=relative)
    hints.comparison = bool(_COMPARE.search(query)) or len(hints.years) >= 2
    return hints


@lru_cache(maxsize=4096)
def name_keys(path: str, meta: DocumentMeta) -> frozenset[str]:
    """Ways a question may name a document: its organisation, the acronyms of it, its reference."""
    keys: set[str] = set()
    org = meta.organisation.strip()
    if org:
        words = [w for w in re.findall(r"[\w.&'’-]+", org)]
        core = [w for w in words if w.lower() not in _SMALL]
        if len(core) >= 2:
            keys.add(" ".join(w.lower() for w in core))
            first = re.sub(r"\.com$", "", core[0].strip(".,").lower())  # "Amazon" for "Amazon.com, Inc."
            if len(first) >= 5 and core[0][0].isupper() and first not in _GENERIC_NAME_WORDS:
                keys.add(first)  # "Lutronic" for "Lutronic, Inc.", "Elpida" for "Elpida Therapeutics"
            bare = [w.strip(".,").lower() for w in core]
            plain = [w for w in bare if w not in _LEGAL_FORMS and re.search(r"[a-z0-9]", w)]
            if len(plain) >= 2:
                keys.add(" ".join(plain))  # "meta platforms" for "Meta Platforms, Inc."
            keys.add("".join(w[0] for w in core).upper())
            with_of = [w for w in words if w.lower() not in {"u.s.", "us", "united", "states", "the"}]
            keys.add("".join(w[0] for w in with_of).upper())
        elif core and core[0].isupper():
            keys.add(core[0])  # "EPA"; a single ordinary word ("Second") names nothing
    for text in (meta.title, org):
        letters = [ch for ch in text if ch.isalpha()]
        if letters and sum(ch.isupper() for ch in letters) > len(letters) / 2:
            continue  # a title in capitals: its words are not acronyms
        keys.update(a for a in _ACRONYM.findall(text) if a not in {"FY", "US", "THE", "OF", "AND", "PLAN"}
                    and not re.fullmatch(r"[IVXLC]+", a))
    stem = re.split(r"[\\/]", path)[-1].rsplit(".", 1)[0]
    m = re.match(r"([A-Za-z]{2,8})\d{4}$", stem)  # DOL2022
    if m:
        keys.add(m.group(1).upper())
    if meta.reference:
        keys.add(meta.reference.lower())
    # Two capitals are too often something else: a state ("Latrobe, PA"), "II", a part of "PA-22".
    return frozenset(k for k in keys if len(k) >= 3)


def resolve(query: str, documents: Mapping[str, DocumentMeta], ranked_sources: list[str]) -> QueryHints:
    """The documents ``query`` names, given every document's metadata.

    Args:
        ranked_sources: the sources of the best candidates for the query, best first (the family
            that "latest" picks from is the one of the best candidate with a period).
    """
    hints = parse(query)
    if not documents:
        return hints
    # "Northwind's" names Northwind: the possessive is no part of the name.
    low = " " + " ".join(re.sub(r"['’]s$", "", w) for w in re.findall(r"[\w.&'’-]+", query.lower())) + " "
    # Only acronyms written in capitals: "dot" or "doc" in a sentence is a word, not DOT or DOC.
    acronyms = {a for a in _ACRONYM.findall(query) if len(a) >= 3}
    for path, meta in documents.items():
        for key in name_keys(path, meta):
            if key.isupper():
                hit = key in acronyms
            else:
                hit = f" {key} " in low or (len(key) > 6 and key in low)
            if hit:
                hints.named.append(path)
                break
    hints.strong = bool(hints.named)
    asked_day = parse_date(query)
    if asked_day is not None:
        iso = asked_day.isoformat()
        hints.dated = [p for p, m in documents.items() if m.sort_date == iso]
        hints.strong = hints.strong or bool(hints.dated)
    quarter = asked_quarter(query)
    if not hints.dated and asked_day is not None:
        quarter = asked_quarter_ended(query, asked_day, documents, hints.named or ranked_sources, _company_of)
    if not hints.dated and quarter is not None:
        # "Q1 2023": the quarterly report of that fiscal quarter (the company's fiscal year decides
        # which calendar months that is), not every document dated 2023.
        hints.dated = reports_of_quarter(quarter, documents, hints.named or list(documents), _company_of)
        hints.strong = hints.strong or bool(hints.dated)
        if hints.dated:
            hints.period_end = quarter_end(quarter, hints.dated[0], documents, _company_of)
    if not hints.dated and hints.years:
        pool = hints.named or list(documents)
        hints.dated = [p for p in pool if any(documents[p].covers(y) for y in hints.years)]
        # A year covered by a range ("FY 2022–2026") is weaker than a document of that very year.
        exact = [p for p in hints.dated if documents[p].year_from == documents[p].year_to]
        if exact:
            hints.dated = exact + [p for p in hints.dated if p not in exact]
    if hints.relative:
        picked = _relative(hints, documents, ranked_sources, query)
        if picked:
            # "FY 2019 ... and the most recent one": both documents, each with its passages.
            hints.dated = [p for p in hints.dated if p != picked][:3] + [picked] if hints.years else [picked]
            hints.comparison = hints.comparison or len(hints.dated) > 1
            hints.strong = True
            if not hints.years and not hints.comparison and len(documents[picked].sort_date) == 10:
                hints.period_end = date.fromisoformat(documents[picked].sort_date)
    return hints


def _relative(hints: QueryHints, documents: Mapping[str, DocumentMeta], ranked_sources: list[str],
              query: str = "") -> str:
    """The latest, earliest or previous document of the family the question is about: of the type
    it names ("the latest 10-Q"), else of its best-ranked named or found document's type."""
    types = asked_types(query)
    # Among the named documents, the first family of two or more; else the best-ranked document's.
    candidates = [p for p in (hints.named or ranked_sources) if p in documents and documents[p].sort_date]
    if types and any(documents[p].doc_type in types for p in candidates):
        candidates = [p for p in candidates if documents[p].doc_type in types]
    if not hints.named:
        candidates = candidates[:1]
    family: list[str] = []
    for anchor in dict.fromkeys(candidates):
        a = documents[anchor]
        family = [p for p, m in documents.items() if m.sort_date and _same_family(a, m)]
        if len(family) >= 2:
            break  # a company's one annual report is no family for "its latest report": its 10-Qs are
    if len(family) == 1 and types and hints.relative != "previous":
        return family[0]  # "its latest annual report", the only 10-K there is
    if len(family) < 2:
        return ""
    family.sort(key=lambda p: documents[p].sort_date)
    if hints.relative == "latest":
        return family[-1]
    if hints.relative == "earliest":
        return family[0]
    return family[-2]


def asked_types(query: str) -> set[str]:
    """The document types a question names ("the latest 10-Q" -> {"Form 10-Q"})."""
    low = " ".join(query.lower().split())
    found = {kind for kind in DOC_TYPES if re.search(r"\b" + re.escape(kind.lower()) + r"\b", low)}
    found |= {kind for kind, words in _TYPE_ALIASES.items()
              if any(re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", low) for w in words)}
    return found


# Words that name a filing or report as such: once the question's document is found by them, they
# tell none of its sentences from another ("the gross margin in the latest 10-Q report").
_REFERENCE_WORDS = re.compile(r"(?<![\w-])(?:(?:quarterly|annual|yearly)\s+(?:report|filing)s?|reports?|filings?|"
                              r"form\s+\d+-[a-z]|\d+-[qk])(?![\w-])", re.I)


def reference_words(query: str) -> str:
    """The words of ``query`` that pick which filing it asks about rather than what it asks: the
    form ("10-Q", "quarterly report", "filing") and, when the question picks a filing by time, its
    relative word ("latest", "most recent", "previous one"), joined by spaces; "" for a question
    naming no filing type. Other reports keep these words: the running footer of an agency's
    report ("OPM Fiscal Year 2018 Annual Performance Report 45") tells the model which year's
    report a passage is from, and without it the 0.5B declined or misread 2 of 36 such questions
    whose prompts still held the answer. "How long did each session last?" asks about lasting."""
    if not asked_types(query) & set(_TYPE_ALIASES):
        return ""
    words = [m.group(0) for m in _REFERENCE_WORDS.finditer(query)]
    if parse(query).relative and _TYPE_WORDS.search(query):
        words += [m.group(0) for pattern in (_LATEST, _EARLIEST, _PREVIOUS) for m in pattern.finditer(query)]
    return " ".join(words)


def _same_company(a: DocumentMeta, b: DocumentMeta) -> bool:
    """Same organisation, whatever the document type ("U.S. Office of X" is "Office of X")."""
    oa, ob = _core_name(a.organisation), _core_name(b.organisation)
    return bool(oa) and bool(ob) and (oa in ob or ob in oa)


def _company_of(meta: DocumentMeta) -> str:
    return _core_name(meta.organisation)


def _core_name(text: str) -> str:
    return " ".join(w for w in re.findall(r"[a-z]+", text.lower()) if w not in _SMALL | {"u", "s"})


def _same_family(a: DocumentMeta, b: DocumentMeta) -> bool:
    """Same type of document from the same organisation ("U.S. Office of X" is "Office of X")."""
    return bool(a.doc_type) and a.doc_type == b.doc_type and _same_company(a, b)
