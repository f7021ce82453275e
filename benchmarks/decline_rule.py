"""Which questions the Assistant declines before asking the model (services/named_terms.py).

A question that names something no retrieved passage mentions is answered "The documents do not
contain this." without the model. For every grounded question of corpus_questions.jsonl (the
documents answer it: declining is a loss) and every off-topic one (they do not: declining is
right), this retrieves the top 5 over the corpus index the way the Assistant does and applies:

  baseline — the names rule alone: every capitalised name or acronym of the question is absent;
  passages — ``names_nothing_here``: the names rule, or a rare lower-case word
             (``rag.word_rarity``: "semaglutide", "glioblastoma") absent from every passage,
             each passage read with its document's label ("Lutronic, Inc. · Clinical Protocol");
  now      — ``named_terms.declines`` as the app runs it: ``passages``, or a name written as a name
             (``named_terms.names_to_look_up``: "Honolulu", "Pfizer") that no passage of the whole
             collection holds (``Library.unmentioned``, the keyword index).

With nothing ticked (the default: documents consulted by relevance) a miss is plain chat, unless
the question places its answer in a document ("... in the NTSB report": document_use.
refers_to_documents); ``nothing_ticked`` counts the questions the app then declines.

No model: it measures the rule, not the answers (answer_quality.py measures those end to end).

    python benchmarks/decline_rule.py [--json] [--index-home DIR] [--grounded-file A.jsonl B.jsonl …]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from answer_quality import CACHE, COLLECTION, build_index, load  # noqa: E402


def names_only(question: str, passages: list[str]) -> bool:
    from desktop_app.services.named_terms import named_terms, unmentioned_names

    terms = named_terms(question)
    return bool(terms) and len(unmentioned_names(question, passages)) == len(terms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-home", default=str(CACHE / "answer-quality-home"))
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    parser.add_argument("--offtopic-file", default="offtopic_questions.jsonl",
                        help="the off-topic set in benchmarks/data (offtopic_fresh_questions.jsonl: written after the rules)")
    parser.add_argument("--grounded-file", nargs="+", default=["corpus_questions.jsonl"],
                        help="the grounded sets in benchmarks/data (the held-out ones: corpus_fresh_questions.jsonl, "
                             "corpus_holdout_questions.jsonl, corpus_holdout2_questions.jsonl)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from desktop_app.app import build_core
    from desktop_app.services.named_terms import names_nothing_here

    home = Path(args.index_home)
    build_index(home, None)
    questions = [("grounded", q) for name in args.grounded_file for q in load(name) if q.get("grounded", True)]
    questions += [("offtopic", q) for q in load(args.offtopic_file)]
    core = build_core(str(home))
    from desktop_app.services.named_terms import declines

    def as_the_app(question: str, passages: list[str]) -> bool:
        return declines(question, passages, lambda names: core.library.unmentioned(names, [COLLECTION]))

    rules = {"baseline": names_only, "passages": names_nothing_here, "now": as_the_app}
    counts = {name: {"grounded_declined": [], "offtopic_declined": []} for name in rules}
    try:
        retriever = core.library.retriever()
        for kind, q in questions:
            hits = retriever.retrieve(q["question"], k=core.settings.rag.top_k, collections=[COLLECTION])
            for name, rule in rules.items():
                # The app reads each passage with its document's label (what the document is).
                passages = [h.text for h in hits] if name == "baseline" else [f"{h.document}\n{h.text}" for h in hits]
                # No passage at all is declined by the Assistant whatever the rule.
                if not passages or rule(q["question"], passages):
                    counts[name][f"{kind}_declined"].append(q.get("id"))
    finally:
        core.close()
    grounded = sum(k == "grounded" for k, _ in questions)
    offtopic = len(questions) - grounded
    out = {"benchmark": "decline_rule", "grounded_questions": grounded, "offtopic_questions": offtopic}
    for name, c in counts.items():
        out[name] = {"grounded_declined": len(c["grounded_declined"]), "offtopic_declined": len(c["offtopic_declined"]),
                     "offtopic_declined_share": round(len(c["offtopic_declined"]) / offtopic, 3),
                     "grounded_declined_ids": c["grounded_declined"]}
    # Nothing ticked: only the misses of questions that point at a document are declined.
    from desktop_app.services.document_use import refers_to_documents

    text_of = {q.get("id"): q["question"] for _, q in questions}
    out["nothing_ticked"] = {
        f"{kind}_declined": sum(refers_to_documents(text_of[i]) for i in counts["now"][f"{kind}_declined"])
        for kind in ("grounded", "offtopic")}
    out["nothing_ticked"]["offtopic_pointing_at_a_document"] = sum(
        refers_to_documents(q["question"]) for kind, q in questions if kind == "offtopic")
    out["newly_declined"] = {kind: sorted(set(counts["now"][f"{kind}_declined"]) - set(counts["passages"][f"{kind}_declined"]))
                             for kind in ("grounded", "offtopic")}
    print(json.dumps(out, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
