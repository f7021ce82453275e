"""What kind of answer a question asks for, read from its first words (shared by the prompt's
sentence choice, the role-holder search and the claim check)."""

from __future__ import annotations

import re

_ASKS_WHO = re.compile(r"^\W*(?:who|whom)\b", re.IGNORECASE)  # asks for a person, not "the airplane whose wing"


def asks_who(question: str) -> bool:
    """True when the question asks for a person or an organisation by name ("Who owned …?")."""
    return bool(_ASKS_WHO.search(question))


__all__ = ["asks_who"]
