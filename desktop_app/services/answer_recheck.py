"""Asking the local model once more when its grounded answer states a key figure the sources do not,
or gives a source's number where the answer belongs.

The claim check (``rag.claim_check``) finds such figures after the answer is written. Issue 16
allows one retry with a stricter prompt, kept only if measured to help: the setting
``rag.recheck_unsupported`` turns it on, and ``benchmarks/answer_quality.py --recheck`` measures it
against the same questions without it.

The model also sometimes writes the source's number in place of the answer: "The Secretary of
Education named in the plan is [1]." or only "[1] [2] [3] [4] [5]" (10 of 191 grounded answers of
``benchmarks/answer_quality.py``, 9 of them wrong, 8 to "who" questions). Such an answer says
nothing, so it is asked again whatever ``rag.recheck_unsupported`` says
(``rag.ask_again_number_only``, on by default). Measured on those 10: none became right, 3 became
"The documents do not contain this" (for 2 of them the passages indeed lacked the name); an answer
that is still only a number says so in a notice.

An answer that only repeats the question's words ("The Piper PA-22-150 hit on final approach …
before the utility wires.", asked what it hit: 14 of 191, all wrong) is not asked again: told that
it only repeated the question, the model was right on none of the 14 (two became declines).
Instead the source line closest to the question is shown in its place, quoted word for word with
its number and a notice (``closest_line_answer``; the line chosen by the prompt's sentence scores,
``passage_focus.closest_line``). On the 11 such answers of a run over the 191 corpus questions
(not a number-only answer, which is asked again first): 8 quoted, 4 of them holding the answer on
its page ("… the airplane contacted trees, then utility wires …"), 3 left as echoes because the
question asks about two things or no line says more than it.

The model also declines ("The documents do not contain this") with the answer in a form field of
its prompt ("Registered Owner: Versatile Aviation Inc"): 16 of 24 grounded declines in one run had
the answer in their prompt. When a source has a field named for what is asked, it is quoted in
the decline's place with a notice (``field_answer``, ``rag.form_fields``): 8 of those 24 declines,
all 8 holding the gold answer; no off-topic question got one. Asked who holds a title or who
signed, the words of a source that name a person beside that title are quoted the same way
(``holder_answer``, ``rag.role_holders``; a signature block first), for a decline and, in place of
the closest line, under a flagged answer: on stop 33's answers 2 more right (q131 "Katherine
Archuleta Director March 7, 2014", q139), none lost, off-topic declines unchanged (41/45).

When the check flags a key figure or name of an answer (not asked again: asking again helped none
of 22 such answers), the source line closest to the question is quoted under the answer, word
for word, with its number and a notice (``evidence_line``); the answer itself stays, with its marks.
Over three runs' answers to the 191 corpus questions (573 answers, 73 flagged, 69 of them wrong),
the quoted line holds the gold answer on a gold page for 16 of the 69 ("… a Cessna 210, XB-GTS,
serial number 21057478 …" under "The registration … was 21057478"). For a flagged figure or code the
line must offer one of its own (the best such line; a protocol's running header or a title offers
none): on stop 33's final answers 4 of 19 lines change, none holding the gold answer before or after.

The retry repeats the conversation unchanged and appends one instruction to the question's
message, so the model process reuses its KV cache for everything before it (only the new
instruction is read again).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

from desktop_app.core.records import Citation, Claim, ClaimCheck, Message
from desktop_app.llm.base import GenerationRequest
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_extract import extract
from desktop_app.rag.claim_subject import on_subject_sources
from desktop_app.rag.claim_kinds import asks_a_figure, asks_when, gives_a_count, gives_a_share, gives_a_year
from desktop_app.rag.form_fields import asked_field
from desktop_app.rag.passage_focus import closest_line
from desktop_app.rag.question_parts import ASKS_TWO_THINGS
from desktop_app.rag.question_kinds import asks_who
from desktop_app.rag.role_holders import asked_role, lower_case_words, names_a_person
from desktop_app.rag.row_answer import asked_row

# Tokens the added instruction may take; the answer's budget shrinks by this much so the longer
# prompt still fits the context the first request was sized for.
INSTRUCTION_TOKENS = 96
MAX_QUOTED_CLAIMS = 3
ECHO_MIN_WORDS = 6  # question words an answer repeats before one added abbreviation makes it no answer


_MARKERS = r"(?:\[\d+(?:\s*[,–-]\s*\d+)*\][\s,;]*)+"
# "... is [1]." at the answer's end: a linking word, then only source numbers.
_LINK_THEN_MARKERS_RE = re.compile(rf"\b(?:is|are|was|were|named)\s*:?\s*{_MARKERS}\.?\s*$", re.IGNORECASE)
# Only source numbers, maybe with a stray fragment of letters ("[1] ES"); "[1] 90" is an answer.
_ONLY_MARKERS_RE = re.compile(rf"^\s*{_MARKERS}\s*(?:[A-Za-z]{{1,3}})?\s*\.?\s*$")
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.,'’-][a-z0-9]+)*")
# Words that add nothing to what a question already says.
_FILLER = frozenset("""a an the and or of to in on at by for with from as is are was were be been it its this that
these those what which who whom when where how did does do according per s""".split())
_DECLINES_RE = re.compile(r"\b(?:do(?:es)?\s+not|don't|doesn't|cannot|can't|no)\s+(?:contain|state|say|mention|give|"
                          r"provide|include|specify)", re.IGNORECASE)
_KIND_CLASS = {"number": "figure", "money": "figure", "percent": "figure", "range": "figure"}
FILL_IN_NOTICE = "The first answer gave a source's number where the answer belongs; this answer was asked again."
ECHO_NOTICE = ("This answer only repeats the question: the passages found may not state what was asked. Open the "
               "sources to check, or ask with other words.")
QUOTED_LINE = "The closest line in the sources"
ECHO_QUOTED_NOTICE = ("The model's answer only repeated the question, so the line of the sources closest to the "
                      "question is shown instead, word for word. Check that it answers what you asked.")
FIELD_QUOTED_NOTICE = ("The model found no answer in the passages, but one of them has a field or a table row named "
                       "for what you asked, or a name beside the title you asked about; it is shown word for word. "
                       "Check that it answers your question.")
ROW_QUOTED_NOTICE = ("The sources have a table row for what you asked, for the period you asked about, and its figure "
                     "is not the one in this answer; the row is shown under it, word for word. Check which is right.")
EVIDENCE_QUOTED_NOTICE = ("The check did not find all of this answer in its sources as stated: the line of the sources "
                          "closest to your question is quoted under it, word for word.")
STILL_NUMBER_ONLY_NOTICE = ("This answer gives only a source's number: the passages found may not state what was "
                            "asked. Open the source to check, or ask with other words.")


def gives_only_a_source_number(text: str) -> bool:
    """True when the answer is a source number standing where the answer should be."""
    return bool(_ONLY_MARKERS_RE.match(text) or _LINK_THEN_MARKERS_RE.search(text))


def fill_in_request(request: GenerationRequest) -> GenerationRequest:
    """``request`` with an instruction after the question: write the answer itself, then its number."""
    return _with_instruction(request, (
        "\n\nYour first answer gave only a source's number where the answer belongs. Answer again in one "
        "sentence that states the name, figure or words themselves, copied from the source, followed by the "
        "source's number. If no source states the answer, say that the documents do not contain it."))


def restates_the_question(text: str, question: str) -> bool:
    """True when the answer only repeats the question's words: "The Piper PA-22-150 hit on final
    approach … before the utility wires." (asked what it hit). A decline is an answer."""
    if _DECLINES_RE.search(text):
        return False
    words, asked = _content_words(text), _content_words(question)
    new = words - asked
    if not new:
        return bool(text.strip())
    # One added abbreviation ("… near Tallahassee, FL before the utility wires.") says nothing
    # either, in a long restatement; a short answer may be only that ("It happened in CA.").
    (added,) = new if len(new) == 1 else ("",)
    return added.isalpha() and len(added) <= 2 and len(words & asked) >= ECHO_MIN_WORDS


