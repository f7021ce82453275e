"""Reading order of OCR text: the lines an engine found, in the order a PDF's text layer reads them.

Engines give text lines with boxes; Tesseract groups them into blocks, and ``paragraphs`` does so
for engines that do not (RapidOCR). Two page layouts need different orders, and the text layer of
the corpus's PDFs reads them so:
  - prose in columns: a column is read whole before the next;
  - forms and tables: short fields side by side are read row by row, left to right, with a wide
    gap written as three spaces (what the chunker and ``table_rows`` take for a column gap).
On the 30 corpus pages of benchmarks/ocr.py, Tesseract's own block order had a CER of 12.1 %;
rows for everything, 16.8 % (two-column report pages 36 %); ``reading_order``, 6.9 % (NTSB forms
19 % -> 5 %, report pages 16 % -> 12 %); with a cell's wrapped lines kept with it, 6.0 % (NTSB
4.8 % -> 4.2 %, report pages 11.8 % -> 9.7 %); with a table read row by row but cell by cell
(``bands``: a report's header "FY 2018 / Result" as "FY 2018 Result", not "FY 2018 FY 2019 ...
Result Result"), its rules read as "|" taken for cell gaps, and the ocr_fills step, 4.2 % (NTSB
4.1 %, report pages 5.6 %); with a form's long labels and section titles told apart from prose
and from wrapped cells, 4.0 % (NTSB 3.4 %, report pages 5.5 %). Half of what is left is where a
running footer goes: the text layer stores it first, a reader (and pypdf's layout extraction,
which indexes text-layer pages) reads it last, as this does. Pure functions: no engine is
imported here.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Iterable, Sequence

PROSE_CHARS = 30  # a line of running text is longer than a form field or a table cell
WRAP_GAP = 0.8  # a cell's wrapped lines are closer than this many line heights...
ROW_GAP_SHARE = 0.5  # ...and than this share of the gaps between the rows above and below
ROW_REACH = 3.0  # a line further than this many line heights away is not the next row of a table
# One line this many times the other's height is another size of print, not the next line of a
# cell: a section title over a form's first value ("Meteorological Information" over "Visual
# Conditions": NTSB 3.6 -> 3.4 %). Lines of one font differ by their ascenders and descenders: 1.4.
SAME_FONT = 1.6
BAND_GAP = 0.25  # lines of a table closer than this many line heights are one row (a cell's wrapped lines)
COLUMN_GAP = "   "  # three spaces: a gap between cells, as layout text extraction writes it
_MARKER = re.compile(r"^(\(?\d{1,3}[.)]|\(?[A-Za-z][.)]|[-•●▪·*–])$")  # "78.", "(a)", "b.", a bullet


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


def rows(lines: Iterable[TextLine], page: Sequence[TextLine] = (), wrapped_cells: bool = True) -> list[str]:
    """Lines joined into visual rows: top to bottom, left to right within a row.

    Two lines are on one row when their vertical extents overlap by more than half the smaller
    height; a horizontal gap wider than 1.5 line heights becomes ``COLUMN_GAP``. A cell's wrapped
    lines are first joined into one (``_wrapped_cells``; ``page``, all the page's lines, shows
    the row spacing around them), so its row reads the cell whole.
    """
    grouped: list[list[TextLine]] = []
    lines = _wrapped_cells(lines, page) if wrapped_cells else list(lines)
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


def bands(lines: Sequence[TextLine]) -> list[str]:
    """A table or form as rows, each read cell by cell: the order of a table's own text layer.

    Lines closer than ``BAND_GAP`` line heights above and below are one row (a band): a header
    whose cells wrap onto two or four lines, centred, is one row, not four. Within a row, lines
    that overlap left to right are one cell, read top to bottom ("FY 2018 Result"), and cells
    are read left to right, apart by ``COLUMN_GAP``, one row to a line of text. A cell's lines
    further apart come joined already by ``_wrapped_cells``, which weighs a gap against the rows
    around it: a wider ``BAND_GAP`` joined an NTSB form's close rows (0.35: NTSB 4.1 -> 4.6 %).
    """
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines:
        return []
    reach = BAND_GAP * statistics.median(ln.height for ln in lines)
    out = []
    for band in _overlapping(lines, lambda ln: (ln.top, ln.bottom), reach):
        cells = _overlapping(band, lambda ln: (ln.left, ln.right), 0.0)
        out.append(COLUMN_GAP.join(" ".join(ln.text for ln in sorted(cell, key=lambda ln: ln.top)) for cell in cells))
    return out


def _overlapping(lines: Sequence[TextLine], extent, reach: float) -> list[list[TextLine]]:
    """``lines`` in runs along one axis: sorted by where each starts (``extent(line)`` gives its
    start and end), a line joins the run before it when it starts less than ``reach`` past the
    run's furthest end so far."""
    runs: list[list[TextLine]] = []
    end = 0.0
    for line in sorted(lines, key=lambda ln: extent(ln)[0]):
        start, stop = extent(line)
        if runs and start - end < reach:
            runs[-1].append(line)
        else:
            runs.append([line])
            end = stop
        end = max(end, stop)
    return runs


