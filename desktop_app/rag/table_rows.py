"""Table rows that carry their column headers: "Collaborative Management Score | FY 2019 Results: 65.1%".

Layout extraction keeps a table row on one line, its cells set apart by runs of spaces, but a
figure alone ("65.1%") says nothing about which year or measure it belongs to, for the embedder,
for BM25 or for the model that reads the passage. Where the lines above a block of figure rows
hold column headers whose positions line up with the figures, each row is rewritten as its label
followed by "header: value" cells. The header lines themselves stay; anything that does not line
up is left exactly as it was.
"""

from __future__ import annotations

import re

_FIGURE = re.compile(r"^[\(\-–$€£≥≤<>~]*\d[\d,.]*%?\)?[*†]*$|^-\*?$|^n/?a\*?$", re.I)
CELL = " | "  # between a rewritten row's cells; claim_periods and table_focus split rows at it
MAX_HEADER_LINES = 4
MAX_COLUMNS = 14


def _cells(line: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each run of text separated by two or more spaces."""
    out = []
    for m in re.finditer(r"\S+(?: \S+)*", line):
        out.append((m.start(), m.end(), m.group(0)))
    return out


def _is_figure(text: str) -> bool:
    return bool(_FIGURE.match(text.replace(" ", "")))


def _figure_row(cells: list[tuple[int, int, str]]) -> bool:
    """A row of a table of figures: two figures or more, and no more words than figures after its label.

    Justified prose set wide ("transfusions:   at   least   2   weeks") has gaps like a table
    and a figure or two, but mostly words.
    """
    figures = sum(1 for c in cells if _is_figure(c[2]))
    words = len(cells) - figures - 1  # the first cell may be the row's label
    return figures >= 2 and words <= figures and len(cells) <= MAX_COLUMNS + 2


def rewrite_tables(text: str) -> str:
    """``text`` with each figure row of a headed table rewritten as "label | header: value | ..."."""
    all_lines = text.split("\n")
    out = list(all_lines)
    # Layout extraction spaces lines out vertically: blank lines say nothing inside a table.
    where = [i for i, line in enumerate(all_lines) if line.strip()]
    lines = [all_lines[i] for i in where]
    cells = [_cells(line) for line in lines]
    figure = [_figure_row(c) for c in cells]
    for i in range(len(lines)):
        if not figure[i]:
            continue
        header = _header_lines(lines, cells, figure, i)
        if not header:
            continue
        rewritten = _rewrite(cells[i], header, lines, cells, figure, i)
        if rewritten:
            out[where[i]] = rewritten
    return "\n".join(out)


def _header_lines(lines, cells, figure, i) -> list[list[tuple[int, int, str]]]:
    """The column-header lines of the table row ``i`` belongs to: non-figure lines right above its block."""
    j = i
    while j > 0 and (figure[j - 1] or (not _looks_like_header(cells[j - 1]) and j - 1 > i - 12)):
        j -= 1
    header: list[list[tuple[int, int, str]]] = []
    k = j - 1
    while k >= 0 and len(header) < MAX_HEADER_LINES:
        if figure[k] or not _looks_like_header(cells[k]):
            break
        header.insert(0, cells[k])
        k -= 1
    return header


def _looks_like_header(cells: list[tuple[int, int, str]]) -> bool:
    # Several short cells side by side ("FY 2015   FY 2016   Target"), not a sentence, and not
    # justified prose spaced out word by word (mostly single lower-case words).
    if len(cells) < 3 or any(len(c[2]) > 40 for c in cells):
        return False
    loose = sum(1 for c in cells if " " not in c[2] and c[2][:1].islower())
    return loose * 2 < len(cells)


def _rewrite(row, header, lines, cells, figure, i) -> str:
    """The row as "label | header: value | ...", or "" unless every figure sits under its own column.

    A wrong header is worse than none (it would pair a figure with another year), so the
    alignment must be exact: each figure overlaps exactly one cell of the header line with the
    most columns, and no two figures share one, in left-to-right order.
    """
    values = [c for c in row if _is_figure(c[2])]
    if not values:
        return ""
    main = max(header, key=len)
    if len(main) < len(values):
        return ""
    columns = []
    for start, end, _value in values:
        over = [n for n, (hs, he, _t) in enumerate(main) if hs <= end and he >= start]
        if len(over) != 1 or (columns and over[0] <= columns[-1]):
            return ""
        columns.append(over[0])
    labels = [c[2] for c in row if c[1] <= values[0][0] and not _is_figure(c[2])]
    if not labels:
        labels = _label_above(lines, cells, figure, i, values[0][0])
    parts = []
    for (start, end, value) in values:
        names = []
        for line in header:
            over = [t for hs, he, t in line if hs <= end and he >= start]
            if len(over) == 1 and over[0] not in names:
                names.append(over[0])
        parts.append(f"{' '.join(names)}: {value}")
    rest = [c[2] for c in row if c[0] > values[0][0] and not _is_figure(c[2])]
    label = " ".join(labels).strip()
    return CELL.join(([label] if label else []) + parts + rest)


def _label_above(lines, cells, figure, i, first_value_start: int) -> list[str]:
    # A wrapped row label sits on the lines around the figures ("Percent of employees" above).
    k = i - 1
    if k >= 0 and not figure[k]:
        left = [c[2] for c in cells[k] if c[1] < first_value_start]
        return left
    return []
