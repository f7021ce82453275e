"""A whole-document summary of a real corpus PDF, indexed by the real Library (MiniLM, Chroma, FTS5) and
summarised by the bundled model in its own process: it finishes, and every point cites a page that
exists and states it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.rag.loaders import load_pages
from desktop_app.services import page_citations as pc
from desktop_app.services.document_tasks import DocumentTasks, TaskProgress
from tests.rag_fixtures import drain

ROOT = Path(__file__).resolve().parents[2]
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")) if p.is_dir()), None)
REPORT = "ntsb-aviation-incident-accident-reports/20080108X00029.pdf"  # 3 pages: a crash near Arteaga, Mexico

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CORPUS is None, reason="the shared corpus of real PDFs is not here")]


def test_the_bundled_model_summarises_an_indexed_report_citing_pages_that_state_each_point(
        bundled_llama_backend, isolated_home, tmp_path):
    from desktop_app.services.library import Library

    pdf = tmp_path / Path(REPORT).name
    shutil.copy(CORPUS / REPORT, pdf)
    library = Library(AppPaths.resolve(isolated_home), Settings(), MachinePolicy())
    try:
        drain(library.index([str(pdf)]))
        path = library.documents()[0].path
        pages = {p.number: p.text for p in load_pages(Path(path))}

        gen = DocumentTasks(library, lambda: bundled_llama_backend).summarise(path)
        steps = []
        while True:
            try:
                steps.append(next(gen))
            except StopIteration as stop:
                result = stop.value
                break
    finally:
        library.close()

    assert result is not None and result.points, result
    assert [s.step for s in steps if isinstance(s, TaskProgress) and s.step] == list(range(1, result.model_calls + 1))
    cited = [int(n) for n in re.findall(r"\(pp?\. (\d+)", result.text)]
    assert cited and all(n in pages for n in cited)
    assert {c.page for c in result.sources} <= set(pages)
    for point in result.points:  # each point's words and figures are on the page it cites
        assert pc.support(point.text, "\n".join(pages[p] for p in point.pages)) >= 0.4, point
    assert re.search(r"arteaga|cessna|mexico", result.text, re.I), result.text
