"""Document understanding on real public PDFs (the shared corpus): metadata, table rows, period questions.

Skipped when the corpus is absent (CI has it at ../shared/corpus relative to the checkout).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.rag.doc_meta import header
from desktop_app.rag.doc_meta_extract import extract
from desktop_app.rag.doc_meta_store import DocumentMetaStore
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.rag.indexer import Indexer
from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.loaders import PdfDocument
from desktop_app.rag.manifest import Manifest
from desktop_app.rag.retriever import HybridRetriever
from desktop_app.rag.table_rows import rewrite_tables
from tests.rag_fixtures import drain

ROOT = Path(__file__).resolve().parents[2]
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")) if p.is_dir()), None)
pytestmark = pytest.mark.skipif(CORPUS is None, reason="the shared corpus of real PDFs is not here")
REPORTS = "us-fed-agency-reports"


def read_meta(relative: str):
    doc = PdfDocument(CORPUS / relative)
    pages = []
    for page in doc.pages():
        pages.append(page.text)
        if len(pages) == 3:
            break
    return extract(Path(relative).name, doc.info(), pages)


@pytest.mark.parametrize(
    "relative, expected",
    [
        (f"{REPORTS}/2019-annual-performance-report.pdf",
         {"organisation": "United States Office of Personnel Management", "doc_type": "Annual Performance Report",
          "period": "FY 2019", "year_from": 2019}),
        (f"{REPORTS}/2013-annual-performance-report.pdf", {"period": "FY 2013", "doc_type": "Annual Performance Report"}),
        (f"{REPORTS}/DHS2020.pdf", {"doc_type": "Strategic Plan", "year_from": 2020, "year_to": 2024}),
        ("ntsb-aviation-incident-accident-reports/20080115X00053.pdf",
         {"organisation": "National Transportation Safety Board", "doc_type": "Aviation Accident Final Report",
          "title": "Aviation Accident Final Report, Elyria, OH", "period": "December 11, 2007", "reference": "CHI08CA048"}),
        ("nih-clinical-trial-protocols/NCT06151600_Prot_000.pdf",
         {"organisation": "Elpida Therapeutics", "doc_type": "Clinical Study Protocol", "reference": "NCT06151600"}),
    ],
)
def test_metadata_of_real_documents(relative, expected):
    meta = read_meta(relative)
    for key, value in expected.items():
        assert getattr(meta, key) == value, (key, meta)
    assert header(meta, 3).endswith(" · page 3")


def test_a_real_performance_table_keeps_its_column_headers():
    doc = PdfDocument(CORPUS / REPORTS / "2019-annual-performance-report.pdf")
    page = next(p for p in doc.pages() if p.number == 30)
    rows = rewrite_tables(page.text).split("\n")
    collaborative = next(r for r in rows if r.startswith("4.1 A"))
    assert "FY 2019 Results: 65.1%" in collaborative and "FY 2018 Results: 61.6%" in collaborative
    assert "FY 2019 Target: ≥62.5%" in collaborative


def _rows(year: int, number: int) -> list[str]:
    doc = PdfDocument(CORPUS / REPORTS / f"{year}-annual-performance-report.pdf")
    page = next(p for p in doc.pages() if p.number == number)
    return rewrite_tables(page.text).split("\n")


def test_tables_whose_headers_extraction_sets_off_are_read_by_counting_columns():
    # 2013: the header's second line ("Results Results ...") sits a few characters off the figures;
    # "FY 2010" above lends each column its year.
    chco = next(r for r in _rows(2013, 29) if r.startswith("Officer (CHCO) survey"))
    assert "FY 2012 Results: 70% | FY 2013 Results: 70% | FY 2013 Target: 72% | Not Met" in chco
    # 2016: the header is stretched (25 characters a column over figures 20 apart), and a stray
    # "Target" from the line above lies over "FY 2016 Results": it does not name that column.
    targets = next(r for r in _rows(2016, 40) if r.startswith("satisfaction score targets"))
    assert targets.endswith("FY 2015 Results: 43.8% | FY 2016 Results: 66.7% | Establish")
    # 2017: "99.9%~" (a footnote mark) is the FY 2017 result, not text after the target.
    quality = next(r for r in _rows(2017, 83) if r.startswith("FY 2014 Result: 99.9%"))
    assert quality.endswith("FY 2017 Result: 99.9%~ | FY 2017 Target: ≥99%")


def test_a_row_label_wrapped_over_several_lines_is_joined_to_its_row():
    # 2014, page 40: "Percent of retirement" / "7.02B and survivor claims  98% ..." / "processed accurately".
    rows = _rows(2014, 40)
    accurate = next(r for r in rows if r.startswith("7.02B "))
    assert accurate.startswith("7.02B Percent of retirement and survivor claims processed accurately | FY 2010 Results: 98%")
    assert not any(r.strip() == "processed accurately" for r in rows)  # the wrapped lines are in the row now
    # 2019, page 31: the measure's number stays first, its words in reading order.
    score = next(r for r in _rows(2019, 31) if r.startswith("4.3 A"))
    assert score.startswith("4.3 A Average satisfaction score for financial management quality from OPM senior "
                            "supervisory employees | FY 2015 Results: 4.62")


def test_a_heading_cell_extraction_ran_together_is_split_into_its_columns():
    # 2020, page 29: "FY 2020 TargetMet/Trend" is two columns; the FY 2020 result is 68.5, the target ≤60.
    days = next(r for r in _rows(2020, 29) if r.startswith("4.4 B"))
    assert days == ("4.4 B Average number of days to process retirement cases | FY 2016 Results: 54.1 | FY 2017 Results: 67.0"
                    " | FY 2018 Results: 58.6 | FY 2019 Results: 55.7 | FY 2020 Results: 68.5 | FY 2020 Target: ≤60 | Not Met")


def test_a_line_of_figures_above_a_row_is_never_its_header():
    # 2015, page 28: the line above the row holds other figures ("41,176 ^", "≤ 13,142"); read as a
    # header it paired "79%" with "12,767" (before). The row is left as extracted.
    row = next(r for r in _rows(2015, 28) if "within 60 days" in r and "79%" in r)
    assert " | " not in row


def test_a_figure_under_a_met_column_is_not_named_after_it():
    # 2015, page 73: the FY 2016 target's header is lost in extraction, so "≤ $128.47" lies under
    # "Met/Not Met"; it stays in the row unnamed instead of being called the Met/Not Met value.
    row = next(r for r in _rows(2015, 73) if "$124.48" in r)
    assert "FY 2015 Results: $124.48 | FY 2015 Target: ≤ $129.01" in row
    assert "Met/Not Met:" not in row and row.endswith("| Met | ≤ $128.47")


def test_a_row_that_ends_before_an_empty_trend_column_is_read():
    # 2015, page 82: the FY 2011-FY 2015 trend is an arrow, so the row has one cell fewer than the header.
    quality = next(r for r in _rows(2015, 82) if "FY 2012 Results: 99.9%" in r)
    assert quality.endswith("FY 2014 Results: 99.9% | FY 2015 Results: 99.9% | FY 2015 Target: ≥ 99% | "
                            "FY 2016 Target: 99% | Met")
    # 2020, page 35: a FY 2019 target, then the FY 2020 result written in words.
    fehb = next(r for r in _rows(2020, 35) if "FEHB enrollees" in r)
    assert "FY 2019 Results: 80.9% | FY 2019 Target: ≥75% | Met" in fehb


def test_a_measure_table_with_a_stacked_year_and_run_together_headings_is_read():
    # 2016, page 102: "FY 2012" stands over "Results" on a line of its own, and "FY 2016
    # TargetMet/Trend" runs three headings together; the FY 2012 cell is N/A*.
    row = next(r for r in _rows(2016, 102) if "92.5%" in r)
    assert row == ("FY 2012 Results: N/A* | FY 2013 Results: 91% | FY 2014 Results: 88% | FY 2015 Results: 85% | "
                   "FY 2016 Results: 92.5% | FY 2016 Target: ≥85% | Met")


def test_a_heading_cell_holding_target_and_status_headings_is_split():
    # 2017, page 55: "FY 2017 Target Met/ Trend" is the target's column and the status's.
    row = next(r for r in _rows(2017, 55) if "57.3%" in r)
    assert row == ("FY 2013 Results: –* | FY 2014 Results: 79% | FY 2015 Results: 70.1% | FY 2016 Results: 77.1% | "
                   "FY 2017 Results: 57.3% | FY 2017 Target: ≥90% | Not Met")


def test_a_target_stacked_above_its_comparator_and_a_label_wrapped_far_below_the_header_are_read():
    # 2017, page 26: "$128.15~  Not Met" sits on the label's line, the "≤" on the results' line; the
    # 7.03B row lies 14 lines below its header, its label over four lines.
    rows = _rows(2017, 26)
    cost = next(r for r in rows if "$135.05" in r)
    assert cost.endswith("FY 2017 Results: $135.05 | FY 2017 Target: ≤$128.15~ | Not Met")
    assert not any("$128.15~" in r and "$135.05" not in r for r in rows)
    accuracy = next(r for r in rows if "93.6%" in r)
    assert accuracy == ("7.03B Percent of retirement and survivor claims processed accurately | FY 2013 Results: 93% | "
                        "FY 2014 Results: 94% | FY 2015 Results: 94.1% | FY 2016 Results: 95.6% | "
                        "FY 2017 Results: 93.6% | FY 2017 Target: ≥95% | Not Met")


def test_a_question_naming_a_year_or_latest_finds_that_report(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for year in (2018, 2019, 2020):
        (folder / f"{year}-annual-performance-report.pdf").symlink_to(CORPUS / REPORTS / f"{year}-annual-performance-report.pdf")
    manifest = Manifest(tmp_path / "index" / "manifest.sqlite3")
    meta = DocumentMetaStore(tmp_path / "index" / "manifest.sqlite3")
    keywords = KeywordStore(tmp_path / "index" / "keywords.sqlite3")
    vectors = InMemoryVectorStore()
    emb = FakeEmbedder()
    report = drain(Indexer(emb, vectors, keywords, manifest, metadata=meta).run([str(folder)]))
    assert report.files_indexed == 3 and not report.failed
    retriever = HybridRetriever(emb, vectors, keywords, documents=meta.all)

    hits = retriever.retrieve("What was OPM's collaborative management score in FY 2019?", k=5)
    assert hits and all(h.source.endswith("2019-annual-performance-report.pdf") for h in hits)
    assert any("65.1%" in h.text for h in hits)
    # Each hit says which report it is from (the model is shown it beside the passage).
    assert all("Annual Performance Report" in h.document and "2019" in h.document and "page" not in h.document
               for h in hits)
    latest = retriever.retrieve("What was the collaborative management score target in the latest annual performance report?", k=3)
    assert latest and all(h.source.endswith("2020-annual-performance-report.pdf") for h in latest)
    compared = retriever.retrieve("Compare the collaborative management score in FY 2018 and FY 2019", k=5)
    assert {Path(h.source).name[:4] for h in compared} >= {"2018", "2019"}


def test_docs_list_shows_and_set_meta_corrects_what_a_document_is(tmp_path):
    import json
    import subprocess
    import sys

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True, timeout=600)

    report = CORPUS / "ntsb-aviation-incident-accident-reports" / "20080115X00053.pdf"
    assert cli("index", str(report), "--quiet").returncode == 0
    listed = cli("docs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)["documents"][0]
    assert (doc["organisation"], doc["doc_type"], doc["period"], doc["reference"]) == (
        "National Transportation Safety Board", "Aviation Accident Final Report", "December 11, 2007", "CHI08CA048")
    assert not doc["needs_reindex"]
    plain = cli("docs", "list")
    assert "National Transportation Safety Board · Aviation Accident Final Report" in plain.stdout

    edited = cli("docs", "set-meta", str(report), "--title", "Aerostar wing strike after take-off", "--period", "FY 2008")
    assert edited.returncode == 0, edited.stderr
    doc = json.loads(cli("docs", "list", "--json").stdout)["documents"][0]
    assert (doc["title"], doc["period"], doc["needs_reindex"]) == ("Aerostar wing strike after take-off", "FY 2008", True)
    missing = cli("docs", "set-meta", str(tmp_path / "nowhere.pdf"), "--title", "x")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr and "not in the document index" in missing.stderr