def closest_line_answer(question: str, citations: Sequence[Citation],
                        accept: Callable[[str], bool] | None = None) -> str | None:
    """What to show instead of an answer that only repeats the question: the source line that
    best matches the question, quoted with its number; None when no line says more than the
    question does, or the question asks about two things (one line cannot answer both)."""
    if ASKS_TWO_THINGS.search(question):
        return None  # "Who heads the EPA, and who heads the GSA?": no one line answers both
    row = _row_of_subject(question, citations)
    if row is not None and (accept is None or accept(row[1])):
        return _source_quote(*row)  # a statement row of the asked measure and period says it exactly
    found = closest_line(question, [c.text for c in citations],
                         lambda line: offers_what_is_asked(question, line) and (accept is None or accept(line)))
    if found is None:
        return None
    index, line = found
    return _source_quote(citations[index], line.strip(" …"))


def row_evidence(question: str, citations: Sequence[Citation], text: str) -> str | None:
    """The statement row of the asked measure and period (``rag.row_answer``), quoted, when the
    answer does not give its figure: "$318 [4]" for Northwind's operating expenses of the six months
    ended June 30, 2024 (another column's figure, found in the sources and so not flagged) gets
    "Total operating expenses | Six Months Ended June 30, 2024: 701" under it. None otherwise."""
    if declines(text) or is_quoted_line(text):
        return None
    row = _row_of_subject(question, citations)
    if row is None:
        return None
    figure = row[1].rsplit(": ", 1)[-1].strip("()$%")
    return None if figure in text else _source_quote(*row)


