"""Is a question about the documents a follow-up, or does it stand alone?

Why: in one conversation the bundled model read the earlier turns before a new document
question and repeated the previous answer's figure ("8,865 tribal enrollees" again, for another
measure). A question that names what it asks about ("How many total flight hours did the pilot of
the Beech A23 at Death Valley have?") needs nothing from the earlier turns: it is answered from
its sources alone. A question that points back ("What was its registration?", "And in FY 2018?")
is a follow-up: it keeps the conversation, and the documents are searched with the question it
follows, since the words it leaves out ("the Bombardier at St. Kitts") are there.

The rule reads the question only (no model): a follow-up opens with a connective ("And …", "What
about …") or uses a pronoun or a pointing word ("its", "that study") while naming nothing of its
own (no name, acronym or model number: ``named_terms``). Measured by benchmarks/follow_ups.py:
a standalone question asked after another one, and 26 follow-ups written on the corpus.
"""

from __future__ import annotations

import re
from typing import Sequence

from desktop_app.core.records import Message
from desktop_app.rag.role_holders import TITLES
from desktop_app.services.named_terms import named_terms

_OPENS_ON = re.compile(r"^\s*(?:and|also|but|so|then|what about|how about|same for|now)\b", re.IGNORECASE)
# Words that stand for something said before. "that"/"this" count only before a noun they point
# with ("that study", "this report"): as a conjunction or relative ("the Cessna that crashed")
# they point at nothing. "there"/"then" are left out: "Is there …" opens many standalone questions.
_POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|they|them|their|theirs|he|him|his|she|her|hers|the same|"
    r"(?:that|this|these|those)\s+(?:study|studies|trial|trials|report|reports|plan|plans|document|documents|"
    r"protocol|protocols|accident|accidents|flight|airplane|aircraft|year|years|period|figure|figures|number|"
    r"measure|measures|table|page|make|one|ones|agency|department|company|person|patient|patients|drug|case|cases)|"
    # "the most recent one", "the earlier one": a document or thing named before, picked by when.
    r"the\s+(?:most\s+)?(?:recent|latest|newest|newer|earlier|earliest|older|oldest|previous|last|first|next|other)"
    r"\s+ones?)\b",
    re.IGNORECASE)
_LATEST = re.compile(r"\b(?:latest|most\s+recent|newest|current)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:FY\s?|fiscal\s+(?:years?\s+)?)?(?:19|20)\d\d\b", re.IGNORECASE)


def refers_back(question: str) -> bool:
    """``question`` leans on the turns before it ("What was its registration?")."""
    if _OPENS_ON.search(question):
        return True
    # A title ("Who is Director in the most recent one?") names a role, not what is asked about.
    return bool(_POINTS_BACK.search(question)) and not [t for t in named_terms(question) if t not in TITLES]


def previous_question(history: Sequence[Message]) -> str:
    """The question a follow-up leans on: the user's last one in ``history`` that names its subject
    ("Who sponsors the CMT4J study?" before "Who is its lead investigator?" and "How many subjects
    will it enroll?"), else the last one asked ("" when there is none)."""
    asked = [m.content.strip() for m in history if m.role == "user" and m.content.strip()]
    return next((q for q in reversed(asked) if not refers_back(q)), asked[-1] if asked else "")


def leans_on(question: str, history: Sequence[Message]) -> str:
    """The earlier question a follow-up leans on; "" for a question that stands alone."""
    return previous_question(history) if refers_back(question) else ""


def search_text(question: str, history: Sequence[Message]) -> str:
    """What the documents are searched with: a follow-up with the question it follows."""
    before = leans_on(question, history)
    if before and _LATEST.search(question):
        # "Who is Director in the most recent one?" after "Who signed OPM's FY 2019 report?": the
        # report, not its year, which would bring the FY 2019 report back among the sources.
        before = " ".join(_YEAR.sub(" ", before).split())
    return f"{before}\n{question}" if before else question


__all__ = ["leans_on", "previous_question", "refers_back", "search_text"]
