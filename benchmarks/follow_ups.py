"""Document questions asked in one conversation: does an earlier turn spoil a new answer, and is a
follow-up ("What was its registration?") answered?

Two measures, through the user's path (Core -> Assistant -> model process) over the corpus index of
answer_quality.py, each for today's rule (``services/follow_up.py``) and for the baseline in the
same run, the rule as it was before: every earlier turn kept in the prompt, the documents searched
with the question alone.

1. **Standalone after another.** The grounded questions of corpus_questions.jsonl (``--every``
   N-th of them), each asked alone in a new conversation, and again right after the question
   before it in that sample (often about the same document, as a user reading one report asks),
   in a conversation holding that question and its answer. Right = the gold fact and a gold page
   among the sources (answer_quality's grading). Also counted: answers that take a figure from the
   answer before which the same question asked alone did not state.
2. **Follow-ups.** follow_up_questions.jsonl: 26 questions written on the corpus that point back
   ("How many subjects will that study enroll?"), each asked after the corpus question it follows.

    python benchmarks/follow_ups.py [--every 2] [--offset 0] [--threads 2] [--parts standalone follow_up] [--limit N]

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from answer_quality import CACHE, COLLECTION, build_index, fact_found, gold_pages, load, model_path  # noqa: E402

_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def ask(core, question: str, conversation_id: int | None):
    """One question, the two steps every front-end takes. Returns (answer or None, conversation id)."""
    from desktop_app.core.errors import AppError
    from desktop_app.core.records import DoneEvent

    try:
        prepared = core.assistant.prepare(question, conversation_id=conversation_id, collections=[COLLECTION])
    except AppError:
        return None, conversation_id
    answer = None
    for event in core.assistant.answer(prepared):
        if isinstance(event, DoneEvent):
            answer = event.answer
    return answer, prepared.conversation_id


def copy_of(core, conversation_id: int) -> int:
    """A new conversation holding the same turns (what the next question's prompt is built from)."""
    store = core.store
    source = store.get_conversation(conversation_id)
    copy = store.create_conversation(source.title, source.collections)
    for m in store.messages(conversation_id):
        store.add_message(copy.id, m.role, m.content, m.status, m.meta)
    return copy.id


def right(answer, q: dict) -> bool:
    if answer is None:
        return False
    pages = {(Path(c.source).name, c.page) for c in answer.sources}
    return fact_found(answer.text, q) and bool(pages & gold_pages(q))


def figures(text: str) -> set[str]:
    return {f.replace(",", "").rstrip(".") for f in _FIGURE.findall(text or "")}


@contextmanager
def rule(name: str):
    """``today``: services/follow_up as it is; ``baseline``: every turn kept, search by the question alone."""
    import desktop_app.services.assistant as assistant

    saved = assistant.refers_back, assistant.search_text, assistant.leans_on
    if name == "baseline":
        assistant.refers_back = lambda question: True
        assistant.search_text = lambda question, history: question
        assistant.leans_on = lambda question, history: ""
    try:
        yield
    finally:
        assistant.refers_back, assistant.search_text, assistant.leans_on = saved


def standalone_after_another(core, questions: list[dict]) -> dict:
    alone: dict[str, tuple] = {}  # id -> (answer, conversation id)
    for q in questions:
        alone[q["id"]] = ask(core, q["question"], None)
    out: dict = {"pairs": len(questions) - 1, "same_document": 0, "alone_right": 0}
    rows = []
    for before, q in zip(questions, questions[1:]):
        out["same_document"] += before["files"][0] == q["files"][0]
        answer_alone = alone[q["id"]][0]
        out["alone_right"] += right(answer_alone, q)
        row = {"id": q["id"], "after": before["id"], "alone": right(answer_alone, q)}
        earlier = figures(alone[before["id"]][0].text if alone[before["id"]][0] else "")
        for name in ("baseline", "today"):
            with rule(name):
                answer, _ = ask(core, q["question"], copy_of(core, alone[before["id"]][1]))
            taken = figures(answer.text if answer else "") & earlier - figures(answer_alone.text if answer_alone else "")
            row[name] = right(answer, q)
            row[f"{name}_took_figure"] = bool(taken)
            row[f"{name}_same_as_alone"] = bool(answer and answer_alone and answer.text == answer_alone.text)
        rows.append(row)
    for name in ("baseline", "today"):
        out[name] = {"right": sum(r[name] for r in rows),
                     "right_alone_wrong_after": sum(r["alone"] and not r[name] for r in rows),
                     "wrong_alone_right_after": sum(r[name] and not r["alone"] for r in rows),
                     "took_previous_figure": sum(r[f"{name}_took_figure"] for r in rows),
                     "same_text_as_alone": sum(r[f"{name}_same_as_alone"] for r in rows)}
    out["changed"] = [r for r in rows if not (r["alone"] == r["baseline"] == r["today"])
                      or r["baseline_took_figure"] or r["today_took_figure"]]
    return out


def follow_ups(core, corpus: dict[str, dict], questions: list[dict]) -> dict:
    out: dict = {"n": len(questions)}
    rows = []
    for f in questions:
        first, conversation = ask(core, corpus[f["after"]]["question"], None)
        row = {"id": f["id"], "after": f["after"]}
        for name in ("baseline", "today"):
            with rule(name):
                answer, _ = ask(core, f["question"], copy_of(core, conversation))
            row[name] = right(answer, f)
            row[f"{name}_answer"] = (answer.text if answer else "")[:160]
        rows.append(row)
    for name in ("baseline", "today"):
        out[name] = {"right": sum(r[name] for r in rows)}
    out["rows"] = rows
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=2, help="take every Nth grounded question (part 1)")
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="at most this many questions per part (0 = all)")
    parser.add_argument("--parts", nargs="+", default=["standalone", "follow_up"])
    parser.add_argument("--model", default="default-fast", help="as answer_quality's --models")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--index-home", default=str(CACHE / "answer-quality-home"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from desktop_app.app import build_core

    index_home = Path(args.index_home)
    build_index(index_home, None)
    corpus = {q["id"]: q for q in load("corpus_questions.jsonl")}
    grounded = [q for q in corpus.values() if q.get("grounded", True)][args.offset:: args.every]
    follow = load("follow_up_questions.jsonl")
    if args.limit:
        grounded, follow = grounded[: args.limit + 1], follow[: args.limit]
    core = build_core(str(index_home))
    core.settings.llm.model_path = str(model_path(args.model))
    core.settings.llm.threads = args.threads
    result: dict = {"benchmark": "follow_ups", "model": args.model, "every": args.every, "offset": args.offset}
    try:
        if "standalone" in args.parts:
            result["standalone_after_another"] = standalone_after_another(core, grounded)
        if "follow_up" in args.parts:
            result["follow_ups"] = follow_ups(core, corpus, follow)
    finally:
        core.close()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
