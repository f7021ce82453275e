"""Who holds a role: the passages where a person's name stands next to the title asked about.

"Who signed OPM's FY 2019 report?", "Who is the Director in the latest report?", "Who is listed
as Acting Secretary?": the answer is a name beside a title, in a signature block ("Dale Cabaniss /
Director / February 10, 2020"), a heading ("Kiran Ahuja, Director") or a list of people
("Xavier Becerra : Secretary, Health and Human Services"). Such a page shares few words with
the question (the name is what is asked; "signed" is not written anywhere), so neither search
ranks it: of the 24 corpus questions asking who holds a title or signed, 9 had no page holding
the answer among their five sources, 6 of them a signature block or a letter's heading.

For a "who" question that names a title (or asks who signed), this module gives the keyword
search's words for the title and recognises a chunk where a name is written next to it; the
retriever adds those chunks, within the documents the question is about, as one more ranking.
Measured (``HybridRetriever`` with that ranking weighted 3 vs 0, 208 corpus questions): the gold
page among the top 5 for 188 vs 182, and 21 of those 24 questions vs 15. Pure text work: no
model call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_app.rag.question_kinds import asks_who

# Titles of the people who lead or sign for an organisation. A question naming one of them asks
# for its holder; "signed"/"signature" asks for whichever of them signs.
TITLES = ("director", "secretary", "administrator", "commissioner", "chairman", "chairwoman", "chairperson",
          "chair", "president", "chief executive officer", "ceo", "chief financial officer", "cfo",
          "governor", "mayor", "minister", "treasurer", "comptroller", "inspector general", "chancellor",
          "principal investigator")
# Asks for whoever signs or leads, naming no title: "Who signed …?", "Who heads the EPA?", "Who leads
# the Department of Labor?" (its holder is the Administrator, the Secretary or the Director).
_SIGNED_RE = re.compile(r"\b(?:sign(?:ed|s|ature|atory)?|heads?|headed|leads?|led|runs?|ran)\b", re.IGNORECASE)
_TITLE_RE = re.compile(r"\b(" + "|".join(sorted((re.escape(t) for t in TITLES), key=len, reverse=True)) + r")\b",
                       re.IGNORECASE)
# Words that qualify a title or join it to an office ("Acting Deputy Director of the").
_ROLE_WORDS_RE = r"\b(?:acting|interim|associate|assistant|deputy|regional|program|project|executive|under|vice|senior|" \
                 r"chief|general|the|of|and)\b"
# A title qualified by one of these is another role ("Associate Director" is not "the Director").
_OTHER_ROLE_RE = re.compile(r"\b(?:associate|assistant|deputy|regional|program|project|executive|under|vice)[ \t]*$",
                            re.IGNORECASE)
# A person's name: a first name, maybe an initial, a last name ("Kiran Ahuja", "Beth F. Cobert",
# "MARTIN J. WALSH"), case-sensitive so "the Office of" is never one. Two-column pages come out of
# the PDF reader interleaved: a line break may split the name ("Beth F.\nCobert"), and a heading
# of the other column in capitals may stand between the name and its title ("Michael Rigas\n
# CUSTOMER SERVICE Acting Director"): _CAPS_GAP lets up to four such words through.
_NAME = r"[A-Z][a-zA-Z'’-]+(?:\s+[A-Z]\.)?\s+[A-Z][a-zA-Z'’-]+"
_CAPS_GAP = r"(?:[A-Z]{2,}[ \t]+){0,4}"
_SEPARATOR = r"[ \t]*[,:]?[ \t]*\n?[ \t]*" + _CAPS_GAP  # "Name, Director", "Name :\nSecretary", "Name\nDirector"
_ACTING = r"(?i:(?:acting|interim)[ \t]+)?"
_NOT_NAMES = frozenset("message from the office of department united states annual performance report plan "
                       "strategic fiscal year letter table contents acting interim".split())
# Words that make a run of capitalised words a law's or a body's name ("Civil Service Act").
_INSTITUTION_WORDS = frozenset("act acts law code amendment agency administration commission bureau council "
                               "committee".split())
_NEXT_CAPITAL_RE = re.compile(r"(?:\s+[A-Z][a-zA-Z'’-]+)?")  # the word right after: "Civil Service" + "Act"
# A date just after the title: the signature block of a letter ("Director / February 10, 2020").
_DATE_AFTER_RE = re.compile(r"[\s,]{0,6}(?:[A-Z]{2,}\s+){0,4}(?i:january|february|march|april|may|june|july|august|september|october|"
                            r"november|december)\s+\d{1,2}\s*,\s*\d{4}")
# The name follows "of", "the", "and" or "for": part of an organisation's name.
_ORGANISATION_BEFORE_RE = re.compile(r"\b(?:of|the|and|for|to)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class AskedRole:
    """The title a "who" question asks about; ``title`` is "" when it asks who signed, naming none."""

    title: str

    def search_words(self) -> str:
        """The words a keyword search for the title's holders looks for."""
        return self.title or " ".join(t for t in TITLES if " " not in t)

    def held_in(self, text: str) -> bool:
        """True when ``text`` writes a person's name next to the title (for "who signed", any
        title of TITLES)."""
        return any(True for _ in self.holders(text))

    def holders(self, text: str, common: frozenset[str] = frozenset()):
        """(name, signed) for each name written next to the title in ``text``; ``signed`` when a
        date follows the title (a letter's signature block). ``common``: words written in lower
        case around it (the other passages searched); a name's last word is not one of them
        ("Civil Service", "Business Utilization", "Data Limitations" are not people)."""
        for name, signed, _line in self._found(text, common):
            yield name, signed

    def holder_line(self, text: str, common: frozenset[str] = frozenset()) -> tuple[str, bool] | None:
        """(the words of ``text`` that name a holder with the title, and the date of a signature:
        "Katherine Archuleta Director March 7, 2014"; signed), a signature first. None when none does."""
        found = sorted(self._found(text, common), key=lambda f: not f[1])
        return (" ".join(found[0][2].split()), found[0][1]) if found else None

    def _found(self, text: str, common: frozenset[str]):
        """(name, signed, the words from the name through the title and its date) for each holder."""
        common = common | lower_case_words(text)
        titles = "|".join(re.escape(t) for t in ([self.title] if self.title else TITLES))
        title = rf"(?i:{titles})\b"
        # The name, then its title ("Kiran Ahuja, Director"); or the title, then the name
        # ("Secretary Pete Buttigieg"; not across a line break, nor after a comma or colon:
        # "Director, Retirement Services" names an office, "Secretary : All Bureaus :" a list).
        for pattern, title_group in ((rf"({_NAME}){_SEPARATOR}({_ACTING}{title})", 2),
                                     (rf"(?<![\w.])({_ACTING}{title})[ \t]+({_NAME})", 1)):
            for match in re.finditer(pattern, text):
                name_group = 3 - title_group
                name = match.group(name_group)
                date = _DATE_AFTER_RE.match(text, match.end(title_group))
                signed = date is not None
                if not _is_a_name(name) or name.split()[-1].lower() in common or _OTHER_ROLE_RE.search(text[max(0, match.start(title_group) - 30):
                                                                       match.start(title_group)]):
                    continue
                if _ORGANISATION_BEFORE_RE.search(text[max(0, match.start(name_group) - 12):match.start(name_group)]):
                    continue  # "Office of Personnel Management Director": an office
                yield name, signed, text[match.start():date.end() if date else match.end()]


