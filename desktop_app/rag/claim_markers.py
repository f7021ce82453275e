"""Source markers for a grounded answer that the model wrote without any.

The bundled 0.5B model is told to put the source's number after a fact, like [1], but wrote no
marker at all in about 9 of 10 grounded answers (176 of 191 over the corpus questions of
``benchmarks/answer_quality.py``): the reader saw a figure and a list of sources below it, with
nothing saying which one states it. The claim check (``claim_check``) already finds, for each
figure, date and name of the answer, the passage that states it. When the answer carries no
marker, each sentence gets the numbers of the passages that state its checked claims, so the
marker opens the page that holds the figure. A claim the passages do not state gets no marker
(it keeps its warning), nor does one the question already names ("the Cessna 172"): only what the
answer adds.

An answer that has any marker of its own is left as the model wrote it.
"""

from __future__ import annotations

import re

from desktop_app.core.records import ClaimCheck

_MARKER = re.compile(r"\[\d+\]")
# The end of a sentence: its closing mark(s) before a space or the end of the text.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)]*(?=\s|$)")


def with_source_markers(text: str, check: ClaimCheck | None) -> str:
    """``text`` with " [n]" before each sentence's end for the passages that state its claims.

    Unchanged when the answer has a marker already, or no claim a passage states.
    """
    if check is None or _MARKER.search(text):
        return text
    by_end: dict[int, set[int]] = {}
    for claim in check.claims:
        if claim.supported and claim.source is not None:
            by_end.setdefault(_sentence_end(text, claim.end), set()).add(claim.source)
    for end in sorted(by_end, reverse=True):  # from the back, so earlier positions stay valid
        markers = "".join(f"[{n}]" for n in sorted(by_end[end]))
        before = text[:end].rstrip()
        text = f"{before} {markers}{text[end:]}"
    return text


def _sentence_end(text: str, position: int) -> int:
    """Where the sentence holding ``position`` ends: before its full stop, or the text's end."""
    for match in _SENTENCE_END.finditer(text, position):
        if not _after_an_initial(text, match.start()):
            return match.start()
    return len(text.rstrip())


def _after_an_initial(text: str, at: int) -> bool:
    # "Miguel A. Cardona", "the U.S. Department": a lone capital's full stop does not end a sentence.
    return at >= 1 and text[at - 1].isupper() and (at == 1 or not text[at - 2].isalpha())
