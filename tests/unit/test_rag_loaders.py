"""Loaders: every way a document can fail gives one plain line; odd but valid files load."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.errors import DocumentError
from desktop_app.rag.loaders import LoaderLimits, load_pages, walk
from tests import rag_fixtures as fx


@pytest.fixture
def good_pdf(tmp_path) -> Path:
    return fx.write_pdf(tmp_path / "good.pdf", [["# Title", "First page text about turbines."], ["Second page on gearboxes."]])


def reason(path: Path, limits: LoaderLimits | None = None) -> str:
    with pytest.raises(DocumentError) as info:
        list(load_pages(path, limits) if limits else load_pages(path))
    message = info.value.message
    assert "\n" not in message and message.startswith(path.name)
    return message


def test_good_pdf_streams_pages_with_numbers(good_pdf):
    pages = load_pages(good_pdf)
    first = next(pages)  # a generator: pages come one at a time
    assert first.number == 1 and "turbines" in first.text
    assert [p.number for p in pages] == [2]


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda d, g: fx.zero_byte(d / "empty.pdf"), "empty (0 bytes)"),
        (lambda d, g: fx.fake_pdf(d / "fake.pdf"), "not really a PDF"),
        (lambda d, g: fx.encrypted_pdf(d / "locked.pdf", g), "encrypted with a password"),
        (lambda d, g: fx.truncated_pdf(d / "cut.pdf", g), "damaged or truncated"),
        (lambda d, g: fx.image_only_pdf(d / "scan.pdf"), "needs OCR"),
    ],
)
def test_broken_documents_get_one_clear_reason(tmp_path, good_pdf, make, expected):
    path = make(tmp_path, good_pdf)
    assert expected in reason(path)


def test_too_large_is_refused_before_reading(good_pdf):
    assert "too large" in reason(good_pdf, LoaderLimits(max_file_bytes=100))


def test_time_budget_stops_a_slow_file(good_pdf):
    assert "took longer than" in reason(good_pdf, LoaderLimits(time_budget_s=-1))


def test_pdf_that_trips_pypdf_defaults_loads_with_our_limits(tmp_path):
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    path = fx.huge_array_pdf(tmp_path / "filing.pdf", elements=120_000)
    with pytest.raises(LimitReachedError, match="maximum array element count"):
        PdfReader(str(path)).pages[0].extract_text()  # pypdf 7.1 defaults
    pages = list(load_pages(path))
    assert "Meridian audit closed without findings" in pages[0].text
    # and the limits are still bounded: a stricter budget refuses the same file in plain words
    assert "safety limits" in reason(path, LoaderLimits(array_elements=50_000))


def test_text_and_markdown_are_cut_into_sections(tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("# Notes\n\n" + "\n\n".join(f"Paragraph {i} " + "word " * 150 for i in range(12)), encoding="utf-8")
    pages = list(load_pages(md))
    assert len(pages) > 2 and [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert "Paragraph 0" in pages[0].text and "Paragraph 11" in pages[-1].text


def test_binary_file_named_txt_is_refused(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(b"\x00\x01\x02binary" * 100)
    assert "not a text file" in reason(path)


def test_walk_recurses_and_reports_unsupported_and_missing(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "a" / "b" / "two.md").write_text("x")
    (tmp_path / "a" / "b" / "three.vsdx").write_text("x")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    supported, unsupported, missing = walk([str(tmp_path / "a"), str(tmp_path / "nope")])
    assert [p.name for p in supported] == ["one.pdf", "two.md"]
    assert [p.name for p in unsupported] == ["three.vsdx"]
    assert [p.name for p in missing] == ["nope"]


def test_a_page_that_cannot_be_read_is_left_out_not_the_document(tmp_path, monkeypatch):
    from desktop_app.rag.loaders import PdfDocument

    path = fx.write_pdf(tmp_path / "three.pdf", [["Page one about pumps."], ["Page two about valves."], ["Page three about gears."]])
    real = PdfDocument._extract

    def flaky(self, index, deadline):
        if index == 1:
            raise KeyError("/Font")  # the kind of error a damaged page raises inside pypdf
        return real(self, index, deadline)

    monkeypatch.setattr(PdfDocument, "_extract", flaky)
    doc = PdfDocument(path)
    assert [p.number for p in doc.pages()] == [1, 3]
    assert doc.failed_pages == [2]


def test_table_cells_drawn_separately_come_out_as_one_row_per_line(tmp_path):
    rows = [("Segment", "Q1", "Q2"), ("Intelligent Cloud", "26,708", "28,516"), ("More Personal Computing", "15,580", "13,369")]
    path = fx.write_pdf(tmp_path / "table.pdf", [["Revenue by segment", rows]])
    (page,) = list(load_pages(path))
    lines = [" ".join(line.split()) for line in page.text.splitlines()]
    assert "Intelligent Cloud 26,708 28,516" in lines
    assert "More Personal Computing 15,580 13,369" in lines


def test_pdf_protected_only_by_an_owner_password_is_read(tmp_path, good_pdf):
    path = fx.encrypted_pdf(tmp_path / "print-protected.pdf", good_pdf, password="")
    assert [p.number for p in load_pages(path)] == [1, 2]


def test_rotated_table_is_not_dropped(tmp_path):
    (page,) = list(load_pages(fx.rotated_table_pdf(tmp_path / "landscape.pdf")))
    assert "Segment results" in page.text
    assert all(f"Region {i}" in page.text for i in range(5))
