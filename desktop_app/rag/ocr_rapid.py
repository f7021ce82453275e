"""RapidOCR on ONNX Runtime (``rapidocr``): the engine for Chinese, and where Tesseract has no wheel.

Its PP-OCRv6 detection and (multilingual) recognition models ship inside the wheel, so nothing is
downloaded when it runs, and it uses OpenCV's headless build (no Qt libraries of its own beside
PySide6's). On the 30 pages of benchmarks/ocr.py it misreads fewer words than Tesseract (word
recall 99.4 % vs 97.5 %) but takes ~9x the CPU time per page (5.9 s vs 0.66 s) and six times
the disk (294 MB vs 47 MB), so it is used when Chinese is
selected (rag.ocr_languages) or tesserocr is not installed (macOS on Apple silicon has no tesserocr
wheel with libtesseract in it). It replaced ``rapidocr-onnxruntime`` 1.4.4 (PP-OCRv4), which ran
English words together (word recall 84 %) and required the full ``opencv-python`` with Qt 5 inside.
With English only, CJK characters in its result, which on a Latin page are misreadings, are dropped.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Sequence

from desktop_app.core.errors import DocumentError
from desktop_app.rag.ocr_layout import TextLine, paragraphs, reading_order

_CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff0f\uff1a-\uff20]")


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
            result = engine(pixels)
        boxes = [] if result.boxes is None else list(zip(result.boxes.tolist(), result.txts))
        text = lines_from_boxes(boxes)
        if "zh" not in self.languages:
            text = "\n".join(line for line in (_CJK.sub("", ln).strip() for ln in text.splitlines()) if line)
        return text

    @classmethod
    def _engine(cls):
        with cls._load_lock:
            if cls._shared is None:
                try:
                    from rapidocr import RapidOCR
                except ImportError as exc:
                    raise DocumentError(
                        f"OCR for this language is not installed ({exc.name or exc}); install SLM Assistant with its "
                        "'ocr-chinese' extra, choose English only (rag.ocr_languages = en), or turn OCR off (rag.ocr = off)."
                    ) from None
                # The angle classifier only flips upside-down text lines; scans are upright far
                # more often, and skipping it saves a model run per line.
                cls._shared = RapidOCR(params={"Global.use_cls": False, "Global.log_level": "warning"})
                # RapidOCR gives its logger its own (coloured) stderr handler; ours go to the app's
                # log file like every other library's (rule 12: log, don't print).
                for name in ("RapidOCR", "OrtInferSession"):
                    log = logging.getLogger(name)
                    log.handlers.clear()
                    log.setLevel(logging.WARNING)
                    log.propagate = True
            return cls._shared


def lines_from_boxes(result) -> str:
    """RapidOCR's boxes, ``(points, text)`` pairs, as text in reading order (``ocr_layout``).

    RapidOCR returns one box per run of text, and the cells of a table row come as separate boxes;
    it has no blocks, so ``paragraphs`` groups the boxes into blocks first. On the 30 pages of
    benchmarks/ocr.py this took its CER from 14.6 % (rows across the whole page) to 5.1 %.
    """
    lines = []
    for item in result:
        points, text = item[0], str(item[1]).strip()
        if text:
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            lines.append(TextLine(min(xs), min(ys), max(xs), max(ys), text))
    return reading_order(paragraphs(lines), wrapped_cells=False)  # its padded boxes: see reading_order
