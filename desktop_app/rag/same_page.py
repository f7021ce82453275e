"""One source number per place: retrieved passages from the same file and page are merged.

Two chunks of one page used to become sources [1] and [2], both "report.pdf, page 1": the
Sources list repeated itself and the model's "[2]" pointed at the same page as "[1]". Merging
the hits before the grounded prompt numbers them keeps the numbers the model sees, the ones it
writes inline and the Sources list the window and the CLI show the same, with no renumbering
afterwards (claims point into a source's text by offset, so the text must not change later).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from desktop_app.core.records import Hit

JOINER = "\n…\n"  # between two passages of one page that were not next to each other


def merge_same_page(hits: Sequence[Hit]) -> list[Hit]:
    """The hits with one hit per (file, page, unit), in order of each place's best hit.

    A merged hit keeps the best score and similarity; its text is the passages in retrieval
    order, a passage already contained in another one dropped.
    """
    order: list[tuple[str, int, str]] = []
    groups: dict[tuple[str, int, str], list[Hit]] = {}
    for hit in hits:
        key = (hit.source, hit.page, hit.unit)
        if key not in groups:
            order.append(key)
            groups[key] = []
        groups[key].append(hit)
    return [_merged(groups[key]) for key in order]


def _merged(group: list[Hit]) -> Hit:
    first = group[0]
    if len(group) == 1:
        return first
    texts: list[str] = []
    for hit in group:
        text = hit.text.strip()
        if text and not any(text in kept for kept in texts):
            texts = [kept for kept in texts if kept not in text] + [text]
    similarities = [h.similarity for h in group if h.similarity is not None]
    return replace(first, text=JOINER.join(texts), score=max(h.score for h in group),
                   similarity=max(similarities) if similarities else None,
                   on_device_only=any(h.on_device_only for h in group))
