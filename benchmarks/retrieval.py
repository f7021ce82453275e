"""Retrieval quality and latency on real documents: today's retriever (baseline) against the new one.

Indexes the real corpus (``../shared/corpus``: NTSB reports, NIH protocols, US federal agency
performance reports; 59 PDFs) twice in one run, with real Chroma on disk, the real MiniLM
embedder and no network:
  - baseline: every document-understanding feature off (no document metadata, no contextual
    chunk headers, no table-row rewriting, no question periods/organisations), which is the
    retriever as it was at fca2539;
  - new: all features on.
Then scores every question of ``benchmarks/data/corpus_questions.jsonl`` and
``benchmarks/data/period_questions.jsonl`` (questions naming a fiscal year, "latest"/"earliest" and
year-against-year comparisons across the yearly reports; one JSON object a line:
``{"question", "answers": [...], "files": [...], "pages": [...], "kind", "answers_all"?}``):
  - doc_hit@k: a top-k passage comes from one of the answer files;
  - page_hit@k: a top-k passage comes from an answer file and one of the answer pages;
  - evidence@k: an answer string is in the top-k passages' text (``answers_all``: every answer
    string, each in some passage). Text is compared case-folded and with all whitespace removed,
    because PDF layout extraction spaces words unevenly ("Offi  ce", "U niversity").
Overall, per ``kind``, and query latency (retrieval only, the retriever's ``retrieve``) p50/p95.
Indexing: pages/s and chunks/s of each variant (when built in this run; a cached index reports
the figures recorded when it was built).

Built indexes are cached under ``--cache`` (default: a folder in the temp dir) keyed by a hash of
the indexing code, the variant and the corpus, so changing only the query side re-scores in
seconds; ``--no-cache`` builds from scratch in a temporary folder.

    python benchmarks/retrieval.py [--corpus DIR] [--questions FILE] [--k 5] [--no-cache] [--variants baseline,new]
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from desktop_app.rag.doc_meta_store import DocumentMetaStore  # noqa: E402
from desktop_app.rag.embedder import MiniLMEmbedder  # noqa: E402
from desktop_app.rag.indexer import Indexer, IndexOptions  # noqa: E402
from desktop_app.rag.keyword_store import KeywordStore  # noqa: E402
from desktop_app.rag.manifest import Manifest  # noqa: E402
from desktop_app.rag.retriever import HybridRetriever, RetrievalConfig  # noqa: E402
from desktop_app.rag.vector_store import ChromaVectorStore  # noqa: E402

VARIANTS = {
    "baseline": (IndexOptions.baseline(), RetrievalConfig.baseline()),
    "new": (IndexOptions(), RetrievalConfig()),
}
# The modules whose behaviour decides what is stored in the index (the cache key): always, and
# only when the feature is on.
INDEX_CODE = ["chunker.py", "loaders.py", "document_files.py", "indexer.py", "index_producer.py", "embedder.py",
              "keyword_store.py", "vector_store.py"]
FEATURE_CODE = {"metadata": ["doc_meta.py", "doc_meta_extract.py", "doc_periods.py"],
                "headers": ["doc_meta.py", "doc_periods.py"], "table_rows": ["table_rows.py"]}


def default_corpus() -> Path:
    for candidate in (ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "corpus"


def norm(text: str) -> str:
    return "".join(text.casefold().split())


def index_key(variant: str, options: IndexOptions, corpus: Path, files: list[Path]) -> str:
    h = hashlib.sha1()
    names = list(INDEX_CODE)
    for feature, modules in FEATURE_CODE.items():
        if getattr(options, feature):
            names += modules
    for name in names:
        path = ROOT / "desktop_app" / "rag" / name
        if path.exists():
            h.update(path.read_bytes())
    h.update(repr(options).encode())
    for f in files:
        h.update(f"{f.relative_to(corpus)}:{f.stat().st_size}".encode())
    return f"{variant}-{h.hexdigest()[:12]}"


class Built:
    """One variant's index, opened: its stores and a retriever over them."""

    def __init__(self, folder: Path, embedder, options: IndexOptions, config: RetrievalConfig) -> None:
        self.manifest = Manifest(folder / "manifest.sqlite3")
        self.metadata = DocumentMetaStore(folder / "manifest.sqlite3")
        self.keywords = KeywordStore(folder / "keywords.sqlite3")
        self.vectors = ChromaVectorStore.local(folder / "chroma", self.keywords.by_ids)  # as the app opens it
        self.indexer = Indexer(embedder, self.vectors, self.keywords, self.manifest, options=options,
                               metadata=self.metadata)
        self.retriever = HybridRetriever(embedder, self.vectors, self.keywords, config=config,
                                         documents=self.metadata.all)

    def index(self, roots: list[Path]) -> dict:
        gen = self.indexer.run([str(r) for r in roots], "corpus")
        started = time.perf_counter()
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                report = stop.value
                break
        seconds = time.perf_counter() - started
        return {"files": report.files_indexed, "failed": [f"{Path(p.path).name}: {p.reason}" for p in report.failed],
                "pages": report.pages, "chunks": report.chunks, "seconds": round(seconds, 1),
                "pages_per_s": round(report.pages / seconds, 2), "chunks_per_s": round(report.chunks / seconds, 2)}

    def close(self) -> None:
        for store in (self.keywords, self.vectors, self.metadata, self.manifest):
            store.close()


