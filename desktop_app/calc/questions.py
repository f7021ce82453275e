"""Questions that are a calculation or a unit conversion, answered exactly without a model.

A small model gets everyday arithmetic wrong often enough to matter ("99 + 101 equals 190",
"one hour is equal to 60 seconds": benchmarks/answer_quality.py), and a calculator never does.
Only a question that is nothing but a calculation is taken: every word must be understood
(a few polite openings aside), else ``calculate`` returns None and the model answers as before.

    "What is 17 times 3?"                       -> "17 × 3 = 51"
    "How many centimetres are in 2.5 metres?"   -> "2.5 metres = 250 centimetres"
    "Convert 20 degrees Celsius to Fahrenheit." -> "20 degrees Celsius = 68 degrees Fahrenheit"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from desktop_app.calc.expression import NotArithmetic, Undefined, evaluate, value
from desktop_app.calc.numbers import ARTICLES, FRACTION_WORDS, format_value, is_number, number_word_value, parse_number
from desktop_app.calc.units import UNITS, Unit, convert, find_unit

_OPENINGS = re.compile(
    r"^(?:please|ok|okay|hey|so|now|quick question|can you|could you|would you|will you|tell me|let me know|"
    r"work out|calculate|compute|evaluate|solve|convert|what is|what's|whats|what are|how much is|how much are|"
    r"what does|what do|what would|how much would|how much does|do you know)\b[\s,:]*")
_CLOSINGS = re.compile(r"[\s,]*\b(?:please|thanks|thank you|exactly|equal to|equal|equals|make|makes|come to|give|give me|"
                       r"be|for me)$")
# Between "how many X" and the quantity it is asked of: "are there in", "is", "go into", "make up".
_LINKS = {"are", "is", "there", "in", "to", "per", "make", "makes", "up", "equal", "equals", "go", "into", "fit",
          "does", "do", "it", "take", "of", "within", "inside"}
_UNSPACED_PAIR = re.compile(r"\d+[/-]\d+")
_TARGET_LINKS = ("in terms of", "expressed in", "converted to", "into", "in", "to", "as")


@dataclass(frozen=True)
class Calculation:
    """A question worked out on the device: ``answer`` is what the user reads ("17 × 3 = 51")."""

    question: str
    answer: str
    kind: str  # "arithmetic" or "conversion"


def calculate(question: str) -> Calculation | None:
    """The exact answer to a question that is only arithmetic or a unit conversion, else None."""
    text = _core(question)
    if not text or len(text) > 300:
        return None
    answer = _conversion(text)
    if answer is not None:
        return Calculation(question, answer, "conversion")
    answer = _percentage(text)
    if answer is not None:
        return Calculation(question, answer, "arithmetic")
    if _UNSPACED_PAIR.fullmatch(text):
        return None  # "9/11", "24/7", "7-11": a date, a phrase or a name as often as a sum
    try:
        node = evaluate(text)
    except Undefined as exc:
        return Calculation(question, f"This has no value: {exc}.", "arithmetic")
    except (NotArithmetic, ArithmeticError, ValueError, OverflowError):
        return None
    shown = format_value(node.value)
    if not node.exact and not shown.startswith("≈"):
        shown = "≈ " + shown
    sep = " " if shown.startswith("≈") else " = "
    return Calculation(question, f"{node.show()}{sep}{shown}", "arithmetic")


def _core(question: str) -> str:
    """The question without its openings and closings: "what's 7 times 8, please?" -> "7 times 8"."""
    text = " ".join(question.lower().split())
    text = text.rstrip(" ?.!=")
    for pattern in (_OPENINGS, _CLOSINGS):
        previous = None
        while previous != text:
            previous = text
            text = pattern.sub("", text).strip(" ,")
    return text.replace("’", "'")


# ---------------------------------------------------------------------------- percentages

_PERCENT = r"(?:percent|per cent|percentage|%)"
_SHARE = [  # (pattern, which group is the part, which the whole)
    re.compile(rf"what {_PERCENT} of (?P<whole>.+?) is (?P<part>.+)"),
    re.compile(rf"(?P<part>.+?) is what {_PERCENT} of (?P<whole>.+)"),
    re.compile(rf"(?P<part>.+?) (?:as an?|in) {_PERCENT} of (?P<whole>.+)"),
]
_CHANGE = re.compile(rf"(?:the )?{_PERCENT} (?:increase|decrease|change|difference) (?:from|between) (?P<a>.+?) (?:to|and) (?P<b>.+)")
_BY = re.compile(rf"(?P<verb>increase|raise|decrease|reduce|lower|cut) (?P<a>.+?) by (?P<p>.+?) ?{_PERCENT}")
_MORE = re.compile(rf"(?P<p>.+?) ?{_PERCENT} (?P<dir>more|less|higher|lower) than (?P<a>.+)")


def _percentage(text: str) -> str | None:
    """ "What percent of 80 is 20?", "percentage increase from 50 to 75", "increase 200 by 15%"."""
    try:
        for pattern in _SHARE:
            match = pattern.fullmatch(text)
            if match:
                part, whole = value(match.group("part")), value(match.group("whole"))
                if whole.value == 0:
                    return "This has no value: a share of zero is undefined."
                share = part.value / whole.value * 100
                return f"{part.show()} is {_percent(share)} of {whole.show()}"
        match = _CHANGE.fullmatch(text)
        if match:
            a, b = value(match.group("a")), value(match.group("b"))
            if a.value == 0:
                return "This has no value: a change from zero has no percentage."
            change = (b.value - a.value) / abs(a.value) * 100
            kind = "an increase" if change > 0 else "a decrease" if change < 0 else "no change"
            return f"From {a.show()} to {b.show()} is {kind}" + (f" of {_percent(abs(change))}" if change else "")
        match = _BY.fullmatch(text) or _MORE.fullmatch(text)
        if match:
            a, p = value(match.group("a")), value(match.group("p"))
            down = (match.groupdict().get("verb") in ("decrease", "reduce", "lower", "cut")
                    or match.groupdict().get("dir") in ("less", "lower"))
            result = a.value * (1 + (-p.value if down else p.value) / 100)
            return f"{a.show()} {'−' if down else '+'} {p.show()}% = {format_value(result)}"
    except (NotArithmetic, ArithmeticError, ValueError):
        return None
    return None


def _percent(share: Fraction) -> str:
    shown = format_value(share, max_decimals=2)
    return f"{shown}%" if not shown.startswith("≈") else f"about {shown[2:]}%"


# ---------------------------------------------------------------------------- conversions


def _conversion(text: str) -> str | None:
    words = re.findall(r"[a-z°]+(?:/[a-z]+)?|\d[\d,]*(?:\.\d+)?|\.\d+|/\d+", text.replace("°", " °").replace("° ", "°"))
    if words[:2] in (["how", "many"], ["how", "much"]):
        found = find_unit(words[2:], after_number=False)
        if found is None:
            return None
        target, used = found
        rest = words[2 + used:]
        while rest and rest[0] in _LINKS:
            rest = rest[1:]
        quantity = _quantity(rest)
        if quantity is None:
            return None
        return _answer(quantity, target)
    for link in _TARGET_LINKS:
        link_words = link.split()
        for i in range(len(words) - len(link_words), 0, -1):
            if words[i:i + len(link_words)] != link_words:
                continue
            quantity = _quantity(words[:i])
            tail = words[i + len(link_words):]
            # The whole tail must be the unit, so an abbreviation is safe here too ("to mb").
            found = find_unit(tail, after_number=True) if tail else None
            if quantity is not None and found is not None and found[1] == len(tail):
                return _answer(quantity, found[0])
    # "5 km is how many metres", "5 km equals how many metres"
    match = re.fullmatch(r"(.+?) (?:is|are|equals|equal to|=|makes) how many (.+)", " ".join(words))
    if match:
        quantity = _quantity(match.group(1).split())
        tail = match.group(2).split()
        found = find_unit(tail, after_number=False)
        if quantity is not None and found is not None and found[1] == len(tail):
            return _answer(quantity, found[0])
    return None


@dataclass(frozen=True)
class _Quantity:
    parts: tuple[tuple[Fraction, Unit, str], ...]  # (amount, unit, amount as written)

    @property
    def dimension(self) -> str:
        return self.parts[0][1].dimension

    def shown(self) -> str:
        return " ".join(f"{text} {unit.name(amount, text)}" for amount, unit, text in self.parts)


def _quantity(words: list[str]) -> _Quantity | None:
    """ "5 kilometres", "a foot", "a quarter of a kilogram", "2 hours and 30 minutes" -> their parts."""
    parts = []
    while words:
        read = _amount(words)
        if read is None:
            return None
        amount, text, used = read
        found = find_unit(words[used:], after_number=True)
        if found is None:
            return None
        unit, size = found
        parts.append((amount, unit, text))
        words = words[used + size:]
        if words and words[0] in ("and", ","):
            words = words[1:]
            if not words:
                return None
    if not parts or len({unit.dimension for _, unit, _ in parts}) != 1:
        return None
    if len(parts) > 1 and parts[0][1].dimension == "temperature":
        return None
    return _Quantity(tuple(parts))


def _amount(words: list[str]) -> tuple[Fraction, str, int] | None:
    first = words[0]
    if first in ("half", "quarter", "third") or (first in ARTICLES + ("one",) and len(words) > 1
                                                  and words[1] in FRACTION_WORDS):
        # "half a mile", "a quarter of a kilogram", "one third of a metre"
        at = 0 if first in FRACTION_WORDS else 1
        value = FRACTION_WORDS[words[at]]
        at += 1
        if at < len(words) and words[at] == "of":
            at += 1
        if at < len(words) and words[at] in ARTICLES:
            at += 1
        return value, f"{value.numerator}/{value.denominator}", at
    if first in ARTICLES or first == "per":
        return Fraction(1), "1", 1
    if is_number(first):
        value = parse_number(first)
        if len(words) > 1 and re.fullmatch(r"/\d+", words[1]):  # "1/4 kg"
            value /= int(words[1][1:])
            return value, f"{first}{words[1]}", 2
        return value, first, 1
    read = number_word_value(words)
    if read is not None:
        value, used = read
        return value, f"{value.numerator:,}", used
    return None


def _answer(quantity: _Quantity, target: Unit) -> str | None:
    if quantity.dimension != target.dimension:
        return None
    if len(quantity.parts) == 1 and quantity.parts[0][1] == target:
        return None  # "how many metres in 5 metres" is no conversion
    value = sum((convert(amount, unit, target) for amount, unit, _ in quantity.parts), Fraction(0))
    shown = format_value(value)
    sep = " " if shown.startswith("≈") else " = "
    name = target.plural if shown.startswith("≈") or value != 1 else target.singular
    answer = f"{quantity.shown()}{sep}{shown} {name}"
    units = {target, *(u for _, u, _ in quantity.parts)}
    # Months and years are approximate only against days, hours...: 5 years are 60 months exactly.
    calendar = all(u.singular in _CALENDAR for u in units)
    notes = [unit.note for unit in units if unit.note and not (calendar and unit.singular in _CALENDAR)]
    binary = _binary_note(quantity, target)
    if binary:
        notes.append(binary)
    return answer + (f" ({'; '.join(sorted(notes))})" if notes else "")


_CALENDAR = {"month", "year", "decade", "century"}
_BINARY = {"byte": "byte", "kilobyte": "kibibyte", "megabyte": "mebibyte", "gigabyte": "gibibyte", "terabyte": "tebibyte"}


def _binary_note(quantity: _Quantity, target: Unit) -> str:
    """Storage sizes: an operating system may count a gigabyte as 1,024 megabytes (a gibibyte)."""
    if len(quantity.parts) != 1:
        return ""
    amount, source, text = quantity.parts[0]
    if source.singular not in _BINARY or target.singular not in _BINARY or source == target:
        return ""
    binary_source, binary_target = UNITS[_BINARY[source.singular]], UNITS[_BINARY[target.singular]]
    value = convert(amount, binary_source, binary_target)
    return (f"in binary units, {text} {binary_source.name(amount)} = {format_value(value)} "
            f"{binary_target.name(value)}")
