"""A statement row named for what is asked, with the one figure left for the asked period: the
answer a small model declined to read out.

Asked "What was Apple's net income in the quarter ended December 31, 2022?", the bundled 0.5B
model answered "The documents do not contain this." with "Net income | Three Months Ended December
31, 2022: 24,027" in its prompt (6 of the 26 filing questions of ``tests/filing_fixtures.py``).
Such a row is a form field of a table: its label is the measure asked for, and cut to the asked
span of time and day (``table_focus.keep_asked_cells``, done when the prompt was built) one cell
is left. It is quoted in the decline's place as ``form_fields`` fields are; a row with two cells
or more is left alone, since which of them is meant is what the model could not tell either.
"""

from __future__ import annotations

import re
from typing import Sequence

from desktop_app.rag import query_hints
from desktop_app.rag.passage_focus import question_terms, stem
from desktop_app.rag.table_cells import CELL
from desktop_app.rag.table_focus import asked_row_label, asked_span, span_of

# A row as a focused passage writes it: a label, then "Header: value" cells, the next words
# (another row's label, a note) following on the same line.
_VALUE = r"\(?-?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?\)?"
_ROW = re.compile(r"(?P<label>[A-Z][^|:…\"]{1,90}?) \| (?P<cells>[^|:…\"]{3,70}: " + _VALUE
                  + r"(?: \| [^|:…\"]{3,70}: " + _VALUE + r")*)(?![\d,.%])")
_CAPITAL_WORD = re.compile(r"(?<![\w-])[A-Z]")
# A statement's column names its span of time and its year ("Three Months Ended July 1, 2023",
# "Years ended September 24, 2022"). An agency's measure table ("FY 2018 Results: 53.4%") is left
# to the model: its labels wrap over lines, and the fragment next to the figures ("OPM employees")
# matched the question's words for another measure's row. A running header's "Version 3:
# 9.19.2022" is no column either.
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# What a column of a measure holds: a question asking the target is not answered by the result.
_COLUMN_KINDS = ("target", "goal", "result", "actual", "estimate", "budget", "baseline")
# Headers of a statement's period groups that run into the next row's label in a focused passage.
_SPAN_WORDS = re.compile(r"^(?:(?:(?:Three|Six|Nine|Twelve) Months|(?:Fiscal )?Years?) Ended\s*)+", re.I)
_ASKS_PERCENT = re.compile(r"\bpercent|\bpercentage\b|%|\brate\b|\bshare\b", re.I)


def asked_row(question: str, texts: Sequence[str]) -> tuple[int, str] | None:
    """(index of the text, row) of the first row among ``texts`` labelled with just what is asked
    and holding one figure, of the span of time asked (a quarter's, not the year's of an annual
    report beside it) and of the kind asked (a percentage or an amount), or None. None for a
    question comparing periods or documents: one figure cannot answer it."""
    if query_hints.parse(question).comparison:
        return None
    asked = question_terms(question) - question_terms(query_hints.reference_words(question))
    span, percent = asked_span(question), bool(_ASKS_PERCENT.search(question))
    for index, text in enumerate(texts):
        for m in _ROW.finditer(text):
            cells = m.group("cells").split(CELL)
            if len(cells) != 1 or cells[0].rstrip().endswith("%") != percent:
                continue
            header = cells[0].rsplit(": ", 1)[0]
            if not _YEAR.search(header) or not span_of(header) or _other_kind(header, question) or \
                    (span and span_of(header) != span):
                continue
            label = _asked_label(m.group("label"), asked)
            if label:
                return index, f"{label}{CELL}{cells[0]}"
    return None


def _other_kind(header: str, question: str) -> bool:
    """Does the column hold another kind of figure than the question asks for ("FY 2018 Results"
    for "What was OPM's FY 2018 target …")?"""
    low_header, low_question = header.lower(), question.lower()
    asked = {kind for kind in _COLUMN_KINDS if kind in low_question}
    held = {kind for kind in _COLUMN_KINDS if kind in low_header}
    return bool(asked and held and not asked & held)


def _asked_label(words: str, asked: set[str]) -> str:
    """The longest ending of ``words`` that starts with a capital and is a label of just what is
    asked ("Income before provision for income taxes", not only its end), the period headers a
    focused passage runs into it taken off ("Three Months Ended Total net sales"), or ""."""
    words = _SPAN_WORDS.sub("", words.strip())
    for start in (m.start() for m in _CAPITAL_WORD.finditer(words)):
        label = words[start:].strip()
        if asked_row_label(label + CELL, asked, stem):
            return label
    return ""
