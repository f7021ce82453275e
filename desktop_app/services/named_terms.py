"""Does a question name something the retrieved passages never mention?

Why: the retriever's relevance floor lets through passages that share a year or a generic word
with the question ("What was Apple's revenue in Q3 2023?" matches every page saying "2023"), and
a small model then invents an answer from them ("$12,000"). A question that names a company, a
place, a drug or an agency that none of the passages mention cannot be answered from them, so the
Assistant says the documents do not contain it instead of asking the model. A name counts as
mentioned only as a name, capitalised or in capitals: the corpus's "central office" and "web
services" do not mention the European Central Bank or Amazon Web Services. Pure text: no model.
The same holds for a rare word the question names in lower case ("semaglutide", "glioblastoma":
``rag.word_rarity``) that no passage contains. And a question naming, as a name, something that
no passage of the whole collection holds ("Honolulu" beside "NTSB", which every report names) is
declined too (``names_to_look_up``; the keyword index answers, ``Library.unmentioned``).
Measured by benchmarks/decline_rule.py (which
questions are declined before the model, on-topic vs off-topic, over ../shared/corpus) and
end to end in benchmarks/answer_quality.py.

An abbreviation of a kind of thing ("RCT", "KPI", "CEO") is no name: "the ovarian cancer online
support group RCT" was declined because no passage wrote "RCT" (the protocol says "randomized").
Stop 39, over the 335 grounded questions of benchmarks/data: 4 declined before the model vs 7 (the
3 were RCT questions; asked end to end, 1 of them is now right and the model declines the other
2 itself); off-topic questions declined before the model unchanged (40 of 45, 17 of 19).

An acronym is mentioned after a one-letter prefix too ("cGVHD" for chronic GVHD). Stop 40: 3
grounded questions declined before the model vs 4 (q068, now answered "38", right); off-topic
unchanged (40 of 45, 17 of 19).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from desktop_app.rag.word_rarity import rare_words

# Capitalised words that start questions or name nothing in particular.
_COMMON = frozenset("""
a an the what which who whom whose when where why how is are was were do does did can could would should
will in on at of for to from by with and or if please tell give list name explain describe compare
according according to during after before between since as per about i my our your we you it its
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
q1 q2 q3 q4 fy
rct kpi ceo cfo faq pdf
""".split())  # the last line: abbreviations of a kind of thing, not a name ("the ovarian cancer support group RCT")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'&.-]*[A-Za-z0-9]|[A-Z]")
# An acronym may carry a one-letter prefix in the documents: protocols write the chronic form of
# GVHD "cGVHD" (and "aGVHD", "mCRC"); "GVHD" is mentioned there.
_ACRONYM_PREFIX = r"\b[a-z]?"
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)([A-Za-z][\w'-]*)")


def named_terms(question: str) -> list[str]:
    """Proper names and acronyms in ``question`` ("Apple", "Honolulu", "NTSB"), lower-cased.

    A capitalised word counts unless it opens the sentence or is a common word; a word in capitals
    (2+ letters) always counts. A possessive "'s" is dropped.
    """
    return list(dict.fromkeys(word.lower() for word in _names_as_written(question)))


def _names_as_written(question: str) -> list[str]:
    """The words ``named_terms`` picks, as the question writes them ("Amazon", "Web", "NTSB")."""
    starts = {m.group(1) for m in _SENTENCE_START.finditer(question)}
    names: list[str] = []
    for match in _WORD.finditer(question):
        word = match.group(0).rstrip(".")
        base = re.sub(r"'s$", "", word)
        if len(base) < 2 or base.lower() in _COMMON:
            continue
        if base.isupper() or (base[0].isupper() and word not in starts):
            names.append(base)
    return names


# "Death Valley, California", "Alton, New Hampshire": the words after a name and a comma place it.
_QUALIFIER = re.compile(r"[A-Z][\w'-]*,\s+((?:[A-Z][\w'-]*\s?)+)")
# US states, which reports (NTSB's among them) write as postal codes: "Wausau, WI". A state name
# followed by another name is part of that name ("Tennessee Valley Authority") and still counts.
_STATES = re.compile(r"\b(?:" + "|".join("""Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware
Florida Georgia Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan
Minnesota Mississippi Missouri Montana Nebraska Nevada New_Hampshire New_Jersey New_Mexico New_York North_Carolina
North_Dakota Ohio Oklahoma Oregon Pennsylvania Rhode_Island South_Carolina South_Dakota Tennessee Texas Utah Vermont
Virginia Washington West_Virginia Wisconsin Wyoming""".split()).replace("_", " ") + r")\b(?!\s+[A-Z])")


def names_to_look_up(question: str) -> list[str]:
    """The question's names that the whole library must hold somewhere for it to be answerable.

    Written as names ("Honolulu", "Pfizer", "UnitedHealth"), not in capitals: an acronym or a
    code ("FAA", "A23") may be spelled out or written otherwise in the documents. A place's
    qualifier ("California" in "Death Valley, California") and a US state are left out:
    reports write "CA".
    """
    qualifiers = {word for match in _QUALIFIER.finditer(question) for word in match.group(1).split()}
    qualifiers |= {word for match in _STATES.finditer(question) for word in match.group(0).split()}
    return list(dict.fromkeys(name for name in _names_as_written(question)
                              if not name.isupper() and name not in qualifiers and len(name) >= 3))


def declines(question: str, passages: Iterable[str],
             unmentioned: Callable[[list[str]], list[str]] | None = None) -> bool:
    """The Assistant's rule: ``names_nothing_here``, or a name of ``names_to_look_up`` that
    ``unmentioned`` (names -> those no document of the searched collections holds) reports.
    A lookup that fails declines nothing: in doubt, the model is asked."""
    if names_nothing_here(question, passages):
        return True
    names = names_to_look_up(question)
    if not names or unmentioned is None:
        return False
    try:
        return bool(unmentioned(names))
    except Exception:  # noqa: BLE001 - see above
        return False


def unmentioned_names(question: str, passages: Iterable[str]) -> list[str]:
    """The question's named terms that appear in none of ``passages`` (compared by their start)."""
    terms = named_terms(question)
    return _absent(terms, _joined(passages), _acronyms(question)) if terms else []


