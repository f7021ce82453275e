"""Reading a document's identity (title, organisation, type, period, reference) from its PDF
metadata and the text of its first pages, with plain heuristics (``extract``).

The record it fills and the header line made from it are in ``doc_meta``; dates and periods are
read by ``doc_periods``.
"""

from __future__ import annotations

import re

from desktop_app.rag.doc_meta import DOC_TYPES, DocumentMeta
from desktop_app.rag.doc_periods import DATE_LABELS, find_period

_ORG_WORDS = ("office", "department", "agency", "administration", "board", "commission", "bureau", "institute",
              "institutes", "inc", "inc.", "corporation", "corp", "corp.", "company", "llc", "ltd", "university",
              "hospital", "council", "service", "services", "center", "centre", "foundation", "authority",
              "ministry", "government", "bank", "therapeutics", "pharmaceuticals", "laboratories", "group",
              "college", "school", "clinic", "association", "organization", "organisation")
_NOT_NAME = {"fy", "fiscal", "year", "years", "strategic", "plan", "annual", "report", "performance", "the",
             "final", "factual", "protocol", "version", "date", "page", "confidential", "and", "of", "for"}
_SMALL = {"of", "the", "and", "for", "on", "in", "to", "at", "a", "an"}
_LABEL = re.compile(r"^\s*([A-Z][A-Za-z/&() ]{1,40}?)\s*[:：]\s*(.*)$")
_TITLE_LABELS = ("official title", "protocol title", "study title", "project title", "title", "project name", "subject")
_ORG_LABELS = ("study sponsor", "sponsor", "organization", "organisation", "company", "agency", "issued by",
               "prepared by", "institution", "affiliation")
_REF_LABELS = ("accident number", "incident number", "report number", "protocol number", "clinical protocol number",
               "project number", "grant number", "docket number", "file number", "commission file number")
_PLACE_LABELS = ("location",)
_NCT = re.compile(r"(?<![A-Za-z0-9])NCT\d{8}(?!\d)")


def extract(file_name: str, info: dict | None, pages: list[str]) -> DocumentMeta:
    """Read a document's identity from its PDF metadata (``info``) and its first pages' text.

    Args:
        file_name: the file's name (a year or an NCT number in it is a last resort).
        info: the PDF document information dictionary (/Title, /Author...), or None.
        pages: the text of the first pages (two or three are enough), layout-extracted.
    """
    info = info or {}
    first = pages[0] if pages else ""
    text = "\n".join(pages)
    flat = _flat(text)
    fields_ = _labelled_fields(pages[:2])

    title = _pdf_title(info, flat, file_name) or _field(fields_, _TITLE_LABELS, min_words=3) or _first_block(first)
    doc_type = _doc_type(title, first, text)
    organisation = _organisation(info, flat, fields_, pages[:2])
    if organisation and title.lower().startswith(organisation.lower()) and len(title.split()) - len(organisation.split()) >= 3:
        title = title[len(organisation):].strip(" ,:-–·")  # "Office of X Annual Report 2019": the org is its own field
    if doc_type.startswith("Form ") and re.search(r"(?i)securities\s+and\s+exchange\s+commission", title):
        title = ""  # a filing's cover names the Commission it is filed with first: no title of its own
    if title and len(_rest_words(title, organisation, doc_type)) < 2:
        title = ""  # "National Transportation Safety Board Aviation Accident Final Report": nothing of its own
    if not title and doc_type:
        place = _field(fields_, _PLACE_LABELS)
        title = f"{doc_type}, {place}" if place else doc_type
    elif doc_type and doc_type.lower() not in title.lower() and (place := _field(fields_, _PLACE_LABELS)):
        title = f"{title}, {place}" if len(title.split()) <= 6 else title

    period, years, sort_date = find_period(title, first, fields_, file_name)
    reference = _reference(file_name, flat, fields_)
    return DocumentMeta(title=_clean(title), organisation=_clean(organisation), doc_type=doc_type, period=period,
                        reference=reference, year_from=years[0], year_to=years[1], sort_date=sort_date)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _clean(value: str) -> str:
    value = " ".join(value.split()).strip(" ,;:-–")
    return value[:200]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _pdf_title(info: dict, flat: str, file_name: str) -> str:
    """The PDF's /Title when the first pages bear it out (many PDFs carry a template's or a file's title)."""
    title = _clean(str(info.get("/Title") or info.get("title") or ""))
    words = [w for w in _words(title) if len(w) >= 3 or w.isdigit()]
    stem = file_name.rsplit(".", 1)[0].lower()
    if len(words) < 4 or _words(title) == _words(stem):
        return ""
    nospace = "".join(flat.lower().split())
    found = sum(1 for w in words if w in nospace)
    return title if found >= 0.75 * len(words) else ""


