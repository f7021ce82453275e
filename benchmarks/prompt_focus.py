"""Does the grounded prompt still hold the answer? The sentences the model reads, against a baseline.

For every grounded question of corpus_questions.jsonl, the top 5 passages over the corpus index
(as the Assistant retrieves them, one per page: ``merge_same_page``) are cut the way the prompt
cuts them (``rag.passage_focus.focus_passages`` within ``prompting.FOCUS_BUDGET_CHARS``), and
the gold answer is looked for in what is left (answer_quality's ``fact_found``). A small model
cannot state a fact its prompt lost, so this is the ceiling of the grounded score, measured in
seconds and without the model. Reported beside it, on the same passages: the full passages (the
retrieval's ceiling), today's selection at a smaller budget, and the baselines — ``passage_focus``
as it was at each ``--baseline`` revision (read with ``git show``, nothing checked out): a17ca82
cut each passage alone to 320 characters; c76af8b (tried, not kept: see passage_focus) ranked
the five passages' lines together in the same shared budget without cutting them at colons,
weighting the words asked for twice.

Passages are those the Assistant shows: the top 5 less other documents' (``on_subject_hits``), with
their documents' labels (today's cut weighs the words naming the document less).

    python benchmarks/prompt_focus.py [--json] [--baseline a17ca82 c76af8b] [--budgets 1400 1000] [--diff] [--index-home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from answer_quality import CACHE, COLLECTION, build_index, fact_found, load  # noqa: E402


def baseline_focus(revision: str, chars: int, budget: int):
    """The cut as it was at ``revision``: ``(question, texts) -> texts``. Where that version ranks
    the passages together (``focus_passages``), with the shared ``budget``; before, each passage
    alone with ``chars``."""
    source = subprocess.run(["git", "show", f"{revision}:desktop_app/rag/passage_focus.py"], cwd=HERE.parent,
                            capture_output=True, text=True, check=True).stdout
    namespace: dict = {"__name__": "passage_focus_baseline"}
    exec(compile(source, f"{revision}:passage_focus.py", "exec"), namespace)  # noqa: S102 - our own file, from git
    if "focus_passages" in namespace:
        return f"baseline_{revision}_{budget}", lambda q, texts: namespace["focus_passages"](q["question"], texts, budget)
    return f"baseline_{revision}_{chars}_a_passage", lambda q, texts: [namespace["focus_passage"](q["question"], t, chars)
                                                                         for t in texts]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-home", default=str(CACHE / "answer-quality-home"))
    parser.add_argument("--baseline", nargs="+", default=["a17ca82", "c76af8b"],
                        help="git revisions of the baseline passage_focus")
    parser.add_argument("--baseline-chars", type=int, default=320,
                        help="characters per passage, for a baseline that cut each passage alone")
    parser.add_argument("--budgets", nargs="*", type=int, default=[1400],
                        help="smaller shared budgets (characters) to measure today's selection at")
    parser.add_argument("--diff", action="store_true",
                        help="also list, per baseline, the question ids whose sentences differ from today's and "
                             "those whose answer only one of them keeps (to ask the model just those again)")
    parser.add_argument("--grounded-file", default="corpus_questions.jsonl",
                        help="the questions, from this file of benchmarks/data")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from desktop_app.app import build_core
    from desktop_app.rag.claim_subject import on_subject_hits
    from desktop_app.rag.passage_focus import focus_passages
    from desktop_app.rag.prompting import FOCUS_BUDGET_CHARS
    from desktop_app.rag.same_page import merge_same_page

    home = Path(args.index_home)
    build_index(home, None)
    questions = [q for q in load(args.grounded_file) if q.get("grounded", True)]
    core = build_core(str(home))
    try:
        retriever = core.library.retriever()
        # As the Assistant shows them: other documents' passages out (on_subject_hits), one per page.
        hits = [merge_same_page(on_subject_hits(q["question"], retriever.retrieve(
            q["question"], k=core.settings.rag.top_k, collections=[COLLECTION]))) for q in questions]
    finally:
        core.close()
    passages = [[h.text for h in found] for found in hits]
    labels = {q["id"]: [h.document for h in found] for q, found in zip(questions, hits)}
    ways = {"full_passages": lambda q, texts: texts}
    ways.update(baseline_focus(revision, args.baseline_chars, FOCUS_BUDGET_CHARS) for revision in args.baseline)
    ways[f"now_{FOCUS_BUDGET_CHARS}"] = lambda q, texts: focus_passages(q["question"], texts, FOCUS_BUDGET_CHARS,
                                                                         labels[q["id"]])
    for budget in args.budgets:
        ways[f"now_{budget}"] = lambda q, texts, budget=budget: focus_passages(q["question"], texts, budget,
                                                                                labels[q["id"]])
    out = {"benchmark": "prompt_focus", "questions": len(questions)}
    shown_by = {}
    for name, cut in ways.items():
        kept = chars = 0
        shown_by[name] = []
        for q, texts in zip(questions, passages):
            shown = cut(q, texts)
            shown_by[name].append((shown, any(fact_found(t, q) for t in shown)))
            kept += shown_by[name][-1][1]
            chars += sum(len(t) for t in shown)
        out[name] = {"answer_kept": kept, "share": round(kept / len(questions), 3),
                     "mean_chars": round(chars / len(questions))}
    now = shown_by[f"now_{FOCUS_BUDGET_CHARS}"]
    for name in (n for n in ways if args.diff and n.startswith("baseline_")):
        pairs = list(zip(questions, shown_by[name], now))
        out[name]["differs_from_now"] = [q["id"] for q, old, new in pairs if old[0] != new[0]]
        out[name]["kept_only_by_now"] = [q["id"] for q, old, new in pairs if new[1] and not old[1]]
        out[name]["kept_only_by_it"] = [q["id"] for q, old, new in pairs if old[1] and not new[1]]
    print(json.dumps(out, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
