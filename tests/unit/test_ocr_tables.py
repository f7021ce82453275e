"""Tables read by OCR: rows read cell by cell, rules read as "|", prose lines cut at a gap, tinted panels."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from desktop_app.rag.ocr_fills import fill_levels, whiten_fills
from desktop_app.rag.ocr_layout import TextLine, bands, reading_order
from desktop_app.rag.ocr_tesseract import _cells


def line(x0, y0, x1, y1, text, block=0):
    return TextLine(x0, y0, x1, y1, text, block)


# A report's table header as Tesseract boxes it on the FY 2022 report (p. 54), lines 14 px high:
# two-line cells side by side, a four-line and a three-line cell centred beside them, then the
# data row 50 px below.
HEADER = [
    line(431, 208, 498, 222, "FY 2018"), line(437, 228, 493, 243, "Result"),
    line(526, 208, 593, 222, "FY 2019"), line(532, 228, 588, 243, "Result"),
    line(1009, 187, 1075, 201, "FY 2022"), line(1013, 207, 1071, 225, "Target"),
    line(1023, 227, 1061, 245, "Met/"), line(1008, 249, 1077, 263, "Not Met"),
    line(1109, 198, 1183, 212, "FY 2018-"), line(1113, 219, 1180, 233, "FY 2022"), line(1120, 238, 1172, 253, "Trend"),
    line(462, 338, 466, 350, "-"), line(557, 338, 561, 350, "-"), line(1011, 335, 1073, 347, "Not Met"),
]


def test_a_header_of_wrapped_cells_is_one_row_read_cell_by_cell():
    expected = ["FY 2018 Result   FY 2019 Result   FY 2022 Target Met/ Not Met   FY 2018- FY 2022 Trend", "-   -   Not Met"]
    assert bands(HEADER) == expected
    assert reading_order(HEADER).splitlines() == expected
    # Before, the header was read line by line across the cells.
    assert "FY 2018   FY 2019" not in reading_order(HEADER)


@pytest.mark.parametrize("lines,expected", [
    ([], []),
    # Rows 10 px apart (half a line height) stay rows, each read left to right.
    ([line(50, 100, 200, 120, "Aircraft Make:"), line(260, 100, 330, 120, "Reims"),
      line(50, 130, 200, 150, "Model/Series:"), line(260, 130, 330, 150, "F172 M")],
     ["Aircraft Make:   Reims", "Model/Series:   F172 M"]),
    # Lines 3 px apart under one another are one cell, whatever the order they come in.
    ([line(100, 123, 160, 140, "Results"), line(100, 100, 160, 120, "FY 2009"), line(200, 110, 260, 130, "7.3%")],
     ["FY 2009 Results   7.3%"]),
])
def test_bands(lines, expected):
    assert bands(lines) == expected


def test_a_prose_line_cut_at_a_wide_gap_is_read_as_one_line():
    # Tesseract's one line "6.5.1      Subject Preparation for Study Treatment", cut at its gap.
    prose = [line(100, 100, 160, 120, "6.5.1"), line(260, 100, 900, 120, "Subject Preparation for Study Treatment and more"),
             line(100, 125, 900, 145, "the subject is prepared for the study treatment as follows in order")]
    assert reading_order(prose).splitlines() == [
        "6.5.1 Subject Preparation for Study Treatment and more",
        "the subject is prepared for the study treatment as follows in order"]


class _Word:
    """One word as tesserocr's result iterator gives it, for ``_cells``."""

    def __init__(self, box, text, line_id, previous):
        self.box, self.text, self.line_id, self.previous = box, text, line_id, previous

    def IsAtBeginningOf(self, level):
        return self.previous is None or (level == "TEXTLINE" and self.previous.line_id != self.line_id)

    def BoundingBox(self, level):
        return self.box

    def GetUTF8Text(self, level):
        return self.text


