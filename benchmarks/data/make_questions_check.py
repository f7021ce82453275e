"""Check the benchmark question sets against the real PDFs they cite.

Usage: python benchmarks/data/make_questions_check.py [--corpus ../shared/corpus] [--no-layout]

For every question in corpus_questions.jsonl, table_questions.jsonl, corpus_fresh_questions.jsonl,
corpus_holdout_questions.jsonl and corpus_holdout2_questions.jsonl it re-extracts each cited page with pypdf and
checks that each answer string is on a cited page (case-insensitive, whitespace collapsed):
- one file: every answer must be on at least one of the cited pages of that file;
- several files (``answers_all``): pages[i] belongs to files[i] and answers[i] must be on it.
It checks the text as plain ``extract_text()`` gives it (a miss fails the run) and, unless
--no-layout, as the app's loader reads it (layout mode); a layout-only miss is reported as a
warning, because the app falls back to plain text on pages where layout mode is unsafe.

For offtopic_questions.jsonl and offtopic_fresh_questions.jsonl it checks that none of each question's ``absent`` terms occurs
anywhere in the corpus, so "not in the documents" is the right answer. general_questions.jsonl
is checked for shape only (its answers are general knowledge, not corpus text).

Prints the misses and a summary; exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections import Counter
from pathlib import Path

from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS_KINDS = {"text", "table", "period", "latest", "multi_doc", "form_field"}
GENERAL_KINDS = {"fact", "arithmetic", "units", "writing"}


def norm(text: str) -> str:
    """Lower-case and collapse whitespace: PDF line breaks fall anywhere in a phrase."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise SystemExit(f"{path} is missing")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path.name}:{n}: not JSON ({exc})") from exc
    return rows


