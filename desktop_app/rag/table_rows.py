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

from desktop_app.rag.table_cells import CELL, cells as _cells, is_figure as _is_figure
from desktop_app.rag.table_row_lines import label_above, line_text, stacked_target, with_label, wrapped_label

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")  # "FY 2019", "FY2019"
_GLUED = re.compile(r"[a-z]{3}(?=[A-Z][a-z]{2})")  # "TargetMet": two words run together
_STATUS_AFTER = re.compile(r"(?<=[a-z])(?<!Not)\s(?=(?:Met|Trend|Status)\b)")  # "FY 2017 Target Met/ Trend": two headings
_STATUS_COLUMN = re.compile(r"\bMet\b|\bTrend\b|\bStatus\b", re.I)  # columns of words, never of figures
# The span of time a column of a financial statement covers, set over the dates of its columns.
_PERIOD_GROUP = re.compile(r"\b(?:months?|weeks?|quarters?|years?|period)\s+ended\b", re.I)
_COLUMN_DATE = re.compile(r"^(?:[A-Z][a-z]{2,8}\.? \d{1,2}, )?(?:19|20)\d{2}$")  # "March 31, 2024", "2023"
_DATE = re.compile(r"[A-Z][a-z]{2,8}\.? \d{1,2}, (?:19|20)\d{2}")
_CURRENCY_ONLY = re.compile(r"^[$€£¥]$")  # the "$" a statement sets apart before its first and total rows
_FIGURE_CHARS = re.compile(r"^[\d\s,.%$€£≥≤<>~*^†()\-–]+$")
MAX_HEADER_LINES = 4
# How many lines of labels and notes above a row its header is looked for (rows of figures are not
# counted and never stop the search: a statement of operations runs 20 to 40 rows under its dates):
# a table whose labels wrap over three to five lines needs more than 12.
HEADER_REACH = 16
MAX_COLUMNS = 14


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
    cells = [_dates_apart(_cells(line)) for line in lines]
    figure = [_figure_row(c) for c in cells]
    taken: set[int] = set()  # label lines already joined to a row
    for i in range(len(lines)):
        if not figure[i]:
            continue
        stacked = stacked_target(cells[i], cells[i - 1]) if i and i - 1 not in taken else None
        rewritten = ""
        if stacked is not None:  # read with the target made whole first, else as extracted
            kept, (cells[i], cells[i - 1]) = (cells[i], cells[i - 1]), stacked
            rewritten = _read_row(lines, cells, figure, i)
            if rewritten:
                out[where[i - 1]] = line_text(cells, i - 1)  # its target moved into the row
            else:
                cells[i], cells[i - 1] = kept
        rewritten = rewritten or _read_row(lines, cells, figure, i)
        if rewritten:
            out[where[i]] = rewritten
            label_lines = wrapped_label(cells, figure, i, taken)
            if label_lines:
                out[where[i]] = with_label(rewritten, cells, i, label_lines)
                for k in label_lines:
                    out[where[k]] = ""
                    taken.add(k)
    return "\n".join(out)


