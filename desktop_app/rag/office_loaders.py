"""Office loaders: Word (.docx), PowerPoint (.pptx), Excel (.xlsx) and CSV files as cited pages.

Each is cited by its natural unit: a Word file by section (its headings), a slide by its number
("slide 3", notes included), a sheet by its rows ("Sheet Budget, rows 2–40", every row carrying
its column headers). python-docx, python-pptx and openpyxl are imported only when such a file is
read. Every failure is a ``DocumentError`` with one plain line: password-protected, an old binary
format under a new name, or a damaged archive.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import zipfile
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from desktop_app.core.errors import DocumentError
from desktop_app.rag.document_files import PAGE_CHARS, Page, clean_text
from desktop_app.rag.sections import Block, row_line, sections, table_lines

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file header of .doc/.xls/.ppt and of encrypted OOXML
SHEET_ROWS = 200  # most rows in one cited unit of a sheet (fewer when the rows are long)


def check_archive(path: Path, kind: str) -> None:
    """Refuse, with a plain reason, an Office file that is encrypted, in an old format or damaged.

    An Office file saved with a password is not a ZIP archive at all but an OLE compound file
    holding an "EncryptedPackage" stream; an old .doc/.xls renamed to .docx is OLE too.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if head.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in head or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in head:
            raise DocumentError(f"{path.name}: protected with a password; open it, save a copy without the password and add that.")
        raise DocumentError(f"{path.name}: an older binary Office file named {path.suffix}; open it and save it as {kind}.")
    if not zipfile.is_zipfile(path):
        raise DocumentError(f"{path.name}: damaged or not really a {kind} file (it is not a valid ZIP archive).")
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise DocumentError(f"{path.name}: damaged {kind} file ({exc}).") from None
    if bad is not None:
        raise DocumentError(f"{path.name}: damaged {kind} file (the part {bad} is corrupt).")


def _damaged(path: Path, kind: str, exc: Exception) -> DocumentError:
    detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
    return DocumentError(f"{path.name}: damaged or unreadable {kind} file ({detail}).")


# ------------------------------------------------------------------------------------ Word


def docx_pages(path: Path) -> Iterator[Page]:
    """Sections of a Word document: headings start them; tables become "Header: value" rows."""
    check_archive(path, ".docx")
    try:
        import docx

        document = docx.Document(str(path))
        blocks = list(_docx_blocks(document))
    except DocumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises many types on damaged parts
        raise _damaged(path, ".docx", exc) from None
    yield from _non_empty(path, sections(blocks))


def _docx_blocks(document) -> Iterator[Block]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    # The body in reading order: paragraphs and tables interleaved (document.paragraphs alone
    # would lose where each table sits, and document.tables their place under a heading).
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            yield Block(para.text, _heading_level(para))
        elif tag == "tbl":
            table = Table(child, document)
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            for line in table_lines(rows):
                yield Block(line)


def _heading_level(paragraph) -> int:
    """1-6 for "Title", "Heading 1"... (the built-in style names, also in translated Word), else 0."""
    try:
        name = (paragraph.style.name or "") if paragraph.style is not None else ""
    except Exception:  # noqa: BLE001 - a style id with no definition
        name = ""
    if name == "Title":
        return 1
    if name.startswith("Heading"):
        tail = name[len("Heading"):].strip()
        return int(tail) if tail.isdigit() and 1 <= int(tail) <= 6 else 1
    return 0


# ------------------------------------------------------------------------------ PowerPoint


def pptx_pages(path: Path) -> Iterator[Page]:
    """One page per slide ("slide N"): its title, its text and tables, then its speaker notes."""
    check_archive(path, ".pptx")
    try:
        from pptx import Presentation

        slides = list(Presentation(str(path)).slides)
    except Exception as exc:  # noqa: BLE001 - python-pptx raises many types on damaged parts
        raise _damaged(path, ".pptx", exc) from None
    found = False
    for number, slide in enumerate(slides, start=1):
        try:
            lines = _slide_lines(slide)
        except Exception as exc:  # noqa: BLE001 - one damaged slide must not cost the others
            raise _damaged(path, ".pptx", exc) from None
        text = clean_text("\n".join(lines))
        if text:
            found = True
            yield Page(number, text, f"slide {number}")
    if not found:
        raise DocumentError(f"{path.name}: contains no text (its slides may hold only pictures).")


