"""PDF corpora for the document-index tests and benchmark, generated with reportlab.

``knowledge_corpus`` writes PDFs whose facts sit on known pages and returns the questions that
find them; ``broken_documents`` writes one file per failure the loaders must name; ``prose_pdf``
writes long realistic reports (prose + tables) for the indexing benchmark; ``drain`` runs an
index generator to its report.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

# ---------------------------------------------------------------- writing PDFs


def write_pdf(path: Path, pages: list[list[object]]) -> Path:
    """Write a PDF: each page is a list of paragraphs (str) and tables (list of row tuples)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    # invariant=1: no timestamps, so the same content gives the same bytes (and content hash).
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    width, height = letter
    for blocks in pages:
        y = height - 60
        for block in blocks:
            if isinstance(block, str):
                bold = block.startswith("# ")
                text = block[2:] if bold else block
                c.setFont("Helvetica-Bold" if bold else "Helvetica", 12 if bold else 10)
                for line in textwrap.wrap(text, 100) or [""]:
                    c.drawString(50, y, line)
                    y -= 14
                y -= 8
            else:
                c.setFont("Helvetica", 9)
                for row in block:
                    # First column wide (labels), the rest evenly spaced, each cell its own text
                    # object, as in real filings.
                    step = 360 / max(1, len(row) - 1)
                    for col, cell in enumerate(row):
                        c.drawString(50 + (0 if col == 0 else 150 + (col - 1) * step), y, str(cell))
                    y -= 13
                y -= 10
            if y < 60:
                break  # the builders keep pages short enough; never spill onto an unknown page
        c.showPage()
    c.save()
    return path


# ---------------------------------------------------------------- realistic filler prose

_SUBJECTS = ["The regional sales team", "Our logistics partner", "The board of directors", "Management",
             "The engineering group", "Customer support", "The procurement office", "The audit committee",
             "The marketing department", "Field operations"]
_VERBS = ["reviewed", "expanded", "reduced", "reorganised", "evaluated", "renegotiated", "consolidated",
          "documented", "prioritised", "monitored"]
_OBJECTS = ["supplier contracts", "the quarterly forecast", "warehouse capacity", "training programmes",
            "the product roadmap", "service level agreements", "travel policies", "inventory controls",
            "pricing guidelines", "the onboarding process"]
_TAILS = ["during the period under review", "in line with the annual plan", "after feedback from customers",
          "to reduce operating costs", "ahead of the next fiscal year", "following the internal audit",
          "across all regions", "with support from external advisers"]


def filler(rng: random.Random, sentences: int) -> str:
    """Plausible report prose that answers none of the test questions."""
    out = []
    for _ in range(sentences):
        out.append(f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}.")
    return " ".join(out)


def financial_table(rng: random.Random, title: str, rows: int = 8) -> list[tuple]:
    header = (title, "Q1", "Q2", "Q3", "Q4")
    items = ["Product revenue", "Service revenue", "Cost of revenue", "Research and development",
             "Sales and marketing", "General and administrative", "Operating income", "Net income",
             "Other income", "Income taxes"]
    body = [(items[i % len(items)],) + tuple(f"{rng.randint(1000, 99999):,}" for _ in range(4)) for i in range(rows)]
    return [header] + body


# ---------------------------------------------------------------- the knowledge corpus


@dataclass(frozen=True)
class Question:
    text: str
    file: str
    page: int
    exact: bool = False  # about an exact figure or code (where keyword search matters)


_FACTS = [  # (fact sentence, question)
    ("The Lisbon data centre migration was completed on 14 June after eleven weeks of work.",
     "When was the Lisbon data centre migration completed?"),
    ("Employee attrition fell to 6.2 percent, the lowest level in the company's history.",
     "How low did employee attrition fall?"),
    ("The new return policy allows customers to send back unopened goods within 45 days for a full refund.",
     "How many days do customers have to return unopened goods?"),
    ("Solar panels installed on the Rotterdam warehouse roof now supply a third of its electricity.",
     "How much of the Rotterdam warehouse electricity comes from solar panels?"),
    ("A phishing attack in February compromised two mailbox accounts, which were locked within an hour.",
     "What happened in the phishing attack in February?"),
    ("The company opened its first office in Nairobi to serve customers across East Africa.",
     "Where did the company open an office to serve East Africa?"),
    ("Average customer satisfaction rose to 4.6 out of 5 after the support chatbot was retired.",
     "What was the average customer satisfaction score after the chatbot was retired?"),
    ("The cafeteria switched to a plant-based menu on Mondays to cut food-related emissions.",
     "Why did the cafeteria switch to a plant-based menu on Mondays?"),
    ("Shipping delays through the Suez Canal added nine days to deliveries from Asian suppliers.",
     "How many days did shipping delays add to deliveries from Asian suppliers?"),
    ("The mentoring programme paired 120 junior engineers with senior staff for six months.",
     "How many junior engineers joined the mentoring programme?"),
    ("Flooding in the Hamburg basement destroyed archived paper records from before 2010.",
     "What destroyed the archived paper records?"),
    ("The board approved a dividend of 0.84 euros per share, payable in September.",
     "What dividend per share did the board approve?"),
]


