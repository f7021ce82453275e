"""Pageless documents (Word, OpenDocument, web pages, e-books, e-mail) cut into cited sections.

Loaders of these formats produce a stream of blocks: headings and paragraphs (a table arrives
as its rows, already "Header: value"). A section starts at each heading of the top two levels
and is cut at paragraph boundaries near ``PAGE_CHARS``, so a citation points at a part a reader
can find ("section 3: Budget") and not at the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from desktop_app.rag.document_files import PAGE_CHARS, Page, clean_text

HEADING_CHARS = 60  # a heading is shortened to this in a citation label


@dataclass(frozen=True)
class Block:
    """A heading (``level`` 1-6) or a paragraph / table row (``level`` 0) in reading order."""

    text: str
    level: int = 0


def sections(blocks: Iterable[Block], unit: str = "section", first_number: int = 1) -> Iterator[Page]:
    """Yield numbered pages of about PAGE_CHARS, each starting a new top-level heading.

    The label is "<unit> N" followed by the section's heading when it has one
    ("section 2: Quarterly budget"); a long section's later parts keep the heading.
    """
    number = first_number - 1
    lines: list[str] = []
    size = 0
    heading = ""

    def flush() -> Page | None:
        nonlocal number, lines, size
        text = clean_text("\n".join(lines))
        lines, size = [], 0
        if not text:
            return None
        number += 1
        return Page(number, text, label(unit, number - first_number + 1, heading))

    for block in blocks:
        text = " ".join(block.text.split()) if block.level else block.text.strip()
        if not text:
            continue
        if block.level and block.level <= 2 and size:
            page = flush()
            if page is not None:
                yield page
        elif size + len(text) > PAGE_CHARS and size:
            page = flush()
            if page is not None:
                yield page
        if block.level and block.level <= 2:
            heading = text
        lines.append(text)
        size += len(text) + 1
    page = flush()
    if page is not None:
        yield page


def label(unit: str, number: int, heading: str = "") -> str:
    """ "section 3: Budget" (a long heading shortened), or "section 3"."""
    if not heading:
        return f"{unit} {number}"
    short = heading if len(heading) <= HEADING_CHARS else heading[: HEADING_CHARS - 1].rstrip() + "…"
    return f"{unit} {number}: {short}"


def table_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """A table as lines a search finds: the header row once, then "Header: value | Header: value" per row.

    A figure alone ("65.1%") says nothing about which column it belongs to, for the embedder,
    for BM25 or for the model reading the passage, so every cell carries its column's name (the
    house style of ``table_rows``). Cells without a header keep their plain value; a one-row or
    one-column table is plain text.
    """
    cleaned = [[" ".join(str(c or "").split()) for c in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return []
    header = cleaned[0]
    if len(cleaned) == 1 or max(len(r) for r in cleaned) == 1:
        return [" | ".join(c for c in row if c) for row in cleaned]
    out = [" | ".join(c for c in header if c)]
    for row in cleaned[1:]:
        out.append(row_line(header, row))
    return out


def row_line(header: Sequence[str], row: Sequence[str]) -> str:
    """ "Item: Printer paper | Cost: 120" (empty cells left out; repeated merged cells once)."""
    parts: list[str] = []
    for i, value in enumerate(row):
        if not value:
            continue
        name = header[i] if i < len(header) else ""
        part = f"{name}: {value}" if name and name != value else value
        if not parts or parts[-1] != part:
            parts.append(part)
    return " | ".join(parts)
