"""The form field shown when the model declines (rag.form_fields), re-checked offline on real answers.

``answer_quality.py --dump FILE`` saves each answer with the passages its prompt held. For every
answer that has passages, this script asks ``asked_field`` for the field named for what the
question asks, and reports, by what the model answered:
  - declines ("The documents do not contain this"): how many get a field, and how many of those
    fields hold the gold answer (``answer_quality.fact_found``); these are the answers the app
    replaces by the quoted field;
  - right and wrong answers: how often a field is found there and holds the gold answer (the rule's
    precision where it is not used);
  - off-topic questions: how many get a field (each one would be a quote where a decline is right).
With ``--show`` each decline's field is listed on stderr.

    python benchmarks/form_fields.py answers.jsonl [more.jsonl …] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_quality import DECLINE, fact_found, grounded_by_id  # noqa: E402
from desktop_app.rag.form_fields import asked_field  # noqa: E402
from desktop_app.services.answer_recheck import is_quoted_line  # noqa: E402


def score(path: Path, questions: dict[str, dict], show: bool) -> dict:
    counts: Counter = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if not row.get("sources"):
            continue
        found = asked_field(row["question"], [s["text"] for s in row["sources"]],
                            [s.get("document", "") for s in row["sources"]])
        if row["set"] != "grounded":
            counts["offtopic_with_passages"] += 1
            counts["offtopic_field"] += found is not None
            continue
        kind = ("decline" if DECLINE.search(row["answer"]) and not is_quoted_line(row["answer"])
                else "right" if row["ok"] else "wrong")
        holds = found is not None and fact_found(found[1], questions[row["id"]])
        counts[f"{kind}"] += 1
        counts[f"{kind}_field"] += found is not None
        counts[f"{kind}_field_holds_gold"] += holds
        if show and kind == "decline" and found is not None:
            print(f"{row['id']} {'gold' if holds else '----'} {row['question'][:80]}\n    {found[1][:160]}",
                  file=sys.stderr)
    return {"answers": str(path), **dict(sorted(counts.items()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("answers", type=Path, nargs="+", help="dumps written by answer_quality.py --dump")
    parser.add_argument("--show", action="store_true", help="list each decline's field on stderr")
    args = parser.parse_args()
    questions = grounded_by_id()
    print(json.dumps({"benchmark": "form_fields", "runs": [score(p, questions, args.show) for p in args.answers]},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
