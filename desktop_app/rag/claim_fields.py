"""Which of a passage's figures answers the question, when several count the same unit.

A report form lists a pilot's hours one after another: "Flight Time: 475 hours (Total, all
aircraft), 3 hours (Total, this make and model), 25 hours (Last 90 days)". Asked for the hours
"in that make and model", the bundled model answered 475: a figure the passage states, but of
another field. Each figure's *field* is the words between it and its neighbouring figures; when
another figure of the same unit has a field that shares more of the question's words, and the
answer's figure's field shares none, the answer took the wrong field. A target is not a result
either: "FY 2022 Target: 60.00" does not answer what the days to process a case were, nor does
"By FY 2026, improve the customer satisfaction score to 4.2 out of 5" say what the score was.
"""

from __future__ import annotations

import re
from typing import Sequence

from desktop_app.rag.claim_extract import Mention
from desktop_app.rag.claim_units import UNITS, stem, word_after

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’]+")
SAID_FIELD_WORDS = 2  # words of a figure's own field the answer must use beside it to state that field
FIELD_CHARS = 60  # at most this far from the figure on each side, within its neighbours
_PLANNED_RE = re.compile(r"\b(?:target|goal)s?\b", re.IGNORECASE)
_PLANNED_ASKED_RE = re.compile(r"\b(?:target|goal|aim|aimed|plan|planned|objective|expect|expected|projected|intend|"
                               r"must|should|criteri|threshold|requir|need)",
                               re.IGNORECASE)
PLAN_CHARS = 120  # how far before a figure, within its clause, the plan's verb may stand
_PLANNED_CHANGE_RE = re.compile(r"(?<!\ban )(?<!\bthe )(?<!\ba )\b(?:improv|increas|reduc|rais|decreas|lower|cut|grow|expand)"
                                r"(?:e|es|ing)?\b[^.;:…]{0,100}?\b(?:to|by)\s+(?:an?\s+)?(?:average\s+of\s+)?[$€£]?$",
                                re.IGNORECASE)
_DONE_RE = re.compile(r"\b(?:has|have|had|was|were|been|be)\s+$", re.IGNORECASE)
_RESULT_RE = re.compile(r"\b(?:results?|actual)\b", re.IGNORECASE)
_CLAUSE_END_RE = re.compile(r"[;…]|\.(?=\s)")  # a full stop, semicolon or ellipsis ends a field


def other_field(text: str, figures: Sequence[Mention], found: Mention, question_stems: frozenset[str],
                said: frozenset[str] = frozenset()) -> Mention | None:
    """The figure of ``text`` whose field matches the question better than ``found``'s, or None.

    Only figures counting the same unit as ``found`` compete ("hours" with "hours"), and only
    one whose field shares more words with the question than ``found``'s (and than any field
    stating ``found``'s value) overrules it: "Total, this make and model" over "Total, all
    aircraft" asked the hours in that make and model, "total flight experience" over "Pilot In
    Command" asked the total. Nor is an answer that says which field its figure is of
    (``said``: the stems of the words beside the figure in the answer share SAID_FIELD_WORDS of
    its field's words): "7 hours (Last 30 days, all aircraft)" copied from the form is true as
    stated, beside the figure that answers.
    """
    unit = word_after(text, found.end)
    if unit is None or unit[0] not in UNITS or not question_stems:
        return None
    same = [m for m in figures if m.kind in ("number", "money", "percent") and word_after(text, m.end) == unit]
    if len(same) < 2:
        return None
    asked = question_stems - {unit[0]}  # "hours" is in every competing field
    fields = {id(m): _field(text, same, i) & asked for i, m in enumerate(same)}
    for group in _listed_together(text, same):
        # "follow up visits … at 30 days and 90 days": one field for all the figures of a list.
        shared = frozenset().union(*(fields[id(m)] for m in group))
        fields.update((id(m), shared) for m in group)
    if id(found) not in fields:
        return None
    # Words the answer only repeats from the question ("the pilot … a total of") say no field.
    if len((_field(text, same, same.index(found)) - {unit[0]}) & (said - question_stems)) >= SAID_FIELD_WORDS:
        return None
    best = max(same, key=lambda m: len(fields[id(m)]))
    # Overruled by a field that names more of what is asked ("Total, this make and model" over
    # "Total, all aircraft", which shares only "pilot" from the form's label with the question),
    # unless the passage also states the same figure in a field as telling ("20 minutes" of the
    # pilot study and of the intervention group).
    own = max(len(fields[id(m)]) for m in same if m.value == found.value)
    return best if len(fields[id(best)]) > own and best.value != found.value else None


