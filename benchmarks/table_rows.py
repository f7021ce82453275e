"""How many table rows of real reports are read with their column headings, against a baseline.

Every page of the PDFs under ``--folder`` (the corpus's agency performance reports by default) is
extracted once the way the loader does (pypdf layout mode, lines spaced vertically) and rewritten
by ``rag.table_rows.rewrite_tables`` today and as it was at ``--baseline`` (its ``table_*``
modules read with ``git show``, nothing checked out). Counted on each output:

- ``named``: rows rewritten as "label | heading: value | …" (a figure paired with its column);
- ``bare``: lines still holding a row of figures without headings ("63% 65% 93% 83.8% …");
- ``lines_changed``: output lines that differ from the baseline's (``--diff`` prints them: every
  new reading should be checked against its page before it is kept).

Pure text work after extraction: extraction takes a few minutes for the 19 agency reports on
2 cores, the rewriting a second.

    python benchmarks/table_rows.py [--baseline REV] [--folder us-fed-agency-reports] [--diff] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from git_modules import module_at  # noqa: E402
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")) if p.is_dir()), ROOT)


def pages(folder: Path) -> list[tuple[str, int, str]]:
    """(file name, page number, layout text) of every page the loader's extraction reads."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings on every page of some reports
    out = []
    for pdf in sorted(folder.rglob("*.pdf")):
        for number, page in enumerate(PdfReader(str(pdf)).pages, 1):
            try:
                text = page.extract_text(extraction_mode="layout", layout_mode_space_vertically=True)
            except Exception:  # noqa: BLE001 - a page the loader would skip too
                continue
            out.append((pdf.name, number, text))
    return out


def baseline_rewriter(revision: str):
    """``rewrite_tables`` as it was at ``revision``: its table_* modules loaded from git."""
    return module_at(revision, "table_", "table_rows", "baseline_tables").rewrite_tables


def count(rewrite, extracted) -> tuple[dict, list[list[str]]]:
    from desktop_app.rag.table_cells import CELL, cells
    from desktop_app.rag.table_rows import _figure_row

    named = bare = 0
    outputs = []
    for _name, _number, text in extracted:
        lines = rewrite(text).split("\n")
        outputs.append(lines)
        for line in lines:
            if CELL in line and ": " in line:
                named += 1
            elif line.strip() and _figure_row(cells(line)):
                bare += 1
    return {"named": named, "bare": bare}, outputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="8648b29", metavar="REV", help="the table reader to compare with")
    parser.add_argument("--folder", default="us-fed-agency-reports", help="a folder of the corpus ('' for all)")
    parser.add_argument("--diff", action="store_true", help="print each changed line, baseline then today")
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    args = parser.parse_args()
    from desktop_app.rag.table_rows import rewrite_tables

    extracted = pages(CORPUS / args.folder)
    now, now_lines = count(rewrite_tables, extracted)
    before, before_lines = count(baseline_rewriter(args.baseline), extracted)
    changed = 0
    for (name, number, _text), old, new in zip(extracted, before_lines, now_lines):
        for a, b in zip(old, new):
            if a != b:
                changed += 1
                if args.diff and not args.json:
                    print(f"{name} p{number}\n  - {' '.join(a.split())}\n  + {' '.join(b.split())}", file=sys.stderr)
    print(json.dumps({"benchmark": "table_rows", "folder": args.folder, "pages": len(extracted), "now": now,
                      "baseline": {"revision": args.baseline, **before}, "lines_changed": changed}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