def _row_of_subject(question: str, citations: Sequence[Citation]) -> tuple[Citation, str] | None:
    """(citation, row) of ``asked_row`` among the sources about the question's subject."""
    on_subject = on_subject_sources(question, citations)
    kept = [c for c in citations if c.source in on_subject]
    found = asked_row(question, [c.text for c in kept])
    return None if found is None else (kept[found[0]], found[1])


def offers_what_is_asked(question: str, line: str) -> bool:
    """Could ``line`` answer what the question asks? Asked who: it names a person; asked when: it
    gives a date or a year; asked how many, how much or what percent: it gives a figure (not a
    year) the question does not. Other questions: any line. On stop 33's answers the quoted lines
    that failed this were a report's running header, a GUID or a purpose statement, never a right answer."""
    known = {m.text for m in extract(question)}
    offered = [m for m in extract(line, passage=True) if m.text not in known]
    if asks_who(question):
        return names_a_person(line)
    if asks_when(question):
        return gives_a_year(offered)
    if asks_a_figure(question):
        return gives_a_share(offered) or gives_a_count(offered) or any(m.kind == "range" for m in offered)
    return True


def evidence_line(question: str, citations: Sequence[Citation], text: str, check: ClaimCheck | None) -> str | None:
    """The quoted source line to show under an answer whose key figure or name the claim check
    flags (see the module), or None: nothing flagged, no line says more than the question, or
    the answer already holds the line."""
    if not wants_recheck(check):
        return None
    quoted = field_answer(question, citations) or closest_line_answer(
        question, citations, lambda line: _offers_another(line, check, question))
    if quoted is None:
        return None
    line = quoted.split("“", 1)[1].rstrip("”")
    return None if " ".join(line.split()) in " ".join(text.split()) else quoted


def _offers_another(line: str, check: ClaimCheck, question: str) -> bool:
    """For a flagged figure, date or code: does ``line`` state one of that kind other than the
    flagged value and the question's own? A running header or a title ("Natural History Study
    CMT4J Protocol Number:") offers nothing to compare. (A flagged name is not tested: names in a
    passage are matched, not read out, so any line may hold one.)"""
    flagged = check.unsupported_key
    kinds = {_KIND_CLASS.get(c.kind, c.kind) for c in flagged}
    if "name" in kinds:
        return True
    known = {c.text for c in flagged} | {m.text for m in extract(question)}
    offered = [m for m in extract(line, passage=True) if m.text not in known]
    kind_asked = {c.kind == "percent" for c in flagged if c.reason == Claim.OTHER_KIND}
    if kind_asked:  # a count where a percent is asked: the line must offer a percent (and the reverse)
        return any(m.kind in ("number", "money", "percent") and (m.kind == "percent") not in kind_asked
                   for m in offered)
    return any(_KIND_CLASS.get(m.kind, m.kind) in kinds for m in offered)


def part_rechecked(question: str, citations: Sequence[Citation], text: str) -> tuple[str, str | None]:
    """One part of a question about two documents (``rag.question_parts``), its answer ``text``
    rechecked as a whole answer is, without the model: a decline gives way to a form field or a
    role's holder, an echo to the closest line, and a flagged answer gets the line under it.
    Returns (the part's text, the notice to show) or (``text``, None) when nothing changes."""
    if declines(text):
        quoted = field_answer(question, citations)
        return (quoted, FIELD_QUOTED_NOTICE) if quoted else (text, None)
    if restates_the_question(text, question):
        quoted = closest_line_answer(question, citations)
        return (quoted, ECHO_QUOTED_NOTICE) if quoted else (text, None)
    line = evidence_line(question, citations, text, check_claims(text, citations, question))
    return (f"{text}\n\n{line}", EVIDENCE_QUOTED_NOTICE) if line else (text, None)


def declines(text: str) -> bool:
    """True when the answer says the sources do not hold what was asked."""
    return bool(_DECLINES_RE.search(text))


def field_answer(question: str, citations: Sequence[Citation]) -> str | None:
    """What to show instead of a decline when a source has a form field named for what is asked
    ("Registered Owner: Versatile Aviation Inc" for "Who owned …?", see ``rag.form_fields``), a
    statement row of the asked measure with one figure for the asked period ("Net income | Three
    Months Ended December 31, 2022: 24,027", ``rag.row_answer``) or,
    asked who holds a title or signed, writes a name beside the title (``holder_answer``), quoted
    with its number; None when none has."""
    # Only the documents about the question's subject: with five look-alike accident reports among
    # the sources, another report's "Registration: N2151J" is no answer for the Panama Cessna.
    on_subject = on_subject_sources(question, citations)
    kept = [c for c in citations if c.source in on_subject]
    found = asked_field(question, [c.text for c in kept], [c.document for c in kept]) \
        or asked_row(question, [c.text for c in kept])
    if found is None:
        return holder_answer(question, citations)
    index, line = found
    return _source_quote(kept[index], line)


