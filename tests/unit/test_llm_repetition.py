"""The loop guard ends answers that repeat themselves, and leaves normal answers alone."""

import pytest

from desktop_app.llm.repetition import RepetitionGuard


def _feed(pieces):
    guard = RepetitionGuard()
    for i, piece in enumerate(pieces):
        if guard.feed(piece):
            return i
    return None


@pytest.mark.parametrize(
    "text, loops",
    [
        ("def f(s):\n    return s[::-1]\nprint(f('a'))\nprint(f('a'))\nprint(f('a'))\nprint(f('a'))\n", True),
        ("The capital of France is Paris.", False),
        ("1. Collect figures.\n2. Compare them.\n3. Summarise.\n", False),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n", False),
        ("and so on and so on and so on and so on and so on " * 3, True),
        ("\n\nHello\n\n\n", False),
    ],
)
def test_guard_detects_loops_only(text, loops):
    # Feed word by word, as tokens arrive.
    pieces = [w + " " for w in text.split(" ")]
    assert (_feed(pieces) is not None) == loops


def test_guard_stops_early_in_a_long_loop():
    pieces = ["print(x)\n"] * 200
    stopped_at = _feed(pieces)
    assert stopped_at is not None and stopped_at < 5
