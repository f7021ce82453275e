"""Retrieval-only query latency over a large index of real corpus chunks (issue 9: p95 <= 150 ms at 5,000).

Opens (or builds, with the real MiniLM embedder) the retrieval benchmark's index of the chosen
corpus files: the same cache and key as ``benchmarks/retrieval.py`` (variant ``new``), so an index
either script built is reused. It refuses an index under ``--min-chunks``. Then it times the app's
``HybridRetriever.retrieve`` (query embedding, Chroma, FTS5, fusion, document hints, page merging:
everything before the prompt) over every question of the corpus and period question files,
``--repeats`` times. Baseline from the same run, query by query alternated: the query embedding
alone (``embed``), the floor any retriever on this embedder pays.

    python benchmarks/query_latency.py --folders us-fed-agency-reports [--only GLOB] [--threads 1] [--repeats 2]
        [--index /tmp/slm-retrieval-bench/new-<key>]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import retrieval as rb  # noqa: E402  (sets the offline environment and the import path)

from desktop_app.rag.embedder import MiniLMEmbedder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=rb.default_corpus())
    parser.add_argument("--folders", default="", metavar="A,B", help="sub-folders of the corpus (default: all of it)")
    parser.add_argument("--only", default="", metavar="GLOB", help="only the corpus files whose name matches GLOB")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "slm-retrieval-bench")
    parser.add_argument("--index", type=Path, metavar="DIR",
                        help="time this built index folder (one under --cache) instead of the one keyed by today's "
                             "indexing code: an edit to a keyed module otherwise means re-indexing for a latency run")
    parser.add_argument("--min-chunks", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: the crowded-machine setting)")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    roots = [args.corpus / f.strip() for f in args.folders.split(",") if f.strip()] or [args.corpus]
    files = sorted(p for r in roots for p in r.rglob("*") if p.suffix.lower() == ".pdf")
    if args.only:
        files = [p for p in files if fnmatch.fnmatch(p.name, args.only)]
        roots = files
    questions = [json.loads(line)["question"] for name in ("corpus_questions.jsonl", "period_questions.jsonl")
                 for line in (ROOT / "benchmarks" / "data" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    import torch

    torch.set_num_threads(args.threads)
    embedder = MiniLMEmbedder()
    embedder.embed(["warm-up sentence for the embedding model"])
    options, _config = rb.VARIANTS["new"]
    key = rb.index_key("new", options, args.corpus, files)
    if args.index:
        built = rb.Built(args.index, embedder, *rb.VARIANTS["new"])
        stats_file = args.index / "index_stats.json"
        stats = {**json.loads(stats_file.read_text()), "cached": True} if stats_file.exists() else {}
        stats["folder"] = args.index.name
    else:
        built, stats = rb.open_variant("new", key, roots, embedder, args.cache, args.cache)
    try:
        chunks = built.vectors.count()
        if chunks < args.min_chunks:
            print(json.dumps({"error": f"index has {chunks} chunks, fewer than --min-chunks {args.min_chunks}"}))
            return 2
        built.retriever.retrieve("warm up the query path", k=args.k)
        full: list[float] = []
        embed_only: list[float] = []
        for _ in range(args.repeats):
            for q in questions:
                t0 = time.perf_counter()
                built.retriever.retrieve(q, k=args.k)
                t1 = time.perf_counter()
                embedder.embed([q])
                t2 = time.perf_counter()
                full.append((t1 - t0) * 1000)
                embed_only.append((t2 - t1) * 1000)
    finally:
        built.close()

    def figures(values: list[float]) -> dict:
        return {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(rb.percentile(values, 95), 1),
                "p99_ms": round(rb.percentile(values, 99), 1), "max_ms": round(max(values), 1)}

    print(json.dumps({"corpus_files": len(files), "chunks_in_index": chunks, "queries": len(full),
                      "retrieve": figures(full), "embed": figures(embed_only), "index": stats,
                      "threads": args.threads, "load_average_1m": round(os.getloadavg()[0], 2),
                      "cpu_count": os.cpu_count()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
