"""Indexing a scanned page from the command line writes no Leptonica complaints on the terminal.

The page is a real one: the photograph on the back cover of a corpus report (no text layer, so
indexing reads it by OCR), on which Tesseract's layout analysis makes Leptonica write "Error in
boxClipToRectangle: box outside rectangle" and "Error in pixScanForForeground: invalid box" to
file descriptor 2. The real CLI in a child process, as a user runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("tesserocr")

CORPUS = Path(os.environ.get("SLM_ASSISTANT_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
REPORT = CORPUS / "us-fed-agency-reports" / "2016-annual-performance-report.pdf"
PHOTO_PAGE = 166  # 0-based: the back cover, a photograph of the Capitol


def test_cli_index_of_a_photographed_page_writes_no_leptonica_lines_on_stderr(tmp_path, isolated_home):
    if not REPORT.is_file():
        pytest.skip(f"the document corpus is not at {CORPUS}")
    from pypdf import PdfReader, PdfWriter

    reader, writer = PdfReader(REPORT), PdfWriter()
    writer.add_page(reader.pages[PHOTO_PAGE])
    writer.add_page(reader.pages[3])  # and a page with a text layer, so the file is indexed
    scanned = tmp_path / "back-cover.pdf"
    with scanned.open("wb") as out:
        writer.write(out)

    run = subprocess.run([sys.executable, "-m", "desktop_app", "index", str(scanned), "--collection", "reports"],
                         capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Indexed 1 file: 2 pages" in run.stdout
    assert f"Indexing {scanned} (1/1)" in run.stderr  # the app's own progress line still shows
    assert "Error in" not in run.stderr and "box" not in run.stderr, run.stderr


def test_after_quieting_leptonica_python_and_native_writes_to_stderr_still_arrive(tmp_path):
    """Only Leptonica's messages go: the process's file descriptor 2 is left as it was."""
    code = ("import os, sys; from desktop_app.rag.ocr_tesseract import quiet_leptonica; "
            "assert quiet_leptonica(); print('python says', file=sys.stderr, flush=True); os.write(2, b'fd says\\n')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == ["python says", "fd says"]