def knowledge_corpus(folder: Path, seed: int = 7) -> list[Question]:
    """Write 3 reports (facts on known pages) and 1 parts catalogue (codes); return the questions."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    questions: list[Question] = []
    facts = list(_FACTS)
    for doc in range(3):
        name = f"annual-report-{2021 + doc}.pdf"
        pages: list[list[object]] = []
        for page_no in range(1, 6):
            blocks: list[object] = [f"# Section {page_no}: operations review", filler(rng, 4)]
            if facts and page_no % 2 == 1 or (facts and page_no == 4 and doc == 2):
                fact, question = facts.pop(0)
                blocks.append(filler(rng, 2) + " " + fact + " " + filler(rng, 2))
                questions.append(Question(question, name, page_no))
            if page_no == 2:
                blocks.append(financial_table(rng, "Figures in thousands", rows=6))
            else:
                blocks.append(filler(rng, 3))
            pages.append(blocks)
        write_pdf(folder / name, pages)
    # A catalogue of look-alike rows: only an exact match on the code finds the right page.
    pages = []
    for page_no in range(1, 9):
        rows = [("Part code", "Description", "Unit price", "Stock")]
        for i in range(14):
            code = f"QX-{page_no}{i:02d}{rng.randint(10, 99)}"
            price = f"{rng.randint(10, 999)}.{rng.randint(0, 99):02d}"
            rows.append((code, rng.choice(["Hex bolt", "Washer", "Bracket", "Hinge", "Gasket", "Spring"]), price,
                         str(rng.randint(0, 500))))
            if i == 7:
                questions.append(Question(f"What is the unit price of part {code}?", "parts-catalogue.pdf", page_no, exact=True))
        pages.append([f"# Parts catalogue, sheet {page_no}", rows])
    write_pdf(folder / "parts-catalogue.pdf", pages)
    return questions


UNRELATED_QUESTIONS = [
    "How do I bake sourdough bread at home?",
    "Who won the football world cup in 1998?",
    "What is the boiling point of liquid nitrogen?",
    "Recommend a good science fiction novel to read on holiday.",
]


# ---------------------------------------------------------------- broken documents


def zero_byte(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def fake_pdf(path: Path) -> Path:
    path.write_text("This is a plain text file that only pretends to be a PDF.\n" * 5)
    return path


def encrypted_pdf(path: Path, source: Path, password: str = "s3cret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(source)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def truncated_pdf(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def image_only_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with drawings and a raster image but no text layer (a scan, as far as text goes)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    for p in range(pages):
        for i in range(12):
            c.rect(60 + i * 30, 400 + (i % 3) * 20, 25, 80 + p * 5, fill=1)
        try:  # a real embedded image when Pillow is present
            from PIL import Image

            img = Image.new("L", (200, 100), color=128)
            c.drawImage(ImageReader(img), 100, 100, width=200, height=100)
        except ImportError:
            pass
        c.showPage()
    c.save()
    return path


def huge_array_pdf(path: Path, elements: int = 150_000, sentence: str = "The Meridian audit closed without findings.") -> Path:
    """A valid PDF whose content stream holds one TJ array of ``elements`` items.

    pypdf 7.1's default ``array_maximum_element_count`` (100,000) makes text extraction fail with
    "Reached maximum array element count", as it does on large real filings.
    """
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    kerning = " ".join(["0"] * elements)
    content = (f"BT /F1 12 Tf 72 720 Td ({sentence}) Tj ET\n"
               f"BT /F1 1 Tf 72 100 Td [( ) {kerning} ( )] TJ ET\n").encode()
    stream = DecodedStreamObject()
    stream.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(stream)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def rotated_table_pdf(path: Path) -> Path:
    """A portrait page with a title and a table drawn rotated 90 degrees (a landscape table)."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(612, 792), invariant=1)
    c.drawString(72, 740, "Segment results, unaudited")
    c.saveState()
    c.translate(300, 100)
    c.rotate(90)
    for i in range(5):
        c.drawString(0, -i * 14, f"Region {i}      Intelligent Cloud      {1000 + i:,}")
    c.restoreState()
    c.showPage()
    c.save()
    return path


def short_pages_pdf(path: Path, pages: int, seed: int = 1) -> Path:
    """Many pages of one sentence each: many small chunks, quick to embed (crash tests)."""
    rng = random.Random(seed)
    return write_pdf(path, [[f"Note {n}. {filler(rng, 1)}"] for n in range(1, pages + 1)])


# ---------------------------------------------------------------- long reports (benchmark)


def prose_pdf(path: Path, pages: int, seed: int = 1) -> Path:
    """A long report of realistic prose with a financial table every third page."""
    rng = random.Random(seed)
    content = []
    for page_no in range(1, pages + 1):
        blocks: list[object] = [f"# Chapter {page_no}: business review"]
        blocks.append(filler(rng, 5))
        if page_no % 3 == 0:
            blocks.append(financial_table(rng, f"Table {page_no}. Results by quarter", rows=8))
            blocks.append(filler(rng, 4))
        else:
            blocks.append(filler(rng, 6))
            blocks.append(filler(rng, 5))
        content.append(blocks)
    return write_pdf(path, content)


# ---------------------------------------------------------------- running an index


def drain(gen, on_progress=None):
    """Run a ``Library.index`` generator to its end and return its report.

    ``on_progress`` (optional) sees every progress record the generator yields.
    """
    try:
        while True:
            progress = next(gen)
            if on_progress is not None:
                on_progress(progress)
    except StopIteration as stop:
        return stop.value


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def rag_corpus(tmp_path_factory) -> tuple[Path, list[Question]]:
    """The knowledge corpus, written once per test session."""
    folder = tmp_path_factory.mktemp("rag-corpus")
    return folder, knowledge_corpus(folder)
