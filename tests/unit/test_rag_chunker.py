"""Chunker: token budget, overlap, sentences, tables kept together (table-driven)."""

from __future__ import annotations

import pytest

from desktop_app.rag.chunker import Chunker, estimate_tokens, is_table_row, split_sentences

PROSE = " ".join(f"Sentence number {i} talks about the quarterly results of region {i}." for i in range(1, 80))


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Product revenue        40,291     33,561     24,562", True),
        ("Total 1,234 5,678 9,012", True),
        ("QX-10768 Hinge 88.64 137", True),
        ("Revenue grew by 12% to 4,512 million in the quarter.", False),
        ("Name            Title             Office", True),
        ("Microsoft   Cloud   revenue   increased   strongly   driven   by   Azure", False),  # spaced-out prose
        ("Three Months Ended          Nine Months Ended", True),
        ("The board met on Monday.", False),
        ("", False),
    ],
)
def test_table_row_detection(line, expected):
    assert is_table_row(line) is expected


@pytest.mark.parametrize(
    "paragraph, expected",
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Margins were 3.5 percent. Costs fell.", ["Margins were 3.5 percent.", "Costs fell."]),
        ("See e.g. the annex. Then stop.", ["See e.g. the annex.", "Then stop."]),
        ("no capital after. so one sentence", ["no capital after. so one sentence"]),
    ],
)
def test_split_sentences(paragraph, expected):
    assert split_sentences(paragraph) == expected


def test_short_page_is_one_chunk_with_its_page_number():
    chunks = Chunker().chunk_page(7, "A short page.\nWith two lines.")
    assert [(c.page, c.index, c.text) for c in chunks] == [(7, 0, "A short page. With two lines.")]


def test_long_prose_respects_budget_overlaps_and_covers_everything():
    chunker = Chunker(estimate_tokens, max_tokens=120, target_tokens=100, overlap_tokens=20)
    chunks = chunker.chunk_page(1, PROSE)
    assert len(chunks) > 3
    for c in chunks:
        assert estimate_tokens([c.text])[0] <= 120
    # every sentence appears somewhere, in order
    joined = " ".join(c.text for c in chunks)
    for i in (1, 40, 79):
        assert f"region {i}." in joined
    # consecutive chunks share the overlap sentence(s)
    for a, b in zip(chunks, chunks[1:]):
        first_sentence_of_b = split_sentences(b.text)[0]
        assert first_sentence_of_b in a.text


def test_table_that_fits_is_not_split_from_its_rows():
    rows = "\n".join(f"Item {i}        {i * 1000:,}     {i * 2000:,}     {i * 3000:,}" for i in range(1, 9))
    text = PROSE[:600] + "\n\nResults by quarter\n" + rows + "\n\nClosing remarks follow here."
    chunker = Chunker(estimate_tokens, max_tokens=254, target_tokens=120, overlap_tokens=20)
    chunks = chunker.chunk_page(3, text)
    holding = [c for c in chunks if "Item 1 " in c.text]
    assert len(holding) == 1 and all(f"Item {i} " in holding[0].text for i in range(1, 9))
    # rows stay one per line
    assert "\nItem 2 2,000 4,000 6,000\n" in holding[0].text


def test_long_table_is_cut_between_rows_and_repeats_its_header():
    header = "Part code      Description      Unit price      Stock"
    rows = "\n".join(f"QX-{i:05d}      Hinge      {i}.50      {i}" for i in range(60))
    chunks = Chunker(estimate_tokens, max_tokens=100, target_tokens=80, overlap_tokens=10).chunk_page(2, header + "\n" + rows)
    assert len(chunks) >= 3
    for c in chunks:
        assert c.text.startswith("Part code Description Unit price Stock")
        assert estimate_tokens([c.text])[0] <= 100
    found = [line for c in chunks for line in c.text.split("\n") if line.startswith("QX-")]
    assert len(set(found)) == 60  # every row present, none cut in half


def test_a_sentence_longer_than_the_window_is_split_into_fitting_pieces():
    text = " ".join(["supercalifragilistic"] * 500)
    chunks = Chunker(estimate_tokens, max_tokens=254, target_tokens=200, overlap_tokens=40).chunk_page(1, text)
    assert len(chunks) > 1
    assert all(estimate_tokens([c.text])[0] <= 254 for c in chunks)


def test_invalid_budgets_are_refused():
    with pytest.raises(ValueError):
        Chunker(max_tokens=100, target_tokens=200)