def asked_role(question: str) -> AskedRole | None:
    """The role a "who" question asks for ("Who is the EPA Administrator ...?" -> administrator),
    AskedRole("") for "Who signed ...?" or "Who heads the EPA?" naming no title, None for other
    questions ("Who owned the airplane?")."""
    if not asks_who(question):
        return None
    found = _TITLE_RE.search(question)
    if found:  # "Who signed ... as Acting Director?" asks for the Director's signature
        return AskedRole(found.group(1).lower())
    return AskedRole("") if _SIGNED_RE.search(question) else None


def only_a_title(name: str) -> bool:
    """Is ``name`` a role, not a person ("Acting Director", "Deputy Secretary", "the Administrator")?

    Asked who signed, the bundled model answered "the Acting Director" from "Since I became Acting
    Director of OPM": a title the source states, but no answer to "who".
    """
    rest = re.sub(_ROLE_WORDS_RE, " ", _TITLE_RE.sub(" ", name).lower())
    return bool(_TITLE_RE.search(name)) and not re.search(r"[a-z]", rest)


def names_a_person(text: str) -> bool:
    """Does ``text``, its titles taken out, name a person ("Kenneth Zawodny, Jr., Associate
    Director"; not "OPM's FY 2015 report", "the Acting Director")? Two capitalised words that
    are not a heading's or a report's count as one ("Retirement Services" too: when unsure, yes),
    unless the capitalised words they open name a law or a body ("the Civil Service Act of 1883",
    which the bundled model gave as who signed a report)."""
    rest = " ".join(_TITLE_RE.sub(" ", text).split())
    return any(_is_a_name(m.group(0)) and not _names_an_institution(rest, m) for m in re.finditer(_NAME, rest))


def _names_an_institution(text: str, name: re.Match) -> bool:
    run = name.group(0) + _NEXT_CAPITAL_RE.match(text, name.end()).group(0)
    return any(w.lower() in _INSTITUTION_WORDS for w in run.split())


def lower_case_words(text: str) -> frozenset[str]:
    """The words ``text`` writes in lower case (common words, not names)."""
    return frozenset(re.findall(r"(?<![\w-])[a-z][a-z'’-]+", text))


def _is_a_name(words: str) -> bool:
    """A person's name, not a heading ("Message From The Director"), a possessive ("Obama's
    Memorandum") or a phrase in capitals ("CUSTOMER SERVICE"; one with an initial, "MARTIN J.
    WALSH", is a name)."""
    parts = [w.strip(".").lower() for w in words.split()]
    if any(p in _NOT_NAMES or p in TITLES for p in parts) or re.search(r"['’]s\b", words):
        return False
    capitals = all(w.isupper() for w in words.split() if len(w) > 2)
    return not capitals or re.search(r"\b[A-Z]\.", words) is not None