def _slide_lines(slide) -> list[str]:
    lines: list[str] = []
    title = slide.shapes.title
    if title is not None and title.has_text_frame and title.text_frame.text.strip():
        lines.append(title.text_frame.text.strip())
    for shape in _shapes(slide.shapes):
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            lines.extend(table_lines(rows))
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            lines.extend(p for p in shape.text_frame.text.splitlines() if p.strip())
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            lines.append("Notes: " + " ".join(notes.text.split()))
    return lines


def _shapes(shapes) -> Iterator:
    """Shapes in order, the members of groups included."""
    for shape in shapes:
        if getattr(shape, "shape_type", None) == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _shapes(shape.shapes)
        else:
            yield shape


# ----------------------------------------------------------------------------- Excel, CSV


def xlsx_pages(path: Path) -> Iterator[Page]:
    """Each sheet's rows in units of up to SHEET_ROWS rows, cited "Sheet Budget, rows 2–40".

    The sheet's first non-empty row is its header; every later row is written "Header: value",
    so a figure found by a search says which column it is.
    """
    check_archive(path, ".xlsx")
    try:
        from openpyxl import load_workbook

        # read_only streams rows (a 100,000-row sheet never sits in memory whole); data_only
        # reads the values that formulas last computed (what the user sees), not the formulas.
        book = load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on damaged workbooks
        raise _damaged(path, ".xlsx", exc) from None
    number = 0
    try:
        for sheet in book.worksheets:
            try:
                rows = ((i, [_cell_text(v) for v in values]) for i, values in
                        enumerate(sheet.iter_rows(values_only=True), start=sheet.min_row or 1))
                for first, last, text in sheet_units(rows, f"Sheet {sheet.title}"):
                    number += 1
                    yield Page(number, text, f"Sheet {sheet.title}, rows {first}–{last}")
            except DocumentError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise _damaged(path, ".xlsx", exc) from None
    finally:
        book.close()
    if number == 0:
        raise DocumentError(f"{path.name}: contains no data (every sheet is empty).")


def csv_pages(path: Path) -> Iterator[Page]:
    """The rows of a CSV file, with its header row, in units cited "rows 2–40"."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if b"\x00" in raw[:8192]:
        raise DocumentError(f"{path.name}: not a text file (it contains binary data).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    del raw
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    number = 0
    try:
        for first, last, body in sheet_units(enumerate(reader, start=1), ""):
            number += 1
            yield Page(number, body, f"rows {first}–{last}")
    except csv.Error as exc:
        raise DocumentError(f"{path.name}: not a valid CSV file ({exc}).") from None
    if number == 0:
        raise DocumentError(f"{path.name}: contains no data.")


def sheet_units(rows: Iterable[tuple[int, Sequence[str]]], title: str) -> Iterator[tuple[int, int, str]]:
    """(first row, last row, text) of each unit of a sheet's data rows, under its header row.

    Each unit starts with ``title`` and the header row, so it is understood on its own; the
    header row itself is in the first unit only as a line, and in every row as "Header: value".
    """
    header: list[str] | None = None
    lines: list[str] = []
    first = last = 0
    size = 0

    def unit() -> tuple[int, int, str]:
        # The title stands apart (a blank line) so that the chunker takes the header row alone
        # as the table's header and repeats it at the top of every chunk of these rows.
        head = [title, ""] if title else []
        head.append(" | ".join(c for c in header or [] if c))
        return first, last, clean_text("\n".join(head + lines))

    for index, cells in rows:
        cells = [" ".join(str(c).split()) for c in cells]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if header is None:
            header = cells
            first = last = index
            continue
        line = row_line(header, cells)
        if lines and (len(lines) >= SHEET_ROWS or size + len(line) > PAGE_CHARS):
            yield unit()
            lines, size = [], 0
        if not lines:
            first = index
        lines.append(line)
        last = index
        size += len(line) + 1
    if lines:
        yield unit()
    elif header is not None:  # a sheet of one row: the row is the data
        yield first, last, clean_text("\n".join(([title] if title else []) + [" | ".join(c for c in header if c)]))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.10g}"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def _non_empty(path: Path, pages: Iterable[Page]) -> Iterator[Page]:
    found = False
    for page in pages:
        found = True
        yield page
    if not found:
        raise DocumentError(f"{path.name}: contains no text.")
