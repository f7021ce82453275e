"""Text recognition (OCR) on this device for scanned PDF pages and images.

The engine is RapidOCR on ONNX Runtime (``rapidocr-onnxruntime``): its PP-OCRv4 detection and
recognition models ship inside the wheel, so nothing is downloaded when it runs. Its recognition
model reads Chinese (simplified) and Latin letters, digits and punctuation; with English only
selected (the default), CJK characters in the result, which on a Latin page are misreadings, are
dropped. No other language is available. onnxruntime, OpenCV and the models load on the first
page that needs OCR, never at start-up.

Pages are read one at a time, so the indexer's progress and cancel still come between pages.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Protocol, Sequence

from desktop_app.core.errors import DocumentError

# What rapidocr's bundled model can read; the keys are the values of rag.ocr_languages.
LANGUAGES = {"en": "English (and other Latin-script text without accents)", "zh": "Chinese (simplified)"}
_CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff0f\uff1a-\uff20]")


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


class RapidOcrEngine:
    """RapidOCR with its bundled models; loaded on first use, one per process, used under a lock.

    One engine holds ~100 MB of ONNX sessions, and onnxruntime already uses every core for one
    page, so pages are read one after another rather than in parallel.
    """

    _shared = None
    _load_lock = threading.Lock()
    _run_lock = threading.Lock()

    def __init__(self, languages: Sequence[str] = ("en",)) -> None:
        self.languages = tuple(languages)

    def read(self, image) -> str:
        engine = self._engine()
        import numpy as np

        pixels = np.asarray(image.convert("RGB"))[:, :, ::-1]  # RapidOCR expects OpenCV's BGR order
        with self._run_lock:
            result, _elapsed = engine(pixels)
        text = lines_from_boxes(result or [])
        if "zh" not in self.languages:
            text = "\n".join(line for line in (_CJK.sub("", ln).strip() for ln in text.splitlines()) if line)
        return text

    @classmethod
    def _engine(cls):
        with cls._load_lock:
            if cls._shared is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as exc:
                    raise DocumentError(
                        f"OCR is not installed ({exc.name or exc}); reinstall SLM Assistant, or turn OCR off (rag.ocr = off)."
                    ) from None
                # The angle classifier only flips upside-down text lines; scans are upright far
                # more often, and skipping it saves a model run per line.
                cls._shared = RapidOCR(use_cls=False)
                # RapidOCR gives its loggers their own stderr handlers at DEBUG; ours go to the
                # app's log file like every other library's (rule 12: log, don't print).
                for name in ("RapidOCR", "OrtInferSession"):
                    log = logging.getLogger(name)
                    log.handlers.clear()
                    log.setLevel(logging.WARNING)
                    log.propagate = True
            return cls._shared


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


def lines_from_boxes(result) -> str:
    """RapidOCR's boxes as text lines: boxes on one visual line joined left to right.

    RapidOCR returns one box per run of text, and the cells of a table row come as separate
    boxes. Boxes whose vertical extents overlap by half form a line; a wide gap between them
    becomes three spaces, which the chunker and ``table_rows`` read as a column gap.
    """
    boxes = []
    for item in result:
        points, text = item[0], str(item[1]).strip()
        if not text:
            continue
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        boxes.append((min(ys), max(ys), min(xs), max(xs), text))
    boxes.sort(key=lambda b: (b[0] + b[1]) / 2)
    lines: list[list[tuple]] = []
    for box in boxes:
        if lines:
            top = min(b[0] for b in lines[-1])
            bottom = max(b[1] for b in lines[-1])
            overlap = min(bottom, box[1]) - max(top, box[0])
            if overlap > 0.5 * min(bottom - top, box[1] - box[0]):
                lines[-1].append(box)
                continue
        lines.append([box])
    out = []
    for line in lines:
        line.sort(key=lambda b: b[2])
        parts = [line[0][4]]
        for prev, box in zip(line, line[1:]):
            height = max(1.0, box[1] - box[0])
            parts.append("   " if box[2] - prev[3] > 1.5 * height else " ")
            parts.append(box[4])
        out.append("".join(parts))
    return "\n".join(out)


def engine_for(options: OcrOptions | None) -> OcrEngine | None:
    """The engine the options ask for, or None when OCR is off."""
    if options is None or not options.enabled:
        return None
    return RapidOcrEngine(options.languages)


def is_blank(image) -> bool:
    """True for an image with no ink at all (an empty scanned page): no need to run OCR on it."""
    low, high = image.convert("L").getextrema()
    return high - low < 16