def code_of_another_field(text: str, start: int, question_stems: frozenset[str]) -> bool:
    """Is the code at ``text[start:]`` a form's value under a label that names nothing the question
    asks, while another label of the same passage does ("Accident Number: DFW08WA050" beside an
    empty "Registration:", asked the registration)? A code without a label of its own (prose:
    "driving a McCauley D2A36C33 propeller") never is."""
    lo = max(0, start - FORM_LABEL_CHARS)
    own = _OWN_LABEL_RE.search(text[lo:start])
    # The label's last two words: a form runs on from the value before ("Boquete, Panama Accident Number:").
    if own is None or {stem(w) for w in _WORD_RE.findall(" ".join(own.group(1).split()[-2:]))} & question_stems:
        return False
    return any({stem(w) for w in _WORD_RE.findall(m.group(1))} & question_stems
               for m in _FORM_LABEL_RE.finditer(text) if m.start() != lo + own.start())


def labelled_as_asked(text: str, start: int, question_stems: frozenset[str]) -> bool:
    """Is the figure at ``text[start:]`` a form's value under a label whose words the question all
    uses ("Sample size: 15", asked the sample size of a study)? Then it is stated for what is
    asked, whatever words stand beside it in the answer: a small figure otherwise needs one of
    them near it in the passage (claim_check's SMALL_NUMBER)."""
    label = _ANY_LABEL_RE.search(text[max(0, start - FORM_LABEL_CHARS):start])
    if label is None:
        return False
    words = {stem(w) for w in _WORD_RE.findall(label.group(1)) if w.lower() not in _LABEL_FILLER}
    return bool(words) and words <= question_stems


def planned_figure(text: str, figures: Sequence[Mention], found: Mention, question: str) -> Mention | None:
    """When ``found`` is a target ("FY 2022 Target: 60.00") and the question asks for no target: the
    result the row gives beside it ("FY 2022 Results: 88.41"), or ``found`` itself; else None.

    A performance report states each measure's target next to its result, and the bundled model
    took the one for the other. Only a table row as the reader writes it names each cell's header.
    """
    if _PLANNED_ASKED_RE.search(question):
        return None
    if _planned_in_prose(text, found.start):
        return found
    header = _cell_header(text, found.start)
    if not header or not _PLANNED_RE.search(header):
        return None
    row_start, row_end = text.rfind("\n", 0, found.start), text.find("\n", found.end)
    year = re.findall(r"\d{4}", header)
    for m in figures:
        if m is not found and row_start < m.start and (row_end < 0 or m.start < row_end) \
                and m.kind in ("number", "money", "percent"):
            other = _cell_header(text, m.start)
            if other and _RESULT_RE.search(other) and re.findall(r"\d{4}", other) == year:
                return m
    return found


def _planned_in_prose(text: str, start: int) -> bool:
    """Is the figure at ``start`` what a plan would change something to ("By FY 2026, improve the
    customer satisfaction score to 4.2 out of 5", "increasing OPM's ... score for targeted services
    to 4.3")? A change said in the present or the -ing form is a plan; "reduced the inventory to
    14,706" (past) is a result, and "an increase of 1.5 points" (a noun) is one too."""
    before = text[max(0, start - PLAN_CHARS):start]
    before = _CLAUSE_END_RE.split(before)[-1]
    plan = _PLANNED_CHANGE_RE.search(before)
    # "has cut the inventory by 25 percent": a perfect or passive is a result too.
    return plan is not None and not _DONE_RE.search(before, 0, plan.start())


