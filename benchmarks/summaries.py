"""Whole-document summaries (issue 11): how many of 5 hand-written key facts a summary states, whether it
cites pages, and its time, per document; the map-reduce summary against a top-5 retrieval baseline.

For each document in benchmarks/data/summary_facts.jsonl (10 short corpus PDFs: NTSB reports, clinical
protocols, an agency plan; 5 facts each, written by reading the PDFs, each fact a list of accept-strings,
case-folded, any one of which must appear):

  map-reduce — ``DocumentTasks.summarise`` (every passage, in page order, grouped to fit the context).
  baseline   — the existing ask path restricted to that document: "Summarise this document." asked
               with only the document's own collection ticked, so retrieval picks its top 5 passages.

Both run in the same process on the same bundled model (Qwen2.5 Coder 0.5B Instruct, greedy, its own
model process as in the app), over one index built in a temporary home (real MiniLM + Chroma).

    python benchmarks/summaries.py [--docs N] [--threads T] [--keep-home DIR]

Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FACTS = HERE / "data" / "summary_facts.jsonl"
CORPUS = Path(os.environ.get("SLM_CORPUS", HERE.parent.parent / "shared" / "corpus"))
CACHE = Path(os.environ.get("SLM_TEST_CACHE", "/tmp/slm-test-cache"))
BASELINE_QUESTION = "Summarise this document."
PAGE_CITE = re.compile(r"\(\s*(?:[AB]\s+)?pp?\.\s*\d+")
MARKER = re.compile(r"\[\d+\]")


def norm(text: str) -> str:
    text = text.casefold().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def facts_found(text: str, facts: list[dict]) -> list[bool]:
    """Per fact: one of its accept-strings is in ``text`` (case-folded, whitespace collapsed)."""
    body = norm(text)
    return [any(norm(a) in body for a in f["accept"]) for f in facts]


def collection_of(rel: str) -> str:
    return "sum-" + re.sub(r"[^a-z0-9]+", "-", Path(rel).stem.lower())


def build_index(core, rows: list[dict]) -> float:
    """Each document in its own collection, so the baseline can be restricted to it."""
    started = time.perf_counter()
    for row in rows:
        jobs = core.library.index([str(CORPUS / row["file"])], collection=collection_of(row["file"]))
        while True:
            try:
                next(jobs)
            except StopIteration:
                break
    return time.perf_counter() - started


def run_map_reduce(core, path: str) -> tuple[object | None, str, float]:
    from desktop_app.core.errors import AppError
    from desktop_app.services.document_tasks import DocumentTasks

    started = time.perf_counter()
    gen = DocumentTasks(core.library, core.backend).summarise(path)
    try:
        while True:
            step = next(gen)
            if step.step:
                print(f"    [{step.step}/{step.total}] {step.message}", file=sys.stderr, flush=True)
    except StopIteration as stop:
        return stop.value, "", time.perf_counter() - started
    except AppError as exc:
        return None, str(exc), time.perf_counter() - started


def run_baseline(core, collection: str) -> tuple[object | None, str, float]:
    from desktop_app.core.errors import AppError
    from desktop_app.core.records import DoneEvent, ErrorEvent

    started = time.perf_counter()
    answer, error = None, ""
    try:
        prepared = core.assistant.prepare(BASELINE_QUESTION, collections=[collection])
        for event in core.assistant.answer(prepared):
            if isinstance(event, DoneEvent):
                answer = event.answer
            elif isinstance(event, ErrorEvent):
                error = str(event.error)
    except AppError as exc:
        error = str(exc)
    return answer, error, time.perf_counter() - started


def score(rows_out: list[dict], key: str) -> dict:
    found = [r[key]["facts_found"] for r in rows_out]
    secs = [r[key]["seconds"] for r in rows_out]
    return {"mean_facts_of_5": round(statistics.mean(found), 2) if found else None,
            "docs_with_3_or_more": sum(f >= 3 for f in found),
            "docs_citing_pages": sum(r[key]["cites_pages"] for r in rows_out),
            "median_seconds": round(statistics.median(secs), 1) if secs else None,
            "total_seconds": round(sum(secs), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=None, help="only the first N documents of the facts file")
    parser.add_argument("--threads", type=int, default=0, help="model threads (0: the physical cores)")
    parser.add_argument("--keep-home", metavar="DIR", help="use (and keep) this home, so the index is reused")
    args = parser.parse_args()

    from desktop_app.app import build_core
    from desktop_app.llm.bundled import ensure_bundled_model

    rows = [json.loads(line) for line in FACTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[: args.docs] if args.docs else rows
    model = ensure_bundled_model(CACHE)
    home = Path(args.keep_home) if args.keep_home else Path(tempfile.mkdtemp(prefix="slm-summaries-"))
    core = build_core(str(home))
    core.settings.llm.model_path = str(model)
    core.settings.llm.threads = args.threads
    core.settings.llm.gpu_offload = "cpu"
    out: dict = {"benchmark": "summaries", "model": model.name, "documents": len(rows),
                 "context_length": core.settings.llm.context_length, "cpus": os.cpu_count(),
                 "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        out["index_seconds"] = round(build_index(core, rows), 1)
        per_doc = []
        for row in rows:
            path = str(CORPUS / row["file"])
            pages = next((d.pages for d in core.library.documents() if d.path == path), 0)
            print(f"{row['file']} ({pages} pages)", file=sys.stderr, flush=True)
            result, error, secs = run_map_reduce(core, path)
            text = result.text if result is not None else ""
            cited = sorted({c.page for c in result.sources}) if result is not None else []
            hits = facts_found(text, row["facts"])
            map_reduce = {"facts_found": sum(hits), "found": hits, "cites_pages": bool(PAGE_CITE.search(text)),
                          "cited_pages": cited, "cited_pages_exist": all(1 <= p <= pages for p in cited),
                          "model_calls": getattr(result, "model_calls", 0), "groups": getattr(result, "groups", 0),
                          "seconds": round(secs, 1), "error": error, "text": text}
            answer, berror, bsecs = run_baseline(core, collection_of(row["file"]))
            btext = answer.text if answer is not None else ""
            bhits = facts_found(btext, row["facts"])
            baseline = {"facts_found": sum(bhits), "found": bhits,
                        "cites_pages": bool(answer is not None and answer.sources and MARKER.search(btext)),
                        "cited_pages": sorted({c.page for c in answer.sources}) if answer is not None else [],
                        "seconds": round(bsecs, 1), "error": berror, "text": btext}
            print(f"    map-reduce {sum(hits)}/5 in {secs:.0f} s {error}; baseline {sum(bhits)}/5 in {bsecs:.0f} s {berror}",
                  file=sys.stderr, flush=True)
            per_doc.append({"file": row["file"], "pages": pages, "map_reduce": map_reduce, "baseline": baseline})
            print(json.dumps(per_doc[-1], ensure_ascii=False), file=sys.stderr, flush=True)  # kept if the run is cut short
        out["map_reduce"] = score(per_doc, "map_reduce")
        out["baseline_top5"] = score(per_doc, "baseline")
        base = out["baseline_top5"]["mean_facts_of_5"]
        out["facts_ratio_vs_baseline"] = round(out["map_reduce"]["mean_facts_of_5"] / base, 2) if base else None
        out["time_ratio_vs_baseline"] = (round(out["map_reduce"]["total_seconds"] / out["baseline_top5"]["total_seconds"], 2)
                                         if out["baseline_top5"]["total_seconds"] else None)
        out["per_document"] = per_doc
        out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        core.close()
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
