"""Stops an answer that has fallen into a loop.

Small base models (the bundled Gemma 3 270M among them) sometimes repeat the same line until
``max_tokens`` runs out ("print(x)\\nprint(x)\\n..."). A repeat penalty makes that rarer; this
guard ends it when it still happens, so the user gets the useful part of the answer quickly.
"""

from __future__ import annotations

MAX_SAME_LINES = 3  # the same non-empty line this many times in a row ends the answer
MIN_PERIOD = 8  # shortest repeating span (characters) that counts as a loop without newlines
SAME_SPAN_TIMES = 4


class RepetitionGuard:
    """Fed the streamed pieces; ``feed`` returns True once the text is looping."""

    def __init__(self) -> None:
        self._text: list[str] = []
        self._length = 0
        self._checked_at = 0

    def feed(self, piece: str) -> bool:
        self._text.append(piece)
        self._length += len(piece)
        # Checking costs O(tail); do it at line ends, or every 64 characters for run-on loops.
        if "\n" not in piece and self._length - self._checked_at < 64:
            return False
        self._checked_at = self._length
        text = "".join(self._text)
        return _same_lines(text) or _repeating_tail(text)


def _same_lines(text: str) -> bool:
    lines = [ln.strip() for ln in text.split("\n")[:-1]]  # only finished lines
    lines = [ln for ln in lines if ln]
    if len(lines) < MAX_SAME_LINES:
        return False
    tail = lines[-MAX_SAME_LINES:]
    return all(ln == tail[0] for ln in tail)


def _repeating_tail(text: str, window: int = 400) -> bool:
    """True when the last characters are one span repeated SAME_SPAN_TIMES times."""
    tail = text[-window:]
    for period in range(MIN_PERIOD, len(tail) // SAME_SPAN_TIMES + 1):
        span = tail[-period:]
        if tail.endswith(span * SAME_SPAN_TIMES):
            return True
    return False
