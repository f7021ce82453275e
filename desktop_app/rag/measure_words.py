"""Other words for the measure a question names: "revenue" is "net sales" in many filers' statements.

A statement's rows use its filer's words ("Total net sales", "Net income"), a question a reader's
("What was Contoso's revenue…", "…its profit"). Neither the keyword index nor the sentence focus
can match the two, and the embedding ranks the row's page below the prose that says "revenue".
The words a question uses are kept; the statement's word is added to them.
"""

from __future__ import annotations

_SAME_MEASURE = {"revenue": "sales", "revenues": "sales", "turnover": "sales", "profit": "income",
                 "profits": "income", "earnings": "income"}


def with_same_measures(words: list[str]) -> list[str]:
    """``words`` (lower case) and, after them, the statement's word for each measure among them."""
    added = [_SAME_MEASURE[w] for w in words if w in _SAME_MEASURE]
    return words + [w for w in dict.fromkeys(added) if w not in words]
