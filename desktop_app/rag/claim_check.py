"""Check a grounded answer against its cited passages: is each figure and name stated there?

``check_claims(answer, citations, question)`` lists the answer's claims (``claim_extract``) and
looks for each one in the passages, the ones its sentence cites first. A figure is supported
when a passage states the same value, whatever the wording: "nine" = "9", "13-18" = "13 to 18",
"1,200" = "1200", "12%" = "12 percent", and "$36.4 billion" = "36,413 million" because the
passage's figure is more precise and rounds to the answer's at the answer's precision. A
range must be a range in the passage with the same ends: "14-18" is not supported by a passage
that says "13-18" and mentions 14 elsewhere. Figures and names the question already contains are
not claims (repeating the question proves nothing). A number that counts another unit there
("two-year" for "2 objectives": ``claim_units``) does not support it. A figure stated only in a
document about something other than the question's subject (``claim_subject``) is not supported
either, nor one stated in another field than the one asked (``claim_fields``), nor one stated
for another fiscal year than the question's (``claim_periods``), nor one the passage uses for
something else than the answer does (``claim_counts``: "6.4 million participants" for employees,
"priority 2" for two objectives, the end of "ranged from 79 to 95 days" as the value, a version
"3.1.9.3" for a sample size, "1 mile from the airport" for a crack's length; and one year's figure
given for two asked years; one code given for two things, "N6135M and N6135M"), nor a figure of
another kind than asked (``claim_kinds``: counts where a percent is asked, a percent where a count
is, a bare count stated only as "10 years"), nor one whose passage sentence names nothing asked
while the sentence beside it names it, with a figure (``claim_prose``: "173,000 miles" of highways
for a transit backlog): they are reported with ``Claim.OTHER_SUBJECT`` /
``OTHER_FIELD`` / ``OTHER_PERIOD`` / ``OTHER_MEANING`` / ``OTHER_KIND`` and where they were found.
A name is a key claim (its absence warned of) when the question asks who, and a title alone ("the
Acting Director") does not answer it, nor does a law's name ("the Civil Service Act"). An answer given
part by part is checked part by part, each against its own question and sources
(``services.part_claims``). No model call: regexes, a few ms.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from decimal import Decimal
from typing import Sequence

from desktop_app.core.records import Citation, Claim, ClaimCheck
from desktop_app.rag.claim_extract import Mention, Quantity, acronym_of, extract, quantities
from desktop_app.rag.claim_counts import (FigureMeaning, asked_count, asks_duration, asks_size, counted_noun,
                                          distance_from_a_place, figure_meaning, meaning_span, naming_label, not_a_measure,
                                          version_cannot_answer, version_label)
from desktop_app.rag.claim_kinds import asks_count_of_things, given_twice, in_its_paragraph, unit_asked, wrong_kind
from desktop_app.rag.claim_fields import code_of_another_field, labelled_as_asked, other_field, planned_figure
from desktop_app.rag.claim_prose import asked_words, other_sentence
from desktop_app.rag.claim_sentences import STOPWORDS, WORD_RE, AnswerSentences, reference_spans
from desktop_app.rag.claim_periods import other_period, question_years, stated_for_one
from desktop_app.rag.claim_subject import on_subject_sources
from desktop_app.rag.claim_units import counts_the_same, stem, word_after
from desktop_app.rag.question_kinds import asks_who
from desktop_app.rag.role_holders import asked_role, names_a_person, only_a_title

RANGE_ENDS_WITHIN = 80  # characters: a range's ends stated apart ("from 10 ... to 12") must be this close
# A small count ("4 knots", "Visit 2") is on almost every page somewhere: below this value a plain
# number is supported only where the passage states it near a word the answer uses beside it.
SMALL_NUMBER = 1000
CONTEXT_CHARS = 80  # characters each side of a figure in a passage searched for those words
_PASSAGE_SENTENCE_END_RE = re.compile(r"[.!?](?=\s+[A-Z(])")
_NAME_IN_PASSAGE_RE = re.compile(r"[A-Z][A-Za-z'’]*(?:\s+(?:(?:of|and|for|the|on|in|de|&)\s+){0,2}[A-Z][A-Za-z'’]*)+")


def check_claims(answer: str, citations: Sequence[Citation], question: str = "", known: str = "",
                 quoted: Sequence[tuple[int, int]] = ()) -> ClaimCheck:
    """Every figure and name in ``answer``, each marked supported (with where) or not.

    Args:
        answer: the answer's text, with its ``[n]`` markers.
        citations: the numbered passages the answer was given.
        question: the question; its own figures and names are not checked in the answer.
        known: more text the user wrote, whose figures and names are not checked either: the
            question a follow-up leans on ("What did the Piper PA-22-150 hit?" before "What was
            its registration?"; the passages cut for the follow-up need not repeat "PA-22-150").
        quoted: spans of ``answer`` that quote a source word for word (a line the app put in a
            part's place or under it): the source's words, not the answer's claims.

    Returns:
        A ClaimCheck whose claims are in the order they appear in the answer.
    """
    in_question = extract(question) + (extract(known) if known else [])
    echoed = {_signature(m) for m in in_question} | {_year_signature(m) for m in in_question}
    passages = [_Passage(c) for c in citations]
    on_subject = on_subject_sources(question, citations)
    references = reference_spans(answer, citations) + list(quoted)
    own = "".join(" " if any(s <= i < e for s, e in quoted) else c for i, c in enumerate(answer)) if quoted else answer
    sentences = AnswerSentences(answer, references)
    asked = frozenset(stem(w) for w in WORD_RE.findall(question) if w.lower() not in STOPWORDS)
    years = question_years(question)
    counted_in_question = asked_count(question)
    duration_asked = asks_duration(question)
    name_asked = asks_who(question)
    role_asked = name_asked and asked_role(question) is not None  # who holds a title, or who signed
    version_wrong = version_cannot_answer(question)
    size_asked = asks_size(question)
    unit = unit_asked(question)  # what a bare figure counts: "how many days": 14 [2] (not "14 months")
    things_asked = asks_count_of_things(question)  # "the sample size is 10" (not "10 years")
    prose_asked = asked_words(question)  # what a passage's sentence must name to state the answer (claim_prose)
    question_figures = frozenset(m.text for m in in_question)
    claims = []
    mentions = extract(answer)
    answer_figures = [m for m in mentions if m.kind in ("number", "money", "percent") and _signature(m) not in echoed]
    for mention in mentions:
        if name_asked and mention.kind == "name":
            mention = replace(mention, key=True)  # asked who: the name is the answer
        if _signature(mention) in echoed or any(s < mention.end and mention.start < e for s, e in references):
            continue
        cited = sentences.cited_numbers(mention)
        # On-subject documents first, then the passages the sentence cites (stable).
        order = sorted(passages, key=lambda p: (p.citation.source not in on_subject, p.citation.number not in cited))
        context = sentences.context_stems(mention)
        counted = word_after(answer, mention.end) or unit
        before, after = sentences.around(mention.start, mention.end)
        meaning = figure_meaning(answer, mention, context, counted_in_question, asked, answer[before:after + 1])
        if meaning is not None and things_asked:
            meaning = replace(meaning, things=True)
        stating = [(p, span) for p in order if (span := p.find(mention, context, counted, meaning)) is not None]
        if stating and wrong_kind(mention, stating[0][0].kind_at(stating[0][1][0]), question,
                                  in_its_paragraph(answer, mention, answer_figures)):
            # Asked a percent, the answer gives only counts ("72,913 of 94,545 claims"), or the reverse.
            passage, (s, e) = stating[0]
            claims.append(Claim(mention.text, mention.kind, mention.start, mention.end, False,
                                source=passage.citation.number, source_start=s, source_end=e, key=True,
                                reason=Claim.OTHER_KIND))
            continue
        other_meaning = None
        if not stating and meaning is not None:
            # Stated, but of something else ("6.4 million participants" for "6.4 million employees").
            other_meaning = next(((p, span) for p in order if (span := p.find(mention, context, counted)) is not None),
                                 None)
        elif stating and duration_asked and mention.key and (not_a_measure(counted_noun(answer, mention.end))
                                                             or naming_label(answer, mention.start) is not None):
            other_meaning = stating[0]  # asked how long, the answer gives a count or a label: "4 questions", "Visit 4"
        elif stating and name_asked and mention.kind == "name" and (role_asked or only_a_title(mention.text)) \
                and not names_a_person(own):  # asked who, it names a role or an office: "the Acting Director", "ES"
            other_meaning = stating[0]
        elif stating and mention.key and version_wrong and all(version_label(p.text, s) for p, (s, _) in stating) \
                and not (version_label(answer, mention.start) and answer_figures):
            # A version for a sample size: "G*Power software version 3.1.9.3". An answer that calls it
            # a version and gives an amount beside it (a source line copied whole) does not offer it as one.
            other_meaning = stating[0]
        elif stating and mention.key and given_twice(answer, mention):
            other_meaning = stating[0]  # one registration given for two airplanes: "N6135M and N6135M"
        elif stating and mention.key and size_asked and all(distance_from_a_place(p.text, e) for p, (_, e) in stating):
            other_meaning = stating[0]  # a place for a size: "1 mile from the airport" for a crack's length
        elif stating and mention.key and mention.kind == "code" and all(
                code_of_another_field(p.text, s, asked) for p, (s, _) in stating):
            other_meaning = stating[0]  # a form's other field: "Accident Number: DFW08WA050" as a registration
        if other_meaning is not None:
            passage, (s, e) = other_meaning
            s, e = meaning_span(passage.text, s, e)
            claims.append(Claim(mention.text, mention.kind, mention.start, mention.end, False,
                                source=passage.citation.number, source_start=s, source_end=e, key=mention.key,
                                reason=Claim.OTHER_MEANING))
            continue
        period = several_years = None
        if stating and years and mention.kind in ("number", "money", "percent"):
            # Among the statements as much on the subject as the first: which year each is for.
            first_on_subject = stating[0][0].citation.source in on_subject
            tier = [w for w in stating if (w[0].citation.source in on_subject) == first_on_subject]
            statements = [(p.text, p.mentions, p.mention_at(s)) for p, (s, _) in tier]
            chosen, period = other_period(statements, years)
            stating.insert(0, stating.pop(chosen))
            said_for = sentences.years_given(mention, years, answer_figures)
            if period is None and len(said_for) > 1:
                # One figure for several asked years: "79% in FY 2014 and in FY 2016", stated for one.
                period = several_years = stated_for_one(statements, said_for)
        where = stating[0] if stating else None
        if where is None:
            claims.append(Claim(mention.text, mention.kind, mention.start, mention.end, False, key=mention.key))
        else:
            passage, (s, e) = where
            reason = "" if passage.citation.source in on_subject else Claim.OTHER_SUBJECT
            if not reason and mention.kind in ("number", "money", "percent"):
                # The figure is stated, but maybe in another field than the one asked about.
                found = passage.mention_at(s)
                better = found and (other_field(passage.text, passage.mentions, found, asked, context)
                                    or planned_figure(passage.text, passage.mentions, found, question)
                                    or other_sentence(passage.text, passage.mentions, found, prose_asked, context,
                                                      question_figures))
                if better:
                    reason, (s, e) = Claim.OTHER_FIELD, (better.start, better.end)
                elif period and (several_years or not sentences.names_year(mention, period.value[0])):
                    # (An answer that itself gives the figure for that year, "eight days from the
                    # average for FY 2017", states what the source states.)
                    reason, (s, e) = Claim.OTHER_PERIOD, (min(s, period.start), max(e, period.end))
            claims.append(Claim(mention.text, mention.kind, mention.start, mention.end, not reason,
                                source=passage.citation.number, source_start=s, source_end=e, key=mention.key,
                                reason=reason))
    return ClaimCheck(tuple(claims))


class _Passage:
    """One cited passage, read once: its figures, and a case-folded copy to search names in."""

    def __init__(self, citation: Citation) -> None:
        self.citation = citation
        self.text = citation.text
        self.mentions = extract(citation.text, passage=True)
        self._words = [(m.start(), stem(m.group(0))) for m in WORD_RE.finditer(citation.text)]
        # Full stops before a capital: page text often has none (form fields), but where it has
        # them, "at 8 knots. Student Age: 32" keeps "knots" away from the 32.
        self._sentence_ends = [m.end() for m in _PASSAGE_SENTENCE_END_RE.finditer(citation.text)]
        self._acronym_spans: dict[str, tuple[int, int]] | None = None

    def mention_at(self, start: int) -> Mention:
        """The passage's mention that begins at ``start`` (where ``find`` found a figure)."""
        return next(m for m in self.mentions if m.start == start)

    def kind_at(self, start: int) -> str:
        """The kind of the passage's mention that begins at ``start`` ("" where none does: a name)."""
        return next((m.kind for m in self.mentions if m.start == start), "")

    def find(self, claim: Mention, context: frozenset[str] = frozenset(),
             counted: tuple[str, bool] | None = None, meaning: FigureMeaning | None = None) -> tuple[int, int] | None:
        """The span in this passage that states ``claim``, or None.

        ``context``: stems of the words beside the claim in the answer; a figure stated near one
        of them is preferred, and a small plain number needs one (see SMALL_NUMBER). ``counted``:
        the word after the claim in the answer (``claim_units.word_after``), what it counts.
        ``meaning``: what the answer says the figure is (``claim_counts``); a figure of the passage
        that counts or numbers something else does not state it.
        """
        if claim.kind in ("number", "percent", "money"):
            return self._find_quantity(claim, context, counted, meaning)
        if claim.kind == "range":
            return self._find_range(claim)
        if claim.kind == "date":
            return self._find_date(claim)
        if claim.kind == "time":
            # "12:00 p.m." and "1200 CST" agree; a time without a.m./p.m. may be either half-day.
            same = {claim.value, (claim.value + 720) % 1440} if claim.value < 780 and ":" in claim.text \
                and not re.search(r"[ap]\.?m", claim.text, re.IGNORECASE) else {claim.value}
            return next(((m.start, m.end) for m in self.mentions if m.kind == "time" and m.value in same), None)
        if claim.kind == "ordinal":
            return next(((m.start, m.end) for m in self.mentions if m.kind == "ordinal" and m.value == claim.value), None)
        if claim.kind == "code":
            return self._search(r"[\s-]?".join(re.escape(c) for c in claim.value))
        return self._find_name(claim)

    def _find_quantity(self, claim: Mention, context: frozenset[str], counted: tuple[str, bool] | None,
                       meaning: FigureMeaning | None) -> tuple[int, int] | None:
        candidates = [m for m in self.mentions if not (m.kind == "date" and claim.value.step < 1)
                      and any(_same_quantity(claim.value, q) for q in quantities(m))
                      and counts_the_same(counted, word_after(self.text, m.end))
                      and (meaning is None or meaning.fits(self.text, m))]
        near = next((m for m in candidates if (context and self._near(m, context)) or (
            meaning is not None and labelled_as_asked(self.text, m.start, meaning.question))), None)
        if near is not None:
            return near.start, near.end
        small = claim.kind == "number" and claim.value.value < SMALL_NUMBER
        if candidates and not (small and context):
            return candidates[0].start, candidates[0].end
        return None

    def _near(self, mention: Mention, context: frozenset[str]) -> bool:
        """Is a context word within CONTEXT_CHARS of ``mention``, in the same sentence?"""
        i = bisect.bisect_right(self._sentence_ends, mention.start)
        lo = max(mention.start - CONTEXT_CHARS, self._sentence_ends[i - 1] if i else 0)
        hi = min(mention.end + CONTEXT_CHARS, self._sentence_ends[i] if i < len(self._sentence_ends) else len(self.text))
        return any(lo <= start <= hi and word in context for start, word in self._words)

    def _find_range(self, claim: Mention) -> tuple[int, int] | None:
        lo, hi = claim.value
        for m in self.mentions:
            if m.kind == "range" and _same_quantity(lo, m.value[0]) and \
                    _same_quantity(hi, m.value[1]):
                return m.start, m.end
        # "from 8.6 to 6.6" may be stated apart ("lowered to 6.6 ... from 8.6"): both ends close
        # together, neither of them the end of some other range in the passage.
        singles = [m for m in self.mentions if m.kind in ("number", "percent", "money")]
        for a in singles:
            if not _same_quantity(lo, a.value):
                continue
            for b in singles:
                if b is not a and _same_quantity(hi, b.value) and \
                        abs(a.start - b.start) <= RANGE_ENDS_WITHIN:
                    return min(a.start, b.start), max(a.end, b.end)
        return None

    def _find_date(self, claim: Mention) -> tuple[int, int] | None:
        year, month, day, fiscal = claim.value
        for m in self.mentions:
            if m.kind == "date":
                y, mo, d, _ = m.value
                if y == year and (month is None or mo == month) and (day is None or d == day):
                    return m.start, m.end
            elif fiscal and m.kind == "number" and m.value.value == year and m.value.step == 1:
                return m.start, m.end  # "FY 2019" is supported by "in 2019"
        return None

    def _find_name(self, claim: Mention) -> tuple[int, int] | None:
        words = re.split(r"[\s-]+", claim.text.replace(".", "").strip())
        if len(words) == 1:  # an acronym: "OPM", "OAs", "U.S."
            word = words[0][:-1] if words[0].endswith("s") and words[0][:-1].isupper() else words[0]
            dotted = r"\.?".join(re.escape(c) for c in word) + r"\.?"
            span = self._search(dotted + r"s?", case=True)
            if span is not None:
                return span
            # ... or the name it abbreviates: "OPM" is supported by "Office of Personnel Management".
            return self._acronyms().get(word.upper())
        span = self._search(r"[\s-]+".join(re.escape(w) for w in words))
        if span is None and len(acronym_of(claim.text)) >= 2:
            span = self._search(re.escape(acronym_of(claim.text)), case=True)
        return span

    def _acronyms(self) -> dict[str, tuple[int, int]]:
        """The initials of each capitalised name in the passage -> its first span (built on first use)."""
        if self._acronym_spans is None:
            self._acronym_spans = {}
            for m in _NAME_IN_PASSAGE_RE.finditer(self.text):
                self._acronym_spans.setdefault(acronym_of(m.group(0)), m.span())
        return self._acronym_spans

    def _search(self, pattern: str, case: bool = False) -> tuple[int, int] | None:
        m = re.search(rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9])", self.text, 0 if case else re.IGNORECASE)
        return m.span() if m else None


def _same_quantity(claim: Quantity, stated: Quantity) -> bool:
    """Does the passage's figure ``stated`` support the answer's ``claim``?

    Equal values do. So does a figure at least as precise that rounds to the claim at the
    claim's own precision: "36,413 million" (step 1 million) supports "$36.4 billion" (step 0.1
    billion) and "88.41" supports "88"; "36,400 million" is not supported by "36,413 million".
    A percentage needs a percentage.
    """
    if claim.percent and not stated.percent:
        return False
    if claim.value == stated.value:
        return True
    if stated.step > claim.step:
        return False
    return abs(stated.value - claim.value) * 2 <= claim.step


def _signature(m: Mention) -> tuple:
    """What makes two mentions the same statement (for the question-echo rule)."""
    if m.kind in ("number", "percent", "money"):
        return ("q", m.value.value.normalize())
    if m.kind == "range":
        return ("r", m.value[0].value.normalize(), m.value[1].value.normalize())
    if m.kind == "name":
        return ("n", m.value)
    return (m.kind, m.value)


def _year_signature(m: Mention) -> tuple:
    """A question about "FY 2019" makes "2019" in the answer an echo too."""
    if m.kind == "date" and m.value[0] is not None:
        return ("q", Decimal(m.value[0]).normalize())
    return ("none",)


__all__ = ["check_claims"]
