"""Office, OpenDocument, web, e-book and e-mail loaders on real files written in the test."""

from __future__ import annotations

import pytest

from desktop_app.core.errors import DocumentError
from desktop_app.rag.loaders import is_supported, load_pages
from desktop_app.rag.document_files import file_dialog_filter
from desktop_app.rag.sections import Block, sections, table_lines
from tests import office_fixtures as ox


def reason(path) -> str:
    with pytest.raises(DocumentError) as err:
        list(load_pages(path))
    return err.value.message


def test_docx_keeps_headings_as_sections_and_tables_as_header_value_rows(tmp_path):
    pages = list(load_pages(ox.write_docx(tmp_path / "plan.docx")))
    assert [p.unit for p in pages] == ["section 1: Harbour crane maintenance plan", "section 2: Spare parts suppliers"]
    assert [p.number for p in pages] == [1, 2]
    second = pages[1].text
    assert "Part | Supplier | Lead time" in second
    assert "Part: Slewing bearing | Supplier: Kessler Antriebe | Lead time: 14 weeks" in second
    # The table sits where it is in the document: between the two paragraphs of its section.
    assert second.index("framework contract") < second.index("Kessler") < second.index("harbour master")


def test_pptx_one_page_per_slide_with_tables_and_notes(tmp_path):
    pages = list(load_pages(ox.write_pptx(tmp_path / "review.pptx")))
    assert [(p.number, p.unit) for p in pages] == [(1, "slide 1"), (2, "slide 2"), (3, "slide 3")]
    assert pages[0].text.startswith("Quarterly fleet review")
    assert "Depot: Marsh Lane | Buses: 18 | Trams: 12" in pages[1].text
    assert "Notes: The charging contractor Voltaris starts work on 4 May." in pages[2].text


def test_xlsx_each_sheet_with_its_header_cited_by_row_range(tmp_path):
    pages = list(load_pages(ox.write_xlsx(tmp_path / "budget.xlsx", budget_rows=250)))
    units = [p.unit for p in pages]
    # 251 data rows under the header row 1: units of at most 200 rows (fewer when long), then Staff.
    budget = [u for u in units if u.startswith("Sheet Budget")]
    assert budget[0].startswith("Sheet Budget, rows 2–") and budget[-1].endswith("–252")
    assert units[-1] == "Sheet Staff, rows 2–3"
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    last = next(p for p in pages if "Lighthouse" in p.text)
    assert last.unit.endswith("–252")
    assert "Item: Lighthouse lens refurbishment | Department: Maritime heritage | Cost (EUR): 48250" in last.text
    assert all(p.text.startswith("Sheet Budget\n") and "Item | Department | Cost (EUR)" in p.text for p in pages if "Budget" in p.unit)
    # Consecutive units cover consecutive rows: none lost, none twice.
    ranges = [tuple(int(x) for x in u.split("rows ")[1].split("–")) for u in budget]
    assert all(b[0] == a[1] + 1 for a, b in zip(ranges, ranges[1:]))
    assert "Name: Tomasz Wrona | Role: Crane operator | Start date: 2019-11-15" in pages[-1].text


def test_csv_rows_carry_the_header_and_are_cited_by_rows(tmp_path):
    pages = list(load_pages(ox.write_csv(tmp_path / "rain.csv")))
    assert [p.unit for p in pages] == ["rows 2–32"]
    assert "station: Grimsvik ridge | rainfall_mm: 212 | month: March" in pages[0].text


def test_html_sections_without_scripts_and_with_table_rows(tmp_path):
    pages = list(load_pages(ox.write_html(tmp_path / "notice.html")))
    text = "\n".join(p.text for p in pages)
    assert "do not index me" not in text and "color:red" not in text
    assert [p.unit for p in pages] == ["section 1: Winter ferry timetable", "section 2: Fares"]
    assert "Ticket: Adult single | Price: 54 NOK" in pages[1].text
    assert "07:40 and 16:10" in pages[0].text


def test_odt_headings_and_tables_and_a_password_protected_one(tmp_path):
    pages = list(load_pages(ox.write_odt(tmp_path / "rules.odt")))
    assert [p.unit for p in pages] == ["section 1: Allotment society rules", "section 2: Plot fees"]
    assert "Bonfires are allowed only in November." in pages[0].text
    assert "Plot size: Half plot | Annual fee: 35 pounds" in pages[1].text
    assert "protected with a password" in reason(ox.write_odt(tmp_path / "locked.odt", encrypted=True))