def _wrapped_cells(lines: Iterable[TextLine], page: Sequence[TextLine] = ()) -> list[TextLine]:
    """Lines with each cell's wrapped lines joined: "Class 3 Without" + "Waivers/Limitations".

    A line continues the one above it when it lies under it (they overlap horizontally) and the
    gap between them is tight: under ``WRAP_GAP`` of a line height, and under ``ROW_GAP_SHARE`` of
    the gaps to the next lines above and below in that column on the page (the row spacing).
    Rows as tightly spaced as a cell's lines (a dense table), and two lines with no row above or
    below to compare their gap with, are left as rows.
    """
    cells: list[TextLine] = []
    ordered = sorted(lines, key=lambda ln: (ln.top, ln.left))
    # The rows to compare with are fields and cells, not a paragraph's lines (their own spacing).
    context = [ln for ln in (page or ordered) if len(ln.text) < PROSE_CHARS]

    def under(upper: TextLine, lower: TextLine) -> bool:
        return min(upper.right, lower.right) - max(upper.left, lower.left) > 0 and lower.top >= upper.bottom - 0.3 * lower.height

    def gap_below(line: TextLine) -> float | None:
        below = [ln.top - line.bottom for ln in context if ln is not line and under(line, ln)]
        return min(below) if below else None

    last: dict[int, TextLine] = {}  # cell index -> its lowest line so far
    for line in ordered:
        joined = None
        for index, above in last.items():
            gap = line.top - above.bottom
            if not under(above, line) or gap >= WRAP_GAP * min(above.height, line.height) or \
                    max(above.height, line.height) > SAME_FONT * min(above.height, line.height):
                continue
            if any(ln is not above and under(ln, line) and ln.bottom > above.bottom for ln in ordered):
                continue  # another line sits between them
            # Only a row within ROW_REACH line heights is the table's next row, not a paragraph far off.
            spacing = [g for g in (gap_below(line), _gap_above(context, cells[index]))
                       if g is not None and g < ROW_REACH * line.height]
            if spacing and all(gap < ROW_GAP_SHARE * g for g in spacing):  # no rows to compare with: rows
                joined = index
                break
        if joined is None:
            cells.append(line)
            last[len(cells) - 1] = line
        else:
            cell = cells[joined]
            cells[joined] = TextLine(min(cell.left, line.left), cell.top, max(cell.right, line.right), cell.bottom,
                                     f"{cell.text} {line.text}", cell.block)
            last[joined] = line
    return cells


def _gap_above(ordered: Sequence[TextLine], cell: TextLine) -> float | None:
    """The gap between ``cell`` and the nearest line above it that it lies under, if any."""
    gaps = [cell.top - ln.bottom for ln in ordered
            if ln.bottom <= cell.top + 0.3 * cell.height and min(ln.right, cell.right) - max(ln.left, cell.left) > 0]
    return min(gaps) if gaps else None


def paragraphs(lines: Sequence[TextLine]) -> list[TextLine]:
    """Lines with blocks assigned: a line continues the block of a line just above it (gap under a
    line height) that it overlaps horizontally by half the narrower of the two; else it starts one."""
    out: list[TextLine] = []
    last: dict[int, TextLine] = {}  # block -> its lowest line so far
    for line in sorted(_with_markers(lines), key=lambda ln: (ln.top, ln.left)):
        block = None
        for b, above in last.items():
            gap = line.top - above.bottom
            overlap = min(line.right, above.right) - max(line.left, above.left)
            if -0.5 * line.height < gap < line.height and overlap > 0.5 * min(line.right - line.left, above.right - above.left):
                block = b
                break
        if block is None:
            block = len(last)
        line = TextLine(line.left, line.top, line.right, line.bottom, line.text, block)
        last[block] = line
        out.append(line)
    return out


def _with_markers(lines: Sequence[TextLine]) -> list[TextLine]:
    """A list marker boxed apart ("78.", "•", "a)") joined to the text just right of it on its row,
    as one line: else the markers form a column of their own."""
    markers = [ln for ln in lines if _MARKER.match(ln.text)]
    out = [ln for ln in lines if not _MARKER.match(ln.text)]
    for marker in markers:
        for i, line in enumerate(out):
            overlap = min(line.bottom, marker.bottom) - max(line.top, marker.top)
            if overlap > 0.5 * min(line.height, marker.height) and 0 <= line.left - marker.right < 3 * line.height:
                out[i] = TextLine(marker.left, min(line.top, marker.top), line.right, max(line.bottom, marker.bottom),
                                  f"{marker.text} {line.text}", line.block)
                break
        else:
            out.append(marker)
    return out