def open_variant(name: str, key: str, corpus: list[Path], embedder, cache: Path | None, scratch: Path) -> tuple[Built, dict]:
    options, config = VARIANTS[name]
    if cache is None:
        folder = scratch / name
        built = Built(folder, embedder, options, config)
        return built, {**built.index(corpus), "cached": False}
    folder = cache / key
    stats_file = folder / "index_stats.json"
    if stats_file.exists():
        return Built(folder, embedder, options, config), {**json.loads(stats_file.read_text()), "cached": True}
    shutil.rmtree(folder, ignore_errors=True)
    built = Built(folder, embedder, options, config)
    stats = built.index(corpus)
    stats_file.write_text(json.dumps(stats))
    return built, {**stats, "cached": False}


def score(built: Built, questions: list[dict], k: int) -> dict:
    built.retriever.retrieve("warm up the query path", k=k)
    rows = []
    latencies = []
    for q in questions:
        t0 = time.perf_counter()
        hits = built.retriever.retrieve(q["question"], k=k)
        latencies.append((time.perf_counter() - t0) * 1000)
        files = {os.path.basename(f) for f in q.get("files", [])}
        pages = set(q.get("pages", []))
        texts = [norm(h.text) for h in hits]
        answers = [norm(a) for a in q.get("answers", []) if a.strip()]
        found = [any(a in t for t in texts) for a in answers]
        evidence = (all(found) if q.get("answers_all") else any(found)) if answers else False
        doc_hit = any(os.path.basename(h.source) in files for h in hits)
        page_hit = any(os.path.basename(h.source) in files and h.page in pages for h in hits)
        rows.append({"kind": q.get("kind", "other"), "doc": doc_hit, "page": page_hit, "evidence": evidence,
                     "chars": sum(len(h.text) for h in hits),
                     "question": q["question"], "top": [f"{os.path.basename(h.source)}:{h.page}" for h in hits]})
    return {"rows": rows, "latencies": latencies}


