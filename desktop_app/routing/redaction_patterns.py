"""Detectors of personal data: a pattern to find candidates and a validator to reject look-alikes.

Kinds (the placeholder names): EMAIL, PHONE, CARD, IBAN and NATIONAL_ID. National ID-style
numbers covered: US Social Security numbers (with separators, or after "SSN"), UK National
Insurance numbers, French NIR (INSEE, with its key), Spanish DNI/NIE (check letter) and Italian
codice fiscale. Checksums (Luhn, mod 97, check letters) and context rules keep dates, amounts,
years, page ranges, invoice numbers and version strings out (see tests/unit/test_redaction.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

Validator = Callable[[str, int, str], bool]  # (candidate, its start, whole text)


@dataclass(frozen=True)
class Detector:
    """One kind of personal data: candidates from ``pattern``, kept if ``valid`` says so."""

    kind: str
    pattern: re.Pattern[str]
    valid: Validator = lambda value, start, text: True
    group: int = 0  # the group to redact (a keyword in front is kept)


def digits(s: str) -> str:
    return re.sub(r"\D", "", s)


# ---------------------------------------------------------------- checksums


def luhn_ok(number: str) -> bool:
    """The Luhn check of payment cards."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Issuer prefixes of the major card networks; a Luhn-valid number outside them is more
# likely an order or tracking number than a card.
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|3(?:0[0-5]|[68])|6(?:011|5|4[4-9]|2)|35)")


# How cards are printed: 4-4-4-4 (most), 4-6-5 (Amex), 4-6-4 (Diners), 4-4-4-4-3 (19 digits).
_CARD_LAYOUTS = {(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 3), (4, 4, 5), (4, 4, 4, 1)}


def card_ok(raw: str, start: int, text: str) -> bool:
    num = digits(raw)
    if not 13 <= len(num) <= 19 or not _CARD_PREFIX.match(num) or not luhn_ok(num):
        return False
    if not re.search(r"[ -]", raw):
        return True
    groups = tuple(len(g) for g in re.split(r"[ -]", raw))
    return len(set(re.findall(r"[ -]", raw))) == 1 and groups in _CARD_LAYOUTS


# IBAN lengths per country (ISO 13616 registry, the countries users are most likely to meet).
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "AE": 23, "SA": 24, "IL": 23,
    "BR": 29, "QA": 29, "UA": 29, "RS": 22, "MU": 30, "TN": 24, "KW": 30, "JO": 30, "LB": 28, "BH": 22,
}


def iban_ok(raw: str, start: int, text: str) -> bool:
    iban = re.sub(r"[\s-]", "", raw).upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


def ssn_ok(raw: str, start: int, text: str) -> bool:
    num = digits(raw)
    area, group, serial = num[:3], num[3:5], num[5:]
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def nir_ok(raw: str, start: int, text: str) -> bool:
    raw = re.sub(r"\s", "", raw).upper()
    body, key = raw[:13], raw[13:]
    body = body.replace("2A", "19").replace("2B", "18")  # Corsica, as the key is computed
    return body.isdigit() and key.isdigit() and 97 - int(body) % 97 == int(key)


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_ok(raw: str, start: int, text: str) -> bool:
    raw = re.sub(r"[\s-]", "", raw).upper()
    body, letter = raw[:-1], raw[-1]
    body = body.replace("X", "0", 1).replace("Y", "1", 1).replace("Z", "2", 1) if body[0] in "XYZ" else body
    return body.isdigit() and _DNI_LETTERS[int(body) % 23] == letter


# ---------------------------------------------------------------- phones

_PHONE_WORDS = re.compile(r"(?i)\b(?:tel|phone|telephone|mobile|mob|cell|fax|call|ring|whatsapp|text me|reach me|contact)\b\W{0,4}$")
# Words that make a number a reference, not a phone: "Invoice 0123 4567 89", "p. 012-013"...
_NOT_PHONE_WORDS = re.compile(
    r"(?i)(?:\b(?:invoice|inv|order|ref|reference|account|acct|po|case|ticket|ticket no|serial|sku|item|part|"
    r"page|pages|pp|p|isbn|version|v|build|id|no|number|nr|tracking)\.?|#|\bn°)\s*[:#]?\s*$"
)