def holder_answer(question: str, citations: Sequence[Citation]) -> str | None:
    """Asked who holds a title or who signed, the first source words naming a person with such a
    title (a signature block first: "Katherine Archuleta Director March 7, 2014"), quoted with the
    source's number; None for other questions, or when no source has them (``rag.role_holders``)."""
    role = asked_role(question)
    if role is None or ASKS_TWO_THINGS.search(question):
        return None
    common = frozenset().union(*(lower_case_words(c.text) for c in citations))
    found = [(c, held) for c in citations if (held := role.holder_line(c.text, common))]
    if not found:
        return None
    citation, (line, _signed) = min(found, key=lambda f: not f[1][1])  # a signature first, then in order
    return _source_quote(citation, line)


def _source_quote(citation: Citation, line: str) -> str:
    """A source's own words, quoted with its number: "The closest line in the sources [2]: “…”"."""
    return f"{QUOTED_LINE} [{citation.number}]: “{line}”"


def is_quoted_line(text: str) -> bool:
    """True for what ``closest_line_answer`` writes: a source's own words, no claim of the model's."""
    return text.startswith(QUOTED_LINE + " [")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds source lines the app quoted (``QUOTED_LINE`` paragraphs, in a part's
    place or under it): the source's words, not the model's, so the claim check skips them."""
    return [m.span() for m in re.finditer(rf"(?:^|(?<=\n\n)){re.escape(QUOTED_LINE)} \[[^\n]*", text)]


def split_evidence_line(text: str) -> tuple[str, str]:
    """(the model's answer, the source line ``evidence_line`` quoted under it, or "")."""
    model, mark, quoted = text.partition("\n\n" + QUOTED_LINE + " [")
    return (model, (mark + quoted).strip()) if mark else (text, "")


def _content_words(text: str) -> set[str]:
    text = re.sub(_MARKERS, " ", text.lower())
    return {re.sub(r"['’]s$", "", w) for w in _TOKEN_RE.findall(text)} - _FILLER


def wants_recheck(check: ClaimCheck | None) -> bool:
    """True when a key figure or name of the answer is not in its cited sources."""
    return bool(check is not None and check.unsupported_key)


def recheck_notice(check: ClaimCheck) -> str:
    """The note shown above the second answer (and saved with it)."""
    return (f"The first answer stated {_quoted(check)}, {_why(check, 'the sources')}; "
            "this answer was asked again, copying figures from the sources.")


def stricter_request(request: GenerationRequest, check: ClaimCheck) -> GenerationRequest:
    """``request`` with a stricter instruction after the question: copy the figure, or decline."""
    return _with_instruction(request, (
        f"\n\nYour first answer stated {_quoted(check)}, {_why(check, 'the sources above')}. "
        "Answer again in one or two sentences. Copy each figure, date and name exactly as a "
        "source writes it and cite that source like [1]. If no source states the answer, "
        "say that the documents do not contain it."))


def _with_instruction(request: GenerationRequest, instruction: str) -> GenerationRequest:
    """The same conversation, ``instruction`` appended to the last message (its KV cache reused)."""
    if not request.messages:
        return request
    *earlier, last = request.messages
    messages = (*earlier, Message(last.role, last.content + instruction))
    return replace(request, messages=messages, max_tokens=max(1, request.max_tokens - INSTRUCTION_TOKENS))


def _why(check: ClaimCheck, sources: str) -> str:
    """What is wrong with the quoted figures: absent, or stated only of something else."""
    reasons = {c.reason for c in check.unsupported_key}
    if reasons == {Claim.OTHER_SUBJECT}:
        return f"which {sources} state only about something other than what the question asks"
    if reasons == {Claim.OTHER_FIELD}:
        return f"which {sources} give for something else than what the question asks"
    if reasons == {Claim.OTHER_MEANING}:
        return f"which {sources} state of something else than the answer does"
    if reasons == {Claim.OTHER_PERIOD}:
        return f"which {sources} give for another year than the one the question asks about"
    if reasons == {Claim.OTHER_KIND}:
        return "which is not the kind of figure the question asks for (a percent or a count)"
    if "" in reasons:
        return f"which {sources} do not contain"
    return f"which {sources} do not give for what the question asks"


def _quoted(check: ClaimCheck) -> str:
    texts = list(dict.fromkeys(c.text for c in check.unsupported_key))[:MAX_QUOTED_CLAIMS]
    return ", ".join(f"“{t}”" for t in texts) or "a figure"
