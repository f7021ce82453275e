"""Real Office, OpenDocument, web, e-book and e-mail files written for tests (python-docx, python-pptx, openpyxl, stdlib)."""

from __future__ import annotations

import zipfile
from email.message import EmailMessage
from pathlib import Path


def write_docx(path: Path) -> Path:
    """Two headed sections; the second holds a table of suppliers and their lead times."""
    import docx

    doc = docx.Document()
    doc.add_heading("Harbour crane maintenance plan", level=1)
    doc.add_paragraph("The north quay cranes are inspected every spring by the port engineering team.")
    doc.add_heading("Spare parts suppliers", level=1)
    doc.add_paragraph("Lead times were agreed in the 2024 framework contract.")
    table = doc.add_table(rows=3, cols=3)
    for r, row in enumerate([["Part", "Supplier", "Lead time"],
                              ["Slewing bearing", "Kessler Antriebe", "14 weeks"],
                              ["Hoist rope", "Nordseil AS", "3 weeks"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_paragraph("Orders above 50,000 euros need the harbour master's signature.")
    doc.save(str(path))
    return path


def write_pptx(path: Path) -> Path:
    """Three slides: a title, a slide with a table, a slide whose speaker notes hold a fact."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = "Quarterly fleet review"
    slide.placeholders[1].text = "Operations department"
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Vehicles by depot"
    rows = [["Depot", "Buses", "Trams"], ["Westfield", "42", "7"], ["Marsh Lane", "18", "12"]]
    shape = slide.shapes.add_table(3, 3, Inches(1), Inches(2), Inches(6), Inches(2))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            shape.table.cell(r, c).text = value
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Next steps"
    slide.placeholders[1].text = "Electrify the Marsh Lane depot."
    slide.notes_slide.notes_text_frame.text = "The charging contractor Voltaris starts work on 4 May."
    prs.save(str(path))
    return path


def write_xlsx(path: Path, budget_rows: int = 60) -> Path:
    """Two sheets: 'Budget' (a header row and ``budget_rows`` item rows) and 'Staff'."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Budget"
    sheet.append(["Item", "Department", "Cost (EUR)"])
    for i in range(budget_rows):
        sheet.append([f"Item {i + 1:03d} office supplies", "Facilities", 100 + i])
    sheet.append(["Lighthouse lens refurbishment", "Maritime heritage", 48250])
    staff = book.create_sheet("Staff")
    staff.append(["Name", "Role", "Start date"])
    staff.append(["Ingrid Solberg", "Harbour pilot", "2021-03-01"])
    staff.append(["Tomasz Wrona", "Crane operator", "2019-11-15"])
    book.save(str(path))
    return path


def write_csv(path: Path) -> Path:
    lines = ["station,rainfall_mm,month"] + [f"Station {i},{10 + i},March" for i in range(30)]
    lines.append("Grimsvik ridge,212,March")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_html(path: Path) -> Path:
    path.write_text(
        "<!doctype html><html><head><title>Ferry timetable notice</title><style>p{color:red}</style>"
        "<script>var hidden = 'do not index me';</script></head><body>"
        "<h1>Winter ferry timetable</h1><p>From 1 December the Skarvøy ferry leaves at 07:40 and 16:10.</p>"
        "<h2>Fares</h2><table><tr><th>Ticket</th><th>Price</th></tr>"
        "<tr><td>Adult single</td><td>54 NOK</td></tr><tr><td>Bicycle</td><td>20 NOK</td></tr></table>"
        "</body></html>", encoding="utf-8")
    return path


_ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 office:version="1.2"><office:body><office:text>
<text:h text:outline-level="1">Allotment society rules</text:h>
<text:p>Bonfires are allowed<text:s/>only in November.</text:p>
<text:h text:outline-level="1">Plot fees</text:h>
<table:table table:name="Fees"><table:table-row><table:table-cell><text:p>Plot size</text:p></table:table-cell>
<table:table-cell><text:p>Annual fee</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Half plot</text:p></table:table-cell>
<table:table-cell><text:p>35 pounds</text:p></table:table-cell></table:table-row></table:table>
</office:text></office:body></office:document-content>"""


def write_odt(path: Path, encrypted: bool = False) -> Path:
    manifest = ('<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                + ('<manifest:encryption-data manifest:checksum-type="SHA1"/>' if encrypted else "")
                + "</manifest:file-entry></manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", _ODT_CONTENT)
    return path


def write_epub(path: Path) -> Path:
    """Two chapters in spine order (the second listed first in the manifest)."""
    chapter = ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>{t}</title></head>'
               "<body><h1>{t}</h1><p>{p}</p></body></html>")
    opf = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest>'
           '<item id="c2" href="text/two.xhtml" media-type="application/xhtml+xml"/>'
           '<item id="c1" href="text/one.xhtml" media-type="application/xhtml+xml"/></manifest>'
           '<spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0"?><container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
                   '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                   "</rootfiles></container>")
        z.writestr("OEBPS/content.opf", opf)
        z.writestr("OEBPS/text/one.xhtml", chapter.format(t="The keeper", p="Old Maren kept the lamp lit for forty winters."))
        z.writestr("OEBPS/text/two.xhtml", chapter.format(t="The storm", p="In 1953 the storm tore the gallery rail away."))
    return path


def write_eml(path: Path, html: bool = False) -> Path:
    msg = EmailMessage()
    msg["Subject"] = "Budget approval for the quay lighting"
    msg["From"] = "Astrid Holm <astrid@example.org>"
    msg["To"] = "works@example.org"
    msg["Date"] = "Tue, 04 Mar 2025 09:12:00 +0100"
    body = "The board approved 120,000 euros for LED quay lighting.\n\nWork starts after the herring season."
    if html:
        msg.set_content(body)
        msg.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
    else:
        msg.set_content(body)
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="quote.pdf")
    path.write_bytes(bytes(msg))
    return path


def encrypted_office(path: Path) -> Path:
    """What Office writes for a password-protected file: an OLE compound file with an EncryptedPackage stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path.write_bytes(header + "EncryptedInfo".encode("utf-16-le") + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2048)
    return path


def truncated(path: Path, source: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path