def summarise(rows: list[dict], k: int) -> dict:
    def rates(sub: list[dict]) -> dict:
        n = len(sub) or 1
        return {"n": len(sub), f"doc_hit@{k}": round(sum(r["doc"] for r in sub) / n, 3),
                f"page_hit@{k}": round(sum(r["page"] for r in sub) / n, 3),
                f"evidence@{k}": round(sum(r["evidence"] for r in sub) / n, 3)}

    kinds = sorted({r["kind"] for r in rows})
    # How much text the top k hold (merged neighbouring chunks make hits longer: say how much).
    chars = round(sum(r["chars"] for r in rows) / max(1, len(rows)))
    return {**rates(rows), f"chars_in_top{k}": chars, "by_kind": {kind: rates([r for r in rows if r["kind"] == kind]) for kind in kinds}}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--questions", type=Path, nargs="+", metavar="FILE",
                        default=[ROOT / "benchmarks" / "data" / "corpus_questions.jsonl",
                                 ROOT / "benchmarks" / "data" / "period_questions.jsonl"],
                        help="JSON Lines question files (default: the corpus questions and the period questions)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--folders", default="", metavar="A,B",
                        help="only these sub-folders of the corpus (default: all of it); questions on other files are left out")
    parser.add_argument("--variants", default="baseline,new")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "slm-retrieval-bench")
    parser.add_argument("--no-cache", action="store_true", help="build every index from scratch in a temporary folder")
    parser.add_argument("--only", default="", metavar="GLOB", help="only the corpus files whose name matches GLOB")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads for embedding (default: torch's own choice; 1 is faster on a crowded machine)")
    parser.add_argument("--misses", metavar="FILE", type=Path, help="write each variant's per-question results (JSON Lines)")
    args = parser.parse_args()

    if not args.corpus.is_dir():
        print(json.dumps({"error": f"corpus not found: {args.corpus}"}))
        return 2
    questions = [json.loads(line) for qfile in args.questions if qfile.exists()
                 for line in qfile.read_text(encoding="utf-8").splitlines() if line.strip()]
    roots = [args.corpus / f.strip() for f in args.folders.split(",") if f.strip()] or [args.corpus]
    files = sorted(p for r in roots for p in r.rglob("*") if p.suffix.lower() == ".pdf")
    if args.only:
        files = [p for p in files if fnmatch.fnmatch(p.name, args.only)]
        roots = files
    names = {p.name for p in files}
    questions = [q for q in questions if all(os.path.basename(f) in names for f in q.get("files", []))]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    # Keys from the code as imported now (the files may be edited while this runs).
    keys = {name: index_key(name, VARIANTS[name][0], args.corpus, files) for name in variants}
    embedder = MiniLMEmbedder()
    embedder.embed(["warm-up sentence for the embedding model"])
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    result: dict = {"corpus_files": len(files), "folders": sorted({str(r.relative_to(args.corpus)) for r in roots}) if not args.only else [args.only],
                    "questions": len(questions), "k": args.k}
    misses = []
    with tempfile.TemporaryDirectory(prefix="slm-retrieval-bench-") as tmp:
        for name in variants:
            built, stats = open_variant(name, keys[name], roots, embedder, None if args.no_cache else args.cache, Path(tmp))
            try:
                scored = score(built, questions, args.k)
                stats["chunks_in_index"] = built.vectors.count()
            finally:
                built.close()
            lat = scored["latencies"]
            result[name] = {**summarise(scored["rows"], args.k), "latency_ms_p50": round(statistics.median(lat), 1) if lat else 0.0,
                            "latency_ms_p95": round(percentile(lat, 95), 1), "index": stats}
            misses.extend({"variant": name, **row} for row in scored["rows"])
    if "baseline" in result and "new" in result:
        b, n = result["baseline"], result["new"]
        result["delta"] = {key: round(n[key] - b[key], 3) for key in n if key.endswith(f"@{args.k}")}
        if b["index"].get("pages_per_s") and n["index"].get("pages_per_s"):
            result["delta"]["indexing_pages_per_s_ratio"] = round(n["index"]["pages_per_s"] / b["index"]["pages_per_s"], 3)
    result["load_average_1m"] = round(os.getloadavg()[0], 2)  # latency on a shared machine needs this context
    result["cpu_count"] = os.cpu_count()
    if args.misses:
        args.misses.write_text("".join(json.dumps(m) + "\n" for m in misses), encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
