"""Numbers as people write them in a question, read exactly, and results written back for reading.

Values are ``fractions.Fraction`` throughout: "0.1 plus 0.2" is 0.3, not 0.30000000000000004,
and a unit factor such as 0.3048 m per foot stays exact until the answer is written.
"""

from __future__ import annotations

import re
from fractions import Fraction

# "1,200", "4,500.75", "12", "3.5", ".5": thousands commas only in groups of three, so a list
# "45, 55 and 100" is three numbers, not 4,555.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_NUMBER_RE = re.compile(NUMBER)

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
# Words that stand for a number on their own ("a quarter of a kilogram", "half a mile").
FRACTION_WORDS = {"half": Fraction(1, 2), "third": Fraction(1, 3), "quarter": Fraction(1, 4)}
ARTICLES = ("a", "an")


def number_word_value(words: list[str]) -> tuple[Fraction, int] | None:
    """The value of the number words at the start of ``words`` and how many words it took.

    "twenty five thousand" -> 25000 (3 words); "a hundred" -> 100; "one" -> 1. None when the first
    word is no number word. Hyphens ("twenty-five") are split before this is called.
    """
    total, current, used = 0, 0, 0
    seen = False
    i = 0
    if len(words) > 1 and words[0] in ARTICLES and words[1] in _SCALES:
        current, i, seen = 1, 1, True  # "a hundred", "a thousand"
    while i < len(words):
        word = words[i]
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred" and seen:
            current *= 100
        elif word in _SCALES and seen:
            total += current * _SCALES[word]
            current = 0
        elif word == "and" and seen and i + 1 < len(words) and (words[i + 1] in _ONES or words[i + 1] in _TENS):
            pass  # "one hundred and five"
        else:
            break
        seen = True
        i += 1
        used = i
    if not seen:
        return None
    return Fraction(total + current), used


def parse_number(text: str) -> Fraction:
    """A number written in digits ("1,200", "3.5") as an exact Fraction."""
    return Fraction(text.replace(",", ""))


def is_number(text: str) -> bool:
    return bool(_NUMBER_RE.fullmatch(text))


def format_value(value: Fraction, max_decimals: int = 6) -> str:
    """A result for reading: "5,000", "12.5", "8.04672"; "≈ 0.333333" when it does not end.

    Exact when the decimal ends within ``max_decimals`` places; otherwise rounded to that many
    places (or to 6 significant digits for small values) and marked with "≈".
    """
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value.denominator == 1:
        return f"{sign}{value.numerator:,}"
    scaled = value * 10**max_decimals
    if scaled.denominator == 1:
        return sign + _decimal_text(value, max_decimals)
    if value < 1:
        # Keep six significant digits of a small value ("0.000123457"), not six places.
        places = max_decimals
        while value * 10**places < 10**5 and places < 30:
            places += 1
        return f"≈ {sign}{_decimal_text(round(value, places), places)}"
    return f"≈ {sign}{_decimal_text(round(value, max_decimals), max_decimals)}"


def _decimal_text(value: Fraction, places: int) -> str:
    whole, rest = divmod(round(Fraction(value) * 10**places), 10**places)
    digits = f"{rest:0{places}d}".rstrip("0")
    return f"{whole:,}" + (f".{digits}" if digits else "")
