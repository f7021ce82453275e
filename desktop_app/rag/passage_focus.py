"""Keep the sentences of the retrieved passages that matter to the question.

Why: a small model reading five whole chunks (about 1,000 tokens) is slower to its first token
and easily distracted by the wrong figure; the sentence that holds the answer is usually one or
two of a chunk's ten. The sentences of all five passages are ranked together, and the best ones,
each with its neighbours (a figure's label is often the sentence before, a finding the sentence
after "determines the probable cause to be:"), fill one budget for all of them, kept in document
order with "…" marking cuts. Question words count by how rare they are among those sentences: the
subject ("Piper PA-22-150", "Muscle Shoals") is in most of them, the thing asked ("departed",
"interviews") in few. Pure text work: no model call, well under a millisecond a passage.

Measured on the 191 grounded corpus questions (their top 5 from the corpus index, a gold answer
being kept when any focused passage still holds it, a figure only as a whole number;
``benchmarks/prompt_focus.py``): 320 characters per passage, each ranked on its own by shared
question words, kept the answer for 115 (of 164 whose full passages hold it); ranking all
sentences together by rare question words within the same 1,600 characters, for 131.

A name's initial does not end a sentence ("Omar A. Ibrahimi", "Mark G. Meehleis", "Dr. Anna
Whelan"): cut there, the prompt held half a name and the model answered "Omar A.". That keeps the
answer for 135 (4 more, none fewer); asked again, the 23 questions whose prompts changed gave 16
right answers instead of 13 (94 of 191 in all; the others' prompts and greedy answers unchanged).
Nor does an abbreviation such as "U.S." ("the U.S. Department of Labor"): 136 kept; the 25
questions whose prompts changed, asked again, 16 right instead of 15 (95 of 191).

A question asking who brings, around each kept sentence, neighbours up to 40 characters a side
instead of one piece (``NAME_NEIGHBOUR_CHARS``): the name the question asks for, laid out as a
form, sits two or three fragments from its role. The answer is kept for 138 (the three names
added, one operator lost); the 33 questions whose prompts changed, asked again: 17 right instead of
15 (3 names gained, one owner declined though its prompt still held it). 35-50 characters kept
139-142 for every question, but the model answered those 10 fewer right (NTSB form lines).

Tried and not kept (c76af8b, measurable with ``benchmarks/prompt_focus.py --baseline c76af8b``):
lines cut only at sentence ends and line breaks, not at colons (a form line keeps its label), the
question's first two content words weighted twice, and plural/-ing/-ed/-er endings taken off. The
prompt then kept the answer for 143 of the 191, but the bundled 0.5B model answered no better:
50 vs 48 right on every 2nd question, 39 vs 43 on the other half (89 vs 91 of 191, greedy, same
session). On the second half, with the answer in its prompt it was right 38 of 66 times vs 43 of
60: longer form lines confused it ("[1] [2] [3] [4] [5]", a runway's length given as its width).
Also tried (stop 27): a table row as the table reader writes it ("… | FY 2021 Result: 3 .92 | FY
2022 Result: 3 .74 | FY 2022 Target: …") kept as one piece instead of cut at its colons, where each
value lands beside the next column's header. The prompt kept the answer for 142 (2 more, 1 fewer),
but the 17 questions whose prompts changed (all agency tables) were answered right 7 times instead
of 9: given the whole row, the model took another year's column ("FY 2019 … 58.6"). What was kept
instead: the row cut to the asked year's columns (``table_focus``), kept whole and scored with the
lines beside it (its label): answer kept for 146 of 191 vs 141 (5 more, none fewer, graded with
"Kiran A. Ahuja" accepted); the 19
questions whose prompts changed, asked again: 10 right instead of 8 (106 of 191 in all).

Stop 32: words that name the document rather than what is asked count half (``subject_terms``:
words of the passages' document labels, or in 70 % of the passages: "virtual reality upper limb
rehabilitation tetraplegia" in "How many participants does the … study aim to recruit?"); an
ending no longer hides a word ("owned" / "Registered Owner:"); a long piece next to a kept one
lends only its nearest 160 characters ("ASCT pretreatment protocol:" | "Melphalan (Mel) 200 mg/m2
…"). ``benchmarks/prompt_focus.py`` (top 5 as shown, other documents' passages out): answer kept
for 157 of 191 vs 149 (9 gained, 1 lost: a destination line). End to end, same machine, greedy:
125 right vs 117 (13 gained, 5 lost; off-topic 41/45 both).

Stop 33: asked who holds a title or who signed, the pieces that write a person's name beside such
a title rank first (``_favour_role_holders``, ``rag.role_holders``): the answer kept for 159 vs
157 (2 signers gained, none lost; 12 prompts change).

Stop 39: a piece that leads on brings what it introduces (``_leads_on``, ``_continuation``): a
lead-in or label ending in a colon ("… determines the probable cause(s) of this accident to be:",
"DVRd protocol dose:"), an item of a list split at a semicolon ("Fog;" | "Snow Grains"), or a bare
"…" line. Its one neighbour was often that "…" or the list's first item, and the answer was the
next line. What follows comes up to the end of a sentence or the next label, within
``CONTINUATION_SLACK`` characters over the budget. On 108 held-out questions used for development
(corpus_fresh and corpus_holdout), with the documents ruled out by ``claim_subject`` (also changed
in stop 39), the answer was kept for 82 vs 78; on the 191 tuned questions, 162 vs 159; on the 36
judged questions (h401-h436), 26 vs 26. Prompts are 35 characters longer on average. Asked end
to end (0.5B, greedy, same session): 53 vs 49 of the 108 right (11 gained, 7 lost).
"""

