"""Rare words: the drugs, diseases and technical terms a question may name in lower case.

"What was the primary endpoint of the semaglutide weight-loss trial?" names its subject without
a capital letter. A word is rare when the embedder's WordPiece vocabulary (30,522 pieces, built
from English text) does not hold it and splits it into RARE_PIECES or more pieces: "semaglutide",
"glioblastoma", "erenumab"; "schedule", "eligible" and "enrolled" are one piece each. Measured on
the corpus questions (benchmarks/decline_rule.py): 3 pieces also caught "immunization", a
word a right passage may not repeat; 4 did not.

The tokenizer loads once from the packaged model's ``tokenizer.json`` (no torch); when it cannot,
no word is rare and callers fall back to their other rules.
"""

from __future__ import annotations

import logging
import re
import threading

RARE_PIECES = 4
_WORD_RE = re.compile(r"(?<![\w-])[a-z][a-z]{4,}(?![\w-])")  # lower-case words of 5+ letters
_lock = threading.Lock()
_tokenizer = None
_failed = False
log = logging.getLogger(__name__)


def rare_words(text: str) -> list[str]:
    """The lower-case words of ``text`` the vocabulary splits into RARE_PIECES or more pieces."""
    tokenizer = _load()
    if tokenizer is None:
        return []
    words = list(dict.fromkeys(_WORD_RE.findall(text)))
    if not words:
        return []
    encodings = tokenizer.encode_batch(words, add_special_tokens=False)
    return [w for w, e in zip(words, encodings) if len(e.tokens) >= RARE_PIECES]


def _load():
    global _tokenizer, _failed
    with _lock:
        if _tokenizer is None and not _failed:
            try:
                from desktop_app.rag.embedder import MiniLMEmbedder

                _tokenizer = MiniLMEmbedder().tokenizer
            except Exception as exc:  # a missing or broken model package: no word is rare
                log.warning("rare-word check off: the tokenizer could not be loaded (%s)", exc)
                _failed = True
        return _tokenizer


__all__ = ["RARE_PIECES", "rare_words"]