class Pages:
    """Extracted page text per (file, page, mode), read once per file."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self._readers: dict[str, PdfReader] = {}
        self._text: dict[tuple[str, int, str], str] = {}

    def count(self, rel: str) -> int:
        return len(self._reader(rel).pages)

    def text(self, rel: str, page: int, mode: str = "plain") -> str:
        key = (rel, page, mode)
        if key not in self._text:
            pg = self._reader(rel).pages[page - 1]
            if mode == "layout":
                raw = pg.extract_text(extraction_mode="layout", layout_mode_space_vertically=True)
            else:
                raw = pg.extract_text()
            self._text[key] = norm(raw or "")
        return self._text[key]

    def _reader(self, rel: str) -> PdfReader:
        if rel not in self._readers:
            self._readers[rel] = PdfReader(str(self.corpus / rel))
        return self._readers[rel]


def evidence(q: dict) -> list[tuple[str, int]]:
    """(file, page) pairs a question cites; with several files pages[i] is in files[i]."""
    files, pages = q["files"], q["pages"]
    if len(files) == 1:
        return [(files[0], p) for p in pages]
    return list(zip(files, pages))


def check_corpus(qs: list[dict], pages: Pages, layout: bool) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for q in qs:
        qid = q.get("id", "?")
        missing = {"id", "question", "answers", "files", "pages", "kind", "grounded"} - q.keys()
        if missing:
            errors.append(f"{qid}: missing fields {sorted(missing)}")
            continue
        if qid in seen:
            errors.append(f"{qid}: duplicate id")
        seen.add(qid)
        if q["kind"] not in CORPUS_KINDS:
            errors.append(f"{qid}: unknown kind {q['kind']!r}")
        if len(q["files"]) > 1 and len(q["files"]) != len(q["pages"]):
            errors.append(f"{qid}: several files need one page each")
            continue
        if q.get("answers_all") and len(q["answers"]) != len(q["files"]):
            errors.append(f"{qid}: answers_all needs one answer per file")
            continue
        bad_ref = False
        for rel, p in evidence(q):
            if not (pages.corpus / rel).is_file():
                errors.append(f"{qid}: no such file {rel}")
                bad_ref = True
            elif not 1 <= p <= pages.count(rel):
                errors.append(f"{qid}: {rel} has no page {p}")
                bad_ref = True
        if bad_ref:
            continue
        if q.get("answers_all"):
            targets = [(a, [pair]) for a, pair in zip(q["answers"], evidence(q))]
        else:
            targets = [(a, evidence(q)) for a in q["answers"]]
        for answer, pairs in targets:
            where = ", ".join(f"{r} p{p}" for r, p in pairs)
            if not any(norm(answer) in pages.text(r, p) for r, p in pairs):
                errors.append(f"{qid}: {answer!r} not on {where}")
            elif layout and not any(norm(answer) in pages.text(r, p, "layout") for r, p in pairs):
                warnings.append(f"{qid}: {answer!r} not in layout-mode text of {where}")
    return errors, warnings


def check_general(qs: list[dict]) -> list[str]:
    errors = []
    ids = Counter(q.get("id") for q in qs)
    errors += [f"{i}: duplicate id" for i, n in ids.items() if n > 1]
    for q in qs:
        qid = q.get("id", "?")
        if not q.get("question") or q.get("kind") not in GENERAL_KINDS:
            errors.append(f"{qid}: needs a question and a kind in {sorted(GENERAL_KINDS)}")
        if not (q.get("accept") or q.get("accept_all")):
            errors.append(f"{qid}: needs accept or accept_all")
    return errors


def check_offtopic(qs: list[dict], pages: Pages) -> list[str]:
    errors = []
    ids = Counter(q.get("id") for q in qs)
    errors += [f"{i}: duplicate id" for i, n in ids.items() if n > 1]
    corpus_text = []
    for pdf in sorted(pages.corpus.rglob("*.pdf")):
        rel = pdf.relative_to(pages.corpus).as_posix()
        corpus_text += [pages.text(rel, p) for p in range(1, pages.count(rel) + 1)]
    for q in qs:
        qid = q.get("id", "?")
        if not q.get("question") or not q.get("absent"):
            errors.append(f"{qid}: needs a question and absent terms")
            continue
        for term in q["absent"]:
            # a word start: "IRS" must not count inside "first", but "tornado" finds "tornadoes"
            word = re.compile(r"(?<!\w)" + re.escape(norm(term)))
            hits = sum(bool(word.search(t)) for t in corpus_text)
            if hits:
                errors.append(f"{qid}: {term!r} occurs on {hits} corpus page(s)")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--no-layout", action="store_true", help="skip the layout-mode pass")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found at {corpus}; pass --corpus", file=sys.stderr)
        return 2
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font-encoding chatter, not misses
    pages = Pages(corpus)
    corpus_qs = load_jsonl(HERE / "corpus_questions.jsonl")
    tables = load_jsonl(HERE / "table_questions.jsonl")
    held_out = load_jsonl(HERE / "corpus_fresh_questions.jsonl")
    holdout = load_jsonl(HERE / "corpus_holdout_questions.jsonl")
    holdout2 = load_jsonl(HERE / "corpus_holdout2_questions.jsonl")
    general = load_jsonl(HERE / "general_questions.jsonl")
    offtopic = load_jsonl(HERE / "offtopic_questions.jsonl")
    fresh = load_jsonl(HERE / "offtopic_fresh_questions.jsonl")
    errors, warnings = check_corpus(corpus_qs + tables + held_out + holdout + holdout2, pages, layout=not args.no_layout)
    errors += check_general(general)
    errors += check_offtopic(offtopic, pages) + check_offtopic(fresh, pages)
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("MISS:", e)
    summary = {
        "corpus_questions": len(corpus_qs),
        "corpus_fresh_questions": len(held_out),
        "corpus_holdout_questions": len(holdout),
        "corpus_holdout2_questions": len(holdout2),
        "by_kind": dict(sorted(Counter(q.get("kind") for q in corpus_qs).items())),
        "by_collection": dict(sorted(Counter(q["files"][0].split("/")[0] for q in corpus_qs).items())),
        "table_answers": sum(bool(q.get("table")) for q in corpus_qs),
        "answers_all": sum(bool(q.get("answers_all")) for q in corpus_qs),
        "grounded": sum(bool(q.get("grounded")) for q in corpus_qs),
        "general_questions": len(general),
        "general_by_kind": dict(sorted(Counter(q.get("kind") for q in general).items())),
        "offtopic_questions": len(offtopic),
        "offtopic_fresh_questions": len(fresh),
        "errors": len(errors),
        "layout_warnings": len(warnings),
    }
    print(json.dumps(summary, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
