"""Pages read by OCR: scanned PDF pages rendered with pypdfium2, and image files (PNG, JPEG, TIFF).

``OcrReader`` is what the loaders are given when OCR is on (``rag.ocr``); it renders and reads
one page at a time, so a 500-page scan still reports progress and can be cancelled between pages.
pypdfium2 and Pillow are imported only when a page needs them.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

from desktop_app.core.errors import DocumentError
from desktop_app.rag.document_files import Page, clean_text
from desktop_app.rag.ocr import OcrEngine, OcrOptions, engine_for, is_blank

MAX_IMAGE_PIXELS = 40_000_000  # a photo of 40 MP is scaled down first: OCR time and memory grow with pixels
_PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe: one call into it at a time in this process


class OcrReader:
    """Reads page images with an ``OcrEngine``; PDF pages are rendered at ``dpi`` first."""

    def __init__(self, engine: OcrEngine, dpi: int = 150) -> None:
        self.engine = engine
        self.dpi = dpi

    @classmethod
    def from_options(cls, options: OcrOptions | None) -> "OcrReader | None":
        engine = engine_for(options)
        return cls(engine, options.dpi) if engine is not None and options is not None else None

    def read(self, image) -> str:
        """The text of one page image; "" for a blank one (OCR is not run on it)."""
        if is_blank(image):
            return ""
        return clean_text(self.engine.read(image))


class PdfRenderer:
    """A PDF opened with PDFium, only to render the pages that need OCR; close() when done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._doc = None

    def render(self, index: int, dpi: int):
        """Page ``index`` (0-based) as a greyscale PIL image at ``dpi``."""
        import pypdfium2 as pdfium

        with _PDFIUM_LOCK:
            if self._doc is None:
                self._doc = pdfium.PdfDocument(str(self.path))
            page = self._doc[index]
            try:
                # Greyscale: OCR does not need colour, and a third of the pixels render faster.
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                try:
                    return bitmap.to_pil().copy()
                finally:
                    bitmap.close()
            finally:
                page.close()

    def close(self) -> None:
        with _PDFIUM_LOCK:
            doc, self._doc = self._doc, None
            if doc is not None:
                doc.close()


def image_pages(path: Path, reader: OcrReader | None) -> Iterator[Page]:
    """The text of an image file by OCR: one page per frame (a multi-page TIFF is a scan).

    Raises:
        DocumentError: OCR is off, the file is not an image, or no text was found in it.
    """
    if reader is None:
        raise DocumentError(f"{path.name}: an image; its text can be read only with OCR on (set rag.ocr to on).")
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise DocumentError(f"{path.name}: damaged or not really an image ({type(exc).__name__}).") from None
    found = False
    with image:
        frames = getattr(image, "n_frames", 1)
        try:
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                try:
                    text = reader.read(_fit(frame))
                except DocumentError as exc:  # OCR itself is missing
                    raise DocumentError(f"{path.name}: {exc.message}") from None
                if text:
                    found = True
                    yield Page(number, text, "image" if frames == 1 else f"page {number}")
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise DocumentError(f"{path.name}: damaged image ({exc}).") from None
    if not found:
        raise DocumentError(f"{path.name}: no text found in the image (OCR read nothing on it).")


def frame_count(path: Path) -> int:
    """Frames (pages) of an image file, for the progress bar; 1 when it cannot be told."""
    try:
        from PIL import Image

        with Image.open(path) as image:
            return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # noqa: BLE001 - the loader reports a damaged image with its own message
        return 1


def _fit(frame):
    frame = frame.convert("RGB")
    pixels = frame.width * frame.height
    if pixels > MAX_IMAGE_PIXELS:
        scale = (MAX_IMAGE_PIXELS / pixels) ** 0.5
        frame = frame.resize((max(1, int(frame.width * scale)), max(1, int(frame.height * scale))))
    return frame
