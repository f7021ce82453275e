"""Office, web, e-book and e-mail files indexed into a real Library home (real Chroma, real FTS5), cited by slide, sheet and rows.

The embedder is the fast deterministic fake (``rag.embedder = fake-hash-384``): what is under
test is reading the files and carrying each passage's unit to its citation, not the model.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.rag.prompting import build_grounded_prompt
from desktop_app.services.library import Library
from tests import office_fixtures as ox
from tests.rag_fixtures import drain

pytestmark = pytest.mark.slow
FAKE_EMBEDDER = "fake-hash-384"


def library(home) -> Library:
    settings = Settings()
    settings.set("rag.embedder", FAKE_EMBEDDER)
    return Library(AppPaths.resolve(home), settings, MachinePolicy())


def best(lib: Library, query: str, name: str):
    # The hashed bag-of-words embedder scores a chunk of many sheet rows low for a few words;
    # queries about rows therefore name a figure of the row, as a user asking about it would.
    hits = [h for h in lib.search(query, k=5) if h.source.endswith(name)]
    assert hits, f"no hit in {name} for {query!r}"
    return hits[0]


def test_office_and_web_files_are_indexed_and_cited_by_their_unit(tmp_path):
    folder = tmp_path / "office"
    folder.mkdir()
    ox.write_docx(folder / "crane plan.docx")
    ox.write_pptx(folder / "fleet review.pptx")
    ox.write_xlsx(folder / "harbour budget.xlsx", budget_rows=250)
    ox.write_csv(folder / "rainfall.csv")
    ox.write_html(folder / "ferry.html")
    ox.write_odt(folder / "allotment rules.odt")
    ox.write_epub(folder / "lighthouse.epub")
    ox.write_eml(folder / "approval.eml")
    ox.encrypted_office(folder / "salaries.xlsx")
    ox.truncated(folder / "broken.pptx", folder / "fleet review.pptx")

    home = tmp_path / "home"
    lib = library(home)
    try:
        report = drain(lib.index([str(folder)], "office"))
        assert report.files_indexed == 8, report.failed
        failed = {p.path.rsplit("/", 1)[-1]: p.reason for p in report.failed}
        assert set(failed) == {"salaries.xlsx", "broken.pptx"}
        assert "protected with a password" in failed["salaries.xlsx"]
        assert "damaged" in failed["broken.pptx"]
        docs = {d.path.rsplit("/", 1)[-1]: d for d in lib.documents()}
        assert docs["fleet review.pptx"].pages == 3  # the real count, not the estimate from the file size

        hit = best(lib, "Voltaris charging contractor", "fleet review.pptx")
        assert (hit.page, hit.unit, hit.place) == (3, "slide 3", "slide 3") and "Voltaris" in hit.text

        hit = best(lib, "Lighthouse lens refurbishment Maritime heritage cost 48250", "harbour budget.xlsx")
        assert hit.unit.startswith("Sheet Budget, rows ") and hit.unit.endswith("–252")
        assert "Cost (EUR): 48250" in hit.text

        hit = best(lib, "Tomasz Wrona crane operator start date 2019-11-15", "harbour budget.xlsx")
        assert hit.unit == "Sheet Staff, rows 2–3"

        hit = best(lib, "Kessler Antriebe slewing bearing lead time", "crane plan.docx")
        assert hit.unit == "section 2: Spare parts suppliers" and "Lead time: 14 weeks" in hit.text

        assert best(lib, "Grimsvik ridge rainfall_mm 212", "rainfall.csv").unit == "rows 2–32"
        assert best(lib, "adult single ticket price", "ferry.html").unit == "section 2: Fares"
        assert best(lib, "bonfires November", "allotment rules.odt").unit == "section 1: Allotment society rules"
        assert best(lib, "storm gallery rail 1953", "lighthouse.epub").unit == "chapter 2: The storm"
        assert best(lib, "LED quay lighting approved", "approval.eml").unit.startswith("message")

        # The answer's citation and the model's prompt name the slide, not a page.
        _prompt, citations = build_grounded_prompt("Who starts the charging work?",
                                                   [best(lib, "Voltaris charging contractor", "fleet review.pptx")],
                                                   10_000, lambda messages: sum(len(m.content) // 4 for m in messages))
        assert citations[0].place == "slide 3" and citations[0].to_json()["unit"] == "slide 3"
        assert "fleet review.pptx, slide 3:" in _prompt

        # Whole-document reads (summaries) keep the units too.
        assert {h.unit for h in lib.passages(str(folder / "fleet review.pptx"))} == {"slide 1", "slide 2", "slide 3"}
    finally:
        lib.close()

    # The CLI prints and returns the unit.
    cli = [sys.executable, "-m", "desktop_app", "--home", str(home)]
    assert subprocess.run(cli + ["config", "set", "rag.embedder", FAKE_EMBEDDER], capture_output=True, timeout=300).returncode == 0
    run = subprocess.run([sys.executable, "-m", "desktop_app", "--home", str(home), "search", "Voltaris charging contractor",
                          "--k", "3", "--json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    hits = [h for h in json.loads(run.stdout) if h["source"].endswith("fleet review.pptx")]
    assert hits and hits[0]["unit"] == "slide 3" and hits[0]["page"] == 3


def test_reindexing_a_changed_sheet_replaces_its_units(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    sheet = ox.write_xlsx(folder / "budget.xlsx", budget_rows=10)
    lib = library(tmp_path / "home")
    try:
        drain(lib.index([str(folder)]))
        assert best(lib, "Lighthouse lens refurbishment Maritime heritage cost 48250", "budget.xlsx").unit == "Sheet Budget, rows 2–12"
        ox.write_xlsx(sheet, budget_rows=20)
        drain(lib.index([str(folder)]))
        assert best(lib, "Lighthouse lens refurbishment Maritime heritage cost 48250", "budget.xlsx").unit == "Sheet Budget, rows 2–22"
        vectors, keywords = lib.stores.open()
        units = keywords._db.execute("SELECT count(*) FROM chunk_units").fetchone()[0]
        assert units == keywords.count()  # the old file's units went with its chunks
        lib.remove_document(str(sheet))
        assert keywords._db.execute("SELECT count(*) FROM chunk_units").fetchone()[0] == 0
    finally:
        lib.close()