def _tesseract(words):
    """A stand-in for the tesserocr module and API: words (box, text) on one text line."""
    items, previous = [], None
    for box, text in words:
        previous = _Word(box, text, 0, previous)
        items.append(previous)
    tesserocr = SimpleNamespace(RIL=SimpleNamespace(WORD="WORD", TEXTLINE="TEXTLINE", BLOCK="BLOCK"),
                                iterate_level=lambda iterator, level: iter(items))
    return SimpleNamespace(GetIterator=lambda: None), tesserocr


def test_a_rule_read_as_a_bar_is_a_cell_gap_and_dropped():
    api, tesserocr = _tesseract([((88, 338, 140, 350), "3.1.001"), ((150, 333, 157, 358), "|"),
                                 ((167, 338, 181, 350), "to"), ((187, 338, 241, 350), "answer")])
    assert [ln.text for ln in _cells(api, tesserocr)] == ["3.1.001", "to answer"]


def test_columns_a_line_height_apart_are_two_cells_and_words_stay_together():
    # "FY2019" and "FY2020" 27 px apart on an 18 px line: two cells; words 5 px apart: one.
    api, tesserocr = _tesseract([((526, 207, 593, 225), "FY2019"), ((620, 207, 687, 225), "FY2020"),
                                 ((692, 207, 740, 225), "Result")])
    assert [ln.text for ln in _cells(api, tesserocr)] == ["FY2019", "FY2020 Result"]


def _page(fill_level, ink_level, band=(100, 200)):
    """A white page with a band of ``fill_level`` across it, and strokes of ``ink_level`` on the band."""
    import numpy as np

    pixels = np.full((400, 600), 255, dtype=np.uint8)
    pixels[band[0]:band[1], 50:550] = fill_level
    for x in range(80, 520, 12):  # glyph-like strokes, 3 px wide
        pixels[130:160, x:x + 3] = ink_level
    return pixels


def test_a_light_grey_panel_is_made_white_and_its_dark_text_kept():
    from PIL import Image

    pixels = _page(163, 0)
    assert fill_levels(pixels) == [163]
    out = whiten_fills(Image.fromarray(pixels))
    import numpy as np

    out = np.asarray(out)
    assert out[105, 60] == 255 and out[140, 81] == 0


def test_a_dark_panel_with_white_text_and_a_plain_page_are_left_alone():
    import numpy as np
    from PIL import Image

    dark = _page(50, 255)
    assert fill_levels(dark) == []
    assert (np.asarray(whiten_fills(Image.fromarray(dark))) == dark).all()
    # Grey print alone is no fill: strokes are narrow, not flat runs.
    plain = _page(255, 120)
    assert fill_levels(plain) == []
    # An RGB image comes back greyscale, as Tesseract is given it.
    assert whiten_fills(Image.fromarray(plain).convert("RGB")).mode == "L"


def test_a_long_label_beside_its_value_is_a_field_not_a_line_of_prose():
    # An NTSB form: a 32-character label over the column of a note's prose further down the page.
    form = [line(113, 235, 387, 253, "Observation Facility, Elevation:", 0), line(415, 235, 520, 252, "TLH, 81 ft", 1),
            line(113, 269, 273, 284, "Observation Time:", 2), line(415, 269, 500, 284, "1753 EST", 3),
            line(113, 400, 1100, 418, "NTSB accident and incident dockets serve as permanent archival", 4),
            line(113, 422, 1100, 440, "information for the NTSB's investigations; dockets are public", 4)]
    assert reading_order(form).splitlines()[:2] == ["Observation Facility, Elevation:   TLH, 81 ft",
                                                    "Observation Time:   1753 EST"]


