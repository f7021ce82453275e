"""Cells of a line that layout extraction wrote: where each run of text lies, and which are figures."""

from __future__ import annotations

import re

# A cell holding one figure: "65.1%", "$128.15", "≥4.9", "(3)", ".95%", "99.9%~" (a footnote mark), "N/A*".
_FIGURE = re.compile(r"^[\(\-–$€£≥≤<>~]*\.?\d[\d,.]*%?\)?[*†~^]*$|^[-–]\*?$|^n/?a\*?$", re.I)
CELL = " | "  # between a rewritten row's cells; claim_periods and table_focus split rows at it


def cells(line: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each run of text separated by two or more spaces."""
    return [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\S+(?: \S+)*", line)]


def is_figure(text: str) -> bool:
    """A cell that is one figure (spaces inside it ignored: "3 .92")."""
    return bool(_FIGURE.match(text.replace(" ", "")))
