"""Retrieval on quarterly and annual filings (Form 10-Q, 10-K): today's retriever against the
retriever without document understanding (baseline), in one run.

The corpus of ``../shared/corpus`` holds no financial filings, and the questions users ask of them
("the gross margin in the latest 10-Q", "net sales in the first quarter of fiscal 2023", "the
three months ended June 25, 2022") depend on knowing which filing covers which period. This writes
eleven filings of three companies as EDGAR prints them (``tests/filing_fixtures.py``: fiscal years
ending in September, December and June; a cover page, statements of operations under "Three
Months Ended | Nine Months Ended" and their dates, the MD&A's gross-margin tables; figures made
up, seeded) and 26 questions on them, then scores both variants with ``benchmarks/retrieval.py``
(document hit@5, page hit@5, evidence@5, latency). A synthetic check of the layout and the
wording, not a claim about real filings.

With ``--answers``, the same questions are asked end to end instead (``benchmarks/answer_quality.py``,
the app's document model, ``default-fast``, 2 threads): right fact and gold page, and how many of
those are right only by a source line the app quoted (a statement row where the model declined
or gave another column's figure): the model's own words are the baseline in the same run.

    python benchmarks/filings.py [--misses FILE]
    python benchmarks/filings.py --answers [--models MODEL ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.filing_fixtures import filing_questions, write_filings  # noqa: E402


def main() -> int:
    extra = sys.argv[1:]
    answers = "--answers" in extra
    extra = [a for a in extra if a != "--answers"]
    with tempfile.TemporaryDirectory(prefix="slm-filings-bench-") as tmp:
        folder = Path(tmp) / "filings"
        facts = write_filings(folder)
        questions = Path(tmp) / "filing_questions.jsonl"
        rows = [dict(q, id=f"f{n:02d}", grounded=True) for n, q in enumerate(filing_questions(facts), 1)]
        questions.write_text("".join(json.dumps(q) + "\n" for q in rows), encoding="utf-8")
        if answers:  # the filings stand in for the corpus: indexed once into a fresh home, then asked
            command = [sys.executable, str(ROOT / "benchmarks" / "answer_quality.py"), "--json", "--threads", "2",
                       "--sets", "grounded", "--grounded-file", str(questions), "--index-home", str(Path(tmp) / "home"),
                       *(extra or ["--models", "default-fast"])]
            run = subprocess.run(command, capture_output=True, text=True, check=False,
                                 env={**os.environ, "SLM_CORPUS": str(folder), "HF_HUB_OFFLINE": "1"})
        else:
            run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "retrieval.py"), "--corpus", str(folder),
                                  "--questions", str(questions), "--variants", "baseline,new", "--no-cache", *extra],
                                 capture_output=True, text=True, check=False)
    if run.returncode != 0:
        print(json.dumps({"error": run.stderr.strip().splitlines()[-1:] or ["retrieval.py failed"]}))
        return run.returncode
    print(run.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