def names_nothing_here(question: str, passages: Iterable[str]) -> bool:
    """True when the question names something and none of its names is in the passages as a name
    (capitalised or in capitals: "European Central Bank" is not mentioned by "central office"), or
    it names a rare word (a drug, a disease) that none of them contains."""
    passages = list(passages)
    if named_terms(question) and _absent_as_written(question, " ".join(passages)):
        return True
    return bool(_absent(rare_words(question), _joined(passages)))


def _joined(passages: Iterable[str]) -> str:
    return " ".join(p.lower() for p in passages)


def _absent_as_written(question: str, passages: str) -> bool:
    """None of the question's names is in ``passages`` as a name, capitalised or in capitals
    (each by its first six letters): "Amazon Web Services" is not mentioned by "web services"."""
    return not any(re.search(r"\b" + re.escape(w[:6]), passages)
                   or re.search(_ACRONYM_PREFIX + re.escape(w[:6].upper()), passages)
                   for w in _names_as_written(question))


def _absent(terms: list[str], text: str, acronyms: frozenset[str] = frozenset()) -> list[str]:
    """The terms the lower-cased passages ``text`` do not contain (compared by their first six
    letters; an acronym also after a one-letter prefix, see ``_ACRONYM_PREFIX``)."""
    return [t for t in terms
            if not re.search((_ACRONYM_PREFIX if t in acronyms else r"\b") + re.escape(t[:6]), text)]


def _acronyms(question: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _names_as_written(question) if w.isupper())
