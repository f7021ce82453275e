"""What a figure counts: the unit written right after it ("119 hours", "a two-year plan").

The claim check finds a number of the answer in a passage; the same number may count something
else there. "OPM prioritized 2 strategic objectives" is not supported by "develops two-year Agency
Priority Goals", nor "14 months" by "14 days". A passage's figure followed by a unit of time,
length, speed or weight supports only an answer figure that counts the same unit (or says nothing
of what it counts). Measured on the bundled model's real answers (benchmarks/claim_check_answers.py).
"""

from __future__ import annotations

import re

_UNIT_ABBREVIATIONS = {"wk": "week", "wks": "week", "hr": "hour", "hrs": "hour", "min": "minute", "mins": "minute",
                       "sec": "second", "secs": "second", "yr": "year", "yrs": "year", "mo": "month", "mos": "month",
                       "ft": "foot", "feet": "foot", "kt": "knot", "kts": "knot", "lb": "pound", "lbs": "pound",
                       "mi": "mile", "nm": "mile", "pts": "point"}
# Units, as stems (see ``stem``): a figure followed by one of these counts it and nothing else.
UNITS = frozenset(s[:5] for s in """second minute hour day week month year decade foot inch meter metre mile knot
pound kilogram gram ounce gallon liter litre degree""".split())
# The word after a figure: "119 hours", "two-year" (joined by a hyphen), "4000 ft."; markers and
# closing brackets between are skipped ("10 [2] days" is rare but "10) days" is not a unit).
_NEXT_WORD_RE = re.compile(r"(?P<hyphen>\s*-\s*|\s+)(?P<word>[A-Za-z]+)")


def stem(word: str) -> str:
    """A crude stem that lets "knots"/"knot", "days"/"day", "inches"/"inch" and "patients"/"patient"
    meet (no plural "s" or "es", then the first 5 letters), with the abbreviations of units written out ("wks" = "weeks")."""
    word = word.lower()
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        word = word[:-2]  # "inches" / "inch", "boxes" / "box"
    elif len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return _UNIT_ABBREVIATIONS.get(word, word)[:5]


def word_after(text: str, end: int) -> tuple[str, bool] | None:
    """(stem of the word right after position ``end``, whether a hyphen joins it), or None."""
    m = _NEXT_WORD_RE.match(text, end)
    if m is None:
        return None
    return stem(m.group("word")), "-" in m.group("hyphen")


def counts_the_same(answer_next: tuple[str, bool] | None, passage_next: tuple[str, bool] | None) -> bool:
    """May a passage figure followed by ``passage_next`` support an answer figure followed by
    ``answer_next``?

    No when the passage's figure counts a unit and the answer's counts another unit ("14 days" /
    "14 months"), or counts something named by a noun while the passage's is an adjective of time
    or size ("two-year goals" / "2 strategic objectives"). Yes in every other case: an answer that
    does not say what its figure counts, or a passage figure without a unit, is left to the rest of
    the check.
    """
    if passage_next is None or answer_next is None:
        return True
    passage_unit, joined = passage_next
    if passage_unit not in UNITS:
        return True
    answer_word = answer_next[0]
    if answer_word in UNITS:
        return answer_word == passage_unit
    return not joined


__all__ = ["UNITS", "counts_the_same", "stem", "word_after"]
