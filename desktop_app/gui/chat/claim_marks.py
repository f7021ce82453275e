"""Marks for an answer's checked claims (issue 16): unsupported figures get a wavy underline and
"not found in the sources"; supported ones link to the passage that states them.

The claims' spans are offsets in the answer's Markdown, which the renderer turns into HTML with
different offsets. So invisible markers (private-use characters) are put around each claim
before rendering and replaced by ``claim:i`` links afterwards; the underline styles that Qt's
HTML subset cannot express (wave, dots) are then set on the document's text fragments.
"""

from __future__ import annotations

import html
import re
from typing import Sequence

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument

from desktop_app.core.records import Claim
from desktop_app.rag.claim_notes import unsupported_reason

CLAIM_SCHEME = "claim"
_OPEN, _CLOSE, _BASE = "\ue000", "\ue001", 0xE100  # marker characters; claim i is chr(_BASE + i)
_MAX_CLAIMS = 0x1000
_MARKERS_RE = re.compile("[\ue000\ue001\ue100-\uf0ff]")
# A claim whose text holds Markdown syntax could be split by it, leaving a marker unpaired.
_MARKDOWN_SYNTAX_RE = re.compile(r"[*_`\[\]<>#|\\]")


def insert_markers(text: str, claims: Sequence[Claim]) -> str:
    """``text`` with invisible markers around each claim that can be marked safely."""
    out: list[str] = []
    pos = 0
    for i, claim in sorted(enumerate(claims[:_MAX_CLAIMS]), key=lambda item: item[1].start):
        if claim.start < pos or text[claim.start:claim.end] != claim.text or _MARKDOWN_SYNTAX_RE.search(claim.text):
            continue  # overlapping, stale (the text changed) or holding Markdown: left unmarked
        out += [text[pos:claim.start], _OPEN, chr(_BASE + i), claim.text, _CLOSE]
        pos = claim.end
    out.append(text[pos:])
    return "".join(out)


def markers_to_links(rendered: str, claims: Sequence[Claim], text_color: str, warn_color: str) -> str:
    """Replace the markers in rendered HTML by ``claim:i`` links, in the text's colour
    (``warn_color`` for unsupported claims): a figure is not a web link."""

    def link(match: re.Match) -> str:
        i = ord(match.group(1)) - _BASE
        claim = claims[i] if 0 <= i < len(claims) else None
        if claim is None:
            return ""
        color = warn_color if not claim.supported else text_color
        title = html.escape(tooltip_text(claim), quote=True)
        # The underline (wave or dots) is set afterwards by style_document: HTML cannot say it.
        return f'<a href="{CLAIM_SCHEME}:{i}" title="{title}" style="color:{color}; text-decoration:none">'

    linked = re.sub(f"{_OPEN}([\ue100-\uf0ff])", link, rendered).replace(_CLOSE, "</a>")
    return _MARKERS_RE.sub("", linked)  # a marker the renderer split off from its pair


def style_document(document: QTextDocument, claims: Sequence[Claim], warn_color: QColor, quiet_color: QColor) -> None:
    """Underline each claim link: a wave for unsupported figures, dots for supported ones."""
    cursor = QTextCursor(document)
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            href = fragment.charFormat().anchorHref()
            if href.startswith(f"{CLAIM_SCHEME}:"):
                claim = claim_at(href, claims)
                if claim is not None:
                    style = QTextCharFormat()
                    style.setFontUnderline(True)
                    if claim.supported:
                        style.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
                        style.setUnderlineColor(quiet_color)
                    else:
                        style.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                        style.setUnderlineColor(warn_color)
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                    cursor.mergeCharFormat(style)
            it += 1
        block = block.next()


def claim_at(href: str, claims: Sequence[Claim]) -> Claim | None:
    """The claim a ``claim:i`` link points at, if any."""
    scheme, _, index = href.partition(":")
    if scheme != CLAIM_SCHEME or not index.isdigit():
        return None
    i = int(index)
    return claims[i] if i < len(claims) else None


def tooltip_text(claim: Claim) -> str:
    """What hovering a marked claim says when there is no passage to show."""
    if claim.supported:
        return f"Stated in source [{claim.source}]"
    return f"'{claim.text}' is {unsupported_reason(claim)}."


__all__ = ["CLAIM_SCHEME", "claim_at", "insert_markers", "markers_to_links", "style_document",
           "tooltip_text"]
