"""What a figure counts or names, beyond its unit: the noun after it, the label before it, a range.

The claim check finds a number of the answer in a passage; the passage may use the same number
for something else. On the bundled model's real grounded answers (benchmarks/claim_check_answers.py)
these slipped through as "supported":

- another thing counted: "EBSA has 6.4 million employees" from "a plan with 6.4 million
  participants"; "78.6%" of vacancies from "78.6 percent of respondents";
- a number that names, not counts: "OPM prioritized 2 strategic objectives" from "priority 2 to
  deliver ...", a registration "21057478" from "serial number 21057478";
- one end of a range as the value: "95 days" on average from "ranged from 79 to 95 days";
- a count of something else where a duration was asked: a study lasting "4 questions";
- a version or a version's date where an amount or a span was asked: a sample size of "3.1.9.3"
  ("G*Power software version 3.1.9.3"), a study period of "14.02.23" ("V2 14.02.23");
- a distance from a place where a size was asked: a crack "1 mile from the airport".

Each function here is a plain reading of the words beside a figure; ``claim_check`` decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_app.rag.claim_extract import Mention
from desktop_app.rag.claim_units import UNITS, stem, word_after

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’]*")
# Words between a figure and the noun it counts ("78.6 percent of the respondents", "6.4 million
# total participants"); any other function word right after a figure means it counts nothing named.
_SKIPPED = frozenset("of the all total more fewer additional new other such".split())
_COUNTED_RE = re.compile(rf"(?:[ \t\n-]+(?:{'|'.join(sorted(_SKIPPED))})\b)*[ \t\n-]+(?P<word>[A-Za-z][A-Za-z'’]*)",
                         re.IGNORECASE)
# The noun a figure counts opening a list: ", retirees and their families", ", staff, and contractors".
_LIST_AFTER_RE = re.compile(r",\s+[a-z][a-z'’-]+(?:,\s+[a-z][a-z'’-]+)*,?\s+(?:and|or)\s+(?:their\s+|other\s+)?[a-z]")
_FUNCTION = frozenset("""a an and or to in on at by for with from as is are was were be been it its this that these
those than then so not no per less into over under up about after before during while which who when where if but
also each every out off only percent cent""".split())
NOUN_WORDS_AFTER = 3  # an answer's noun may stand this many words after the passage's figure ("45 eligible patients")
CONTENT_WORDS_BEFORE = 2  # ... or among the content words just before it ("employing less than 800 people")
# Nouns that number things rather than count them: "priority 2", "Visit 4", "serial number 2105".
_NAMING_WORDS = frozenset(w + e for w in """priority goal objective strategy measure visit section table figure
page step phase part chapter item question runway appendix level stage tier cohort arm group site amendment version
serial flight route interstate highway exhibit attachment annex article paragraph line row column box form grade
category type model""".split() for e in ("", "s"))
# Nouns that count the same people under another name ("34 individuals" = "34 participants").
_SAME_COUNT = [frozenset(stem(w) for w in group.split()) for group in (
    "participant individual patient subject person people volunteer enrollee respondent",
    "employee staff worker personnel")]
LABEL_CHARS = 40  # how far back the label of a figure is looked for
_NUMBER_WORDS = frozenset({"number", "no", "nos"})
_LABEL_BEFORE_RE = re.compile(r"(?:(?P<qualifier>[A-Za-z]+)\s+)?(?P<label>[A-Za-z]+)\.?\s*#?\s*$")
_ASKED_COUNT_RE = re.compile(r"\b(?:how\s+many|number\s+of|percent(?:age)?\s+of|share\s+of|proportion\s+of)\s+"
                             r"(?P<words>(?:[A-Za-z'’-]+\s+){0,3}?[A-Za-z'’-]+)"
                             r"(?=\s+(?:did|does|do|was|were|is|are|has|have|had|will|would|could|can|in|on|at|for|"
                             r"from|by|with|that|who|which|to|of|using|per|during|according)\b|\s*[?,.;:]|\s*$)",
                             re.IGNORECASE)
_ASKS_DURATION_RE = re.compile(r"\bhow\s+long\b|\bduration\b|\bwindow\b|\bhow\s+many\s+(?:days|weeks|months|years|hours|minutes)\b",
                               re.IGNORECASE)
_ASKS_RE = re.compile(r"\b(?:how\s+(?:long|many|much|often|old|far)|what|which|when|who|where)\b", re.IGNORECASE)
_SPAN_OF_VALUES_RE = re.compile(r"\b(?:range[sd]?|ranging|var(?:y|ies|ied|ying))\s+(?:from\s+|between\s+)?$",
                                re.IGNORECASE)
_VERSION_BEFORE_RE = re.compile(r"(?:\b(?:version|ver\.?)|(?<![\w.])v\.?\s?\d+(?:\.\d+)*)\s*[:#]?\s*$", re.IGNORECASE)
_ASKS_VERSION_RE = re.compile(r"\b(?:version|revision|release|dated?|when)\b", re.IGNORECASE)
_ASKS_AMOUNT_RE = re.compile(r"\bhow\s+(?:many|much|long|old|far|often|large|big)\b|\bwhat\b[^?]{0,60}?\b(?:number|size|"
                             r"period|duration|rate|percent(?:age)?|amount|dose|score)\b", re.IGNORECASE)
_FROM_A_PLACE_RE = re.compile(r"[\s-]*(?:statute\s+|nautical\s+)?(?:miles?|mi|feet|foot|ft|yards?|kilomet(?:er|re)s?|km|"
                              r"meters?|metres?|m|nm)\b\s+(?:away\s+)?(?:from|(?:north|south|east|west|northeast|northwest|"
                              r"southeast|southwest)\s+of)\b", re.IGNORECASE)
_ASKS_SIZE_RE = re.compile(r"\bhow\s+(?:long|wide|tall|high|deep|large|big)\b|\b(?:length|width|height|depth)\b",
                           re.IGNORECASE)
_ASKS_DISTANCE_RE = re.compile(r"\bhow\s+far\b|\bdistance\b|\b(?:from|away)\b", re.IGNORECASE)
_RANGE_SAID_RE = re.compile(r"\b(?:up\s+to|as\s+(?:many|much|high|low|few|long)\s+as|at\s+(?:most|least)|ranged?|"
                            r"ranging|between|from|maximum|minimum|peak|highest|lowest|longest|shortest)\b",
                            re.IGNORECASE)


def counted_noun(text: str, end: int) -> str | None:
    """The stem of the noun a figure ending at ``end`` counts ("participants" in "6.4 million
    participants", "respondents" in "78.6 percent of respondents"), or None when a function word,
    a figure or punctuation follows it."""
    m = _COUNTED_RE.match(text, end)
    if m is None:
        return None
    word = m.group("word")
    if word[0].isupper():
        return None  # a table's next cell ("195,389 Baseline"), a name, or a sentence without its full stop
    word = word.lower()
    return None if word in _FUNCTION or len(word) < 3 else stem(word)


def meaning_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a passage's figure with the words that say what it is there: "6.4 million
    participants", "priority 2" (what a user is shown beside the answer's figure)."""
    counted = _COUNTED_RE.match(text, end)
    if counted is not None and counted_noun(text, end) is not None:
        end = counted.end()
    base = max(0, start - LABEL_CHARS)
    label = _LABEL_BEFORE_RE.search(text[base:start])
    if label is not None and naming_label(text, start) is not None:
        qualified = label.group("qualifier") and label.group("label").lower() in _NUMBER_WORDS  # "serial number"
        start = base + label.start("qualifier" if qualified else "label")
    return start, end


def asked_count(question: str) -> frozenset[str]:
    """Stems of what the question asks to count ("how many employees", "the percent of vacancies")."""
    m = _ASKED_COUNT_RE.search(question)
    if not m:
        return frozenset()
    return frozenset(stem(w) for w in _WORD_RE.findall(m.group("words")) if w.lower() not in _SKIPPED | _FUNCTION)


def counts_another_thing(nouns: frozenset[str], text: str, start: int, end: int,
                         asked: frozenset[str] = frozenset(), beside: frozenset[str] = frozenset()) -> bool:
    """Does the passage's figure ending at ``end`` count something other than ``nouns`` (the
    stems of what the answer says it counts)?

    Yes when the passage names what its figure counts, it is not a unit (``claim_units`` compares
    units), not one of ``asked`` (the question's words), and none of ``nouns`` is among the next
    NOUN_WORDS_AFTER words or the CONTENT_WORDS_BEFORE content words before the figure. Also
    when it counts ``nouns`` and more that it lists ("workers, retirees and their families"), and
    the answer names none of the others (``beside``: the stems beside the answer's figure).
    """
    if not nouns or nouns & UNITS:
        return False
    noun = counted_noun(text, end)
    if noun is not None and (noun in nouns or any(noun in g and nouns & g for g in _SAME_COUNT)):
        # "more than 154 million workers, retirees and their families" counts more than workers
        # (unless the answer names the others beside its figure too).
        listed = _LIST_AFTER_RE.match(text, _COUNTED_RE.match(text, end).end())
        return listed is not None and not {stem(w) for w in _WORD_RE.findall(listed.group(0))} & beside
    if noun is None or noun in UNITS or noun in asked:
        return False
    following = {stem(w) for w in _WORD_RE.findall(text[end:end + 80])[:NOUN_WORDS_AFTER + 2]}
    leading = [w for w in _WORD_RE.findall(text[max(0, start - 80):start]) if w.lower() not in _FUNCTION | _SKIPPED]
    # "employing less than 800 people": what is counted may be said just before the figure.
    return not ((following | {stem(w) for w in leading[-CONTENT_WORDS_BEFORE:]}) & nouns)


def naming_label(text: str, start: int) -> str | None:
    """The noun right before a figure that numbers a thing rather than counts it ("priority" in
    "priority 2", "serial" in "serial number 21057478"), as a stem; None for "Age: 85" (a field
    label ends with a colon) or a figure with no such noun before it."""
    m = _LABEL_BEFORE_RE.search(text[max(0, start - LABEL_CHARS):start])
    if m is None or not (text[start - 1:start].isspace() or text[start - 1:start] == "#"):
        return None
    label = m.group("label").lower()
    if label in _NUMBER_WORDS:
        qualifier = (m.group("qualifier") or "").lower()
        return stem(qualifier) if len(qualifier) > 2 and qualifier not in _FUNCTION | _SKIPPED else "number"
    return stem(label) if label in _NAMING_WORDS else None


def version_label(text: str, start: int) -> bool:
    """Is the figure at ``text[start]`` a version, or the date of one? "G*Power software version
    3.1.9.3", "Ver. 2", and a document's control line "V2 14.02.23" (its second version's date):
    a protocol's header states them on every page, and a small model asked for a sample size or a
    study period copied them ("3.1.9.3", "14.02.23")."""
    return _VERSION_BEFORE_RE.search(text[max(0, start - LABEL_CHARS):start]) is not None


def version_cannot_answer(question: str) -> bool:
    """Does the question ask for an amount or a span ("How many", "sample size", "study period")
    and not for a version or a date? Then a version label does not answer it; asked "Which
    software …?", "G*Power version 3.1.9.3" does."""
    return _ASKS_AMOUNT_RE.search(question) is not None and _ASKS_VERSION_RE.search(question) is None


def distance_from_a_place(text: str, end: int) -> bool:
    """Is the figure ending at ``text[end]`` a distance from a place ("approximately 1 mile from
    the airport", "3 miles north of")? That places an event; it is not the size of a thing."""
    return _FROM_A_PLACE_RE.match(text, end) is not None


def asks_size(question: str) -> bool:
    """Does the question ask how long, wide or high a thing is (not how far it is from another)?"""
    return _ASKS_SIZE_RE.search(question) is not None and _ASKS_DISTANCE_RE.search(question) is None


def says_a_range(sentence: str) -> bool:
    """Does the answer's sentence present its figure as a bound ("up to 95 days", "ranged from")?"""
    return _RANGE_SAID_RE.search(sentence) is not None


def asks_duration(question: str) -> bool:
    """Does the question ask only how long something lasts (or measures)? Not "How many cycles, and
    over how many days?" nor "How often and for how long?": an answer to those counts other things too."""
    return _ASKS_DURATION_RE.search(question) is not None and len(_ASKS_RE.findall(question)) == 1


def not_a_measure(noun: str | None) -> bool:
    """Is ``noun`` (what an answer's figure counts) something other than a unit of time or length?"""
    return noun is not None and noun not in UNITS


@dataclass(frozen=True)
class FigureMeaning:
    """What the answer says one of its figures is: the noun it counts (or, when it names none, what
    the question asks to count), the words beside it, and whether it is given as a bound."""

    nouns: frozenset[str]  # stems of what it counts
    context: frozenset[str]  # stems of the words beside it in the answer
    single: bool  # a single value, not a year (a year is often one end of a plan's span)
    ranged: bool  # its sentence gives it as a bound ("up to 95 days")
    counts: bool = False  # the answer itself names what its figure counts ("2 strategic objectives")
    label: str | None = None  # the answer numbers a thing with it ("Visit 4"): naming_label in the answer
    question: frozenset[str] = frozenset()  # stems of the question's words
    things: bool = False  # the question asks how many of something that is no unit (people, cases)

    def fits(self, text: str, figure: Mention) -> bool:
        """May the passage's ``figure`` in ``text`` be the answer's figure with this meaning?"""
        if figure.kind == "range" and self.single and not self.ranged and _observed_span(text, figure):
            return False  # "95 days" on average is not stated by "ranged from 79 to 95 days"
        if self.things and not self.counts and (word_after(text, figure.end) or ("", False))[0] in UNITS:
            return False  # a sample size "10" is not stated by "used for more than 10 years"
        # Where the answer does not say what its figure counts, the question does ("how many
        # employees"), less precisely: a passage noun the question uses anywhere is taken as asked.
        asked = frozenset() if self.counts else self.question
        if counts_another_thing(self.nouns, text, figure.start, figure.end, asked, self.context):
            return False
        label = naming_label(text, figure.start)
        if label is None or label == self.label:
            return True
        # "priority 2" names a priority: it does not state "2 strategic objectives" (a count), nor a
        # registration an answer gives as "21057478" without saying it is the serial number.
        return not self.counts and label in self.context


def figure_meaning(answer: str, mention: Mention, context: frozenset[str], question_counts: frozenset[str],
                   question_words: frozenset[str], sentence: str) -> FigureMeaning | None:
    """What ``answer`` says its figure ``mention`` is (None for dates, names and codes).

    ``context``: the stems beside it in the answer; ``question_counts``: what the question asks to
    count (``asked_count``); ``question_words``: the stems of all the question's words;
    ``sentence``: the answer's sentence holding it.
    """
    if mention.kind not in ("number", "percent", "money"):
        return None
    noun = counted_noun(answer, mention.end)
    value = mention.value.value
    year = mention.kind == "number" and value == value.to_integral_value() and 1900 <= value <= 2100
    return FigureMeaning(frozenset({noun}) if noun else question_counts, context, not year, says_a_range(sentence),
                         counts=noun is not None, label=naming_label(answer, mention.start), question=question_words)


def _observed_span(text: str, figure: Mention) -> bool:
    """Is a passage range the span that observed values took ("times ranged from 79 to 95 days"),
    so that neither end is the figure itself? Not "between 45 and 60 minutes" (an estimate whose
    end an answer may round to) nor two figures that a "to" joins ("FY 2015 70.1% to 14,706")."""
    lo, hi = figure.value
    return lo.percent == hi.percent and lo.value < hi.value and \
        _SPAN_OF_VALUES_RE.search(text[max(0, figure.start - 30):figure.start]) is not None


__all__ = ["FigureMeaning", "asked_count", "asks_duration", "counted_noun", "counts_another_thing", "figure_meaning",
           "meaning_span", "naming_label", "not_a_measure", "says_a_range"]