def _cell_header(text: str, start: int) -> str:
    """The header of the table cell a figure at ``start`` opens ("FY 2022 Target"), or ""."""
    cell = text.rfind(" | ", max(0, start - FIELD_CHARS), start)
    head = text[cell + 3:start].rstrip() if cell >= 0 else ""
    return head[:-1] if head.endswith(":") else ""


FORM_LABEL_CHARS = 40
# A form's label right before its value: "Accident Number: ", "Registration: " (capitalised words).
_FORM_LABEL_RE = re.compile(r"\b([A-Z][A-Za-z]*(?:[ /&][A-Z][A-Za-z]*){0,3}):[ \t]*")
_OWN_LABEL_RE = re.compile(_FORM_LABEL_RE.pattern + "$")
# A label of any case right before its value: "Sample size: ", "Number of participants: ".
_ANY_LABEL_RE = re.compile(r"\b([A-Z][A-Za-z]*(?:[ \t]+[A-Za-z]+){0,3})[ \t]*[:：][ \t]*$")
_LABEL_FILLER = frozenset("of the and for in to a an".split())
_PARENTHESISED_FIELD_RE = re.compile(r"\s*[A-Za-z]+\s*\(")  # "hours (Total, this make and model)"
_LIST_JOINT_RE = re.compile(r"(?:\s*[A-Za-z]+)?\s*(?:,\s*(?:and|or)?|and|or|to|&)\s*", re.IGNORECASE)


def _field(text: str, same: Sequence[Mention], i: int) -> frozenset[str]:
    """Stems of figure ``i``'s field: what is written just before it in its own clause ("Runway
    Length:", "a total flight experience of") and just after it up to the clause's end or the next
    figure ("hours (Total, this make and model)"), without the next figure's own label."""
    before = text[same[i - 1].end if i else max(0, same[i].start - FIELD_CHARS):same[i].start]
    after_end = same[i + 1].start if i + 1 < len(same) else min(len(text), same[i].end + FIELD_CHARS)
    after = _CLAUSE_END_RE.split(_without_label(text[same[i].end:after_end]), 1)[0]
    lead = before[len(_without_label(before)):] if before.rstrip().endswith(":") else _CLAUSE_END_RE.split(before)[-1]
    if _PARENTHESISED_FIELD_RE.match(text, same[i].end):
        # "…, 10740 hours (Pilot In Command, all aircraft)": the brackets hold the field (with any
        # figure inside, "Last 24 hours"); the words before are the previous figure's, unless a
        # label ends there ("Flight Time: 11000 hours (Total, …)").
        close = text.find(")", same[i].end, same[i].end + FIELD_CHARS)
        after = text[same[i].end:close] if close > 0 else after
        lead = lead if before.rstrip().endswith(":") else ""
    words = _WORD_RE.findall(lead[-FIELD_CHARS:]) + _WORD_RE.findall(after[:FIELD_CHARS])
    return frozenset(stem(w) for w in words)


def _listed_together(text: str, same: Sequence[Mention]) -> list[list[Mention]]:
    """Runs of figures written as one list ("at 30 days and 90 days", "30, 60 or 90 days"): only
    their unit and a comma, "and", "or" or "to" stand between them. A form's figures, each with its
    own field in brackets ("475 hours (Total, all aircraft), 3 hours (…)"), are no list."""
    groups: list[list[Mention]] = []
    for i, m in enumerate(same):
        if i and _LIST_JOINT_RE.fullmatch(text, same[i - 1].end, m.start):
            groups[-1].append(m)
        else:
            groups.append([m])
    return [g for g in groups if len(g) > 1]


def _without_label(span: str) -> str:
    """``span`` without a trailing "Label:" (cut at the last comma, semicolon, ellipsis, full stop
    or closing bracket)."""
    if not span.rstrip().endswith(":"):
        return span
    cut = max(span.rfind(mark) for mark in (",", ";", "…", ". ", ")"))
    return span[:cut + 1] if cut >= 0 else ""


__all__ = ["code_of_another_field", "other_field", "planned_figure"]
