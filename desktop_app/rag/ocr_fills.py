"""Tinted panels made white before OCR, so Tesseract reads the dark text printed on them.

Report pages set a table's title in a grey band ("PERFORMANCE MEASURE: Percent increase in FEHB
premiums...", black on grey 163) and its rows on light grey. Tesseract's global threshold takes a
mid-grey band for ink: the band becomes one black shape, a picture to its layout analysis, and the
words on it are never read (2013 report p. 36 lost both of its measure names). A fill is a grey
level that covers a good part of the page in long flat runs, as no glyph does; its pixels, give or
take a few levels of antialiasing, are set to white and the text on it stays dark. Only fills
lighter than mid-grey are touched: a dark band carries white text (a table header), which
Tesseract already reads as inverted text. On the 30 pages of benchmarks/ocr.py: CER 4.6 -> 4.2 %,
word recall 97.5 -> 97.9 %. A global levels curve (everything above grey 180 to white) was tried
instead and lost pale print on other pages (CER 9.6 %).
"""

from __future__ import annotations

MIN_LEVEL = 128  # fills at least this light carry dark text; darker ones carry white text
MIN_SHARE = 0.003  # a fill covers at least this share of the page (a 1275 x 1651 page: 6,300 px)
RUN = 8  # a fill pixel has the same level this many pixels to its left and to its right...
FLAT_SHARE = 0.7  # ...for at least this share of the level's pixels (glyph strokes are 2-3 px wide)
FRINGE = 3  # levels either side of a fill's own, its antialiased edges, are whitened with it


def fill_levels(pixels) -> list[int]:
    """The grey levels (``MIN_LEVEL`` to 244) that are flat fills in ``pixels``, a 2-D uint8 array."""
    import numpy as np

    counts = np.bincount(pixels.ravel(), minlength=256)
    levels = []
    for level in range(MIN_LEVEL, 245):  # 245 and up is paper white already
        if counts[level] < MIN_SHARE * pixels.size or pixels.shape[1] <= 2 * RUN:
            continue
        same = pixels == level
        flat = same[:, RUN:-RUN] & same[:, :-2 * RUN] & same[:, 2 * RUN:]
        if flat.sum() >= FLAT_SHARE * counts[level]:
            levels.append(level)
    return levels


def whiten_fills(image):
    """``image`` (PIL) as greyscale, its light flat fills made white."""
    import numpy as np
    from PIL import Image

    grey = image.convert("L")
    pixels = np.asarray(grey)
    levels = fill_levels(pixels)
    if not levels:
        return grey
    pixels = pixels.copy()
    for level in levels:
        pixels[(pixels >= level - FRINGE) & (pixels <= level + FRINGE)] = 255
    return Image.fromarray(pixels)
