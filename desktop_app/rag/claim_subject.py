"""Which cited documents are about what the question asks about.

A small model given five passages often takes its figure from the wrong one: asked for the flight
hours of the pilot in the Death Valley accident, it answers "435 hours", which a passage does
state — in another accident's report. The figure is "in the sources", yet not a fact about the
question's subject. Measured on the bundled model's real grounded answers, this was the most
common wrong answer the claim check let through (benchmarks/claim_check_answers.py).

The question names its subject with distinctive terms: names ("Death Valley", "Beech") and codes
("A23", "N5921D"); its long words ("emicizumab") describe it. A cited document is *on subject*
when its passages (or its label) hold one of those terms that not every cited document holds
(such a term *tells them apart*); one holding none of them is about something else. When no term
tells the documents apart, every document is on subject (the check cannot judge, so it does not).
"""

from __future__ import annotations

import re
from typing import Sequence

from desktop_app.core.records import Citation, Hit

# Capitalised words, and words with a digit and a letter ("A23", "PA-22-150", "N5921D").
_TERM_RE = re.compile(r"(?<![\w-])(?:[A-Z][A-Za-z'’]+|(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?![\w-])")
# Long lower-case words name a subject too ("emicizumab", "hemophilia"): a trial is often named
# by its drug or condition, never capitalised.
_LONG_WORD_RE = re.compile(r"(?<![\w-])[a-z]{8,}(?![\w-])")
_MONTHS = ("january february march april may june july august september october november december").split()
# Words a question capitalises that do not name its subject.
_COMMON = frozenset("""what which who whom whose when where why how was were is are did does do the a an in on at
of for to from by with and or if that this these those according list name give describe explain summarise
summarize compare report reports document documents page table section figure appendix fiscal year fy""".split()) | frozenset(_MONTHS)


def subject_terms(question: str) -> list[str]:
    """The question's names and codes, lower-cased: the terms that name its subject.

    Capitalised words count unless they open the sentence (without a digit) or are common.
    """
    terms: list[str] = []
    for m in _TERM_RE.finditer(question):
        word = m.group(0)
        starts_sentence = m.start() == 0 or question[:m.start()].rstrip().endswith((".", "?", "!", ":"))
        if word.lower() in _COMMON or (starts_sentence and not any(c.isdigit() for c in word)):
            continue
        terms.append(word.lower())
    return list(dict.fromkeys(terms))


def describing_words(question: str) -> list[str]:
    """The question's long lower-case words ("emicizumab", "hemophilia", "professionals").

    Not its years: a report about one accident states the dates of other events too ("Last
    Inspection: 11/01/2007"), so a year tells nothing of which accident a document is about.
    """
    return list(dict.fromkeys(w.lower() for w in _LONG_WORD_RE.findall(question) if w.lower() not in _COMMON))


def on_subject_sources(question: str, citations: Sequence[Citation | Hit]) -> set[str]:
    """The cited documents (``Citation.source``) about the question's subject.

    Every cited document when the question's names and codes do not tell them apart.
    """
    texts: dict[str, str] = {}
    for citation in citations:
        # The document's label names its subject even where the passage does not ("Aviation
        # Accident Final Report, Death Valley, CA" above a page of pilot hours).
        about = f"{citation.document} " if citation.document and citation.source not in texts else ""
        texts[citation.source] = texts.get(citation.source, "") + " " + (about + citation.text).lower()
    sources = set(texts)
    names = subject_terms(question)
    if len(sources) < 2 or not names:
        return sources
    telling_names = _telling(texts, names)
    if not any(telling_names.values()):
        return sources
    # Judged by names; a document holding a telling describing word is on subject too. The words
    # alone never rule a document out: "healthcare professionals" tells two interview studies
    # apart less surely than "Access-H2O" tells a faucet trial from a haemophilia one.
    # Only a word the named documents do not hold themselves rescues one without the names: the
    # Air Tractor's report and another's pilot form both say "commercial", so that word does not
    # make the other form about the Air Tractor.
    telling_words = _telling(texts, describing_words(question))
    named_words = set().union(*(telling_words[s] for s in sources if telling_names[s]))
    return {source for source in sources if telling_names[source] or telling_words[source] - named_words}


def _telling(texts: dict[str, str], terms: list[str]) -> dict[str, set[str]]:
    """Per document, the terms it holds that not every document holds."""
    held = {source: {t for t in terms if _holds(text, t)} for source, text in texts.items()}
    everywhere = set.intersection(*held.values()) if held else set()
    return {source: found - everywhere for source, found in held.items()}


def _holds(text: str, term: str) -> bool:
    """Is ``term`` in ``text`` as a word ("a23" is not in "ba230"); hyphens and spaces interchangeable."""
    pattern = r"[\s-]?".join(re.escape(part) for part in re.split(r"[\s-]+", term))
    return re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", text) is not None


def on_subject_hits(question: str, hits: Sequence[Hit]) -> list[Hit]:
    """The retrieved passages whose documents are about the question's subject, in their order.

    Why before the model reads them: given five passages, the small model took its figure from
    another accident's report ("435 hours" for the Sorrell SNJ-7's pilot, from a Piper's form).
    A passage of a document the question's names rule out only distracts; its share of the
    prompt's budget goes to the on-subject ones. Measured on the 191 corpus questions (top 5 of
    the corpus index, ``passage_focus`` at the prompt's budget): 64 prompts change, and the gold
    answer stays in 149 of them all against 146 (3 gained, none lost).

    Stop 39: a describing word brings in a document without the question's names only when the
    named documents do not hold it too (``on_subject_sources``). Over the 335 grounded questions
    of benchmarks/data, 14 prompts lose another document's passage, and the gold answer stays in
    the passages of every question that had it (169 of the 191 tuned, 92 of 108 and 30 of 36 held-out).
    """
    keep = on_subject_sources(question, hits)
    return [h for h in hits if h.source in keep]


__all__ = ["describing_words", "on_subject_hits", "on_subject_sources", "subject_terms"]
