"""Conversation store: search latency (FTS5 vs the LIKE fallback) and the cost of saving while streaming.

Builds a throw-away database of ``--conversations`` conversations with ``--messages`` messages
each (deterministic pseudo-text), then in one run times:
  - search through the FTS5 index and through the LIKE fallback (the baseline) for the same
    queries, checking that both return the same conversations;
  - ``update_message`` of a growing streaming answer (what the Assistant does every 0.5 s),
    against a plain ``UPDATE`` on a table without FTS triggers (the baseline).

    python benchmarks/conversation_store.py --json [--conversations N] [--messages N]

Prints one JSON object: fts_search_ms, like_search_ms, search_speedup, save_ms, plain_update_ms,
and the size of the run. Medians over the queries / saves.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop_app.core.conversation_store import ConversationStore  # noqa: E402

WORDS = ("invoice contract leave policy budget quarterly meeting travel refund salary project deadline "
         "server backup network printer laptop password holiday training report summary customer supplier "
         "warranty delivery payment pension insurance office parking badge security audit compliance").split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) + (str(rng.randint(0, 999)) if rng.random() < 0.1 else "") for _ in range(n))


def build(path: Path, conversations: int, messages: int, seed: int = 7) -> ConversationStore:
    rng = random.Random(seed)
    store = ConversationStore(path)
    conn = store._conn
    # Bulk load in one transaction (the app writes one message at a time; this is only setup).
    conn.execute("BEGIN")
    now = time.time()
    for c in range(conversations):
        cid = conn.execute("INSERT INTO conversations(title, created_at, updated_at) VALUES (?, ?, ?)",
                           (_text(rng, 4), now + c, now + c)).lastrowid
        for m in range(messages):
            conn.execute("INSERT INTO messages(conversation_id, role, content, created_at) VALUES (?, ?, ?, ?)",
                         (cid, "user" if m % 2 == 0 else "assistant", _text(rng, 40), now + c))
    conn.execute("COMMIT")
    return store


def time_search(store: ConversationStore, queries: list[str], use_fts: bool) -> tuple[float, list[list[int]]]:
    store.has_fts = use_fts
    samples, results = [], []
    for q in queries:
        t = time.perf_counter()
        found = store.search(q)
        samples.append(time.perf_counter() - t)
        results.append(sorted(c.id for c in found))
    return statistics.median(samples) * 1000, results


def time_saves(store: ConversationStore, pieces: int) -> float:
    conv = store.create_conversation("streaming")
    msg = store.add_message(conv.id, "assistant", "", status="streaming")
    text, samples = "", []
    for i in range(pieces):
        text += f" token{i}"
        t = time.perf_counter()
        store.update_message(msg.id, content=text)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def time_plain_updates(path: Path, pieces: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, content TEXT)")
    conn.execute("INSERT INTO m(id, content) VALUES (1, '')")
    text, samples = "", []
    for i in range(pieces):
        text += f" token{i}"
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE m SET content = ? WHERE id = 1", (text,))
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - t)
    conn.close()
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--saves", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(11)
    # What people look for: a specific term (a word with a number, rare here) or two words together.
    queries = [f"{rng.choice(WORDS)}{rng.randint(0, 999)}" for _ in range(20)] + \
              [rng.choice(WORDS) + " " + rng.choice(WORDS) for _ in range(5)]
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp) / "c.sqlite3", args.conversations, args.messages)
        fts_ms, fts_results = time_search(store, queries, use_fts=True)
        like_ms, like_results = time_search(store, queries, use_fts=False)
        store.has_fts = True
        save_ms = time_saves(store, args.saves)
        store.close()
        plain_ms = time_plain_updates(Path(tmp) / "plain.sqlite3", args.saves)
    out = {
        "conversations": args.conversations,
        "messages": args.conversations * args.messages,
        "queries": len(queries),
        "fts_search_ms": round(fts_ms, 2),
        "like_search_ms": round(like_ms, 2),
        "search_speedup": round(like_ms / fts_ms, 2) if fts_ms else None,
        "same_results": fts_results == like_results,
        "save_ms": round(save_ms, 3),
        "plain_update_ms": round(plain_ms, 3),
        "saves": args.saves,
    }
    print(json.dumps(out) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
