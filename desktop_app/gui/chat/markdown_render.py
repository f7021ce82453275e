"""Markdown -> the HTML subset QTextBrowser shows, with citations as ``cite:N`` links.

The model's text is untrusted: raw HTML is never passed through (markdown-it's ``html``
option is off, so ``<script>`` arrives as escaped text), and only ``http(s)``, ``mailto`` and
our own ``cite:`` links are kept.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Iterable

from desktop_app.core.math_text import readable_math

# "[2]", and the lists a model writes now and then: "[1, 3]", "[1; 2]".
CITE_RE = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
SAFE_LINK = re.compile(r"^(https?:|mailto:|cite:)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _parser():
    # Imported on first render, not at window start-up.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.validateLink = lambda url: bool(SAFE_LINK.match(url.strip()))
    return md


TABLE_TAG = '<table border="1" cellspacing="0" cellpadding="4" style="border-collapse: collapse; margin: 4px 0;">'


def warm_up() -> None:
    """Import and build the parser ahead of the first answer (called on a worker after start-up)."""
    _parser().render("**warm** `up`")


def render_markdown(text: str, citation_numbers: Iterable[int] = (), code_style: str = "") -> str:
    """Render ``text`` as HTML; ``[n]`` for a known citation number becomes a ``cite:n`` link."""
    md = _parser()
    numbers = {int(n) for n in citation_numbers}
    text = readable_math(text or "")  # LaTeX a model wrote anyway, as Unicode (math_text)
    tokens = _keep_visible(md.parse(text), text)
    if numbers:
        for token in tokens:
            if token.type == "inline" and token.children:
                token.children = _link_citations(token.children, numbers)
    out = md.renderer.render(tokens, md.options, {})
    if code_style:
        out = out.replace("<pre>", f'<pre style="{code_style}">')
    # QTextBrowser draws tables without borders unless the tag asks for them.
    return out.replace("<table>", TABLE_TAG)


# Blocks that Markdown may open without any text inside: "15." (an ordered list starting at
# 15), "-" (a bullet), "#" (a heading), ">" (a quote). A model that answers "2024." means the
# number, and an empty block renders as an empty bubble.
_CONTAINERS = {"bullet_list_open", "ordered_list_open", "heading_open", "blockquote_open"}


def _keep_visible(tokens: list, source: str) -> list:
    """Show as plain text every block that would render without visible text, and the whole
    answer when nothing in it would be visible ("***", an empty code fence)."""
    if not source.strip():
        return tokens
    lines = source.splitlines()
    if not any(_visible(t) for t in tokens):
        return _literal(lines, (0, len(lines)), 0)
    out, i = [], 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type in _CONTAINERS and tok.map:
            end = _closing(tokens, i)
            if not any(_visible(t) for t in tokens[i:end + 1]):
                out.extend(_literal(lines, tok.map, tok.level))
                i = end + 1
                continue
        out.append(tok)
        i += 1
    return out


def _visible(token) -> bool:
    return token.type in ("inline", "fence", "code_block") and bool(token.content.strip())


def _closing(tokens: list, start: int) -> int:
    """The index of the token that closes ``tokens[start]``."""
    depth = 0
    for j in range(start, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _literal(lines: list[str], span, level: int) -> list:
    """A paragraph holding the source lines ``span`` as text (one line break per line)."""
    from markdown_it.token import Token

    shown = [line.strip() for line in lines[span[0]:span[1]] if line.strip()]
    children = []
    for n, line in enumerate(shown):
        if n:
            children.append(Token("hardbreak", "br", 0))
        children.append(_text(Token, line))
    inline = Token("inline", "", 0, content="\n".join(shown), children=children, level=level + 1)
    return [Token("paragraph_open", "p", 1, level=level, block=True), inline,
            Token("paragraph_close", "p", -1, level=level, block=True)]


def _link_citations(children, numbers: set[int]):
    """Split text tokens around ``[n]`` into ``<a href="cite:n">`` tokens (code spans untouched)."""
    from markdown_it.token import Token

    out = []
    for tok in children:
        if tok.type != "text" or "[" not in tok.content:
            out.append(tok)
            continue
        pos = 0
        for match in CITE_RE.finditer(tok.content):
            cited = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
            if not all(n in numbers for n in cited):
                continue  # "[2024]" or a number that is no source: text, as written
            if match.start() > pos:
                out.append(_text(Token, tok.content[pos:match.start()]))
            link = Token("html_inline", "", 0)
            # A list becomes one link per source ("[1][3]"): each opens its own passage.
            link.content = "".join(f'<a href="cite:{n}">[{n}]</a>' for n in cited)
            out.append(link)
            pos = match.end()
        if pos < len(tok.content):
            out.append(_text(Token, tok.content[pos:]))
    return out


def _text(token_cls, content: str):
    tok = token_cls("text", "", 0)
    tok.content = content
    return tok


def plain_to_html(text: str) -> str:
    """Escape plain text (user questions) for QTextBrowser, keeping line breaks."""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