from __future__ import annotations

import math
from datetime import date
import re
from collections import Counter
from typing import Callable, Sequence

from desktop_app.rag.measure_words import with_same_measures
from desktop_app.rag.query_hints import reference_words
from desktop_app.rag.question_kinds import asks_who
from desktop_app.rag.role_holders import asked_role
from desktop_app.rag.table_focus import favour_asked_rows, keep_asked_cells
from desktop_app.rag.table_rows import CELL

# A sentence ends at . ! ? ; or : before a capital, a digit or an opening mark, but not after an
# initial, a title or "U.S." ("Omar A. Ibrahimi", "Dr. Smith", "the U.S. Department"): the name
# stays whole. (Python's look-behinds have a fixed width, hence one for each length.)
_NOT_AFTER_ABBREVIATION = r"(?<![A-Z]\.[A-Z]\.)(?<![\s(][A-Z]\.)(?<!\b(?:Dr|Mr|Ms|St|No)\.)(?<!\bMrs\.)"
_SENTENCE = re.compile(_NOT_AFTER_ABBREVIATION + r"(?<=[.!?;:])\s+(?=[A-Z0-9(\"'])|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
_NUMBER = re.compile(r"\d")
_STOP = frozenset(
    "a an the of in on at to for from by with and or is are was were be been what which who whom "
    "whose when where why how many much does did do this that these those it its as per than there "
    "their they them his her he she you your we our i me my not no yes any all each about into over "
    "under after before during between also only can could would should may might will shall".split()
)
# Pieces above a table row without a label whose words score it: its header lines and the title.
LABELLESS_ROW_REACH = 3
# A question asking who: a kept sentence brings its neighbours on each side up to this many
# characters, not only the next piece ("Miguel A. Cardona, Ed.D." | "School Districts" | "Role:" |
# "Secretary of Education"); why only for "who", and what it measured: the module's docstring.
NAME_NEIGHBOUR_CHARS = 40
# A question word in most passages (this share of them) or in their documents' labels names the
# subject, and counts this much of an asked word (subject_terms).
SUBJECT_SPREAD = 0.7
SUBJECT_WEIGHT = 0.5
CONTINUATION_SLACK = 160  # characters over budget the piece a lead-in introduces may take (_leads_on)
LONGEST_NEIGHBOUR = 160  # characters a long piece lends as a kept piece's neighbour (_near_end)
LONGEST_QUOTED = 400  # characters of a line ``closest_line`` returns (a table row may run longer)
QUOTED_MIN_WORDS = 6
# Narrower than _FIGURE_CUES (which only adds to a sentence's score): a question with one of these
# asks for a figure outright, so a quoted line without one cannot answer it ("what dose", "total"
# may be answered in words).
_QUANTITY_CUES = ("how many", "how much", "how long", "how far", "how old", "what year", "when", "what date",
                  "percent", "%", "what number", "what score", "what rate")
_FIGURE_CUES = ("how many", "how much", "what year", "when", "what date", "percent", "%", "number",
                "rate", "total", "amount", "age", "how old", "how long", "dose", "target", "size")


def _stem(word: str) -> str:
    """Crude, language-light stemming, the same on both sides: a plural, then an -ing/-ed/-er and a
    final e off, then the first six letters ("owned" and "Owner:" -> "own", "cases" and "case" ->
    "cas", "signed" -> "sign", "participants" -> "partic"). Figures stay as written."""
    if len(word) > 3 and not word[0].isdigit():
        if word.endswith("ies"):
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        for ending in ("ing", "ed", "er"):
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                word = word[:-len(ending)]
                break
        if word.endswith("e") and len(word) > 3:
            word = word[:-1]
    return word[:6]


stem = _stem  # the same stemming where other modules match words against the question's


def word_stems(text: str) -> list[str]:
    """The stems of ``text``'s words in order, common words included."""
    return [_stem(w) for w in _WORD.findall(text.lower())]


def question_terms(question: str) -> set[str]:
    """The stems of the question's content words, with a statement's word for the measure it names
    ("revenue": "sales")."""
    words = [w for w in _WORD.findall(question.lower()) if w not in _STOP and len(w) > 1]
    return {_stem(w) for w in with_same_measures(words)}


def split_sentences(text: str) -> list[str]:
    parts = [" ".join(p.split()) for p in _SENTENCE.split(text)]
    return [p for p in parts if p]


def focus_passages(question: str, texts: Sequence[str], budget_chars: int, labels: Sequence[str] = (),
                   days: Sequence[date] = ()) -> list[str]:
    """For each of ``texts`` (best passage first), the sentences kept for ``question``.

    About ``budget_chars`` in all. Every passage keeps at least its best sentence (its citation
    stays), then the best sentences overall, with their neighbours, take what is left. Passages
    that fit the budget together are returned whole (whitespace collapsed). ``days``: the end of the
    period asked about when the documents tell it (``Hit.asked_period_end``; a table row keeps its column).
    """
    # A table row keeps the asked years' columns, and stays one piece (see table_focus).
    cut = [keep_asked_cells(question, t, days) for t in texts]
    texts, whole_rows = [t for t, _ in cut], set().union(*(rows for _, rows in cut))
    flat = [" ".join(t.split()) for t in texts]
    if sum(len(t) + 1 for t in flat) <= budget_chars:
        return flat
    sentences = [_pieces(t, budget_chars, whole_rows) for t in texts]
    scores = _scores(question, sentences, whole_rows, subject_terms(question, texts, labels),
                     question_terms(reference_words(question)))
    _favour_role_holders(question, texts, sentences, scores)
    asked = question_terms(question) - question_terms(reference_words(question))
    favour_asked_rows(sentences, scores, asked, _stem)
    ranked = sorted(((score, p, i) for p, row in enumerate(scores) for i, score in enumerate(row)),
                    key=lambda c: (-c[0], c[1], c[2]))
    keep: set[tuple[int, int]] = set()
    used = 0

    def take(p: int, i: int, side: int = 0, slack: int = 0) -> None:
        nonlocal used
        if not 0 <= i < len(sentences[p]) or (p, i) in keep:
            return
        if side and len(sentences[p][i]) > LONGEST_NEIGHBOUR:
            # A neighbour only lends its nearest words: a label's value starts a long piece
            # ("ASCT pretreatment protocol:" | "Melphalan (Mel) 200 mg/m2 Efficacy … [400 chars]").
            sentences[p][i] = _near_end(sentences[p][i], LONGEST_NEIGHBOUR, side)
        if used + len(sentences[p][i]) <= budget_chars + slack:
            keep.add((p, i))
            used += len(sentences[p][i]) + 1
            if _leads_on(sentences[p][i]):
                for j in _continuation(sentences[p], i):
                    take(p, j, 1, CONTINUATION_SLACK)

    for p in range(len(texts)):  # each passage's best sentence first
        best = max(range(len(sentences[p])), key=lambda i: (scores[p][i], -i), default=None)
        if best is not None:
            take(p, best)
    reach = NAME_NEIGHBOUR_CHARS if asks_who(question) else 0
    for score, p, i in ranked:
        if score <= 0 or used >= budget_chars:
            break
        take(p, i)
        for step in (-1, 1):
            _take_neighbours(sentences[p], i, step, reach, lambda j, p=p, step=step: take(p, j, step))
    return [_joined(sentences[p], sorted(i for q, i in keep if q == p)) for p in range(len(texts))]


def closest_line(question: str, texts: Sequence[str],
                 accept: Callable[[str], bool] | None = None) -> tuple[int, str] | None:
    """(index of the text, line) of the sentence among ``texts`` that best matches ``question``,
    by the same scores that choose a prompt's sentences; None when no sentence shares a telling
    word with it and says more than it.

    Saying more: words the question does not use, at least ``QUOTED_MIN_WORDS`` words (a running
    title "OPM Fiscal Year 2018 Annual Performance Report 8" is none), and, when the question asks
    how many, how much, when or what percent, a figure the question does not give. ``accept``:
    a further test a line must pass (a line under a flagged figure must offer another figure).
    """
    cut = [keep_asked_cells(question, t) for t in texts]
    whole = set().union(*(rows for _, rows in cut))
    sentences = [_pieces(t, LONGEST_QUOTED, whole) for t, _ in cut]
    asked = set(_WORD.findall(question.lower()))
    # The words of what is asked ("depart", "registration") decide, not the subject's names and
    # codes ("Piper PA-22-150", "Boquete"): the user knows the subject, and the line naming it
    # most is rarely the one that answers. Names alone (nothing else asked) still count.
    words = question.split()
    plain = " ".join(w for i, w in enumerate(words) if i == 0 or not (w[:1].isupper() or _NUMBER.search(w)))
    wants_figure = any(cue in question.lower() for cue in _QUANTITY_CUES)
    for wording in (plain, question):
        best = max(((score, -p, -i) for p, row in enumerate(_scores(wording, sentences, whole))
                    for i, score in enumerate(row) if score > 0 and _says_more(asked, wants_figure, sentences[p][i])
                    and (accept is None or accept(sentences[p][i]))),
                   default=None)
        if best is not None:
            return -best[1], _with_value(sentences[-best[1]], -best[2])
    return None


def _with_value(row: list[str], i: int) -> str:
    """``row[i]`` and, when it ends on a label ("Total net sales | Three Months Ended June 25,
    2022:", "… the probable cause(s) of this accident to be:"), the value the next pieces give: a
    quoted line that stops at its colon shows no answer. A next piece that runs on into the next
    label ("86,274 | Nine Months Ended …:") lends the value before its cell mark; a value fused
    with the next label ("Cessna Registration:") cannot be told apart and is left out."""
    line = row[i]
    if not line.endswith(":") or i + 1 >= len(row):
        return line
    following = _continuation(row, i)
    if following:
        return " ".join([line] + [row[j] for j in following])
    value, cell, _rest = row[i + 1].partition(CELL.strip())
    return f"{line} {value.strip()}" if cell and value.strip() else line


def _says_more(asked: set[str], wants_figure: bool, line: str) -> bool:
    words = _WORD.findall(line.lower())
    if len(words) < QUOTED_MIN_WORDS or not set(words) - asked - _STOP:
        return False
    return not wants_figure or any(w not in asked for w in words if _NUMBER.search(w))


def _leads_on(piece: str) -> bool:
    """A piece whose meaning is in the next one: a lead-in or label ending in a colon ("… determines
    the probable cause(s) of this accident to be:", "DVRd protocol dose:"), an item of a list going
    on ("Fog;" | "Snow Grains"), or a bare "…" the passage itself holds."""
    return piece.endswith((":", ";")) or not _WORD.search(piece.lower())


def _continuation(row: list[str], i: int) -> list[int]:
    """The pieces after the lead-in ``row[i]`` that it introduces: up to ``CONTINUATION_SLACK``
    characters, to the end of a sentence or the next label ("Departure Point:"). A list written
    one item a line ("DVRd protocol dose:" | "…" | "Daratumumab 16 mg/kg, …" | "Bortezomib 1.3
    mg/m2, …") comes whole while it fits."""
    found, held = [], 0
    for j in range(i + 1, len(row)):
        held += len(row[j])
        if row[j].endswith(":") or (found and held > CONTINUATION_SLACK):
            break
        found.append(j)
        if row[j].endswith((".", "!", "?")):
            break
    return found


def _take_neighbours(row: list[str], i: int, step: int, reach: int, take) -> None:
    """Take the piece next to ``row[i]`` in one direction, and more until they hold ``reach`` characters."""
    held, j = 0, i + step
    while 0 <= j < len(row) and (j == i + step or held < reach):
        take(j)
        held += len(row[j])
        j += step


def _near_end(piece: str, chars: int, side: int) -> str:
    """About ``chars`` of ``piece`` from its start (``side`` 1: it follows a kept piece) or its end
    (-1), cut at a word, "…" where it was cut."""
    if side > 0:
        return piece[:chars].rsplit(" ", 1)[0] + " …"
    return "… " + piece[-chars:].split(" ", 1)[-1]


def focus_passage(question: str, text: str, max_chars: int = 600) -> str:
    """One passage's sentences that best answer ``question``, at most about ``max_chars`` long."""
    return focus_passages(question, [text], max_chars)[0]


def _pieces(text: str, longest: int, whole: set[str] = frozenset()) -> list[str]:
    """The sentences of ``text``; one longer than ``longest`` (a table with no sentence end) is cut.
    A line in ``whole`` (whitespace collapsed) is one piece."""
    pieces: list[str] = []
    for line in text.split("\n"):
        flat = " ".join(line.split())
        pieces.extend([flat] if flat in whole else split_sentences(line))
    return [s if len(s) <= longest else s[:longest - 1].rstrip() + "…" for s in pieces if s]


def subject_terms(question: str, texts: Sequence[str], labels: Sequence[str] = ()) -> frozenset[str]:
    """The question's words that say which document it is about rather than what it asks: words
    of the passages' document labels ("Glasgow … Virtual Reality … Upper Limb Rehabilitation …
    Tetraplegia"), and words in most of the passages (the subject a chunk of its document repeats).
    The sentence naming the subject most (a title) rarely holds the answer; "recruit" or "study
    duration" decides between the sentences of the document the question is about."""
    terms = question_terms(question)
    subject = {_stem(w) for label in labels for w in _WORD.findall(label.lower())} & terms
    if len(texts) >= 2:
        spread = Counter(t for text in texts for t in {_stem(w) for w in _WORD.findall(text.lower())} & terms)
        subject |= {t for t, n in spread.items() if n >= SUBJECT_SPREAD * len(texts)}
    return frozenset(subject)


def _scores(question: str, sentences: list[list[str]], whole: set[str] = frozenset(),
            subject: frozenset[str] = frozenset(), ignored: set[str] = frozenset()) -> list[list[float]]:
    """Each sentence's score: its question words weighted by rarity among all the sentences, plus
    a little for a figure when the question asks for one. A table row cut to the asked year's
    columns (in ``whole``) counts the words of the lines on each side too: its label is often
    written above or below it ("Average satisfaction score" / row / "Retirement Services").
    ``ignored``: words that found the document and count nothing within it ("latest", "10-Q",
    "report": a filing's cover and running footers hold them, its answer rarely does)."""
    terms = question_terms(question)
    words = [[{_stem(w) for w in _WORD.findall(s.lower())} & terms for s in row] for row in sentences]
    for row, found_row in zip(sentences, words):
        own = list(found_row)
        for i in [i for i, s in enumerate(row) if s in whole]:
            # A row with no label of its own ("FY 2010 Results: 69% | …") is named by the table's
            # title above its header lines ("PERFORMANCE MEASURE: … Engagement Index score").
            above = LABELLESS_ROW_REACH if ": " in row[i].split(CELL, 1)[0] else 1
            found_row[i] = set().union(*own[max(0, i - above): i + 2])
    count = sum(len(row) for row in words)
    frequency = Counter(t for row in words for found in row for t in found)
    weight = {t: 0.0 if t in ignored else
              math.log((count + 1) / (frequency[t] + 0.5)) * (SUBJECT_WEIGHT if t in subject else 1.0)
              for t in frequency}
    wants_figure = any(cue in question.lower() for cue in _FIGURE_CUES)
    return [[sum(weight[t] for t in found) + (0.5 if wants_figure and _NUMBER.search(s) else 0.0)
             for found, s in zip(found_row, row)] for found_row, row in zip(words, sentences)]


def _favour_role_holders(question: str, texts: Sequence[str], sentences: list[list[str]],
                         scores: list[list[float]]) -> None:
    """Asked who holds a title or who signed, the pieces that write a person's name next to such a
    title rank first (``rag.role_holders``). The name shares no word with the question, so the
    word scores alone left it out: "Michael Regan :" | "Administrator Vision" (a plan's list of
    stakeholders), "Katherine Archuleta Director March 7, 2014" (a message's signature)."""
    role = asked_role(question)
    if role is None:
        return
    top = max((s for row in scores for s in row), default=0.0) + 1.0
    for p, text in enumerate(texts):
        surnames = {name.split()[-1] for name, _signed in role.holders(text)}
        for i, piece in enumerate(sentences[p]):
            if any(surname in piece for surname in surnames):
                scores[p][i] = top


def _joined(sentences: list[str], kept: list[int]) -> str:
    """The kept sentences in document order, "…" where sentences were left out."""
    if not kept:
        return ""
    pieces, last = [], -1
    for i in kept:
        if last >= 0 and i != last + 1:
            pieces.append("…")
        pieces.append(sentences[i])
        last = i
    out = " ".join(pieces)
    if kept[0] > 0:
        out = "… " + out
    if kept[-1] < len(sentences) - 1:
        out += " …"
    return out