def test_epub_chapters_in_spine_order(tmp_path):
    pages = list(load_pages(ox.write_epub(tmp_path / "keeper.epub")))
    assert [p.unit for p in pages] == ["chapter 1: The keeper", "chapter 2: The storm"]
    assert "forty winters" in pages[0].text and "1953" in pages[1].text


@pytest.mark.parametrize("html", [False, True])
def test_eml_headers_body_and_attachment_names(tmp_path, html):
    (page,) = list(load_pages(ox.write_eml(tmp_path / "mail.eml", html=html)))
    assert page.unit == "message: Budget approval for the quay lighting"
    assert "From: Astrid Holm <astrid@example.org>" in page.text
    assert "120,000 euros for LED quay lighting" in page.text
    assert "Attachments (not indexed): quote.pdf" in page.text


@pytest.mark.parametrize("suffix", [".docx", ".pptx", ".xlsx"])
def test_password_protected_office_files_get_a_plain_reason(tmp_path, suffix):
    assert "protected with a password" in reason(ox.encrypted_office(tmp_path / f"locked{suffix}"))


@pytest.mark.parametrize("writer,suffix,expected", [
    (ox.write_docx, ".docx", "damaged"),
    (ox.write_pptx, ".pptx", "damaged"),
    (ox.write_xlsx, ".xlsx", "damaged"),
    (ox.write_epub, ".epub", "damaged"),
    (ox.write_odt, ".odt", "damaged"),
])
def test_truncated_archives_get_a_plain_reason(tmp_path, writer, suffix, expected):
    good = writer(tmp_path / f"good{suffix}")
    message = reason(ox.truncated(tmp_path / f"cut{suffix}", good))
    assert expected in message and message.startswith(f"cut{suffix}: ")


def test_an_old_binary_file_renamed_and_a_zip_that_is_not_office(tmp_path):
    old = tmp_path / "old.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    assert "older binary Office file" in reason(old)
    empty_sheet = tmp_path / "empty.xlsx"
    from openpyxl import Workbook

    Workbook().save(str(empty_sheet))
    assert "contains no data" in reason(empty_sheet)


def test_supported_suffixes_and_the_dialog_filter_list_every_new_type():
    from pathlib import Path

    for suffix in (".docx", ".pptx", ".xlsx", ".csv", ".html", ".htm", ".odt", ".epub", ".eml", ".png", ".jpg",
                   ".jpeg", ".tif", ".tiff"):
        assert is_supported(Path(f"x{suffix}")), suffix
        assert f"*{suffix}" in file_dialog_filter().split(";;")[0]
    assert not is_supported(Path("x.vsdx"))


@pytest.mark.parametrize("rows,expected", [
    ([["A", "B"], ["1", "2"]], ["A | B", "A: 1 | B: 2"]),
    ([["Name", ""], ["Kari", "x"]], ["Name", "Name: Kari | x"]),
    ([["only one row", "here"]], ["only one row | here"]),
    ([["one column"], ["value"]], ["one column", "value"]),
    ([["", ""], ["", ""]], []),
])
def test_table_lines(rows, expected):
    assert table_lines(rows) == expected


def test_sections_cut_long_text_and_keep_the_heading():
    blocks = [Block("Intro", 1)] + [Block("word " * 300) for _ in range(6)]
    pages = list(sections(blocks))
    assert len(pages) > 1 and all(p.unit.endswith(": Intro") for p in pages)
    assert all(len(p.text) <= 4000 + 1600 for p in pages)


def test_sheet_rows_are_chunked_whole_under_their_header_row(tmp_path):
    from desktop_app.rag.chunker import Chunker

    first = next(iter(load_pages(ox.write_xlsx(tmp_path / "budget.xlsx", budget_rows=60))))
    chunks = Chunker().chunk_page(first.number, first.text)
    assert len(chunks) > 2
    for chunk in chunks:
        lines = chunk.text.splitlines()
        assert "Item | Department | Cost (EUR)" in lines[:2], lines[:2]  # each part says what its columns are
        rows = [ln for ln in lines if ln.startswith("Item: ")]
        assert rows and all(ln.count(" | ") == 2 and "Cost (EUR): " in ln for ln in rows)
