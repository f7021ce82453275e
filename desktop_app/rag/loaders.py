"""Document loaders: PDF (pypdf, here; scanned pages by OCR), and by suffix the others, page by page.

Plain text and Markdown are in ``document_files``, Office files in ``office_loaders``, web pages,
e-books and e-mail in ``web_loaders``, images in ``ocr_pages``. Each loader yields ``Page``
records one at a time, so a 1,000-page filing never sits in memory whole. Every way a file can
fail becomes a ``DocumentError`` whose message is one plain line naming the reason (encrypted,
corrupt, not a PDF, no text even by OCR, too large, took too long).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from desktop_app.core.errors import DocumentError
from desktop_app.rag.document_files import (  # noqa: F401 - re-exported: the loaders' public names
    IMAGE_SUFFIXES,
    OFFICE_SUFFIXES,
    PAGE_CHARS,
    PDF_SUFFIXES,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    WEB_SUFFIXES,
    Page,
    check_size,
    clean_text,
    is_supported,
    walk,
)
from desktop_app.rag.document_files import text_pages as _text_pages
from desktop_app.rag.ocr_pages import OcrReader, PdfRenderer, image_pages

@dataclass(frozen=True)
class LoaderLimits:
    """Bounds that protect against hostile files while letting real filings through.

    pypdf 7's defaults (100,000 elements per array or dictionary, 2,000,000 parsing steps per
    content stream) refuse ordinary large filings such as Microsoft's 10-Q reports with
    "Reached maximum array element count". We raise the element counts 50x and the parsing
    budget 10x: still bounded, so a crafted file cannot exhaust memory (5M elements is ~0.5 GB at
    worst) and parsing one content stream stays under a minute; the per-file time budget, checked
    between pages and between text operators, stops the slow ones.
    """

    max_file_bytes: int = 512 * 1024 * 1024
    max_pages: int = 20_000
    time_budget_s: float = 300.0
    array_elements: int = 5_000_000
    dictionary_elements: int = 5_000_000
    parsing_steps: int = 20_000_000
    xform_invocations: int = 100_000
    page_tree_entries: int = 5_000_000
    decompressed_bytes: int = 400_000_000

    def pypdf_overrides(self) -> dict[str, int]:
        """The ``pypdf.Configuration`` fields we raise (names as in pypdf 7.1's _configuration.py)."""
        return {
            "array_maximum_element_count": self.array_elements,
            "dictionary_maximum_element_count": self.dictionary_elements,
            "stream_parsing_work_maximum_count": self.parsing_steps,
            "xform_maximum_invocations_per_extraction": self.xform_invocations,
            "page_tree_maximum_entries": self.page_tree_entries,
            "page_tree_maximum_page_entries": self.page_tree_entries,
            "zlib_maximum_output_length": self.decompressed_bytes,
            "stream_decoding_work_maximum_length": self.decompressed_bytes * 4,
            "maximum_declared_stream_length": self.decompressed_bytes,
        }


DEFAULT_LIMITS = LoaderLimits()


class _RotatedTextSpy(logging.Handler):
    """Notes, per thread, pypdf's "Rotated text discovered" warning from layout mode.

    Layout mode drops rotated text (a landscape table on a portrait page); when it says so,
    the page is extracted again in plain mode, which keeps it.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.threads: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if "Rotated text" in str(record.msg):
            self.threads.add(threading.get_ident())


_ROTATED = _RotatedTextSpy()
# pypdf logs every repaired oddity ("EOF marker not found"...) as a warning; the user gets our
# one-line reason instead, so its records stop here (and only the spy reads them).
_pypdf_log = logging.getLogger("pypdf")
_pypdf_log.setLevel(logging.WARNING)
_pypdf_log.propagate = False
_pypdf_log.addHandler(_ROTATED)
LAYOUT_MAX_ARRAY_BYTES = 16_000  # longest [...] in a content stream (~4,000 elements) for layout mode
LAYOUT_MAX_CONTENT_BYTES = 8_000_000  # decoded content per page above which layout mode is skipped
_ARRAY = re.compile(rb"\[[^\[\]]*\]")
_MIN_TEXT_CHARS = 20  # fewer extracted characters than this in a whole PDF means no text layer
# A page whose text layer holds fewer characters than this is read by OCR when OCR is on. Only
# such pages: OCR takes seconds a page, and a page that already has its words in a text layer
# would be read twice (its passages doubled, OCR's misreadings beside the exact text); the
# images of born-digital pages are mostly charts, logos and photos. A scanned page often carries
# a tiny text layer of its own (a stamped page number, a Bates number), hence "tiny", not "empty".
OCR_BELOW_CHARS = 60


def _loader_by_suffix(suffix: str):
    """The page loader of a non-PDF, non-text, non-image suffix (imported when first needed)."""
    from desktop_app.rag import office_loaders, web_loaders

    return {
        ".docx": office_loaders.docx_pages, ".pptx": office_loaders.pptx_pages, ".xlsx": office_loaders.xlsx_pages,
        ".csv": office_loaders.csv_pages, ".odt": web_loaders.odt_pages, ".html": web_loaders.html_pages,
        ".htm": web_loaders.html_pages, ".epub": web_loaders.epub_pages, ".eml": web_loaders.eml_pages,
    }.get(suffix)


def load_pages(path: Path, limits: LoaderLimits = DEFAULT_LIMITS, ocr: OcrReader | None = None) -> Iterator[Page]:
    """Yield the pages of ``path`` one by one (blank pages are skipped).

    Args:
        ocr: reads scanned PDF pages and images; None means OCR is off (they fail plainly).

    Raises:
        DocumentError: the file cannot be read; the message is one plain line.
    """
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        yield from PdfDocument(path, limits, ocr).pages()  # PdfDocument checks the size itself
        return
    check_size(path, limits.max_file_bytes)
    if suffix in TEXT_SUFFIXES:
        yield from _text_pages(path)
    elif suffix in IMAGE_SUFFIXES:
        yield from image_pages(path, ocr)
    elif (loader := _loader_by_suffix(suffix)) is not None:
        yield from loader(path)
    else:
        raise DocumentError(f"{path.name}: unsupported file type '{path.suffix or 'none'}'.")


class PdfDocument:
    """An opened PDF whose pages are extracted lazily, under our limits and time budget.

    With an ``OcrReader``, a page whose text layer is empty or tiny is rendered and read by OCR.
    """

    def __init__(self, path: Path, limits: LoaderLimits = DEFAULT_LIMITS, ocr: OcrReader | None = None) -> None:
        self.path = path
        self.limits = limits
        self.ocr = ocr
        check_size(path, limits.max_file_bytes)
        with _pdf_config(limits):
            self._reader = _open_pdf(path, limits)
            try:
                self.page_count = len(self._reader.pages)
            except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged page trees
                raise _pdf_failure(path, exc) from None
        if self.page_count > limits.max_pages:
            raise DocumentError(f"{path.name}: too large ({self.page_count} pages; the limit is {limits.max_pages}).")
        if self.page_count == 0:
            raise DocumentError(f"{path.name}: the PDF has no pages.")
        self.failed_pages: list[int] = []  # pages whose text could not be extracted (left out)
        self.ocr_pages: list[int] = []  # pages whose text was read by OCR

    def info(self) -> dict[str, str]:
        """The PDF's document information (/Title, /Author...) as text; {} when it cannot be read."""
        try:
            with _pdf_config(self.limits):
                raw = self._reader.metadata or {}
                return {str(k): str(v) for k, v in raw.items() if isinstance(v, (str, int, float))}
        except Exception:  # noqa: BLE001 - damaged metadata must not cost the document
            return {}

    def pages(self, first: int = 1) -> Iterator[Page]:
        """Yield pages with text; raises DocumentError for image-only files or a spent time budget.

        A page that cannot be extracted is left out and listed in ``failed_pages``; the file
        fails only when no page could be read.

        Args:
            first: the page to start at (a partly indexed document continues after its kept
                pages, which had text; then the rest may be blank).
        """
        self.failed_pages = []
        self.ocr_pages = []
        renderer = PdfRenderer(self.path) if self.ocr is not None else None
        try:
            yield from self._pages(renderer, max(1, first) - 1)
        finally:
            if renderer is not None:
                renderer.close()

    def _pages(self, renderer: PdfRenderer | None, start: int = 0) -> Iterator[Page]:
        # The budget counts time spent reading, not time this generator waits between pages: the
        # indexer's bounded queue holds the reader back while the embedder catches up, and on a
        # busy machine that wait alone passed 300 s on a 112-page report, which then "took too long".
        spent = 0.0
        chars = 0
        first_error: Exception | None = None
        for index in range(start, self.page_count):
            if spent > self.limits.time_budget_s:
                raise self._too_slow()
            started = time.monotonic()
            try:
                with _pdf_config(self.limits):
                    text = self._extract(index, started + self.limits.time_budget_s - spent)
            except _TimeBudgetSpent:
                raise self._too_slow() from None
            except Exception as exc:  # noqa: BLE001 - one bad page must not cost the whole document
                self.failed_pages.append(index + 1)
                first_error = first_error or exc
                continue
            finally:
                spent += time.monotonic() - started
            text = clean_text(text)
            if renderer is not None and len("".join(text.split())) < OCR_BELOW_CHARS:
                # Not counted in ``spent``: the time budget stops pathological PDF parsing, and
                # OCR takes seconds on every scanned page (a 500-page scan is many minutes).
                try:
                    read = self.ocr.read(renderer.render(index, self.ocr.dpi))
                except DocumentError as exc:  # OCR itself is missing: the same for every page
                    raise DocumentError(f"{self.path.name}: {exc.message}") from None
                except Exception as exc:  # noqa: BLE001 - a page PDFium cannot render is left out like any other
                    self.failed_pages.append(index + 1)
                    first_error = first_error or exc
                    read = ""
                # The OCR text holds the tiny text layer too (a page number), so it replaces it.
                if len(read) > len(text):
                    text = read
                    self.ocr_pages.append(index + 1)
            chars += len(text)
            if text:
                yield Page(index + 1, text)
        if start:
            return  # the pages before ``start`` had text: too little after them is not a failure
        if first_error is not None and (len(self.failed_pages) == self.page_count or chars < _MIN_TEXT_CHARS):
            raise _pdf_failure(self.path, first_error, page=self.failed_pages[0])
        if chars < _MIN_TEXT_CHARS and renderer is not None:
            raise DocumentError(f"{self.path.name}: no text found, neither in a text layer nor by OCR (blank or unreadable scans).")
        if chars < _MIN_TEXT_CHARS:
            raise DocumentError(
                f"{self.path.name}: no text layer (scanned or image-only pages); it needs OCR before it can be indexed "
                "(turn OCR on: set rag.ocr to on)."
            )

    def _extract(self, index: int, deadline: float) -> str:
        """Extract one page, in layout mode when that is safe, else in plain mode under a watchdog.

        Layout mode keeps a table row on one line (plain mode puts each cell on its own line),
        but it cannot be interrupted and its time grows with the square of the length of a single
        TJ array (measured: 16,000 elements take 1.8 s; 150,000 would take minutes). A scan of
        the raw content bytes finds the longest array first; ordinary pages, even dense ones,
        take about as long in layout mode as in plain mode, so there is one pass, not two.
        """
        from pypdf.errors import LimitReachedError

        page = self._reader.pages[index]
        if _layout_is_safe(page):
            me = threading.get_ident()
            _ROTATED.threads.discard(me)
            try:
                text = page.extract_text(extraction_mode="layout", layout_mode_space_vertically=True)
                if text and text.strip() and me not in _ROTATED.threads:
                    return text
            except LimitReachedError:
                raise
            except Exception:  # noqa: BLE001 - layout mode is newer and fussier; plain mode may still read it
                pass
        ops = 0

        def watchdog(*_args) -> None:
            # Called by pypdf for every content-stream operator: the only place where a single
            # pathological page can be stopped, since a Python thread cannot be interrupted.
            nonlocal ops
            ops += 1
            if ops % 2000 == 0 and time.monotonic() > deadline:
                raise _TimeBudgetSpent()

        return page.extract_text(visitor_operand_before=watchdog) or ""

    def _too_slow(self) -> DocumentError:
        return DocumentError(
            f"{self.path.name}: took longer than {self.limits.time_budget_s:.0f} s to read, so it was skipped (possibly a damaged or hostile file)."
        )


class _TimeBudgetSpent(Exception):
    pass


def _layout_is_safe(page) -> bool:
    """True when the page's content streams (and its forms) hold no array long enough to make
    layout mode quadratic. Reads raw decoded bytes: a C regex, no PDF parsing."""
    from pypdf.generic import ArrayObject

    streams = []
    contents = page.get("/Contents")
    if contents is not None:
        obj = contents.get_object()
        streams.extend(obj if isinstance(obj, ArrayObject) else [obj])
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is not None:
        for ref in xobjects.get_object().values():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form":
                streams.append(form)
    total = 0
    for stream in streams:
        data = stream.get_object().get_data()
        total += len(data)
        if total > LAYOUT_MAX_CONTENT_BYTES:
            return False
        for match in _ARRAY.finditer(data):
            if match.end() - match.start() > LAYOUT_MAX_ARRAY_BYTES:
                return False
    return True


def _pdf_config(limits: LoaderLimits):
    # pypdf keeps its limits in a ContextVar: they must be applied in the thread that reads.
    from pypdf._configuration import apply_configuration

    return apply_configuration(**limits.pypdf_overrides())


def _open_pdf(path: Path, limits: LoaderLimits):
    from pypdf import PdfReader

    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if b"%PDF-" not in head:
        raise DocumentError(f"{path.name}: not really a PDF (the file does not start with a PDF header).")
    try:
        reader = PdfReader(str(path), strict=False)
    except Exception as exc:  # noqa: BLE001
        raise _pdf_failure(path, exc) from None
    if reader.is_encrypted:
        # Many "protected" PDFs only restrict printing and open with an empty password.
        try:
            opened = reader.decrypt("")
        except Exception:  # noqa: BLE001 - e.g. missing AES provider
            opened = 0
        if not opened:
            raise DocumentError(f"{path.name}: encrypted with a password; open it, save an unprotected copy and add that.")
    return reader


def _pdf_failure(path: Path, exc: Exception, page: int | None = None) -> DocumentError:
    """Map a pypdf exception to one plain line."""
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

    where = f" (page {page})" if page else ""
    if isinstance(exc, FileNotDecryptedError):
        return DocumentError(f"{path.name}: encrypted with a password; open it, save an unprotected copy and add that.")
    if isinstance(exc, DependencyError):
        return DocumentError(f"{path.name}: uses encryption this app cannot read{where} ({exc}).")
    if isinstance(exc, LimitReachedError):
        return DocumentError(f"{path.name}: exceeds the safety limits for PDF structure{where} ({exc}).")
    if isinstance(exc, MemoryError):
        return DocumentError(f"{path.name}: too large to read in the available memory{where}.")
    detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
    return DocumentError(f"{path.name}: damaged or truncated PDF{where} ({detail}).")




__all__ = [
    "DEFAULT_LIMITS", "IMAGE_SUFFIXES", "LoaderLimits", "OFFICE_SUFFIXES", "OcrReader", "PAGE_CHARS", "PDF_SUFFIXES",
    "Page", "PdfDocument", "SUPPORTED_SUFFIXES", "TEXT_SUFFIXES", "WEB_SUFFIXES", "is_supported", "load_pages", "walk",
]
