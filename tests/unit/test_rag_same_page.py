"""merge_same_page: one hit (one source number) per file and page, best place first."""

from __future__ import annotations

import pytest

from desktop_app.core.records import Hit
from desktop_app.rag.same_page import JOINER, merge_same_page


def _hit(source, page, text, score, unit="", similarity=None):
    return Hit(source, page, text, score, unit=unit, similarity=similarity)


@pytest.mark.parametrize("hits, expected", [
    ([], []),
    ([_hit("a.pdf", 1, "x", 0.9)], [("a.pdf", 1, "x", 0.9)]),
    # Two chunks of one page: one hit, passages in retrieval order, best score.
    ([_hit("a.pdf", 1, "top", 0.5), _hit("b.pdf", 2, "other", 0.7), _hit("a.pdf", 1, "bottom", 0.9)],
     [("a.pdf", 1, f"top{JOINER}bottom", 0.9), ("b.pdf", 2, "other", 0.7)]),
    # Another page of the same file stays its own source.
    ([_hit("a.pdf", 1, "one", 0.5), _hit("a.pdf", 2, "two", 0.4)], [("a.pdf", 1, "one", 0.5), ("a.pdf", 2, "two", 0.4)]),
    # A passage inside another one is not repeated.
    ([_hit("a.pdf", 1, "costs fell", 0.5), _hit("a.pdf", 1, "Revenue rose; costs fell.", 0.4)],
     [("a.pdf", 1, "Revenue rose; costs fell.", 0.5)]),
])
def test_merge_same_page(hits, expected):
    assert [(h.source, h.page, h.text, h.score) for h in merge_same_page(hits)] == expected


def test_units_are_places_of_their_own():
    hits = [_hit("deck.pptx", 0, "a", 0.5, unit="slide 1"), _hit("deck.pptx", 0, "b", 0.4, unit="slide 2"),
            _hit("deck.pptx", 0, "c", 0.3, unit="slide 1", similarity=0.8)]
    merged = merge_same_page(hits)
    assert [(h.unit, h.text, h.similarity) for h in merged] == [("slide 1", f"a{JOINER}c", 0.8), ("slide 2", "b", None)]