def reading_order(lines: Sequence[TextLine], wrapped_cells: bool = True) -> str:
    """Text of a page: prose blocks whole, side-by-side field blocks as rows, columns left to right.

    A block is prose when its median line has ``PROSE_CHARS`` characters or more and it has more
    than one line, or it is one such line in the column of a prose block (Tesseract sometimes
    makes a block of a column's single line) with no field beside it; other blocks are fields.
    Field blocks whose vertical extents overlap are one group, read as rows. Prose blocks and field groups are then ordered
    by ``_xy_order``: bands top to bottom, columns within a band left to right. With
    ``wrapped_cells`` (Tesseract's tight boxes), a cell's wrapped lines are read with it (``bands``);
    RapidOCR's padded boxes leave rows as close as wrapped lines, and it joined rows (NTSB 5.8 -> 7.4 %).
    """
    blocks: dict[int, list[TextLine]] = {}
    for line in lines:
        if line.text.strip():
            blocks.setdefault(line.block, []).append(line)
    box = {b: _box(members) for b, members in blocks.items()}
    long = {b for b, members in blocks.items() if statistics.median(len(ln.text) for ln in members) >= PROSE_CHARS}
    columns = [box[b] for b in long if len(blocks[b]) > 1]
    # ...but a long label on a row of fields ("Observation Facility, Elevation:" beside its value)
    # is a field, though it lies over a prose column further down the form (NTSB 4.1 -> 3.6 %).
    short = [box[b] for b in blocks if b not in long]
    prose = {b for b in long if len(blocks[b]) > 1 or (
        any(_within_columns(box[b], c) for c in columns) and not any(_on_row(box[b], s) for s in short))}
    # Field blocks whose vertical extents overlap belong together (a form's label and value
    # columns, a table's cells): union them, then read each group as rows.
    group = {b: b for b in blocks}

    def root(b: int) -> int:
        while group[b] != b:
            b = group[b]
        return b

    fields = [b for b in blocks if b not in prose]
    line_height = statistics.median(ln.height for ln in lines) if lines else 1.0
    for i, a in enumerate(fields):
        for b in fields[i + 1:]:
            if min(box[a][3], box[b][3]) > max(box[a][1], box[b][1]) or (
                    wrapped_cells and _stacked(box[a], box[b], line_height)):
                group[root(b)] = root(a)
    units: list[tuple[tuple[float, float, float, float], list[str]]] = []
    for b in prose:
        units.append((box[b], _prose_lines(blocks[b])))
    for r in {root(f) for f in fields}:
        members = [ln for f in fields if root(f) == r for ln in blocks[f]]
        text = bands(_wrapped_cells(members, lines)) if wrapped_cells else rows(members, lines, wrapped_cells=False)
        units.append((_box(members), text))
    return "\n".join(text for unit in _xy_order(units) for text in unit[1])


def _prose_lines(lines: Sequence[TextLine]) -> list[str]:
    """A prose block's lines as the engine gave them, pieces of one line (cut at a wide gap, as
    after a heading's number: "6.5.1   Subject Preparation") put back together on one line."""
    out: list[str] = []
    previous = None
    for line in lines:
        if previous is not None and line.left >= previous.right and \
                min(line.bottom, previous.bottom) - max(line.top, previous.top) > 0.5 * min(line.height, previous.height):
            out[-1] += " " + line.text
        else:
            out.append(line.text)
        previous = line
    return out


def _stacked(upper, lower, line_height: float) -> bool:
    """True when one block lies just under the other, as a cell's wrapped line its own block may be."""
    if upper[1] > lower[1]:
        upper, lower = lower, upper
    gap = lower[1] - upper[3]
    return 0 <= gap < WRAP_GAP * line_height and min(upper[2], lower[2]) > max(upper[0], lower[0])


def _box(lines: Sequence[TextLine]) -> tuple[float, float, float, float]:
    return (min(ln.left for ln in lines), min(ln.top for ln in lines),
            max(ln.right for ln in lines), max(ln.bottom for ln in lines))


def _on_row(line, other) -> bool:
    """True when box ``other`` spans half the height of one-line box ``line`` or more: same row."""
    return min(line[3], other[3]) - max(line[1], other[1]) > 0.5 * (line[3] - line[1])


def _within_columns(inner, outer) -> bool:
    """True when ``inner`` lies (four-fifths of its width or more) within ``outer``'s left and right."""
    overlap = min(inner[2], outer[2]) - max(inner[0], outer[0])
    return overlap >= 0.8 * (inner[2] - inner[0])


def _xy_order(units: list) -> list:
    """Units (box, texts) in reading order by recursive XY cut, one cut at a time.

    A page is cut into columns where no unit crosses a vertical gap (left to right), or else
    into an upper and a lower part at the widest horizontal gap no unit spans; then each part
    again. Cutting at the widest gap only, not at every gap, keeps two columns whose paragraphs
    happen to end level from being cut into interleaved bands. What cannot be cut is read by
    its top edge.
    """
    if len(units) < 2:
        return units
    for start, end in ((0, 2), (1, 3)):  # columns (left/right) first, then bands (top/bottom)
        ordered = sorted(units, key=lambda u: u[0][start])
        best, at, reach = 0.0, 0, ordered[0][0][end]
        for i, unit in enumerate(ordered[1:], start=1):
            if unit[0][start] - reach > best:
                best, at = unit[0][start] - reach, i
            reach = max(reach, unit[0][end])
        if best > 0:
            return _xy_order(ordered[:at]) + _xy_order(ordered[at:])
    return sorted(units, key=lambda u: (u[0][1], u[0][0]))
