"""The reading-order reference of benchmarks/ocr.py: a page's text layer put in reading order by position.

A PDF's storage order is arbitrary (the corpus's report and NTSB pages store their running footer
first, which OCR rightly reads last), so ``ocr.py`` also scores OCR against the same characters in
reading order: ``cer_reading_order_reference``. How the order is built, and its limits, are in
``ocr.py``'s docstring.
"""

from __future__ import annotations

import statistics
from pathlib import Path


def reading_order_text_layer(path: Path, index: int) -> str:
    """The page's text layer in reading order by position (see the module docstring)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[index]
        textpage, height = page.get_textpage(), page.get_height()
        words: list[list] = []  # [left, top, right, bottom, text], y down
        word = None
        try:
            for i in range(textpage.count_chars()):
                char = chr(pdfium_c.FPDFText_GetUnicode(textpage, i)).replace("\x02", "\ufffe")  # as get_text_range
                if char.isspace():
                    word = None
                    continue
                box = pdfium_c.FS_RECTF()
                pdfium_c.FPDFText_GetLooseCharBox(textpage, i, box)
                left, top, right, bottom = box.left, height - box.top, box.right, height - box.bottom
                if word is not None and (right <= left or bottom <= top or _beside(word, left, top, bottom)):
                    word[:4] = min(word[0], left), min(word[1], top), max(word[2], right), max(word[3], bottom)
                    word[4] += char  # a character without a box (none here) stays with the word before it
                elif right > left and bottom > top:
                    word = [left, top, right, bottom, char]
                    words.append(word)
                else:  # a boxless character with no word before it: kept, at the page's top left
                    words.append([0.0, 0.0, 0.0, 0.0, char])
        finally:
            textpage.close()
            page.close()
    finally:
        doc.close()
    if not words:
        return ""
    line = statistics.median(w[3] - w[1] for w in words)
    return "\n".join(_xy_cut(words, line))


def _beside(word: list, left: float, top: float, bottom: float) -> bool:
    """True when a character box continues ``word`` on its line: overlapping it by half a height, and
    starting within half a height after its end."""
    size = min(word[3] - word[1], bottom - top)
    return min(word[3], bottom) - max(word[1], top) > 0.5 * size and -0.5 * size <= left - word[2] < 0.5 * size


def _runs(words: list, start: int, end: int, gap: float) -> list[list]:
    """``words`` cut along one axis (box indices ``start``, ``end``) wherever a blank wider than ``gap`` runs across."""
    ordered = sorted(words, key=lambda w: w[start])
    runs, reach = [[ordered[0]]], ordered[0][end]
    for w in ordered[1:]:
        if w[start] - reach > gap:
            runs.append([w])
        else:
            runs[-1].append(w)
        reach = max(reach, w[end])
    return runs


def _text_lines(words: list) -> list[str]:
    lines: list[list] = []  # [top, bottom, words]
    for w in sorted(words, key=lambda w: (w[1] + w[3]) / 2):
        if lines and min(lines[-1][1], w[3]) - max(lines[-1][0], w[1]) > 0.5 * min(lines[-1][1] - lines[-1][0], w[3] - w[1]):
            lines[-1][0], lines[-1][1] = min(lines[-1][0], w[1]), max(lines[-1][1], w[3])
            lines[-1][2].append(w)
        else:
            lines.append([w[1], w[3], [w]])
    return [" ".join(w[4] for w in sorted(ws, key=lambda w: w[0])) for _, _, ws in lines]


def _xy_cut(words: list, line: float) -> list[str]:
    """Recursive XY cut: prose columns, then bands, then cells; else lines (module docstring)."""
    def prose(part: list) -> bool:
        lines = sorted(len(text) for text in _text_lines(part))
        return len(lines) >= 3 and lines[len(lines) // 2] >= 30

    if len(words) > 1:
        columns = _runs(words, 0, 2, line)
        if len(columns) > 1 and all(prose(part) for part in columns):
            return [text for part in columns for text in _xy_cut(part, line)]
        for start, end, gap in ((1, 3, 0.5 * line), (0, 2, line)):
            parts = _runs(words, start, end, gap)
            if len(parts) > 1:
                return [text for part in parts for text in _xy_cut(part, line)]
    return _text_lines(words)
