"""Quarterly and annual filings (Form 10-Q, 10-K) laid out as EDGAR filings print: a cover page, the
statements of operations with "Three Months Ended | Nine Months Ended" over the columns' dates, and
the MD&A's gross-margin tables.

Several filings of one company hold the same rows for other periods (the "Services gross margin
percentage" of four quarters), so a question about "the latest 10-Q", "Q1 fiscal 2023" or "the
three months ended June 25, 2022" is answered only when the index knows which filing covers
which period. Three companies, with fiscal years ending in September, December and June. The
figures are made up (seeded); the layout and the wording are those of real filings. Used by the
filing tests and ``benchmarks/filings.py``.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Company:
    name: str
    file_number: str
    state: str
    tax_id: str
    address: tuple[str, ...]
    fiscal_note: str
    scale: float = 1.0


@dataclass(frozen=True)
class Filing:
    file: str
    company: Company
    form: str  # "10-Q" or "10-K"
    period_line: str  # "For the quarterly period ended July 1, 2023"
    groups: tuple[tuple[str, int], ...]  # ("Three Months Ended", 2), ("Nine Months Ended", 2)
    dates: tuple[str, ...]  # each column's date
    periods_phrase: str  # "three- and nine-month periods ended July 1, 2023 and June 25, 2022"


APPLE = Company("Apple Inc.", "001-36743", "California", "94-2404110", ("One Apple Park Way", "Cupertino, California 95014"),
                "The Company's fiscal year is the 52- or 53-week period that ends on the last Saturday of September.")
NORTHWIND = Company("Northwind Traders, Inc.", "001-41877", "Delaware", "83-1190245",
                    ("400 Harbor Boulevard", "Tacoma, Washington 98402"), "The Company's fiscal year ends on December 31.",
                    scale=0.05)
# A fiscal year ending in June, and a cover set in capitals (as Microsoft's is).
CONTOSO = Company("CONTOSO LTD.", "001-55012", "Washington", "91-7654321", ("1 Contoso Way", "Redmond, Washington 98052"),
                  "The Company's fiscal year ends on June 30.", scale=0.3)

FILINGS = (
    Filing("aapl-20221231.pdf", APPLE, "10-Q", "For the quarterly period ended December 31, 2022", (("Three Months Ended", 2),),
           ("December 31, 2022", "December 25, 2021"), "three months ended December 31, 2022 and December 25, 2021"),
    Filing("aapl-20230401.pdf", APPLE, "10-Q", "For the quarterly period ended April 1, 2023",
           (("Three Months Ended", 2), ("Six Months Ended", 2)), ("April 1, 2023", "March 26, 2022", "April 1, 2023", "March 26, 2022"),
           "three- and six-month periods ended April 1, 2023 and March 26, 2022"),
    Filing("aapl-20230701.pdf", APPLE, "10-Q", "For the quarterly period ended July 1, 2023",
           (("Three Months Ended", 2), ("Nine Months Ended", 2)), ("July 1, 2023", "June 25, 2022", "July 1, 2023", "June 25, 2022"),
           "three- and nine-month periods ended July 1, 2023 and June 25, 2022"),
    Filing("aapl-20220924.pdf", APPLE, "10-K", "For the fiscal year ended September 24, 2022", (("Years ended", 3),),
           ("September 24, 2022", "September 25, 2021", "September 26, 2020"),
           "years ended September 24, 2022, September 25, 2021 and September 26, 2020"),
    Filing("nwt-20240331.pdf", NORTHWIND, "10-Q", "For the quarterly period ended March 31, 2024", (("Three Months Ended", 2),),
           ("March 31, 2024", "March 31, 2023"), "three months ended March 31, 2024 and 2023"),
    Filing("nwt-20240630.pdf", NORTHWIND, "10-Q", "For the quarterly period ended June 30, 2024",
           (("Three Months Ended", 2), ("Six Months Ended", 2)), ("June 30, 2024", "June 30, 2023", "June 30, 2024", "June 30, 2023"),
           "three- and six-month periods ended June 30, 2024 and 2023"),
    Filing("nwt-20231231.pdf", NORTHWIND, "10-K", "For the fiscal year ended December 31, 2023", (("Years ended", 3),),
           ("December 31, 2023", "December 31, 2022", "December 31, 2021"), "years ended December 31, 2023, 2022 and 2021"),
    Filing("ctso-10k-2023.pdf", CONTOSO, "10-K", "FOR THE FISCAL YEAR ENDED JUNE 30, 2023", (("Years ended", 3),),
           ("June 30, 2023", "June 30, 2022", "June 30, 2021"), "years ended June 30, 2023, 2022 and 2021"),
    Filing("ctso-10q-20230930.pdf", CONTOSO, "10-Q", "FOR THE QUARTERLY PERIOD ENDED SEPTEMBER 30, 2023",
           (("Three Months Ended", 2),), ("September 30, 2023", "September 30, 2022"), "three months ended September 30, 2023 and 2022"),
    Filing("ctso-10q-20231231.pdf", CONTOSO, "10-Q", "FOR THE QUARTERLY PERIOD ENDED DECEMBER 31, 2023",
           (("Three Months Ended", 2), ("Six Months Ended", 2)),
           ("December 31, 2023", "December 31, 2022", "December 31, 2023", "December 31, 2022"),
           "three and six months ended December 31, 2023 and 2022"),
    Filing("ctso-10q-20240331.pdf", CONTOSO, "10-Q", "FOR THE QUARTERLY PERIOD ENDED MARCH 31, 2024",
           (("Three Months Ended", 2), ("Nine Months Ended", 2)), ("March 31, 2024", "March 31, 2023", "March 31, 2024", "March 31, 2023"),
           "three and nine months ended March 31, 2024 and 2023"),
)
# Right edges of the figure columns, by how many there are (room for "September 24, 2022").
_COLUMNS = {2: (420, 540), 3: (330, 440, 550), 4: (330, 405, 480, 555)}


def _fmt(value: int) -> str:
    return f"({abs(value):,})" if value < 0 else f"{value:,}"


class _Page:
    """One page being drawn, top to bottom."""

    def __init__(self, canvas, height: float) -> None:
        self.c, self.y = canvas, height - 60

    def centred(self, text: str, size: float = 10, bold: bool = False, gap: float = 16) -> None:
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.c.drawCentredString(306, self.y, text)
        self.y -= gap

    def para(self, text: str, size: float = 9.5, bold: bool = False) -> None:
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        for line in textwrap.wrap(text, 105):
            self.c.drawString(60, self.y, line)
            self.y -= 13
        self.y -= 6

    def table(self, filing: Filing, rows: list[tuple[str, list[str] | None, bool]]) -> None:
        """The period groups centred over their columns, the dates, then each row ("$" on bold rows)."""
        cols = _COLUMNS[len(filing.dates)]
        self.c.setFont("Helvetica-Bold", 8.5)
        first = 0
        for label, n in filing.groups:
            self.c.drawCentredString((cols[first] - 50 + cols[first + n - 1]) / 2, self.y, label)
            first += n
        self.y -= 11
        for x, day in zip(cols, filing.dates):
            self.c.drawRightString(x, self.y, day)
        self.y -= 14
        for label, values, bold in rows:
            self.c.setFont("Helvetica-Bold" if bold else "Helvetica", 8.5)
            self.c.drawString(72 if label.startswith("  ") else 60, self.y, label.strip())
            for x, value in zip(cols, values or []):
                if bold and not value.endswith("%"):
                    self.c.drawString(x - 62, self.y, "$")
                self.c.drawRightString(x, self.y, value)
            self.y -= 12
        self.y -= 8

    def footer(self, text: str) -> None:
        self.c.setFont("Helvetica", 8)
        self.c.drawCentredString(306, 40, text)
        self.c.showPage()


def _cover(page: _Page, filing: Filing) -> None:
    co = filing.company
    page.centred("UNITED STATES", 12, True)
    page.centred("SECURITIES AND EXCHANGE COMMISSION", 12, True)
    page.centred("Washington, D.C. 20549", gap=24)
    page.centred(f"FORM {filing.form}", 14, True, gap=24)
    page.centred("(Mark One)", 9)
    kind = "QUARTERLY" if filing.form == "10-Q" else "ANNUAL"
    page.centred(f"\u2612 {kind} REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934", 9, True)
    page.centred(filing.period_line)
    page.centred("or")
    page.centred("\u2610 TRANSITION REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934", 9, True)
    page.centred("For the transition period from            to           .", gap=20)
    page.centred(f"Commission File Number: {co.file_number}", gap=24)
    page.centred(co.name, 16, True, gap=14)
    page.centred("(Exact name of Registrant as specified in its charter)", 8, gap=20)
    page.c.setFont("Helvetica", 10)
    page.c.drawCentredString(204, page.y, co.state)
    page.c.drawCentredString(408, page.y, co.tax_id)
    page.y -= 12
    page.c.setFont("Helvetica", 8)
    page.c.drawCentredString(204, page.y, "(State or other jurisdiction of incorporation or organization)")
    page.c.drawCentredString(408, page.y, "(I.R.S. Employer Identification No.)")
    page.y -= 20
    for line in co.address:
        page.centred(line, gap=13)
    page.centred("(Address of principal executive offices) (Zip Code)", 8, gap=20)
    page.para("Indicate by check mark whether the Registrant (1) has filed all reports required to be filed by Section 13 or "
              "15(d) of the Securities Exchange Act of 1934 during the preceding 12 months and (2) has been subject to such "
              "filing requirements for the past 90 days. Yes \u2612 No \u2610", 9)
    page.c.showPage()


def _figures(rng: random.Random, filing: Filing) -> dict[str, list[int]]:
    n, big, scale = len(filing.dates), 4 if filing.form == "10-K" else 1, filing.company.scale

    def draw(lo: int, hi: int) -> list[int]:
        return [int(rng.randint(lo, hi) * big * scale) for _ in range(n)]

    f = {"products": draw(60000, 96000), "services": draw(19000, 23000), "rd": draw(6300, 7800), "sga": draw(5900, 6800),
         "tax": draw(2800, 4500), "other": [rng.randint(-400, 300) for _ in range(n)]}
    f["cost_products"] = [int(p * rng.uniform(0.62, 0.66)) for p in f["products"]]
    f["cost_services"] = [int(s * rng.uniform(0.27, 0.31)) for s in f["services"]]
    col = range(n)
    f["net_sales"] = [f["products"][i] + f["services"][i] for i in col]
    f["cost"] = [f["cost_products"][i] + f["cost_services"][i] for i in col]
    f["gross_margin"] = [f["net_sales"][i] - f["cost"][i] for i in col]
    f["opex"] = [f["rd"][i] + f["sga"][i] for i in col]
    f["operating_income"] = [f["gross_margin"][i] - f["opex"][i] for i in col]
    f["pretax"] = [f["operating_income"][i] + f["other"][i] for i in col]
    f["net_income"] = [f["pretax"][i] - f["tax"][i] for i in col]
    return f


def write_filing(folder: Path, filing: Filing, rng: random.Random) -> dict[str, list[str]]:
    """Write one filing's PDF; return its figures as printed, by row name, one per column."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas as pdf

    f = _figures(rng, filing)
    c = pdf.Canvas(str(folder / filing.file), pagesize=letter, invariant=1)
    c.setTitle(filing.file.rsplit(".", 1)[0])
    height = letter[1]
    _cover(_Page(c, height), filing)
    name, form = filing.company.name, filing.form
    page = _Page(c, height)
    page.para(name, 11, True)
    title = "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS (Unaudited)" if form == "10-Q" else "CONSOLIDATED STATEMENTS OF OPERATIONS"
    page.para(title, 10, True)
    page.para("(In millions, except number of shares, which are reflected in thousands, and per-share amounts)", 8.5)

    def row(label: str, key: str | None, bold: bool = False):
        return label, [_fmt(v) for v in f[key]] if key else None, bold

    page.table(filing, [row("Net sales:", None), row("  Products", "products", True), row("  Services", "services"),
                        row("Total net sales", "net_sales"), row("Cost of sales:", None), row("  Products", "cost_products"),
                        row("  Services", "cost_services"), row("Total cost of sales", "cost"), row("Gross margin", "gross_margin"),
                        row("Operating expenses:", None), row("  Research and development", "rd"),
                        row("  Selling, general and administrative", "sga"), row("Total operating expenses", "opex"),
                        row("Operating income", "operating_income"), row("Other income/(expense), net", "other"),
                        row("Income before provision for income taxes", "pretax"), row("Provision for income taxes", "tax"),
                        row("Net income", "net_income", True)])
    page.para("See accompanying Notes to Condensed Consolidated Financial Statements.", 8.5)
    page.footer(f"{name} | {form} | 2")
    page = _Page(c, height)
    page.para("Item 2. Management's Discussion and Analysis of Financial Condition and Results of Operations", 10, True)
    page.para(filing.company.fiscal_note)
    page.para("Gross Margin", 10, True)
    page.para(f"Products and Services gross margin and gross margin percentage for the {filing.periods_phrase} were as "
              "follows (dollars in millions):")
    margins = {k: [f[k][i] - f[f"cost_{k}"][i] for i in range(len(filing.dates))] for k in ("products", "services")}
    page.table(filing, [("Gross margin:", None, False), ("  Products", [_fmt(v) for v in margins["products"]], True),
                        ("  Services", [_fmt(v) for v in margins["services"]], False),
                        ("Total gross margin", [_fmt(v) for v in f["gross_margin"]], True)])
    share = {k: [f"{100 * m / t:.1f}%" for m, t in zip(margins[k], f[k])] for k in margins}
    total_share = [f"{100 * g / t:.1f}%" for g, t in zip(f["gross_margin"], f["net_sales"])]
    page.table(filing, [("Gross margin percentage:", None, False), ("  Products", share["products"], False),
                        ("  Services", share["services"], False), ("Total gross margin percentage", total_share, False)])
    page.para("Products gross margin percentage increased compared to the same period in the prior year due primarily to cost "
              "savings and a different mix of products, partially offset by a weaker foreign currency. Services gross margin "
              "percentage decreased due primarily to higher costs.")
    page.footer(f"{name} | {form} | 3")
    c.save()
    printed = {k: [_fmt(v) for v in vals] for k, vals in f.items()}
    printed["services_share"] = share["services"]
    return printed


