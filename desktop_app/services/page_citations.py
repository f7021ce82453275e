"""Page citations in whole-document results: read "(p. 4)" from a model's points, check each point
against the pages' own text, and map the cited pages to Citation records the window shows.

Why check: the bundled model is small; it drops, invents or shifts page numbers, and now and
then writes a fact the text does not hold. A point is kept only if the document's words and
figures support it, and it cites the page that supports it best (the model's page when that one
supports it about as well).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from desktop_app.core.records import Citation

_PAGE_REF = re.compile(
    r"\s*[\(\[]\s*(?:([AB])\s*[,:]?\s*)?(?:pp?\.?|pages?)\s*(\d+(?:\s*(?:[-–,;]|and)\s*(?:p\.?\s*)?\d+)*)\s*[\)\]]",
    re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_STOP = frozenset(
    "the and for are was were has have had with this that from into its their they them than then also "
    "which who whom what when where will would shall should can could may might not but all any each per "
    "been being our out over under about after before during document text page pages fact facts note "
    "notes summary point points key main important".split())
KEEP_SUPPORT = 0.5  # share of a point's content words its best page must hold
SAME_SUPPORT = 0.8  # the model's own page is kept when it holds this share of the best page's support
CITATION_CHARS = 600  # text of a cited page shown in the citation popup


@dataclass(frozen=True)
class Point:
    """One point of a result: its text without page references, the pages that support it, and
    its document (``label`` "A"/"B" in a comparison, "" otherwise)."""

    text: str
    pages: tuple[int, ...]
    source: str
    label: str = ""


def bullet_lines(reply: str) -> list[str]:
    """The points of a model's reply: its bullet or numbered lines, else its sentences.

    "NONE" lines and headings (a line ending in ':') are left out.
    """
    lines = [ln.strip() for ln in reply.splitlines() if ln.strip()]
    bullets = [_BULLET.sub("", ln) for ln in lines if _BULLET.match(ln)]
    if not bullets:
        bullets = [s for ln in lines for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", ln)]
    out = []
    for line in bullets:
        line = line.replace("**", "").strip()
        if not line or line.endswith(":") or line.strip(" .").upper() in ("NONE", "N/A"):
            continue
        out.append(line)
    return out


def cited(line: str) -> tuple[str, list[tuple[str, int]]]:
    """``line`` without its page references, and the (label, page) pairs they named."""
    refs: list[tuple[str, int]] = []
    for m in _PAGE_REF.finditer(line):
        label = (m.group(1) or "").upper()
        numbers = [int(n) for n in re.findall(r"\d+", m.group(2))]
        if re.search(r"\d\s*[-–]\s*\d", m.group(2)) and len(numbers) == 2 and 0 <= numbers[1] - numbers[0] <= 20:
            numbers = list(range(numbers[0], numbers[1] + 1))
        refs.extend((label, n) for n in numbers)
    text = _PAGE_REF.sub("", line).strip()
    return text.rstrip(" ,;") if text else text, refs


def content_words(text: str) -> set[str]:
    return {w.strip("'-") for w in _WORD.findall(text.lower())} - _STOP


def figures(text: str) -> set[str]:
    """The figures in ``text``, without thousands separators ("2,000" and "2000" are one figure)."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def support(point: str, page_text: str) -> float:
    """Share of the point's content words found on the page; 0 when a figure of the point is not there."""
    page_figures = figures(page_text)
    if any(f not in page_figures for f in figures(point)):
        return 0.0
    words = content_words(point)
    if not words:
        return 1.0 if figures(point) else 0.0
    page_words = content_words(page_text)
    return len(words & page_words) / len(words)


_PAGE_NUMBER_LINE = re.compile(r"(?:page\s*)?\d+\s*(?:of|/)\s*\d+|page\s+\d+", re.IGNORECASE)
_LINK = re.compile(r"https?://|www\.|\b[\w.+-]+@[\w-]+\.\w", re.IGNORECASE)


def is_boilerplate(text: str) -> bool:
    """A line a reader gains nothing from, which the small model copies from page furniture: a page
    number ("Page 1 of 3"), a run of empty form labels ("Certificate: Age: Seat Occupied: ..."), or
    contact details (a web or mail address)."""
    bare = text.strip(" .")
    return bool(_PAGE_NUMBER_LINE.fullmatch(bare)) or bare.count(":") >= 3 or bool(_LINK.search(bare))


def ground(line: str, pages: Mapping[int, str], source: str, label: str = "",
           keep: float = KEEP_SUPPORT) -> Point | None:
    """The point a line states, citing the page(s) that support it; None when no page supports it.

    Args:
        line: one point as the model wrote it, page references included.
        pages: page number -> that page's text (one document).
        keep: the least support (``support``) a point needs to be kept.
    """
    text, refs = cited(line)
    if len(text.split()) < 3 or not pages or is_boilerplate(text):
        return None
    scores = {page: support(text, body) for page, body in pages.items()}
    best_page = max(scores, key=lambda p: (scores[p], -p))
    best = scores[best_page]
    if best < keep:
        # A point may join two neighbouring pages: score their text together once.
        joined = [(p, support(text, pages[p] + "\n" + pages[p + 1])) for p in pages if p + 1 in pages]
        if not joined:
            return None
        page, score = max(joined, key=lambda item: item[1])
        return Point(text, (page, page + 1), source, label) if score >= keep else None
    own = tuple(dict.fromkeys(p for lab, p in refs if lab in ("", label) and scores.get(p, 0.0) >= SAME_SUPPORT * best))
    return Point(text, own or (best_page,), source, label)


def page_ref(pages: Sequence[int], label: str = "") -> str:
    """ "(p. 4)", "(pp. 4, 6)" or, in a comparison, "(A p. 4)"."""
    prefix = f"{label} " if label else ""
    if len(pages) == 1:
        return f"({prefix}p. {pages[0]})"
    return f"({prefix}pp. {', '.join(map(str, pages))})"


def render(points: Sequence[Point], labelled: bool = False) -> str:
    """One "- point (p. N)" line per point."""
    lines = []
    for p in points:
        text = p.text.rstrip()
        if not text.endswith((".", "!", "?")):
            text += "."
        lines.append(f"- {text[:-1]} {page_ref(p.pages, p.label if labelled else '')}.")
    return "\n".join(lines)


def unique(points: Sequence[Point]) -> list[Point]:
    """``points`` without repeats (the same words, told apart only by case, spacing or punctuation)."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for p in points:
        key = tuple(re.findall(r"\w+", p.text.lower()))
        if key and key not in seen:
            seen.add(key)
            out.append(p)
    return out


def citations(points: Sequence[Point], page_texts: Mapping[str, Mapping[int, str]]) -> list[Citation]:
    """One Citation per cited (document, page), numbered in the order the result first cites them.

    Args:
        page_texts: document path -> page -> that page's text (shown, shortened, in the popup).
    """
    order: list[tuple[str, int]] = []
    for p in points:
        for page in p.pages:
            if (p.source, page) not in order:
                order.append((p.source, page))
    out = []
    for number, (source, page) in enumerate(order, start=1):
        text = page_texts.get(source, {}).get(page, "")
        out.append(Citation(number, source, page, text[:CITATION_CHARS]))
    return out
