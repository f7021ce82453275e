"""OCR with the real engines in a real Library home: corpus pages rendered to an image-only PDF
and to a PNG are indexed by the default engine (Tesseract), found by a phrase of that page, and
cited to the right page; both engines run in a process that has a QApplication (no Qt plugin clash).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.services.library import Library
from tests.rag_fixtures import drain

pytestmark = pytest.mark.slow
pytest.importorskip("tesserocr")

CORPUS = Path(os.environ.get("SLM_ASSISTANT_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
REPORT = CORPUS / "ntsb-aviation-incident-accident-reports" / "20071229X02007.pdf"


def render(index: int, dpi: int = 150):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(REPORT))
    try:
        return doc[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("RGB")
    finally:
        doc.close()


def test_a_scanned_pdf_and_a_photo_of_a_page_are_read_by_ocr_and_cited_to_their_page(tmp_path):
    if not REPORT.is_file():
        pytest.skip(f"the document corpus is not at {CORPUS}")
    folder = tmp_path / "scans"
    folder.mkdir()
    # Pages 1-3 of a real report as a scan: an image-only PDF (no text layer at all).
    first, *rest = [render(i) for i in range(3)]
    first.save(folder / "scanned report.pdf", save_all=True, append_images=rest, resolution=150)
    render(1).save(folder / "page photo.png")

    settings = Settings()
    settings.set("rag.embedder", "fake-hash-384")
    assert settings.rag.ocr is True and settings.rag.ocr_languages == ["en"]  # on, English, by default
    lib = Library(AppPaths.resolve(tmp_path / "home"), settings, MachinePolicy())
    try:
        progress = []
        report = drain(lib.index([str(folder)]), progress.append)
        assert report.files_indexed == 2 and not report.failed, report.failed
        assert any("3 scanned pages of 3 read by OCR" in p.message for p in progress)
        vectors, keywords = lib.stores.open()
        # Page 2 names the aircraft's owner and engine maker; pages 1 and 3 do not.
        found = keywords.search("Lycoming Forman", 5)
        pdf_hits = [c for c, _ in found if c.source.endswith("scanned report.pdf")]
        png_hits = [c for c, _ in found if c.source.endswith("page photo.png")]
        assert pdf_hits and pdf_hits[0].page == 2 and "Lycoming" in pdf_hits[0].text
        assert png_hits and png_hits[0].unit == "image" and "Forman" in png_hits[0].text
        # Page 1's probable cause, read from the picture, is cited to page 1.
        hits = [h for h in lib.search("pilot misjudged clearance over obstacles during final approach", k=5)
                if h.source.endswith(".pdf")]
        assert hits and hits[0].page == 1 and hits[0].place == "page 1"
    finally:
        lib.close()


def test_an_image_with_no_text_is_named_and_the_rest_indexed(tmp_path):
    from PIL import Image, ImageDraw

    folder = tmp_path / "photos"
    folder.mkdir()
    img = Image.new("RGB", (800, 600), (120, 160, 200))
    ImageDraw.Draw(img).ellipse((200, 150, 600, 450), fill=(240, 200, 40))
    img.save(folder / "sunset.jpg")
    (folder / "notes.md").write_text("# Notes\n\nThe ferry to Skarvøy leaves at 07:40.\n", encoding="utf-8")
    settings = Settings()
    settings.set("rag.embedder", "fake-hash-384")
    lib = Library(AppPaths.resolve(tmp_path / "home"), settings, MachinePolicy())
    try:
        report = drain(lib.index([str(folder)]))
    finally:
        lib.close()
    assert report.files_indexed == 1
    (problem,) = report.failed
    assert problem.path.endswith("sunset.jpg") and problem.reason == "no text found in the image (OCR read nothing on it)."


QT_AND_OCR = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel("OCR beside Qt")
label.show()
app.processEvents()
from desktop_app.rag.ocr_pages import OcrReader, PdfRenderer
from desktop_app.rag.ocr_rapid import RapidOcrEngine
from desktop_app.rag.ocr_tesseract import TesseractOcrEngine
renderer = PdfRenderer(__import__("pathlib").Path(sys.argv[1]))
image = renderer.render(1, 150)
renderer.close()
import os
for engine in (TesseractOcrEngine(), RapidOcrEngine()):
    text = OcrReader(engine).read(image)
    print(type(engine).__name__, "Lycoming" in text, os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH"), flush=True)
label.close()
app.processEvents()
"""


def test_both_engines_read_a_page_in_a_process_with_a_qapplication():
    """OCR must not disturb Qt: the full OpenCV build carried Qt 5 and set QT_QPA_PLATFORM_PLUGIN_PATH
    to its plugins on import; the headless one that RapidOCR now uses, and Tesseract, do neither."""
    pytest.importorskip("rapidocr")
    if not REPORT.is_file():
        pytest.skip(f"the document corpus is not at {CORPUS}")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", QT_AND_OCR, str(REPORT)], capture_output=True, text=True,
                         timeout=300, env=env, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["TesseractOcrEngine", "True", "None", "RapidOcrEngine", "True", "None"], out.stderr[-2000:]


def _corpus_page(folder: str, name: str, index: int):
    import pypdfium2 as pdfium

    path = CORPUS / folder / name
    if not path.is_file():
        pytest.skip(f"the document corpus is not at {CORPUS}")
    doc = pdfium.PdfDocument(str(path))
    try:
        return doc[index].render(scale=150 / 72, grayscale=True).to_pil()
    finally:
        doc.close()


def test_tesseract_reads_a_wrapped_form_value_and_table_header_cells_whole():
    """Real pages at the benchmark's 150 dpi: a form value that wraps in its cell (NTSB) and a table's
    two-line header cells (an agency report) are read whole, as their text layers read them."""
    from desktop_app.rag.ocr_pages import OcrReader
    from desktop_app.rag.ocr_tesseract import TesseractOcrEngine

    reader = OcrReader(TesseractOcrEngine())
    form = reader.read(_corpus_page("ntsb-aviation-incident-accident-reports", "20080111X00041.pdf", 2))
    assert any("Medical Certification:" in row and "Class 3 Without Waivers/Limitations" in row
               for row in form.splitlines()), form
    table = reader.read(_corpus_page("us-fed-agency-reports", "2013-annual-performance-report.pdf", 35))
    assert "FY 2009 Results   FY 2010 Results   FY 2011 Results" in table, table
