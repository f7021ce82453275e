"""The lines around a table row that belong to it: its label wrapped over several lines, a target
stacked on the line above.

Layout extraction keeps a row's figures on one line, but a performance table often writes the
measure's name over two to five short lines around them, and the FY 2017 OPM report sets a
target's value on the line above its comparator. ``table_rows`` reads the row; this module finds
what of it lies on the lines beside.
"""

from __future__ import annotations

import re

from desktop_app.rag.table_cells import CELL, is_figure as _is_figure

_COMPARATORS = frozenset("≥≤<>")  # a target's comparator set apart from its value
_OPEN_END = re.compile(r"\b(?:of|the|a|an|to|in|for|with|and|or|on|by|from|that|than)$", re.I)
MAX_LABEL_LINES = 6  # lines of a wrapped row label joined to its row, each side
_REFERENCE = re.compile(r"^\s*\d+(?:\.\s?\d+)*\s?[A-Z]?(?=\s|$)")  # a measure's number: "7.02B", "4.3 A", "8.01"


def stacked_target(row, above):
    """``row`` and the line ``above`` it with a target the table stacks on two lines made one cell,
    or None when the row has no such target.

    The FY 2017 report sets a target's comparator on the row's line and its value, with the
    Met/Not Met beside it, on the line above: "Average unit cost … $128.15~  Not Met" over
    "retirement claims  $91.37 … $135.05  ≤". Read as they are, the row ends in a bare "≤" and the
    label line carries a figure a reader takes for the row's. When the row's last cell is a lone
    comparator and the line above has one figure within a column of it, the comparator and that
    figure become the row's cell ("≤$128.15~") and what follows it above (the status) joins the
    row; the line above keeps only what lies left of the row's figures (its label).
    """
    first = next((c[0] for c in row if _is_figure(c[2])), None)
    if first is None or row[-1][2] not in _COMPARATORS or not above:
        return None
    start, end, sign = row[-1]
    right = [c for c in above if c[0] > first]
    if not right or not _is_figure(right[0][2]) or any(_is_figure(c[2]) for c in right[1:]):
        return None
    value = right[0]
    merged = (start, end, sign + value[2])  # where the row lays its cells
    return row[:-1] + [merged] + right[1:], [c for c in above if c[0] <= first]


def wrapped_label(cells, figure, i: int, taken: set[int]) -> list[int]:
    """The lines around row ``i`` that hold the rest of its label, wrapped in the label column.

    A performance table's measure is written over several short lines with the figures beside
    the middle one ("Percent of retirement" / "7.02B and survivor claims  92%  94% ..." /
    "processed accurately"). A label begins with a capital ("Percent"), so: upward while the
    label so far begins in lower case, up to and including a line that begins with a capital;
    downward while lines begin in lower case. Only lines whose every cell lies left of the first
    figure (the label column) and that no earlier row took; a reference alone ("8.02A") is kept.
    A row whose own words begin with a capital still reaches up when the line above ends
    mid-phrase ("... respond to the" / "Officer (CHCO) survey").
    """
    first = next((c[0] for c in cells[i] if _is_figure(c[2])), 0)

    def label_only(k: int) -> bool:
        return 0 <= k < len(cells) and k not in taken and not figure[k] and bool(cells[k]) \
            and all(c[1] < first for c in cells[k])

    own = " ".join(c[2] for c in cells[i] if c[1] <= first and not _is_figure(c[2]))
    # The row's own words begin its label, unless the line above stops mid-phrase ("... in the").
    begun = _starts_label(own) and not (label_only(i - 1) and _OPEN_END.search(line_text(cells, i - 1)))
    above: list[int] = []
    k = i - 1
    while not begun and label_only(k) and len(above) < MAX_LABEL_LINES:
        text = line_text(cells, k)
        if not (_continues(text) or _starts_label(text) or _REFERENCE.fullmatch(text.strip())):
            break  # a footnote ("*Rounded"), a bullet: not part of a label
        above.insert(0, k)
        if _starts_label(text):
            break
        k -= 1
    else:
        if above and not _starts_label(line_text(cells, above[0])):
            above = []  # no line above begins the label: those lines are not this row's
    below: list[int] = []
    k = i + 1
    while label_only(k) and len(below) < MAX_LABEL_LINES and _continues(line_text(cells, k)):
        below.append(k)
        k += 1
    return above + below


def line_text(cells, k: int) -> str:
    return " ".join(c[2] for c in cells[k])


def _starts_label(text: str) -> bool:
    """Does the label text begin a label (a capital after any reference "7.02B", "4.3 A")?"""
    words = _REFERENCE.sub("", text).strip()
    return bool(words) and words[0].isupper()


def _continues(text: str) -> bool:
    """Does the text go on with a label begun above (it starts with a lower-case letter)?"""
    words = _REFERENCE.sub("", text).strip()
    return bool(words) and words[0].islower()


def with_label(rewritten: str, cells, i: int, label_lines: list[int]) -> str:
    """``rewritten`` with its label made whole from ``label_lines`` (the measure's number first)."""
    head, _sep, tail = rewritten.partition(CELL)
    own = head if tail and ":" not in head else ""
    texts = [line_text(cells, k) for k in label_lines if k < i] + [own] + \
            [line_text(cells, k) for k in label_lines if k > i]
    refs = [m.group(0).strip() for t in texts if (m := _REFERENCE.match(t))]
    words = " ".join(_REFERENCE.sub("", t, count=1).strip() for t in texts).split()
    label = " ".join(refs + words)
    return f"{label}{CELL}{tail if own else rewritten}"


def label_above(lines, cells, figure, i, first_value_start: int) -> list[str]:
    # A wrapped row label sits on the lines around the figures ("Percent of employees" above).
    k = i - 1
    if k >= 0 and not figure[k]:
        left = [c[2] for c in cells[k] if c[1] < first_value_start]
        return left
    return []
