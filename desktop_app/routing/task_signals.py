"""Cues in a question's wording that say what kind of task it is (pure, table-driven).

Each cue family is a list of regular expressions; ``detect_tasks`` returns the families that
match, with the matched words, so the router can explain itself ("looks like code: 'python'").
The cues describe tasks a small on-device model handles poorly (long-form writing, multi-step
reasoning, maths, code, translation) and tasks it handles well (lookups, definitions, short edits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE

# Writing something long: a verb of composing followed (within a few words) by a long genre.
_LONG_GENRES = (
    r"blog(?: post)?|article|essay|report|cover letter|letter|proposal|policy|memo|story|speech|"
    r"press release|newsletter|job (?:description|ad(?:vert)?)|agenda|plan|programme|program|"
    r"document(?:ation)?|guide|handbook|white ?paper|case study|brief|post|presentation|script for|"
    r"email|e-mail|announcement|summary of|strategy|curriculum|checklist|faq|contract|terms"
)
LONG_FORM = [
    re.compile(rf"\b(?:write|draft|compose|prepare|create|produce|put together|outline)\b(?:\W+\w+){{0,6}}?\W+(?:{_LONG_GENRES})\b", _I),
    re.compile(r"\b\d{3,4}[- ]words?\b", _I),
    re.compile(r"\b(?:detailed|comprehensive|in[- ]depth|thorough|week by week|section by section)\b", _I),
    re.compile(r"\brewrite\b.{40,}", _I | re.S),
]

# Short pieces of writing a small model does fine: a line, a subject, a note, a status.
SHORT_FORM = [
    re.compile(r"\b(?:one|single|1)[- ](?:line|sentence|word)\b", _I),
    re.compile(r"\b(?:subject line|slack status|status message|tweet|caption|title|headline|tagline|thank[- ]you note|short note|quick note)\b", _I),
    re.compile(r"\bin (?:one|a single|a few|two) (?:sentence|line|word)s?\b", _I),
]

REASONING = [
    re.compile(r"\b(?:compare|comparison|versus|vs\.?|pros and cons|trade-?offs?|advantages and disadvantages)\b", _I),
    re.compile(r"\b(?:analy[sz]e|analysis|assess|evaluate|critique|diagnose|root cause)\b", _I),
    re.compile(r"\b(?:recommend|recommendation|propose|which (?:option|approach) should|should we|decide whether|how should)\b", _I),
    re.compile(r"\b(?:step[- ]by[- ]step|reason (?:it )?through|think through|walk me through|show (?:your|the) working)\b", _I),
    re.compile(r"\b(?:second-order|implications?|consequences|risks?|mitigat\w*|strateg\w+|scenario)\b", _I),
    re.compile(r"\b(?:explain|why) (?:why|how)\b|\bwhy does\b|\bwhy do\b|\bwhy is\b", _I),
    re.compile(r"\b(?:plan|schedule|roadmap)\b.*\b(?:weeks?|months?|phases?|milestones?|checkpoints?)\b", _I | re.S),
]

MATHS = [
    re.compile(r"\b(?:calculate|compute|work out|solve|derive|estimate how much|how much will|what will it be worth)\b", _I),
    re.compile(r"\b(?:npv|net present value|irr|compound(?:ed)?|amorti[sz]\w*|discount rate|interest rate|annuity|break-?even|margin|ebitda|ebit|cagr)\b", _I),
    re.compile(r"\d\s*[x×*/^]\s*\d|\b\d*x\^?\d|\bx\s*=|=\s*0\b|\bequation\b|\bderivative\b|\bintegral\b|\bprobability\b", _I),
    re.compile(r"\b(?:average|km/h|per cent|percentage (?:point|change))\b.*\d", _I | re.S),
]

CODE = [
    re.compile(r"\b(?:python|javascript|typescript|java|c\+\+|c#|golang|rust|sql|bash|powershell|shell script|regex|regular expression|vba|macro)\b", _I),
    re.compile(r"\b(?:function|script|class|method|api|query|code|unit tests?|refactor|debug|compile|stack trace|exception)\b", _I),
    re.compile(r"\b(?:excel|sheets?) formula\b|\b(?:vlookup|xlookup|index/match)\b", _I),
    re.compile(r"=>|\(\)\s*[{:]|\bselect\b.+\bfrom\b|\bdef \w+\(|\bconsole\.\w+|\.then\(", _I | re.S),
]

TRANSLATION = [
    re.compile(r"\btranslat\w*\b", _I),
    re.compile(
        r"\b(?:into|in|to)\s+(?:english|german|french|spanish|italian|portuguese|dutch|polish|swedish|danish|norwegian|"
        r"finnish|japanese|chinese|mandarin|korean|arabic|russian|turkish|hindi)\b",
        _I,
    ),
]

# Lookups and definitions: short factual answers a small model (or the documents) can give.
LOOKUP = [
    re.compile(r"^\s*(?:what(?:'s| is| are| was| does| do)|who(?:'s| is| was| wrote| approves)?|when(?:'s| is| was| does| did)?|where(?:'s| is)?|which|how many|how much is|is|are|does|can)\b", _I),
    re.compile(r"^\s*(?:define|definition of|meaning of|spell|give me a synonym|synonym for|abbreviation)\b", _I),
    re.compile(r"\b(?:stand for|mean|short for|acronym)\b\W*$", _I),
]

SHORT_EDIT = [
    re.compile(r"^\s*(?:fix the (?:grammar|spelling|typo)|correct (?:the )?(?:grammar|spelling)|rephrase|reword|make (?:this|it) (?:more )?(?:polite|formal|friendly))", _I),
    re.compile(r"\bsynonym\b|\bplural of\b|\bspell(?:ing)?\b", _I),
]

FAMILIES: dict[str, list[re.Pattern[str]]] = {
    "long_form": LONG_FORM,
    "short_form": SHORT_FORM,
    "reasoning": REASONING,
    "maths": MATHS,
    "code": CODE,
    "translation": TRANSLATION,
    "lookup": LOOKUP,
    "short_edit": SHORT_EDIT,
}

_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*%?")
_QUOTED = re.compile(r"[\"“«](.+?)[\"”»]|:\s*(.{20,})$", re.S)


@dataclass(frozen=True)
class TaskCues:
    """What the wording says about the task: matched families, sizes and counts."""

    families: dict[str, list[str]]
    words: int
    numbers: int
    sentences: int
    quoted_words: int  # words of quoted/pasted material (the text to translate, the code...)

    def has(self, family: str) -> bool:
        return family in self.families

    def hits(self, family: str) -> int:
        return len(self.families.get(family, ()))


def detect_tasks(question: str) -> TaskCues:
    """Match every cue family against ``question``."""
    families: dict[str, list[str]] = {}
    for name, patterns in FAMILIES.items():
        found = [m.group(0).strip()[:40] for p in patterns if (m := p.search(question))]
        if found:
            families[name] = found
    quoted = 0
    for m in _QUOTED.finditer(question):
        quoted += len((m.group(1) or m.group(2) or "").split())
    sentences = max(1, len(re.findall(r"[.!?](?:\s|$)", question.strip())))
    return TaskCues(
        families=families,
        words=len(question.split()),
        numbers=len(_NUMBER.findall(question)),
        sentences=sentences,
        quoted_words=quoted,
    )