def _dates_apart(line: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The line with dates that extraction ran together split apart: a statement's four columns set
    close ("December 31, 2023December 31, 2022December 31, 2023December 31, 2022") are four dates
    at their own places, so the figures under them find their columns."""
    out = []
    for start, end, text in line:
        dates = list(_DATE.finditer(text))
        if len(dates) < 2 or "".join(m.group(0) for m in dates) != text:
            out.append((start, end, text))
            continue
        # Parts keep a character apart, as ``_unglued``'s do: a column never touches the next.
        out.extend((start + m.start(), start + m.end() - (m.end() < len(text)), m.group(0)) for m in dates)
    return out


def _read_row(lines, cells, figure, i) -> str:
    header = _header_lines(lines, cells, figure, i)
    return _rewrite(cells[i], header, lines, cells, figure, i) if header else ""


def _header_lines(lines, cells, figure, i) -> list[list[tuple[int, int, str]]]:
    """The column-header lines of the table row ``i`` belongs to: non-figure lines right above its block."""
    j, passed = i, 0  # passed: lines of labels and notes walked over (figure rows are free)
    while j > 0 and (figure[j - 1] or (not _looks_like_header(cells[j - 1]) and passed < HEADER_REACH)):
        passed += not figure[j - 1]
        j -= 1
    header: list[list[tuple[int, int, str]]] = []
    k = j - 1
    while k >= 0 and len(header) < MAX_HEADER_LINES:
        # Over a filing's dates, a line of one or two spans of time ("Three Months Ended   Nine
        # Months Ended") is a header line too, though too short to look like one.
        spans_of_time = header and cells[k] and all(_PERIOD_GROUP.search(c[2]) for c in cells[k])
        if figure[k] or not (_looks_like_header(cells[k]) or spans_of_time):
            break
        header.insert(0, cells[k])
        k -= 1
    return header


def _looks_like_header(cells: list[tuple[int, int, str]]) -> bool:
    # Several short cells side by side ("FY 2015   FY 2016   Target"), not a sentence, and not
    # justified prose spaced out word by word (mostly single lower-case words). Two are enough
    # when both are dates: a filing's "March 31, 2024   March 31, 2023" over its two columns.
    if len(cells) == 2 and all(_COLUMN_DATE.match(c[2]) for c in cells):
        return True
    if len(cells) < 3 or any(len(c[2]) > 40 for c in cells):
        return False
    loose = sum(1 for c in cells if " " not in c[2] and c[2][:1].islower())
    return loose * 2 < len(cells)


def _rewrite(row, header, lines, cells, figure, i) -> str:
    """The row as "label | header: value | ...", or "" unless each figure has its own column.

    A wrong header is worse than none (it would pair a figure with another year), so a figure
    gets a column only when the alignment is exact (``_aligned_spans``) or when the row has one
    cell for each column and their positions follow the header's evenly (``_counted_spans``).
    """
    values = [c for c in row if _is_figure(c[2])]
    if not values:
        return ""
    main = max(header, key=len)
    if any(_figure_like(c[2]) for c in main):
        return ""  # a row of figures ("41,176 ^", "≤ 13,142") taken for the header: not one
    unglued = _unglued(main)
    spans = _aligned_spans(values, main)
    if not spans and unglued != main and (spans := _aligned_spans(values, unglued)):
        header, main = [unglued if line is main else line for line in header], unglued
    counted = not spans
    if counted:
        found = _counted(row, values, header, main, unglued)
        if found is None:
            return ""
        header, main, spans = found
    labels = [c[2] for c in row if c[1] <= values[0][0] and not _is_figure(c[2]) and not _CURRENCY_ONLY.match(c[2])]
    if not labels:
        labels = label_above(lines, cells, figure, i, values[0][0])
    headings = [_heading(header, start, end, main, counted, (value[0] + value[1]) / 2)
                for (start, end), value in zip(spans, values)]
    # Aligned, a figure under "Met/ Not Met" or "Trend" (columns of words) is not that column's:
    # the header line lacks the figure's own column (a "FY 2016 Target" lost in extraction), so
    # the figure goes unnamed. (Counted, ``_counted`` refuses such a reading.)
    status = [bool(_STATUS_COLUMN.search(name)) for name in headings]
    parts = [f"{name}: {value}" for name, (_s, _e, value), odd in zip(headings, values, status) if not odd]
    unnamed = {id(v) for v, odd in zip(values, status) if odd}
    rest = [c[2] for c in row if c[0] > values[0][0] and (not _is_figure(c[2]) or id(c) in unnamed)
            and not _CURRENCY_ONLY.match(c[2])]
    label = " ".join(labels).strip()
    return CELL.join(([label] if label else []) + parts + rest)


def _counted(row, values, header, main, unglued):
    """(header, main, spans) of the first reading by counting that makes sense, or None.

    Tried in turn: the header line as extracted, then with cells run together split apart
    (``_unglued``); each with the label's column found by position (left of the middle between
    the row's label and its first figure) and then as whatever the row's cells leave over on the
    left. A reading makes sense when its columns' names tell them apart, no figure falls under
    a column of words ("Met/ Not Met", "Trend"), and where the header names years, every figure's
    column has one ("Measure: 54.1" is the label's column taken for the first year's).
    """
    for line in [main] + ([unglued] if unglued != main else []):
        for by_position in (True, False):
            spans = _counted_spans(row, values, line, by_position, estimated=set(line) - set(main))
            if not spans:
                continue
            lined = [line if h is main else h for h in header]
            names = [_heading(lined, start, end, line, True, (value[0] + value[1]) / 2)
                     for (start, end), value in zip(spans, values)]
            dated = [bool(_YEAR.search(n)) for n in names]
            if len(set(names)) == len(names) and not any(_STATUS_COLUMN.search(n) for n in names) \
                    and (all(dated) or not any(dated)):
                return lined, line, spans
    return None


def _figure_like(text: str) -> bool:
    """A cell of figures, no words: a value, never a column's name."""
    return _is_figure(text) or bool(_FIGURE_CHARS.match(text))


def _aligned_spans(values, main) -> list[tuple[int, int]]:
    """Each figure's own span, when it overlaps exactly one header cell, a different one each,
    in left-to-right order; else []."""
    if len(main) < len(values):
        return []
    columns = []
    for start, end, _value in values:
        over = [n for n, (hs, he, _t) in enumerate(main) if hs <= end and he >= start]
        if len(over) != 1 or (columns and over[0] <= columns[-1]):
            return []
        columns.append(over[0])
    return [(start, end) for start, end, _value in values]


def _counted_spans(row, values, main, by_position: bool = True, estimated=frozenset()) -> list[tuple[int, int]]:
    """The header cell's span for each figure, matched by counting; else [].

    Some reports set the header in another font, and layout extraction then places it a few
    characters off, or stretched (values 20 characters apart under headers 25 apart), so no
    figure overlaps its header. Read as a person reads such a table: the row's cells from the
    first figure on (figures, "Met", "↔Stable") are the header's last columns, one for one, and
    the columns left over are the label's. Kept only when there are three figures or more, the
    positions follow the header's along a straight line (a blank cell made up for by an extra
    one would not); ``_rewrite`` also wants the columns' names to tell them apart.
    """
    row = [c for c in row if not _CURRENCY_ONLY.match(c[2])]  # a "$" set apart is no column
    first = values[0][0]
    trailing = [c for c in row if c[0] >= first]
    if len(values) < 3 or len(main) < len(trailing):
        return []
    if by_position:  # the label's column: header cells left of midway to the first figure
        middle = (max((c[1] for c in row if c[1] <= first), default=0) + first) / 2
        columns = [c for c in main if (c[0] + c[1]) / 2 > middle]
        left_over = [c for c in main if (c[0] + c[1]) / 2 <= middle]
        if len(columns) == len(trailing) + 1 and _empty_trend(columns[-1][2], trailing):
            # The last column, a trend drawn as an arrow, is empty: the row ends before it.
            columns = columns[:-1]
    else:  # the last columns, one per cell; what is left over is the label's
        columns, left_over = main[len(main) - len(trailing):], main[:len(main) - len(trailing)]
    # Never a year's column left over: a row one cell short (an empty "Trend") would shift them all.
    if len(columns) != len(trailing) or any(_YEAR.search(c[2]) for c in left_over):
        return []
    # The parts of a cell run together (``estimated``) have no position of their own, only a share
    # of the cell's characters: the columns extraction placed fit the line, the parts only keep order.
    centres = [((c[0] + c[1]) / 2, (t[0] + t[1]) / 2) for c, t in zip(columns, trailing) if c not in estimated]
    if len(centres) < 3 or _worst_misfit(centres) > 0.4 * _median_gap([h for h, _v in centres]):
        return []
    by_cell = {t: (c[0], c[1]) for c, t in zip(columns, trailing)}
    return [by_cell[v] for v in values]


def _empty_trend(name: str, trailing) -> bool:
    """Is the header's last column, ``name``, a trend the row leaves empty (an arrow, not text)?
    Not when it is also the "Met/ Not Met" column and the row says "Met": that cell is there."""
    if not re.search(r"\bTrend\b", name, re.I):
        return False
    return not (re.search(r"\bMet\b", name) and any(re.fullmatch(r"(?:Not\s+)?Met", c[2], re.I) for c in trailing))


def _heading(header, start: int, end: int, main, counted: bool, at: float) -> str:
    """The column's name: on each header line, the one cell over ``start``–``end`` ("FY 2019" "Results").

    ``main``: the header line with the most columns. The other lines only lend what its cell
    lacks, the year ("FY 2010" above "Results") or the word ("Results" below "FY 2010"). When the
    column was ``counted``, they are set off from it as much as the figures are, so they lend
    only from a cell at least half over the column, and only when they are full lines: a stray
    "Target" over "FY 2017 Results" (the top of a two-line header beside it) would name it wrongly.
    ``at``: the middle of the figure, which a span of time over the dates is nearest to.
    """
    own = " ".join(t for hs, he, t in main if hs <= end and he >= start)
    needs_year = not _YEAR.search(own)
    needs_word = not re.sub(r"\bFY\b", "", _YEAR.sub("", own)).strip()
    names: list[str] = []
    for line in header:
        groups = [] if line is main or _PERIOD_GROUP.search(own) else [c for c in line if _PERIOD_GROUP.search(c[2])]
        if line is main:
            over = [t for hs, he, t in line if hs <= end and he >= start]
        elif groups:
            # A filing's "Three Months Ended | Nine Months Ended" stands centred over the dates of
            # its columns: each column is its nearest one's ("Nine Months Ended July 1, 2023"),
            # measured from the figure, set where the span is: dates run together
            # (``_dates_apart``) keep their order but not their places.
            over = [min(groups, key=lambda c: abs((c[0] + c[1]) / 2 - at))[2]]
        else:
            # A partial line (the top of a two-line header beside) lends only a year: "FY 2012"
            # stacked over "Results" names that column; a stray "Target" would misname one.
            partial = counted and 2 * len(line) < len(main)
            over = [t for hs, he, t in line if (2 * (min(he, end) - max(hs, start)) >= he - hs if counted else hs <= end and he >= start)
                    and (needs_year if _YEAR.search(t) else needs_word and not partial)]
        if len(over) == 1 and over[0] not in names:
            names.append(over[0])
    return " ".join(names)


def _unglued(line: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The header line with cells that extraction ran together split apart: "FY 2020
    TargetMet/Trend" (no space where one word ends in lower case and the next begins with a
    capital) is the "FY 2020 Target" and "Met/Trend" columns; "FY 2017 Target Met/ Trend" (one
    space before a status heading) the "FY 2017 Target" and "Met/ Trend" columns ("Met/ Not Met"
    stays whole)."""
    out = []
    for start, end, text in line:
        cuts = sorted({0, len(text)} | {m.start() + 3 for m in _GLUED.finditer(text)}
                      | {m.start() for m in _STATUS_AFTER.finditer(text)})
        for a, b in zip(cuts, cuts[1:]):
            part = text[a:b]
            a += len(part) - len(part.lstrip())
            # Parts keep a character apart, so a figure under one never touches the next.
            out.append((start + a, start + b - (b < len(text)), part.strip()))
    return out


def _worst_misfit(points: list[tuple[float, float]]) -> float:
    """The largest distance of a point from the least-squares line through them (x: header, y: row)."""
    n = len(points)
    mx = sum(x for x, _y in points) / n
    my = sum(y for _x, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _y in points)
    if not sxx:
        return float("inf")
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return max(abs(y - (my + slope * (x - mx))) for x, y in points)


def _median_gap(xs: list[float]) -> float:
    gaps = sorted(b - a for a, b in zip(xs, xs[1:]))
    return gaps[len(gaps) // 2] if gaps else 0.0
