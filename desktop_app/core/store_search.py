"""The SQL behind conversation search: every word must appear in the title or some message."""

from __future__ import annotations

import re
from typing import Any


def matching_conversation_ids(text: str, use_fts: bool) -> tuple[str, list[Any]]:
    """A subquery selecting ids of conversations that contain every word of ``text``, and its parameters.

    Words match as prefixes through FTS5 (``"word"*``, quoted so FTS syntax in the text is just
    text), or as substrings through LIKE when this SQLite has no FTS5. A text of punctuation only
    is looked for literally.
    """
    words = re.findall(r"\w+", text)
    if not words:
        words, use_fts = [text.strip()], False
    parts: list[str] = []
    params: list[Any] = []
    for word in words:
        if use_fts:
            term = '"' + word.replace('"', '""') + '"*'
            parts.append(
                "SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH ? "
                "UNION SELECT m.conversation_id FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                "WHERE messages_fts MATCH ?"
            )
            params += [term, term]
        else:
            like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            parts.append(
                "SELECT id FROM conversations WHERE title LIKE ? ESCAPE '\\' "
                "UNION SELECT conversation_id FROM messages WHERE content LIKE ? ESCAPE '\\'"
            )
            params += [like, like]
    # Each word's UNION is wrapped: SQLite's compound operators have no precedence.
    return " INTERSECT ".join(f"SELECT * FROM ({p})" for p in parts), params
