"""Can every indexed passage be found by vector search? Chroma's default HNSW graph against ours.

Indexes real PDFs from ``../shared/corpus`` once with the app's own Library (real chunker, the
configured embedder: the real MiniLM by default, ``--embedder fake-hash-384`` for a quick run),
then copies the stored passages and vectors into two fresh Chroma stores on disk in this run:
  - baseline: Chroma's default graph (16 neighbours, ef_construction 100, ef_search 100);
  - new: ``vector_store.HNSW_GRAPH`` (what the app creates for new indexes).
For each it reports ``unreachable``: passages whose own vector, as the query, does not bring them
back among the top 1 (and top 10) — a passage no question can retrieve by meaning —, build time,
query p50 latency, and the ratios new/baseline. Prints JSON.

    python benchmarks/vector_recall.py [--corpus DIR] [--files FOLDER:N,...] [--embedder NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from desktop_app.config.paths import AppPaths  # noqa: E402
from desktop_app.config.policy import MachinePolicy  # noqa: E402
from desktop_app.config.settings import Settings  # noqa: E402
from desktop_app.rag import vector_store  # noqa: E402
from desktop_app.services.library import Library  # noqa: E402


def corpus_files(corpus: Path, plan: str) -> list[Path]:
    """The smallest PDFs of each folder named in ``plan`` ("folder:count,folder:count")."""
    out: list[Path] = []
    for part in plan.split(","):
        folder, count = part.rsplit(":", 1)
        files = sorted((corpus / folder).glob("*.pdf"), key=lambda p: (p.stat().st_size, p.name))
        out += files[:int(count)]
    return out


def insertion_order(chunk, files: list[Path]) -> tuple:
    """As the app inserts: document by document in indexing order, then page, then chunk."""
    names = [str(f) for f in files]
    page, _, part = chunk.id.rsplit("-p", 1)[-1].partition("-c")
    return (names.index(chunk.source) if chunk.source in names else len(names), int(page), int(part or 0))




def build(folder: Path, graph: dict, chunks, vectors) -> tuple[vector_store.ChromaVectorStore, float]:
    saved = dict(vector_store.HNSW_GRAPH)
    vector_store.HNSW_GRAPH.clear()
    vector_store.HNSW_GRAPH.update(graph)
    try:
        store = vector_store.ChromaVectorStore.local(folder)
        start = time.perf_counter()
        for source in dict.fromkeys(c.source for c in chunks):  # one upsert per document, as indexing does
            picked = [i for i, c in enumerate(chunks) if c.source == source]
            store.upsert([chunks[i] for i in picked], [vectors[i] for i in picked])
        return store, time.perf_counter() - start
    finally:
        vector_store.HNSW_GRAPH.clear()
        vector_store.HNSW_GRAPH.update(saved)


def reachability(store, ids: list[str], vectors: list[list[float]]) -> dict:
    miss1 = miss10 = 0
    times = []
    for cid, vec in zip(ids, vectors):
        start = time.perf_counter()
        found = [m.chunk.id for m in store.query(vec, 10)]
        times.append(time.perf_counter() - start)
        miss1 += found[:1] != [cid]
        miss10 += cid not in found
    return {"passages": len(ids), "unreachable_top1": miss1, "unreachable_top10": miss10,
            "query_p50_ms": round(1000 * statistics.median(times), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--files", default="ntsb-aviation-incident-accident-reports:20,us-fed-agency-reports:7",
                    help="folder:count of the smallest PDFs per corpus folder")
    ap.add_argument("--embedder", default=Settings().rag.embedder)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="slm-vector-recall-") as tmp:
        tmp = Path(tmp)
        files = corpus_files(args.corpus, args.files)
        from tests.rag_fixtures import drain  # the same helper the tests use to run an index job

        settings = Settings()
        settings.set("rag.embedder", args.embedder)
        lib = Library(AppPaths.resolve(tmp / "home"), settings, MachinePolicy())
        drain(lib.index([str(f) for f in files]))
        stored, _ = lib.stores.open()
        ids = list(stored.ids())
        got = stored._collection.get(ids=ids, include=["embeddings", "documents", "metadatas"])
        by_id = {cid: (doc, meta, emb) for cid, doc, meta, emb in
                 zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])}
        chunks = sorted((vector_store._chunk(cid, by_id[cid][0], by_id[cid][1]) for cid in ids),
                        key=lambda c: insertion_order(c, files))
        ids = [c.id for c in chunks]
        vectors = [list(map(float, by_id[cid][2])) for cid in ids]
        lib.close()

        result = {"files": len(files), "embedder": args.embedder}
        for name, graph in (("baseline", {}), ("new", dict(vector_store.HNSW_GRAPH))):
            store, seconds = build(tmp / name, graph, chunks, vectors)
            result[name] = {"graph": graph or "chroma defaults", "build_s": round(seconds, 2),
                            **reachability(store, ids, vectors)}
            store.close()
        result["build_time_ratio"] = round(result["new"]["build_s"] / result["baseline"]["build_s"], 2)
        result["query_time_ratio"] = round(result["new"]["query_p50_ms"] / result["baseline"]["query_p50_ms"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
