"""Split a page's text into chunks that fit the embedder's window, never across pages.

Units are sentences of prose and whole rows of tables (a line with several figures or wide
gaps). Units are packed greedily up to ``target_tokens`` word pieces, measured with the
embedder's own tokenizer (all-MiniLM-L6-v2 silently truncates past 256 pieces), and each new
chunk starts with the last ~``overlap_tokens`` of the previous one so that an answer straddling a
boundary is still found whole. A table that fits in one chunk is not split; a longer one is cut
between rows and its header row is repeated at the top of the continuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

CountTokens = Callable[[Sequence[str]], list[int]]

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[\"'(\[]?[A-Z0-9•\-–])")
_NUMBER = re.compile(r"[\(\-–$€£]?\d[\d,.]*%?\)?")
_COLUMN_GAP = re.compile(r" {3,}|\t")
_BULLET = re.compile(r"^\s*(?:[•▪◦\-–*]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


@dataclass(frozen=True)
class Chunk:
    page: int
    index: int  # position within the page
    text: str
    tokens: int


@dataclass(frozen=True)
class _Unit:
    text: str
    tokens: int
    table: int  # 0 for prose; otherwise the id of the table block the row belongs to
    header: bool = False


def estimate_tokens(texts: Sequence[str]) -> list[int]:
    """A conservative word-piece estimate for fakes: ~1.5 pieces per word, 1 per symbol."""
    out = []
    for text in texts:
        words = re.findall(r"\w+|[^\w\s]", text)
        out.append(sum(1 if len(w) <= 4 or not w.isalnum() else 1 + len(w) // 4 for w in words))
    return out


def is_table_row(line: str) -> bool:
    """True for lines that look like a table row: several figures, or columns set apart.

    Columns are runs of text separated by 3+ spaces (layout extraction keeps them apart). A
    line where every "column" is a single word is justified prose spaced out, not a table.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > 300:
        return False
    named = stripped.split(" | ")
    if len(named) >= 2 and any(": " in c for c in named):
        # A row written "Header: value | Header: value" (sheets, Word and web tables; see
        # sections.table_lines): kept whole, on its own line, under its header row.
        return True
    cells = [c for c in _COLUMN_GAP.split(stripped) if c]
    if len(cells) >= 2 and not (len(cells) >= 6 and all(" " not in c for c in cells)):
        if any(_NUMBER.search(c) for c in cells[1:]) or len(cells) >= 3:
            return True
        if all(len(c) <= 40 for c in cells):
            return True
    words = stripped.split()
    numbers = len(_NUMBER.findall(stripped))
    return numbers >= 2 and numbers * 2 >= len(words) - 1 and not stripped.endswith(".")


