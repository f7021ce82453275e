"""Redaction of personal data before anything leaves the device, and its reversal in answers.

``Redactor`` replaces e-mails, phone numbers, card numbers, IBANs and national ID numbers with
placeholders like ``[EMAIL_1]``; one Redactor per conversation keeps them consistent (the same
address is always ``[EMAIL_1]``). ``restore`` maps placeholders back in the model's answer, also
when the model reformats them a little (``EMAIL_1``, ``[email 1]``, ``EMAIL\\_1``, ``<PHONE_2>``).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Mapping

from desktop_app.routing.redaction_patterns import DETECTORS, normalise


class Redactor:
    """Replaces personal data with numbered placeholders; remembers them for ``restore``."""

    def __init__(self) -> None:
        self._placeholder_of: dict[tuple[str, str], str] = {}
        self.mapping: dict[str, str] = {}  # placeholder -> original text
        self._counters: Counter[str] = Counter()

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, kind) spans; earlier detectors win overlaps."""
        taken: list[tuple[int, int, str]] = []
        for det in DETECTORS:
            for m in det.pattern.finditer(text):
                start, end = m.span(det.group)
                if start == end or any(start < e and s < end for s, e, _ in taken):
                    continue
                if det.valid(text[start:end], start, text):
                    taken.append((start, end, det.kind))
        return sorted(taken)

    def redact(self, text: str) -> str:
        """Return ``text`` with personal data replaced by placeholders."""
        out: list[str] = []
        pos = 0
        for start, end, kind in self.find(text):
            out.append(text[pos:start])
            out.append(self._placeholder(kind, text[start:end]))
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, normalise(kind, value))
        if key not in self._placeholder_of:
            self._counters[kind] += 1
            placeholder = f"[{kind}_{self._counters[kind]}]"
            self._placeholder_of[key] = placeholder
            self.mapping[placeholder] = value
        return self._placeholder_of[key]

    def counts(self) -> dict[str, int]:
        """How many distinct values of each kind were redacted."""
        return kind_counts(self.mapping)


def kind_counts(mapping: Mapping[str, str]) -> dict[str, int]:
    """How many placeholders of each kind a placeholder -> original mapping holds."""
    return dict(Counter(placeholder.strip("[]").rsplit("_", 1)[0] for placeholder in mapping))


def redact(text: str) -> tuple[str, dict[str, str]]:
    """Redact one text; returns the redacted text and placeholder -> original."""
    r = Redactor()
    return r.redact(text), r.mapping


_KIND = r"EMAIL|PHONE|CARD|IBAN|NATIONAL(?:\\?[_ -])?ID"


def _key(i: int, strict: bool = False) -> str:
    # Python forbids a group name twice, so each alternative numbers its groups. Without
    # brackets only KIND_N (or KIND\_N) counts, so "in email 1 you asked" is left alone.
    sep = r"\\?_" if strict else r"\s?\\?[_\- ]?\s?"
    return rf"(?P<kind{i}>{_KIND}){sep}(?P<n{i}>\d{{1,4}})"


_PLACEHOLDER = re.compile(
    rf"\\?\[\\?\[?\s*{_key(1)}\s*\\?\]\\?\]?"  # [EMAIL_1], [[EMAIL_1]], \[EMAIL\_1\], [ email 1 ]
    rf"|<\s*{_key(2)}\s*>"  # <EMAIL_1>
    rf"|\{{\{{?\s*{_key(3)}\s*\}}\}}?"  # {EMAIL_1}
    rf"|(?<![\w\[<{{])(?:{_key(4, strict=True)})(?![\w\]>}}])",  # EMAIL_1 without brackets
    re.IGNORECASE,
)


def restore(text: str, mapping: dict[str, str]) -> str:
    """Map placeholders in ``text`` back to the originals; unknown placeholders are left alone."""
    if not mapping:
        return text

    def sub(m: re.Match[str]) -> str:
        i = next(i for i in (1, 2, 3, 4) if m.group(f"kind{i}"))
        kind = re.sub(r"[^A-Z]", "", m.group(f"kind{i}").upper())
        kind = "NATIONAL_ID" if kind == "NATIONALID" else kind
        original = mapping.get(f"[{kind}_{int(m.group(f'n{i}'))}]")
        return m.group(0) if original is None else original

    return _PLACEHOLDER.sub(sub, text)


class StreamingRestorer:
    """Restores placeholders in a streamed answer, holding back text that may be half a placeholder."""

    MAX_HOLD = 48

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping
        self._buffer = ""

    def feed(self, piece: str) -> str:
        """Add a streamed piece; return the text that is safe to show now."""
        self._buffer += piece
        if not self.mapping:
            out, self._buffer = self._buffer, ""
            return out
        cut = self._safe_cut(self._buffer)
        out, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return restore(out, self.mapping)

    def flush(self) -> str:
        """The held-back rest, at the end of the stream."""
        out, self._buffer = self._buffer, ""
        return restore(out, self.mapping)

    def _safe_cut(self, buf: str) -> int:
        # Placeholders never contain a line break, and only bracketed ones contain a space,
        # so everything before the last whitespace outside an open bracket is complete.
        cut = max(buf.rfind(" "), buf.rfind("\n"), buf.rfind("\t"))
        cut = cut + 1 if cut >= 0 else 0
        opener = max(buf.rfind("[", 0, cut), buf.rfind("<", 0, cut), buf.rfind("{", 0, cut))
        closer = max(buf.rfind("]", 0, cut), buf.rfind(">", 0, cut), buf.rfind("}", 0, cut))
        if opener > closer and cut - opener <= self.MAX_HOLD:
            cut = opener
        if len(buf) - cut > self.MAX_HOLD:
            cut = len(buf) - self.MAX_HOLD  # a long run without spaces cannot be one placeholder
        return cut
