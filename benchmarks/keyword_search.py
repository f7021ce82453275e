"""Keyword search time (issue 9's query latency): the app's KeywordStore.search vs the query it used before.

Before, the FTS5 query sorted every matching chunk with its text and the unit join, then kept the
best n; now FTS5 ranks the matches by itself and only the best n are joined and read. Both run on
the same index, in alternation, over the corpus questions; the result lists must be identical.

    python benchmarks/keyword_search.py --index /tmp/slm-retrieval-bench/new-<key>   # a folder with keywords.sqlite3
                                        [--n 15] [--rounds 3]

Build an index of >= 5,000 chunks first, e.g. with benchmarks/query_latency.py (it prints its folder).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.rag.keyword_store import KeywordStore, match_expression  # noqa: E402

# The query as it was (desktop_app/rag/keyword_store.py before this benchmark), same columns read.
BASELINE_SQL = ("SELECT chunks.id, chunks.source, chunks.page, chunks.collection, chunks.text, bm25(chunks) AS score, u.unit "
                "FROM chunks LEFT JOIN chunk_units u ON u.id = chunks.id WHERE chunks MATCH ? "
                "AND chunks.collection IN ({}) ORDER BY score LIMIT ?")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--n", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    store = KeywordStore(args.index / "keywords.sqlite3")
    db = store._db  # the baseline query runs on the same connection
    collections = [r[0] for r in db.execute("SELECT DISTINCT collection FROM chunks")]
    chunks = int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])
    questions = [json.loads(line)["question"] for line in (ROOT / "benchmarks" / "data" / "corpus_questions.jsonl")
                 .read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for q in questions if match_expression(q)]
    baseline_sql = BASELINE_SQL.format(",".join("?" * len(collections)))
    times: dict[str, list[float]] = {"baseline": [], "now": []}
    same = 0
    for _ in range(args.rounds):
        same = 0
        for q in questions:
            t = time.perf_counter()
            old = [r[0] for r in db.execute(baseline_sql, [match_expression(q), *collections, args.n]).fetchall()]
            times["baseline"].append(time.perf_counter() - t)
            t = time.perf_counter()
            new = [c.id for c, _ in store.search(q, args.n, collections)]
            times["now"].append(time.perf_counter() - t)
            same += old == new
    out = {"benchmark": "keyword_search", "chunks": chunks, "questions": len(questions), "rounds": args.rounds,
           "identical_results": f"{same}/{len(questions)}"}
    for name, ts in times.items():
        ts = sorted(ts)
        out[name] = {"median_ms": round(statistics.median(ts) * 1000, 2), "p95_ms": round(ts[int(0.95 * (len(ts) - 1))] * 1000, 2)}
    out["p95_ratio"] = round(out["now"]["p95_ms"] / out["baseline"]["p95_ms"], 2)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
