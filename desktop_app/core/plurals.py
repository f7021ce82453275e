"""Counted nouns for messages the window and the CLI both print: "1 model", "3 models"."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 model', '2 models', '1,200 pages' (``many`` for irregular plurals)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