def _labelled_fields(pages: list[str]) -> dict[str, str]:
    """"Label: value" pairs of form-like first pages (also "Label   value" in a two-column layout).

    A line may hold two pairs side by side ("Location:  Elyria, OH   Accident Number:  CHI08CA048").
    The first value seen for a label wins.
    """
    out: dict[str, str] = {}
    for page in pages:
        lines = page.split("\n")
        for i, line in enumerate(lines):
            cells = [c.strip() for c in re.split(r" {3,}|\t", line) if c.strip()]
            j = 0
            while j < len(cells):
                cell = cells[j]
                m = _LABEL.match(cell)
                label, value = (m.group(1), m.group(2)) if m else (None, "")
                if m and not value and j + 1 < len(cells) and not _LABEL.match(cells[j + 1]):
                    value = cells[j + 1]
                    j += 1
                elif not m and j == 0 and cell.lower() in _TITLE_LABELS + _ORG_LABELS + DATE_LABELS and len(cells) > 1:
                    label, value = cell, cells[1]  # "Title          A Prospective Natural History..."
                    j += 1
                if label:
                    key = " ".join(label.lower().split())
                    if key in _TITLE_LABELS and value:
                        value = _continue_title(value, lines, i)
                    if value and key not in out:
                        out[key] = value
                j += 1
    return out


def _continue_title(value: str, lines: list[str], i: int) -> str:
    # A long title wraps onto the next line, in the same column, without a label of its own.
    if i + 1 < len(lines):
        nxt = lines[i + 1].strip()
        cells = [c for c in re.split(r" {3,}", nxt) if c]
        if nxt and len(cells) == 1 and not _LABEL.match(nxt) and not value.endswith(".") and len(value.split()) >= 4:
            return f"{value} {' '.join(nxt.split())}"
    return value


def _field(fields_: dict[str, str], labels: tuple[str, ...], min_words: int = 1) -> str:
    for label in labels:
        value = fields_.get(label, "")
        if value and not set(value) <= set("_ -.") and value.upper() != "TBD" and len(value.split()) >= min_words:
            return value
    return ""


def _rest_words(title: str, organisation: str, doc_type: str) -> list[str]:
    known = set(_words(organisation)) | set(_words(doc_type)) | {"the", "of"}
    return [w for w in _words(title) if w not in known]


def _first_block(first_page: str) -> str:
    """The first run of lines of page 1 that reads like a title (3 to 40 words, not a running header)."""
    block: list[str] = []
    for line in first_page.split("\n"):
        stripped = " ".join(line.split())
        if not stripped or set(stripped) <= set("_-. "):
            if block:
                break
            continue
        if re.search(r"\bpage \d+( of \d+)?\b", stripped, re.I):
            continue
        block.append(stripped)
        if len(" ".join(block).split()) > 40:
            break
    title = " ".join(block)
    n = len(title.split())
    if n < 3 or n > 40 or not re.search(r"[A-Za-z]{3}", title) or (title.endswith(".") and n > 6):
        return ""  # too short, too long, or a sentence of prose rather than a title
    if n > 24:  # a paragraph, not a title: keep its first sentence-ish part
        title = " ".join(title.split()[:24])
    return title


def _doc_type(title: str, first: str, text: str) -> str:
    for where in (title, first, text):
        low = " ".join(where.lower().split())
        nospace = "".join(low.split())
        for kind in DOC_TYPES:
            k = kind.lower()
            if re.search(r"\b" + re.escape(k) + r"\b", low) or (len(k) > 12 and k.replace(" ", "") in nospace):
                return kind
    return ""


