"""Find the checkable statements in a text: figures (numbers, money, percentages, ranges, dates,
ordinals, codes) and proper names, each with its span and a value that can be compared.

The same extractor reads an answer (to list what it claims) and a cited passage (to list what
the passage states), so "nine" in a passage and "9" in an answer meet as the same number. Pure
and regex-only: it runs after every grounded answer and must stay well under 50 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

# ---------------------------------------------------------------- number words

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_WORD_VALUE = {w: i for i, w in enumerate(_UNITS)} | _TENS
_ORDINALS = {w: i for i, w in enumerate(
    ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
     "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split(), start=1)}
# "First," / "Second," open a sentence as discourse markers, and "first"/"second" are too common
# in prose to be checked as figures: they are found but never a key figure.
WEAK_ORDINALS = frozenset({"first", "second"})

_TENS_RE = "|".join(_TENS)
_UNIT_RE = "|".join(sorted(_UNITS, key=len, reverse=True))
_ONES_RE = "one|two|three|four|five|six|seven|eight|nine"
# "twenty-one", "Eighty- three" (a PDF line break after the hyphen), "two hundred".
_WORDNUM = rf"(?:(?:{_TENS_RE})(?:\s*-\s*|\s+)(?:{_ONES_RE})|{_TENS_RE}|{_UNIT_RE})(?:\s+hundred)?"
# "3 .74": PDF text sometimes puts a space before the decimal point; it is still one number.
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:[ ]?\.\d+)?|\.\d+"
_SCALES = {"thousand": 10**3, "k": 10**3, "million": 10**6, "m": 10**6, "mn": 10**6,
           "billion": 10**9, "bn": 10**9, "b": 10**9, "trillion": 10**12, "tn": 10**12}

_AMOUNT_TAIL = r"""(?:\s?(?P<scale>thousand|million|billion|trillion)\b|(?P<abbr>bn|mn|tn|[kKmMbB])(?![\w]))?
                   (?:\s?(?P<pct>%|percent\b|per\s?cent\b|percentage\s+points?\b))?"""
# Two patterns, not one: a single pattern trying currency, sign, digits and thirty number words at
# every position of a page was 4x slower. The lookaheads let most positions fail at once.
_DIGIT_AMOUNT_RE = re.compile(
    rf"""(?=[$€£U\-−.\d])(?P<cur>US\$|\$|€|£|USD\s?)?
         (?P<neg>(?<![\w.,])[-−](?=\d))?
         (?<![\w.,])(?P<digits>{_DIGITS})(?!\d){_AMOUNT_TAIL}""",
    re.VERBOSE | re.IGNORECASE,
)
_WORD_AMOUNT_RE = re.compile(rf"\b(?=[zotfsen])(?P<words>{_WORDNUM})\b{_AMOUNT_TAIL}", re.VERBOSE | re.IGNORECASE)
_RANGE_GAP_RE = re.compile(r"\s*(?:-|–|—|to|through|thru|until)\s*", re.IGNORECASE)
_BETWEEN_RE = re.compile(r"between\s+$", re.IGNORECASE)

# ---------------------------------------------------------------- dates, ordinals, codes

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}
_MONTH_RE = (r"(?=[jfmasond])(?P<{g}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
             r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# A month name may follow a word it was run into, and its year a bare comma ("VersionOctober 10,2023",
# a protocol's header as the PDF gives it): still a date, not the figure 10.
_GLUED = r"(?:\b|(?-i:(?<=[a-z])(?=[A-Z])))"
_DATE_RES = [
    re.compile(rf"{_GLUED}{_MONTH_RE.format(g='mon')}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*|\s+)(?P<year>\d{{4}})\b",
               re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE.format(g='mon')},?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"(?<![\d/])(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})(?![\d/])"),
    re.compile(rf"\b{_MONTH_RE.format(g='mon')},?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(r"\b(?:FY|fiscal\s+year)\s*(?:\(FY\)\s*)?['’]?(?P<fy>\d{4}|\d{2})\b", re.I),
]
# "10:45 a.m.", "16:30", and the reports' "1045 UTC" / "1630 CST" (four digits and a time zone).
_TIME_RE = re.compile(r"\b(?P<h>\d{1,2}):(?P<m>[0-5]\d)(?:\s?(?P<ampm>[ap])\.?m\.?(?![\w]))?"
                      r"|\b(?P<hh>[01]\d|2[0-3])(?P<mm>[0-5]\d)\s?(?:hours\s)?(?P<zone>[ECMPA][SD]T|UTC|GMT|Z|local)\b",
                      re.IGNORECASE)
# "7th", "seventh"; not "third-party" (an ordinal joined to a word is an adjective).
_ORDINAL_RE = re.compile(rf"\b(?=[\dfsten])(?:(?P<num>\d+)(?:st|nd|rd|th)|(?P<word>{'|'.join(_ORDINALS)})(?!-))\b", re.I)
# A word with a digit and a letter, hyphens allowed ("N6135M", "COVID-19"); _is_code decides.
_CODE_TOKEN_RE = re.compile(r"(?<![\w-])(?<!\d\.)(?=[\w-]*\d)(?=[\w-]*[A-Za-z_])[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*(?![\w-])")
_UNIT_SEGMENT_RE = re.compile(r"\d+(?:[a-z]{1,3}|[KMB])")  # "5mg", "115hp", "1990s", "3B": a number, not a code

# ---------------------------------------------------------------- names

_CONNECTORS = ("of", "and", "for", "the", "on", "in", "de", "&")
# All-capital words are acronyms, checked one by one: "the FAA and the FHWA" is not one name.
_CAP = r"[A-Z][a-z]+(?:['’][a-z]+)?"
_NAME_RE = re.compile(rf"{_CAP}(?:(?:\s+(?:{'|'.join(_CONNECTORS)})){{0,2}}\s+{_CAP})+")
_ACRONYM_RE = re.compile(r"\b[A-Z][A-Z&]+(?:s\b|\b)|(?<![\w.])(?:[A-Z]\.){2,}")
_NOT_ACRONYMS = frozenset({"OK", "AM", "PM", "PDF", "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII", "ID",
                           "FAQ", "NA", "TBD", "NOTE", "USD"})
_CALENDAR_WORDS = frozenset(m.capitalize() for m in _MONTHS) | frozenset(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())
_SENTENCE_OPENERS = re.compile(r"(?:^|[\n.!?:;]|\n\s*(?:[-*•]|\d+[.)]))\s*[\"'“(*_#>]*\s*$")

# ---------------------------------------------------------------- what is not a claim

_MARKER_RE = re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]")  # citation markers [1], [1, 2], [1-3]
_SLASHED_RE = re.compile(r"(?<![\w/])\d+(?:/\d+)+(?![\w/])")
_DOTTED_RE = re.compile(r"(?<![\w.])\d+(?:\.\d+){2,}(?![\w]|\.\d)")
_LIST_NUMBER_RE = re.compile(r"(?m)^[ \t]*(?:\d{1,2}[.)]|\(\d{1,2}\))(?=\s)")  # "1." "2)" "(3)" opening a line


@dataclass(frozen=True)
class Quantity:
    """A number as stated: its value, the step of its last digit, and whether it is a percentage.

    ``step`` is what the writer's precision allows: "36.4 billion" has value 36.4e9, step 0.1e9.
    """

    value: Decimal
    step: Decimal
    percent: bool = False
    money: bool = False
    scale: Decimal = Decimal(1)  # the "million" in "36.4 million"


@dataclass(frozen=True)
class Mention:
    """One checkable statement found in a text.

    ``kind``: number, percent, money, range, date, time, ordinal, code or name. ``value``: a
    Quantity (number, percent, money), a pair of Quantities (range), (year, month, day, fiscal)
    with None for unstated parts (date), minutes after midnight (time), an int (ordinal), the
    normalised text (code, name).
    """

    kind: str
    start: int
    end: int
    text: str
    value: Any
    key: bool = True  # a key figure: its absence from the sources is worth a warning


def extract(text: str, *, passage: bool = False) -> list[Mention]:
    """The figures (and, for answers, names) in ``text``, in order of position.

    Args:
        text: an answer or a passage.
        passage: True for a source passage: names are not listed (they are matched by searching
            the passage), and "one" counts as a number (a passage may say "one" for 1).

    Citation markers ``[1]`` and list numbering ("1." opening a line) are never figures.
    """
    taken = bytearray(len(text))  # 1 where a figure already found (or a marker) sits: first finder wins
    found: list[Mention] = []

    def take(start: int, end: int) -> None:
        taken[start:end] = b"\x01" * (end - start)

    def free(start: int, end: int) -> bool:
        return taken.find(1, start, end) == -1

    def add(mention: Mention) -> None:
        found.append(mention)
        take(mention.start, mention.end)

    for m in _MARKER_RE.finditer(text):
        take(*m.span())
    for m in _LIST_NUMBER_RE.finditer(text):
        take(*m.span())

    for pattern in _DATE_RES:
        for m in pattern.finditer(text):
            if free(*m.span()):
                date = _date_value(m)
                if date is not None:
                    add(Mention("date", m.start(), m.end(), m.group(0), date))
    for m in _TIME_RE.finditer(text):
        if free(*m.span()):
            minutes = _time_value(m)
            if minutes is not None:
                add(Mention("time", m.start(), m.end(), m.group(0), minutes))
    for m in _CODE_TOKEN_RE.finditer(text):
        if free(*m.span()) and _is_code(m.group(0)):
            add(Mention("code", m.start(), m.end(), m.group(0), _code_key(m.group(0))))
    for m in _ORDINAL_RE.finditer(text):
        if free(*m.span()):
            word = (m.group("word") or "").lower()
            value = _ORDINALS[word] if word else int(m.group("num"))
            add(Mention("ordinal", m.start(), m.end(), m.group(0), value, key=word not in WEAK_ORDINALS))
    # "Protocol Number 2 (14/02/23)", "24/7": a number glued to others by slashes is part of a date,
    # a fraction or a phrase, never a count; in a passage it does not support "14 months", and in an
    # answer "24/7 carbon pollution-free electricity" claims no figure 24. Three or more numbers
    # joined by dots are a version ("G*Power 3.1.9.3" is no figure 3.1), a section ("2.3.1") or a
    # date ("V2 14.02.23"): in an answer, a code checked whole.
    for m in _SLASHED_RE.finditer(text):
        if free(*m.span()):
            take(*m.span())
    for m in _DOTTED_RE.finditer(text):
        if free(*m.span()):
            if passage:
                take(*m.span())  # a code is looked for in the passage's text, not among its figures
            else:
                add(Mention("code", m.start(), m.end(), m.group(0), _code_key(m.group(0))))
    amounts = [a for a in _amounts(text, passage) if free(a.start, a.end)]
    for a in _ranges(text, amounts):
        add(a)
    if not passage:
        for name in _names(text):
            if free(name.start, name.end):
                add(name)
    found.sort(key=lambda m: m.start)
    return found


def quantities(mention: Mention) -> Iterable[Quantity]:
    """The single numbers a mention states (a range's ends, a date's year) for number matching."""
    if mention.kind in ("number", "percent", "money"):
        yield mention.value
    elif mention.kind == "range":
        yield from mention.value
    elif mention.kind == "date" and mention.value[0] is not None:
        yield Quantity(Decimal(mention.value[0]), Decimal(1))


def acronym_of(name: str) -> str:
    """"Office of Personnel Management" -> "OPM" (connecting words left out)."""
    words = [w for w in re.split(r"[\s-]+", name) if w and w.lower() not in _CONNECTORS]
    return "".join(w[0] for w in words).upper()


# ---------------------------------------------------------------- helpers


def _date_value(m: re.Match) -> tuple | None:
    groups = m.groupdict()
    if groups.get("fy"):
        year = int(groups["fy"])
        return (year + 2000 if year < 100 else year, None, None, True)
    month = groups.get("month")
    month_num = int(month) if month else (_month_number(groups["mon"]) if groups.get("mon") else None)
    day = int(groups["day"]) if groups.get("day") else None
    if month_num is None or not 1 <= month_num <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    if groups.get("mon") and groups["mon"].lower() in ("may", "mar", "jun", "jul") and day is None:
        # "may 2020" in prose is usually the verb; "March 2020" spelled out is taken.
        if groups["mon"][0].islower():
            return None
    return (int(groups["year"]), month_num, day, False)


def _time_value(m: re.Match) -> int | None:
    """Minutes after midnight: "10:45 a.m." -> 645, "1630 CST" -> 990, "12:00 p.m." -> 720."""
    if m.group("hh"):
        return int(m.group("hh")) * 60 + int(m.group("mm"))
    hour, minute, ampm = int(m.group("h")), int(m.group("m")), (m.group("ampm") or "").lower()
    if hour > 23 or (ampm and not 1 <= hour <= 12):
        return None
    if ampm == "p" and hour != 12:
        hour += 12
    elif ampm == "a" and hour == 12:
        hour = 0
    return hour * 60 + minute


def _month_number(word: str) -> int | None:
    word = word.lower().rstrip(".")
    return next((n for name, n in _MONTHS.items() if name.startswith(word[:3])), None)


def _is_code(token: str) -> bool:
    """"N6135M", "DFW08CA044", "COVID-19", "O-235", "_03810b51-6599-..." are codes; "28-hour",
    "mid-2020", "5mg", "13-18" are not."""
    if not any(c.isdigit() for c in token) or not any(c.isalpha() for c in token):
        return False
    if "_" in token:
        return True
    segments = token.split("-")
    for seg in segments:
        mixed = any(c.isdigit() for c in seg) and any(c.isalpha() for c in seg)
        if mixed and not _UNIT_SEGMENT_RE.fullmatch(seg):
            return True
    # A capitalised word joined to a number: "COVID-19", "F-16", "O-235".
    return len(segments) > 1 and any(s[:1].isupper() for s in segments) and any(s.isdigit() for s in segments)


def _code_key(token: str) -> str:
    return re.sub(r"[\s_-]", "", token).upper()


def _amounts(text: str, passage: bool) -> list[Mention]:
    out = []
    matches = sorted([*_DIGIT_AMOUNT_RE.finditer(text), *_WORD_AMOUNT_RE.finditer(text)], key=lambda m: m.start())
    for m in matches:
        groups = m.groupdict()
        digits, words, cur, neg = groups.get("digits"), groups.get("words"), groups.get("cur"), groups.get("neg")
        if words:
            lowered = words.lower()
            if lowered == "one" and not passage:
                continue  # "one of the", "no one": far more often a pronoun than a figure
            try:
                value = Decimal(_word_number(lowered))
            except KeyError:
                continue
            step = Decimal(1)
        else:
            try:
                value = Decimal(digits.replace(",", "").replace(" ", ""))
            except InvalidOperation:
                continue
            decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
            step = Decimal(1).scaleb(-decimals)
        scale_word = (m.group("scale") or m.group("abbr") or "").lower()
        if m.group("abbr") and len(scale_word) == 1 and not cur:
            scale_word = ""  # "5m" or "3B" without a currency sign: metres or a label, not a scale
        scale = Decimal(_SCALES.get(scale_word, 1))
        if m.group("pct"):
            end = m.end()
        elif scale_word:
            end = m.end("scale") if m.group("scale") else m.end("abbr")
        else:
            end = m.end("digits") if digits else m.end("words")
        start = m.start()
        percent, money = bool(m.group("pct")), bool(cur)
        kind = "percent" if percent else "money" if money else "number"
        # The sign is kept in the text but not compared: "-5%" and "a 5 percent decline" agree.
        quantity = Quantity(abs(value) * scale, step * scale, percent, money, scale)
        out.append(Mention(kind, start, end, text[start:end], quantity))
    return out


def _word_number(words: str) -> int:
    parts = re.split(r"[\s-]+", words.strip())
    total = 0
    for part in parts:
        if part == "hundred":
            total = max(total, 1) * 100
        else:
            total += _WORD_VALUE[part]
    return total


def _ranges(text: str, amounts: list[Mention]) -> list[Mention]:
    """Join "13-18", "13 to 18", "between 13 and 18" into one range; the rest stay single."""
    out: list[Mention] = []
    i = 0
    while i < len(amounts):
        a = amounts[i]
        b = amounts[i + 1] if i + 1 < len(amounts) else None
        if b is not None:
            gap = text[a.end:b.start]
            between = _BETWEEN_RE.search(text[max(0, a.start - 12):a.start])
            if _RANGE_GAP_RE.fullmatch(gap) or (between and re.fullmatch(r"\s+and\s+", gap)):
                lo, hi = a.value, b.value
                # "13-18 percent", "$5-10 million": the second figure's unit and scale apply to both.
                scale = hi.scale if lo.scale == 1 else Decimal(1)
                lo = Quantity(lo.value * scale, lo.step * scale, lo.percent or hi.percent, lo.money or hi.money, lo.scale * scale)
                start = a.start
                if between:
                    start = a.start - len(between.group(0))
                out.append(Mention("range", start, b.end, text[start:b.end], (lo, hi)))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _names(text: str) -> list[Mention]:
    """Capitalised multi-word names ("Office of Personnel Management") and acronyms ("NTSB")."""
    out: list[Mention] = []
    for m in _NAME_RE.finditer(text):
        start, end = m.span()
        words = list(re.finditer(r"\S+", m.group(0)))
        if _SENTENCE_OPENERS.search(text[:start]):
            # The first word of a sentence is capitalised anyway: keep the name only from its second word.
            if len(words) < 2:
                continue
            start += words[1].start()
        span = text[start:end]
        span = re.sub(r"^(?:The|A|An|In|On|At|By|For|Of)\s+", "", span)
        start = end - len(span)
        span = re.sub(r"['’]s$", "", span)
        end = start + len(span)
        parts = [w for w in span.split() if w.lower() not in _CONNECTORS]
        if len(parts) < 2 or all(p in _CALENDAR_WORDS for p in parts) or parts[0].lower() in _CONNECTORS:
            continue
        out.append(Mention("name", start, end, span, " ".join(span.split()).lower(), key=False))
    taken = [(n.start, n.end) for n in out]
    for m in _ACRONYM_RE.finditer(text):
        word = m.group(0)
        if word in _NOT_ACRONYMS or any(s <= m.start() < e for s, e in taken):
            continue
        value = word[:-1] if word.endswith("s") else word  # "OAs": the plural of "OA"
        out.append(Mention("name", m.start(), m.end(), word, value.replace(".", "").lower(), key=False))
    return out


__all__ = ["Mention", "Quantity", "WEAK_ORDINALS", "acronym_of", "extract", "quantities"]
