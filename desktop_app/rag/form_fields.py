"""A form's field named for what a question asks: "Who owned …?" -> "Registered Owner: Versatile Aviation Inc".

Why: reports, protocols and filings set their key facts out as a form ("Registered Owner: …",
"Operator: …", "Sponsor: …", "Flight Time: 1364 hours (Total, all aircraft), …"). The bundled 0.5B
model often reads such a page and answers "The documents do not contain this": of 24 grounded
corpus answers that declined, 16 had the answer in their prompt, 8 of them in a field like these.
When the model declines, the field is shown instead, quoted word for word
(``services.answer_recheck.field_answer``).

What is asked is read from the question's own words, not from the subject it describes: the words
before the subject's first article, name or figure ("How many total flight hours did | the pilot
of the Sorrell SNJ-7 …", "Who owned | the Cessna 152 …"), and a verb it ends on after an
auxiliary ("Where did the Cessna … depart from?"); an article right after "What was/were" opens what
is asked ("What was the registration of | the Cessna 152 …"). A field matches when its label ends with one
of those words (a generic last word such as "Point" or "Time" set aside: "Departure Point",
"Flight Time") and at least half of the label's words are asked. Words of the documents' labels
(the accident's place, the report's name) never count as asked. A question about two things
("the two airplanes", "…, and who …") gets no field: one field cannot answer both.

Measured on stop 32's answers to the 191 grounded corpus questions (``benchmarks/form_fields.py``):
8 of the 24 declines get a field, all 8 holding the gold answer; no off-topic question gets one.
Pure text work: no model call.
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from desktop_app.rag.passage_focus import question_terms, subject_terms, word_stems
from desktop_app.rag.question_parts import ASKS_TWO_THINGS

LONGEST_VALUE = 160  # characters of a value shown (a row of flight times runs on)
_COLON = re.compile(r"[ \t]*[:：][ \t]*")
_LABEL_WORD = re.compile(r"^[A-Z][A-Za-z'’()/&-]*$")
_LABEL_WORDS = 3  # a label is at most this many capitalised words before its colon
# A label's last word that names no field of its own ("Departure Point", "Flight Time").
_GENERIC = frozenset(word_stems("point number name date time type information details"))
_ARTICLES = frozenset("the a an its their this that these those each every".split())
_AUXILIARY = re.compile(r"\b(?:did|does|do|will|would|can|could|should)\b", re.IGNORECASE)
_LEAD = frozenset("what which was were is are".split())  # "What was the …", "Which are the …"
_PARTICLES = frozenset("from to in on at with for of by".split())
_BOTH = re.compile(r"\bboth\b", re.IGNORECASE)


def asked_words(question: str) -> frozenset[str]:
    """The stems of what ``question`` asks, not of the subject it describes (see the module)."""
    words = question.rstrip(" ?.!").split()
    head: list[str] = []
    for i, word in enumerate(words):
        if word.lower() in _ARTICLES and head and all(w.lower() in _LEAD for w in head) and i == len(head):
            continue  # "What was the registration of | the Cessna …": the first article opens what is asked
        if word.lower() in _ARTICLES or word.endswith(("'s", "’s")) or (
                i > 0 and (word[:1].isupper() or any(c.isdigit() for c in word))):
            break
        head.append(word)
    tail: list[str] = []
    if _AUXILIARY.search(question):
        last = [w for w in words if w.lower() not in _PARTICLES]
        tail = [last[-1]] if last and last[-1].islower() else []
    return frozenset(question_terms(" ".join(head + tail)))


def fields(text: str) -> Iterator[tuple[list[str], str]]:
    """(label words, value) for each "Label: value" in ``text``. A value runs to the next label,
    whose words are taken off its end: the last one, and the one before when it is a plain
    capitalised word ("… Versatile Aviation Inc Rated Power:" -> "Versatile Aviation Inc")."""
    colons = list(_COLON.finditer(text))
    for k, colon in enumerate(colons):
        label: list[str] = []
        for word in reversed(text[:colon.start()].rsplit("\n", 1)[-1].split()[-_LABEL_WORDS:]):  # not across lines
            if not _LABEL_WORD.match(word):
                break
            label.insert(0, word)
        if not label:
            continue
        end = colons[k + 1].start() if k + 1 < len(colons) else len(text)
        segment = text[colon.end():end]
        words = segment.split("\n")[0].split()
        if k + 1 < len(colons) and "\n" not in segment:
            nxt = 2 if len(words) > 2 and _LABEL_WORD.match(words[-2]) and words[-2].isalpha() else 1
            words = words[:-nxt] if len(words) > nxt else []
        value = " ".join(words).strip(" …,;|")
        if re.search(r"\w", value):
            yield label, value


def asked_field(question: str, texts: Sequence[str], labels: Sequence[str] = ()) -> tuple[int, str] | None:
    """(index of the text, "Label: value") of the field in ``texts`` named for what ``question``
    asks, or None. ``labels``: the documents' labels, whose words are the subject's."""
    if ASKS_TWO_THINGS.search(question) or _BOTH.search(question):
        return None
    asked = asked_words(question) - subject_terms(question, (), labels)
    best: tuple[tuple[float, int], int, str] | None = None
    for index, text in enumerate(texts):
        for label, value in fields(text):
            score = _label_score(label, value, asked)
            if score is None:
                continue
            key = (score, -index)
            if best is None or key > best[0]:
                if len(value) > LONGEST_VALUE:
                    value = value[:LONGEST_VALUE].rsplit(" ", 1)[0] + " …"
                best = (key, index, f"{' '.join(label[-2:])}: {value}")
    return None if best is None else (best[1], best[2])


def _label_score(label: list[str], value: str, asked: frozenset[str]) -> float | None:
    """How well the shortest ending of ``label`` that names an asked word matches, or None.
    Asked words at the value's start break ties ("Flight Time: 1364 hours (Total" for "total
    flight hours", over "Occupational Pilot: …")."""
    for n in range(1, len(label) + 1):
        part = label[-n:]
        while part and set(word_stems(part[-1])) <= _GENERIC:
            part = part[:-1]
        stems = word_stems(" ".join(part))
        words = question_terms(" ".join(part))  # common words out
        hit = words & asked
        if hit and stems[-1] in asked and 2 * len(hit) >= len(words):
            return len(hit) + 0.5 * len(question_terms(value[:40]) & asked)
    return None