def _titlecase(text: str) -> str:
    if text.isupper() or sum(ch.isupper() for ch in text) > len(text) // 3 or text.islower():
        words = [w.capitalize() if len(w) > 3 or w.lower() not in _SMALL else w.lower() for w in text.lower().split()]
        fixed = [w if not (len(w) <= 4 and w.upper() in ("U.S.", "US", "USA", "NTSB", "NIH", "OPM", "FDA")) else w.upper() for w in words]
        out = " ".join(fixed)
        return out[:1].upper() + out[1:]
    return text


_ORG_PATTERN = re.compile(
    r"((?:(?:U\.S\.|United States|National|Federal)\s+)?(?:[A-Z][\w.&'’-]*\s+){0,4}?"
    r"(?:" + "|".join(w.capitalize().replace(".", r"\.") for w in _ORG_WORDS) + r")\b\.?"
    r"(?:\s+(?:of|for|and|on)(?:\s+the)?(?:\s+[A-Z][\w&'’-]*){1,4})?)"
)


def _organisation(info: dict, flat: str, fields_: dict[str, str], pages: list[str]) -> str:
    registrant = _registrant(pages[:1])
    if registrant:
        return registrant
    nospace = "".join(flat.lower().split())
    author = _clean(str(info.get("/Author") or ""))
    if author and any(w in _words(author) for w in _ORG_WORDS) and "".join(author.lower().split()) in nospace:
        return author
    sponsor = _field(fields_, _ORG_LABELS)
    if sponsor and not sponsor[0].isdigit():  # not the second line of an address block
        m = _ORG_PATTERN.search(_titlecase(sponsor))
        return m.group(1) if m and len(m.group(1).split()) >= 2 else sponsor
    for page in pages:
        # Only the top of a page: further down, organisations are merely mentioned.
        top = [line for line in page.split("\n") if line.strip()][:14]
        for line in top:
            for cell in re.split(r" {3,}", line.strip()):
                cell = " ".join(cell.split())
                if not cell or len(cell.split()) > 14:
                    continue
                m = _ORG_PATTERN.search(_titlecase(cell))
                if m and (m.start() == 0 or re.match(r"(?i)(the|a joint)\s", cell[:m.start()] or "x")
                          or re.search(r"(?i)\b(of|U\.S\.|United States|National)\b", m.group(1))):
                    name = " ".join(w for w in m.group(1).split())
                    words = [w for w in name.split() if w.lower() not in _NOT_NAME]
                    if len(words) >= 2:
                        # trim trailing words that are the document's type or period ("... Labor Fy")
                        parts = name.split()
                        while parts and parts[-1].lower() in _NOT_NAME:
                            parts.pop()
                        return " ".join(parts)
    # An acronym in the title line ("THE DHS STRATEGIC PLAN") names the organisation at least.
    first_line = next((" ".join(line.split()) for p in pages[:1] for line in p.split("\n") if line.strip()), "")
    for token in first_line.split()[:8]:
        if 2 <= len(token) <= 5 and token.isupper() and token.isalpha() and token.lower() not in _NOT_NAME | {"us"}:
            return token
    return ""


_REGISTRANT_LABEL = re.compile(r"\(?\s*exact\s+name\s+of\s+(?:the\s+)?registrants?\b", re.I)


def _registrant(pages: list[str]) -> str:
    """The company an SEC filing is by: the line above "(Exact name of registrant as specified in
    its charter)" on its cover ("Tesla, Inc.", "Johnson & Johnson"), which the organisation-word
    pattern misses (a comma before "Inc.", no such word at all) or takes the Commission for."""
    for page in pages:
        lines = [" ".join(line.split()) for line in page.split("\n")]
        for i, line in enumerate(lines):
            m = _REGISTRANT_LABEL.search(line)
            if not m:
                continue
            before = line[:m.start()].strip(" ,")
            if before:
                return _titlecase(before) if len(before.split()) <= 8 else ""
            above = next((x for x in reversed(lines[max(0, i - 3):i]) if x and not x.startswith("(")), "")
            if above and len(above.split()) <= 8 and not re.search(r"(?i)commission file|\bfile number\b", above):
                return _titlecase(above)
            return ""
    return ""


def _reference(file_name: str, flat: str, fields_: dict[str, str]) -> str:
    m = _NCT.search(file_name) or _NCT.search(flat)
    if m:
        return m.group(0)
    value = _field(fields_, _REF_LABELS)
    return value.split()[0] if value and len(value.split()) <= 3 else ""