def phone_ok(raw: str, start: int, text: str) -> bool:
    num = digits(raw)
    before = text[max(0, start - 24): start]
    keyword = bool(_PHONE_WORDS.search(before))
    if _NOT_PHONE_WORDS.search(before) and not keyword:
        return False
    if re.search(r"\d[ .\-/]?$", before):
        return False  # the tail of a longer number (an account, a bad IBAN), not a phone
    if raw.startswith("+") or raw.startswith("00"):
        return 8 <= len(num) <= 15
    if keyword:
        return 7 <= len(num) <= 15  # "Phone: 555-0199": the word says what it is
    if not re.search(r"[\s\-./()]", raw.strip()):
        return False  # an unseparated run of digits is a phone only next to a phone word
    if raw.lstrip("(").startswith("0"):
        return 9 <= len(num) <= 12
    return 10 <= len(num) <= 11  # North American numbers (area code 2-9 checked by the pattern)


_SEP = r"[ .\-/]"
PHONE_INTERNATIONAL = re.compile(
    rf"(?<![\w+@])(?:\+|\b00{_SEP}?)[1-9]\d{{0,2}}(?:{_SEP}?\(0\))?(?:{_SEP}?\(?\d{{1,5}}\)?){{1,6}}(?![\w@]|[.,]\d)"
)
PHONE_NANP = re.compile(
    rf"(?<![\w+.\-/@])(?:1[ .\-])?(?:\([2-9]\d{{2}}\)\s?|[2-9]\d{{2}}[ .\-])\d{{3}}[ .\-]\d{{4}}(?![\w@]|[.,\-/]\d)"
)
PHONE_TRUNK = re.compile(
    rf"(?<![\w.,/+\-@])(?:\(0\d{{1,4}}\)|0\d{{1,4}})(?:{_SEP}?\d{{2,8}}){{1,4}}(?![\w@]|[.,:\-/]\d)"
)
PHONE_AFTER_WORD = re.compile(
    r"(?i)\b(?:tel|fax|phone|mobile|cell)\b\.?\s*[:#]?\s*(\(?\d[\d ()\-]{6,16}\d)(?![\w@]|[.,]\d)"
)

DETECTORS: tuple[Detector, ...] = (
    Detector(
        "EMAIL",
        re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"),
    ),
    Detector("IBAN", re.compile(r"(?i)(?<![\w-])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![\w-])"), iban_ok),
    Detector("CARD", re.compile(r"(?<![\w\-.,+])\d(?:[ -]?\d){12,18}(?![\w\-]|[.,]\d)"), card_ok),
    Detector("NATIONAL_ID", re.compile(r"(?<![\w\-/.])\d{3}([- ])\d{2}\1\d{4}(?![\w\-/]|[.,]\d)"), ssn_ok),
    Detector("NATIONAL_ID", re.compile(r"(?i)\b(?:ssn|social security (?:number|no\.?))\W{0,3}(\d{9})\b"), ssn_ok, group=1),
    Detector(
        "NATIONAL_ID",
        re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
    ),
    Detector(
        "NATIONAL_ID",
        re.compile(r"(?<![\w.])[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w.])"),
        nir_ok,
    ),
    Detector("NATIONAL_ID", re.compile(r"(?i)(?<![\w-])(?:\d{8}|[XYZ]-?\d{7})-?[A-Z](?![\w-])"), dni_ok),
    Detector("NATIONAL_ID", re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b")),
    Detector("PHONE", PHONE_INTERNATIONAL, phone_ok),
    Detector("PHONE", PHONE_NANP, phone_ok),
    Detector("PHONE", PHONE_TRUNK, phone_ok),
    Detector("PHONE", PHONE_AFTER_WORD, phone_ok, group=1),
)


def normalise(kind: str, value: str) -> str:
    """The identity of a value, so the same e-mail or number always gets the same placeholder."""
    if kind == "EMAIL":
        return value.lower()
    if kind in ("PHONE", "CARD"):
        return digits(value)
    return re.sub(r"[\s-]", "", value).upper()
