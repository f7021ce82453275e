"""Which files can be indexed, and plain text / Markdown files read as "pages".

A text file has no pages, so it is cut at paragraph breaks into sections of about
``PAGE_CHARS`` characters, numbered from 1: a citation then points at a small part of the file.
Formats without pages (a sheet, a slide, an e-mail) are read as numbered "pages" too, each with a
``unit`` label ("slide 3", "Sheet Budget, rows 2–40") that citations show instead of "page N".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from desktop_app.core.errors import DocumentError

PDF_SUFFIXES = frozenset({".pdf"})
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})  # read by OCR (rag.ocr)
OFFICE_SUFFIXES = frozenset({".docx", ".pptx", ".xlsx", ".csv", ".odt"})
WEB_SUFFIXES = frozenset({".html", ".htm", ".epub", ".eml"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES | IMAGE_SUFFIXES | OFFICE_SUFFIXES | WEB_SUFFIXES


@dataclass(frozen=True)
class Page:
    """The text of one page (1-based ``number``); text files have sections of ~PAGE_CHARS.

    ``unit`` names the part in a citation when it is not a page ("slide 3", "Sheet Budget, rows
    2–40"); empty for PDF pages and text sections, which are cited as "page N".
    """

    number: int
    text: str
    unit: str = ""


PAGE_CHARS = 4000  # text files are cut into "pages" of about this size so citations stay precise


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def file_dialog_filter() -> str:
    """The filter string of an "Add documents" dialog (Qt syntax), built from the suffixes above."""
    every = " ".join(f"*{s}" for s in sorted(SUPPORTED_SUFFIXES))
    groups = [("PDF files", PDF_SUFFIXES), ("Office files", OFFICE_SUFFIXES), ("Web pages, e-books and e-mail", WEB_SUFFIXES),
              ("Images (read by OCR)", IMAGE_SUFFIXES), ("Text and Markdown", TEXT_SUFFIXES)]
    parts = [f"Documents ({every})"] + [f"{name} ({' '.join(f'*{s}' for s in sorted(sfx))})" for name, sfx in groups]
    return ";;".join(parts + ["All files (*)"])


def check_size(path: Path, max_bytes: int) -> None:
    """Refuse missing, empty and too-large files with one plain line."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DocumentError(f"{path}: file not found.") from None
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if size == 0:
        raise DocumentError(f"{path.name}: the file is empty (0 bytes).")
    if size > max_bytes:
        raise DocumentError(
            f"{path.name}: too large ({size / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB)."
        )


def text_pages(path: Path) -> Iterator[Page]:
    """Yield sections of a text/Markdown file, cut at paragraph breaks near PAGE_CHARS."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if b"\x00" in raw[:8192]:
        raise DocumentError(f"{path.name}: not a text file (it contains binary data).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    del raw
    number, buf = 0, []
    size = 0
    for para in text.replace("\r\n", "\n").split("\n\n"):
        if size + len(para) > PAGE_CHARS and buf:
            number += 1
            yield Page(number, clean_text("\n\n".join(buf)))
            buf, size = [], 0
        buf.append(para)
        size += len(para) + 2
    if any(p.strip() for p in buf):
        number += 1
        yield Page(number, clean_text("\n\n".join(buf)))
    if number == 0:
        raise DocumentError(f"{path.name}: contains no text.")


def clean_text(text: str) -> str:
    """Remove NULs and control characters that would break FTS5 and the tokenizer."""
    # NULs and stray control characters from odd fonts would break FTS5 and the tokenizer.
    text = text.replace("\x00", " ")
    text = "".join(ch if ch >= " " or ch in "\n\t" else " " for ch in text)
    return text.strip()


def walk(paths: list[str]) -> tuple[list[Path], list[Path], list[Path]]:
    """Expand files and folders (recursively) into (supported, unsupported, missing), sorted."""
    supported: list[Path] = []
    unsupported: list[Path] = []
    missing: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        root = Path(raw).expanduser()
        try:
            root = root.resolve()
        except OSError:
            pass
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    _add(Path(dirpath) / name, seen, supported, unsupported)
        elif root.is_file():
            _add(root, seen, supported, unsupported)
        else:
            missing.append(root)
    return supported, unsupported, missing


def _add(path: Path, seen: set[Path], supported: list[Path], unsupported: list[Path]) -> None:
    if path in seen:
        return
    seen.add(path)
    (supported if is_supported(path) else unsupported).append(path)