class Chunker:
    """Chunks page text by sentences and table rows within a token budget.

    Args:
        count_tokens: the embedder's tokenizer (word pieces per text, without special tokens).
        max_tokens: the hard limit (the embedder's window minus its two special tokens).
        target_tokens: the size chunks aim for (kept below max to leave room for overlap).
        overlap_tokens: how much of the previous chunk each chunk repeats.
    """

    def __init__(self, count_tokens: CountTokens = estimate_tokens, max_tokens: int = 254,
                 target_tokens: int = 200, overlap_tokens: int = 40) -> None:
        if not 0 <= overlap_tokens < target_tokens <= max_tokens:
            raise ValueError("need 0 <= overlap < target <= max tokens")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.target_tokens = target_tokens
        self.overlap_tokens = overlap_tokens

    def chunk_page(self, page: int, text: str, reserve: int = 0) -> list[Chunk]:
        """Return the chunks of one page, in reading order.

        Args:
            reserve: word pieces each chunk must leave free (a contextual header put in front).
        """
        if reserve > 0:
            # The header comes out of the window's headroom above the target, not out of the
            # target: chunks keep their size and number (a smaller target made 12-23% more
            # chunks to embed on the corpus, for no better retrieval), and header + chunk still fit.
            reserve = min(reserve, self.target_tokens // 2)  # a header never takes more than half a chunk
            limit = self.max_tokens - reserve
            target = min(self.target_tokens, limit)
            narrower = Chunker(self.count_tokens, limit, target, min(self.overlap_tokens, target // 4))
            return narrower.chunk_page(page, text)
        units = self._units(text)
        chunks: list[Chunk] = []
        current: list[_Unit] = []
        size = 0
        fresh = 0  # units in ``current`` that are not overlap from the previous chunk

        def emit() -> None:
            nonlocal current, size, fresh
            if fresh:
                body = _join(current)
                chunks.append(Chunk(page, len(chunks), body, size))
            current, size, fresh = self._overlap(current), 0, 0
            size = sum(u.tokens + 1 for u in current)

        tables_size = _table_sizes(units)
        for pos, unit in enumerate(units):
            starts_table = unit.table and (pos == 0 or units[pos - 1].table != unit.table)
            # Keep a whole table together when it would fit in a chunk of its own.
            if starts_table and size + tables_size[unit.table] > self.max_tokens and tables_size[unit.table] <= self.max_tokens and fresh:
                emit()
                current, size = [], 0  # no prose overlap in front of a table
            if size + unit.tokens + 1 > (self.max_tokens if unit.table else self.target_tokens) and fresh:
                emit()
                if unit.table and not unit.header:
                    header = _header_of(units, pos)
                    if header is not None and header not in current:
                        current = [header]
                        size = header.tokens + 1
            if size + unit.tokens + 1 > self.max_tokens:  # overlap alone + unit too long: drop overlap
                current, size = [], 0
            current.append(unit)
            size += unit.tokens + 1
            fresh += 1
        if fresh:
            chunks.append(Chunk(page, len(chunks), _join(current), size))
        return chunks

    # ------------------------------------------------------------------ helpers

    def _overlap(self, units: list[_Unit]) -> list[_Unit]:
        kept: list[_Unit] = []
        size = 0
        for unit in reversed(units):
            if unit.table:
                break  # table rows are not repeated as overlap (the header is, see chunk_page)
            # The last sentence is carried even when a little longer than the budget: an overlap
            # of zero would cut exactly where an answer may straddle two chunks.
            limit = self.overlap_tokens if kept else 2 * self.overlap_tokens
            if size + unit.tokens > limit:
                break
            kept.insert(0, unit)
            size += unit.tokens + 1
        return kept

    def _units(self, text: str) -> list[_Unit]:
        pieces: list[tuple[str, int, bool]] = []  # (text, table id, header)
        table_id = 0
        prose: list[str] = []
        in_table = False

        def flush_prose() -> None:
            if prose:
                paragraph = " ".join(prose)
                pieces.extend((s, 0, False) for s in split_sentences(paragraph))
                prose.clear()

        lines = text.split("\n")
        for i, line in enumerate(lines):
            stripped = " ".join(line.split())
            if not stripped:
                flush_prose()
                in_table = False
                continue
            if is_table_row(line) or (in_table and _looks_like_caption_row(line)):
                flush_prose()
                if not in_table:
                    table_id += 1
                    in_table = True
                    # A short title line right above the first row is the table's header.
                    if pieces and pieces[-1][1] == 0 and len(pieces[-1][0].split()) <= 12 and _prev_is_line(lines, i):
                        title = pieces.pop()
                        pieces.append((title[0], table_id, True))
                pieces.append((" ".join(line.split()), table_id, False))
                continue
            if in_table and _next_is_row(lines, i):
                pieces.append((stripped, table_id, False))  # a label row inside a table
                continue
            in_table = False
            if _BULLET.match(line):
                flush_prose()
            prose.append(stripped)
        flush_prose()

        counts = self.count_tokens([p[0] for p in pieces]) if pieces else []
        units: list[_Unit] = []
        for (piece, table, header), tokens in zip(pieces, counts):
            if tokens <= self.target_tokens:
                units.append(_Unit(piece, tokens, table, header))
            else:
                units.extend(self._split_long(piece, table))
        # The first row of a table with no title line doubles as its header.
        seen: set[int] = {u.table for u in units if u.header}
        for i, unit in enumerate(units):
            if unit.table and unit.table not in seen:
                units[i] = _Unit(unit.text, unit.tokens, unit.table, True)
                seen.add(unit.table)
        return units

    def _split_long(self, text: str, table: int) -> list[_Unit]:
        """Cut a sentence longer than the target into word windows that fit."""
        words = text.split()
        counts = self.count_tokens(words)
        out: list[_Unit] = []
        buf: list[str] = []
        size = 0
        limit = self.target_tokens - 8
        for word, tokens in zip(words, counts):
            tokens = min(tokens, limit)  # a single absurd "word" (a hash, a URL) is truncated by the model anyway
            if size + tokens + 1 > limit and buf:
                out.append(_Unit(" ".join(buf), size, table))
                buf, size = [], 0
            buf.append(word if tokens < limit else word[: limit * 2])
            size += tokens + 1
        if buf:
            out.append(_Unit(" ".join(buf), size, table))
        return out


def split_sentences(paragraph: str) -> list[str]:
    """Split prose at sentence ends followed by a capital or digit (keeps '3.5' and 'e.g. x' whole)."""
    parts = [p.strip() for p in _SENTENCE_END.split(paragraph)]
    return [p for p in parts if p]


def _join(units: list[_Unit]) -> str:
    out: list[str] = []
    prev_table = None
    for unit in units:
        if out:
            out.append("\n" if unit.table or prev_table else " ")
        out.append(unit.text)
        prev_table = unit.table or None
    return "".join(out)


def _table_sizes(units: list[_Unit]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for unit in units:
        if unit.table:
            sizes[unit.table] = sizes.get(unit.table, 0) + unit.tokens + 1
    return sizes


def _header_of(units: list[_Unit], pos: int) -> _Unit | None:
    table = units[pos].table
    for unit in units[:pos]:
        if unit.table == table and unit.header:
            return unit
    return None


def _prev_is_line(lines: list[str], i: int) -> bool:
    return i > 0 and bool(lines[i - 1].strip())


def _next_is_row(lines: list[str], i: int) -> bool:
    return i + 1 < len(lines) and is_table_row(lines[i + 1])


def _looks_like_caption_row(line: str) -> bool:
    # e.g. "Total revenue 56,517" — one label and one figure, inside a table block
    stripped = line.strip()
    return bool(stripped) and len(_NUMBER.findall(stripped)) >= 1 and len(stripped.split()) <= 10 and not stripped.endswith(".")
