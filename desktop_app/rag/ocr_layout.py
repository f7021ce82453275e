"""Reading order of OCR text: the lines an engine found, in the order a PDF's text layer reads them.

Engines give text lines with boxes (and Tesseract groups them into blocks). Two page layouts need
different orders, and the text layer of the corpus's PDFs reads them so:
  - prose in columns: a column is read whole before the next (Tesseract's block order);
  - forms and tables: short fields side by side are read row by row, left to right, with a wide
    gap written as three spaces (what the chunker and ``table_rows`` take for a column gap).
``reading_order`` keeps prose blocks (median line of ``PROSE_CHARS`` characters or more) in the
engine's order and merges short-line blocks that sit beside one another into rows. On the 30
corpus pages of benchmarks/ocr.py this took Tesseract's CER from 12.1 % to 9.1 % (NTSB forms
19 % -> 7 %); row order for everything (5 %) made two-column report pages worse (16 % -> 36 %).
Pure functions: no engine is imported here.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Iterable, Sequence

PROSE_CHARS = 30  # a line of running text is longer than a form field or a table cell
COLUMN_GAP = "   "  # three spaces: a gap between cells, as layout text extraction writes it


@dataclass(frozen=True)
class TextLine:
    """One line of recognised text, its box in pixels, and the block the engine put it in."""

    left: float
    top: float
    right: float
    bottom: float
    text: str
    block: int = 0

    @property
    def height(self) -> float:
        return max(1.0, self.bottom - self.top)


def rows(lines: Iterable[TextLine]) -> list[str]:
    """Lines joined into visual rows: top to bottom, left to right within a row.

    Two lines are on one row when their vertical extents overlap by more than half the smaller
    height; a horizontal gap wider than 1.5 line heights becomes ``COLUMN_GAP``.
    """
    grouped: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.top + ln.bottom) / 2):
        if grouped:
            top = min(ln.top for ln in grouped[-1])
            bottom = max(ln.bottom for ln in grouped[-1])
            overlap = min(bottom, line.bottom) - max(top, line.top)
            if overlap > 0.5 * min(bottom - top, line.bottom - line.top):
                grouped[-1].append(line)
                continue
        grouped.append([line])
    out = []
    for row in grouped:
        row.sort(key=lambda ln: ln.left)
        parts = [row[0].text]
        for prev, line in zip(row, row[1:]):
            parts.append(COLUMN_GAP if line.left - prev.right > 1.5 * line.height else " ")
            parts.append(line.text)
        out.append("".join(parts))
    return out


def reading_order(lines: Sequence[TextLine]) -> str:
    """Text of a page: prose blocks whole in the engine's order; side-by-side field blocks as rows."""
    blocks: dict[int, list[TextLine]] = {}
    for line in lines:
        if line.text.strip():
            blocks.setdefault(line.block, []).append(line)
    prose = {b for b, members in blocks.items() if statistics.median(len(ln.text) for ln in members) >= PROSE_CHARS}
    extent = {b: (min(ln.top for ln in m), max(ln.bottom for ln in m)) for b, m in blocks.items()}
    # Field blocks whose vertical extents overlap belong together (a form's label and value
    # columns, a table's cells): union them, then read each group as rows.
    group = {b: b for b in blocks}

    def root(b: int) -> int:
        while group[b] != b:
            b = group[b]
        return b

    fields = [b for b in blocks if b not in prose]
    for i, a in enumerate(fields):
        for b in fields[i + 1:]:
            if min(extent[a][1], extent[b][1]) > max(extent[a][0], extent[b][0]):
                group[root(b)] = root(a)
    out: list[str] = []
    done: set[int] = set()
    for b in blocks:  # the engine's block order
        if b in prose:
            out.extend(ln.text for ln in blocks[b])
            continue
        r = root(b)
        if r not in done:
            done.add(r)
            out.extend(rows(ln for f in fields if root(f) == r for ln in blocks[f]))
    return "\n".join(out)