def test_a_section_title_does_not_take_the_value_under_it_for_its_second_line(monkeypatch):
    # Tesseract boxes an NTSB section title 42 px high; the form's first row starts 7 px below.
    form = [line(112, 151, 608, 193, "Meteorological Information and Flight Plan", 0),
            line(113, 200, 355, 215, "Conditions at Accident Site:", 1), line(414, 200, 557, 214, "Visual Conditions", 1),
            line(668, 200, 830, 218, "Condition of Light:", 1), line(950, 200, 979, 218, "Day", 1),
            line(113, 235, 387, 253, "Observation Time:", 2), line(415, 235, 520, 252, "1753 EST", 2)]
    expected = ["Meteorological Information and Flight Plan",
                "Conditions at Accident Site:   Visual Conditions   Condition of Light:   Day"]
    assert reading_order(form).splitlines()[:2] == expected
    monkeypatch.setattr("desktop_app.rag.ocr_layout.SAME_FONT", 100.0)  # as before: a field joined the title
    assert reading_order(form).splitlines()[0].startswith("Meteorological Information and Flight Plan C")


def _ink(*rects):
    """A 300 x 400 boolean page with ink in the given (left, top, right, bottom) rectangles."""
    import numpy as np

    ink = np.zeros((300, 400), dtype=bool)
    for left, top, right, bottom in rects:
        ink[top:bottom, left:right] = True
    return ink


def test_only_glyph_sized_ink_away_from_the_words_read_is_read_again():
    from scipy import ndimage

    from desktop_app.rag.ocr_tesseract import _uncovered_pieces

    words = [(20, 20, 120, 40)]  # one recognised word, 20 px high; the line height is 20
    ink = _ink((20, 20, 120, 40),  # the word's own ink: covered
               (122, 24, 128, 38),  # a letter its box clipped, 2 px past it: part of that word
               (300, 22, 312, 38), (316, 22, 328, 38),  # a cell Tesseract dropped: two glyphs, one piece
               (20, 100, 380, 102),  # a rule: too thin
               (200, 150, 230, 290),  # a chart's bar: too tall
               (50, 200, 52, 202))  # a speck
    assert _uncovered_pieces(ink, words, 20.0, ndimage) == [(288, 18, 339, 42)]  # with the margins of joining and reading


class _PieceApi:
    """A stand-in for tesserocr's API reading pieces: ``replies`` maps a rectangle's left edge to (text, conf)."""

    def __init__(self, replies, words):
        self.replies, self.words, self.modes, self.left = replies, words, [], None

    def GetIterator(self):
        return None

    def SetPageSegMode(self, mode):
        self.modes.append(mode)

    def SetRectangle(self, left, top, width, height):
        self.left = left

    def GetUTF8Text(self):
        return self.replies[self.left][0]

    def MeanTextConf(self):
        return self.replies[self.left][1]


def test_a_dropped_cell_is_read_and_noise_is_not():
    pytest.importorskip("scipy")
    import numpy as np

    from desktop_app.rag.ocr_tesseract import _missed

    words = [(20, 20, 120, 40)]
    ink = _ink((20, 20, 120, 40), (100, 100, 140, 118), (200, 100, 240, 118), (300, 100, 340, 118))
    image = np.where(ink, 0, 255).astype(np.uint8)
    api = _PieceApi({88: ("70%\n", 94), 188: ("~=-", 90), 288: ("ert", 30)}, words)
    item = SimpleNamespace(BoundingBox=lambda level: words[0])
    tesserocr = SimpleNamespace(RIL=SimpleNamespace(WORD="WORD"), PSM=SimpleNamespace(AUTO="AUTO", SINGLE_LINE="LINE"),
                                iterate_level=lambda iterator, level: iter([item]))
    found = _missed(api, tesserocr, image, [line(20, 20, 120, 40, "Results", block=3)])
    # Read: a confident piece with a letter or digit, as a block of its own; not a chart's
    # symbols, nor what Tesseract is unsure of. The API is back in automatic segmentation.
    assert [(ln.text, ln.block, ln.left) for ln in found] == [("70%", 4, 88)]
    assert api.modes == ["LINE", "AUTO"]
