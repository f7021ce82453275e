"""Web pages (.html), OpenDocument text (.odt), e-books (.epub) and e-mail (.eml), with the stdlib only.

HTML is read by ``html.parser`` into headings, paragraphs and table rows; an EPUB is a ZIP of
XHTML chapters in the order its package file lists them ("chapter 2: ..."); an ODT is a ZIP whose
content.xml holds headings, paragraphs and tables; an e-mail is its headers and body (the HTML
part when there is no plain one). Each failure is a ``DocumentError`` with one plain line.
"""

from __future__ import annotations

import email
import email.policy
import posixpath
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote
from xml.etree import ElementTree

from desktop_app.core.errors import DocumentError
from desktop_app.rag.document_files import Page
from desktop_app.rag.office_loaders import check_archive
from desktop_app.rag.sections import Block, sections, table_lines

_BLOCK_TAGS = {"p", "div", "li", "br", "section", "article", "blockquote", "pre", "dt", "dd", "tr", "hr",
               "header", "footer", "figcaption", "caption", "address", "main", "nav", "aside"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
MAX_ARCHIVE_PART = 64 * 2**20  # a chapter or content.xml larger than this decompressed is refused (zip bomb)


class _HtmlBlocks(HTMLParser):
    """Collects an HTML document as Blocks: headings, paragraphs and "Header: value" table rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title = ""
        self._text: list[str] = []
        self._level = 0
        self._skip = 0
        self._in_title = False
        self._tables: list[list[list[str]]] = []  # open tables (nested ones too): their rows
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "table":
            self._flush()
            self._tables.append([])
        elif tag == "tr" and self._tables:
            self._tables[-1].append([])
        elif tag in ("td", "th") and self._tables:
            self._cell = []
        elif tag in _HEADINGS:
            self._flush()
            self._level = _HEADINGS[tag]
        elif tag in _BLOCK_TAGS and not self._tables:
            self._flush()

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("td", "th") and self._tables and self._cell is not None:
            if not self._tables[-1]:
                self._tables[-1].append([])
            self._tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._tables:
            rows = self._tables.pop()
            for line in table_lines(rows):
                self.blocks.append(Block(line))
        elif tag in _HEADINGS or (tag in _BLOCK_TAGS and not self._tables):
            self._flush()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self._skip:
            return
        elif self._cell is not None:
            self._cell.append(data)
        elif not self._tables:
            self._text.append(data)

    def close(self):
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append(Block(text, self._level))
        self._text, self._level = [], 0


def html_blocks(markup: str) -> tuple[str, list[Block]]:
    """(title, blocks) of an HTML or XHTML document."""
    parser = _HtmlBlocks()
    parser.feed(markup)
    parser.close()
    return " ".join(parser.title.split()), parser.blocks


def html_pages(path: Path) -> Iterator[Page]:
    """Sections of a web page saved to disk, cut at its h1/h2 headings."""
    markup = _decode(path, _read(path))
    title, blocks = html_blocks(markup)
    if title and not any(b.level == 1 for b in blocks[:3]):
        blocks.insert(0, Block(title, 1))
    yield from _non_empty(path, sections(blocks), "contains no text")


# ---------------------------------------------------------------------------------- EPUB

_OPF = "{http://www.idpf.org/2007/opf}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def epub_pages(path: Path) -> Iterator[Page]:
    """The chapters of an e-book in reading order, cited "chapter N" (and its heading)."""
    check_archive(path, ".epub")
    with zipfile.ZipFile(path) as book:
        names = set(book.namelist())
        if "META-INF/encryption.xml" in names and _encrypted_epub(book):
            raise DocumentError(f"{path.name}: protected by DRM (copy protection), so its text cannot be read.")
        try:
            container = ElementTree.fromstring(_part(book, "META-INF/container.xml"))
            opf_path = container.find(f".//{_CONTAINER}rootfile").get("full-path")
            opf = ElementTree.fromstring(_part(book, opf_path))
            base = posixpath.dirname(opf_path)
            items = {i.get("id"): i.get("href") for i in opf.iter(f"{_OPF}item")}
            spine = [items.get(ref.get("idref")) for ref in opf.iter(f"{_OPF}itemref")]
        except (KeyError, AttributeError, ElementTree.ParseError) as exc:
            raise DocumentError(f"{path.name}: damaged e-book (its table of contents cannot be read: {exc}).") from None
        number = 0
        chapter = 0
        for href in spine:
            if not href:
                continue
            name = posixpath.normpath(posixpath.join(base, unquote(href)))
            if name not in names:
                continue
            _title, blocks = html_blocks(_part(book, name).decode("utf-8", "replace"))
            if not any(b.text.strip() for b in blocks):
                continue
            chapter += 1
            heading = next((b.text for b in blocks if b.level), "")
            # A chapter is one unit however many headings it has; long ones are cut by size.
            flat = [Block(b.text) for b in blocks]
            for page in sections(flat, "chapter", number + 1):
                number = page.number
                yield Page(page.number, page.text, _chapter_label(chapter, heading))
        if number == 0:
            raise DocumentError(f"{path.name}: contains no text.")


def _chapter_label(chapter: int, heading: str) -> str:
    from desktop_app.rag.sections import label

    return label("chapter", chapter, heading)


def _encrypted_epub(book: zipfile.ZipFile) -> bool:
    # Font obfuscation also lives in encryption.xml; only encrypted chapters stop us.
    text = _part(book, "META-INF/encryption.xml").decode("utf-8", "replace")
    return any(ext in text for ext in (".xhtml", ".html", ".htm"))


# ------------------------------------------------------------------------------------ ODT

_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}


def odt_pages(path: Path) -> Iterator[Page]:
    """Sections of an OpenDocument text: headings start them; tables become "Header: value" rows."""
    check_archive(path, ".odt")
    with zipfile.ZipFile(path) as doc:
        names = set(doc.namelist())
        manifest = _part(doc, "META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        if b"encryption-data" in manifest:
            raise DocumentError(f"{path.name}: protected with a password; open it, save a copy without the password and add that.")
        if "content.xml" not in names:
            raise DocumentError(f"{path.name}: damaged .odt file (it has no content.xml).")
        try:
            root = ElementTree.fromstring(_part(doc, "content.xml"))
        except ElementTree.ParseError as exc:
            raise DocumentError(f"{path.name}: damaged .odt file ({exc}).") from None
    body = root.find(f"{{{_NS['office']}}}body")
    blocks = list(_odt_blocks(body)) if body is not None else []
    yield from _non_empty(path, sections(blocks), "contains no text")


def _odt_blocks(element) -> Iterator[Block]:
    t, tb = _NS["text"], _NS["table"]
    for child in element:
        if child.tag == f"{{{t}}}h":
            level = child.get(f"{{{t}}}outline-level") or "1"
            yield Block(_odt_text(child), int(level) if level.isdigit() else 1)
        elif child.tag == f"{{{t}}}p":
            yield Block(_odt_text(child))
        elif child.tag == f"{{{tb}}}table":
            rows = [[_odt_text(cell) for cell in row.iter(f"{{{tb}}}table-cell")] for row in child.iter(f"{{{tb}}}table-row")]
            for line in table_lines(rows):
                yield Block(line)
        else:  # lists, sections, frames: their paragraphs in order
            yield from _odt_blocks(child)


def _odt_text(element) -> str:
    """The text of a paragraph with its spans; <text:s/> spaces, tabs and line breaks as spaces."""
    t = _NS["text"]
    parts = [element.text or ""]
    for child in element:
        if child.tag in (f"{{{t}}}s", f"{{{t}}}tab", f"{{{t}}}line-break"):
            parts.append(" ")
        elif child.tag != f"{{{t}}}note":  # footnote bodies would break the sentence they sit in
            parts.append(_odt_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


# ----------------------------------------------------------------------------------- e-mail


def eml_pages(path: Path) -> Iterator[Page]:
    """An e-mail: From, To, Date and Subject, then its body; cited "message" (long ones by part)."""
    raw = _read(path)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not message.keys():
        raise DocumentError(f"{path.name}: not an e-mail message (no headers).")
    blocks = [Block(f"{name}: {message[name]}") for name in ("Subject", "From", "To", "Cc", "Date") if message[name]]
    subject = str(message["Subject"] or "")
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        content = body.get_content() if body is not None else ""
    except (LookupError, ValueError, AttributeError) as exc:
        raise DocumentError(f"{path.name}: the message body cannot be decoded ({exc}).") from None
    if body is not None and body.get_content_subtype() == "html":
        blocks += html_blocks(content)[1]
    else:
        blocks += [Block(para) for para in content.replace("\r\n", "\n").split("\n\n")]
    attached = [part.get_filename() for part in message.iter_attachments() if part.get_filename()]
    if attached:
        blocks.append(Block("Attachments (not indexed): " + ", ".join(attached)))
    if not str(content).strip() and not subject:
        raise DocumentError(f"{path.name}: the message has no text.")
    pages = list(sections(blocks, "message"))
    for page in pages:
        unit = "message" if len(pages) == 1 else f"message, part {page.number}"
        yield Page(page.number, page.text, unit + (f": {subject[:60]}" if subject and page.number == 1 else ""))


# ---------------------------------------------------------------------------------- helpers


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None


def _decode(path: Path, raw: bytes) -> str:
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(f"{path.name}: not a web page (it contains binary data).")
    for encoding in ("utf-8-sig", "utf-16") if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig",):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp1252", "replace")


def _part(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member of an archive, refused when it would decompress to more than MAX_ARCHIVE_PART."""
    info = archive.getinfo(name)
    if info.file_size > MAX_ARCHIVE_PART:
        raise DocumentError(f"{Path(archive.filename or '').name}: the part {name} is too large to read.")
    return archive.read(name)


def _non_empty(path: Path, pages, reason: str) -> Iterator[Page]:
    found = False
    for page in pages:
        found = True
        yield page
    if not found:
        raise DocumentError(f"{path.name}: {reason}.")