def write_filings(folder: Path, seed: int = 3) -> dict[str, dict[str, list[str]]]:
    """Write every filing of ``FILINGS`` into ``folder``; return each file's printed figures."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    return {filing.file: write_filing(folder, filing, rng) for filing in FILINGS}


def filing_questions(facts: dict[str, dict[str, list[str]]]) -> list[dict]:
    """Questions on the filings (``benchmarks/retrieval.py`` form): the answer, its file and pages."""
    a1, a2, a3, ak = "aapl-20221231.pdf", "aapl-20230401.pdf", "aapl-20230701.pdf", "aapl-20220924.pdf"
    n1, n2, nk = "nwt-20240331.pdf", "nwt-20240630.pdf", "nwt-20231231.pdf"
    asked = [
        ("What was the gross margin for Apple in the latest 10-Q report?", a3, "gross_margin", 0, "latest"),
        ("What was Apple's total gross margin in its most recent quarterly report?", a3, "gross_margin", 0, "latest"),
        ("What was Apple's operating income in the earliest 10-Q?", a1, "operating_income", 0, "latest"),
        ("What was the gross margin in Apple's previous 10-Q, before the latest one?", a2, "gross_margin", 0, "latest"),
        ("What was Northwind Traders' total net sales in the latest quarter?", n2, "net_sales", 0, "latest"),
        ("What were Apple's research and development expenses in the quarter ended April 1, 2023?", a2, "rd", 0, "period"),
        ("What were Apple's total net sales in the first quarter of fiscal 2023?", a1, "net_sales", 0, "period"),
        ("What was Apple's net income for fiscal year 2022?", ak, "net_income", 0, "period"),
        ("What was Apple's net income in the quarter ended December 31, 2022?", a1, "net_income", 0, "period"),
        ("What was Apple's gross margin for fiscal 2021?", ak, "gross_margin", 1, "period"),
        ("What was Northwind's operating income in 2023?", nk, "operating_income", 0, "period"),
        ("What was Northwind's net income in Q1 2024?", n1, "net_income", 0, "period"),
        ("What was Northwind's research and development expense in the first quarter of 2023?", n1, "rd", 1, "period"),
        ("What was Apple's Services gross margin percentage for the three months ended July 1, 2023?", a3, "services_share", 0,
         "table"),
        ("How much did Apple spend on research and development in the nine months ended July 1, 2023?", a3, "rd", 2, "table"),
        ("What were Apple's total net sales for the three months ended June 25, 2022?", a3, "net_sales", 1, "table"),
        ("What were Northwind Traders' total operating expenses for the six months ended June 30, 2024?", n2, "opex", 2, "table"),
    ]
    c1, c2, c3, ck = "ctso-10q-20230930.pdf", "ctso-10q-20231231.pdf", "ctso-10q-20240331.pdf", "ctso-10k-2023.pdf"
    # Written after the rules, for a fiscal year ending in June (stop 39's code: 7 of these 8).
    asked += [
        ("What was Contoso's revenue in the second quarter of fiscal 2024?", c2, "net_sales", 0, "period"),
        ("What were Contoso's total net sales in Q3 FY2024?", c3, "net_sales", 0, "period"),
        ("What was Contoso's net income in its most recent 10-Q?", c3, "net_income", 0, "latest"),
        ("What was Contoso's operating income in its latest annual report?", ck, "operating_income", 0, "latest"),
        ("What was Contoso's gross margin for the three months ended December 31, 2022?", c2, "gross_margin", 1, "table"),
        ("What was Contoso's research and development expense in the first quarter of fiscal 2023?", c1, "rd", 1, "period"),
        ("What was Contoso's net income for fiscal year 2022?", ck, "net_income", 1, "period"),
        ("How much did Contoso spend on research and development in the six months ended December 31, 2023?", c2, "rd", 2,
         "table"),
    ]
    out = [{"question": q, "answers": [facts[file][key][col]], "files": [file], "pages": [2, 3], "kind": kind}
           for q, file, key, col, kind in asked]
    out.append({"question": "Compare Apple's total gross margin in the quarters ended April 1, 2023 and July 1, 2023.",
                "answers": [facts[a2]["gross_margin"][0], facts[a3]["gross_margin"][0]], "answers_all": True,
                "files": [a2, a3], "pages": [2, 3], "kind": "multi-document"})
    return out
