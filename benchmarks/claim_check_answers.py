"""Claim check (issue 16) on real model answers, re-checked offline from a dump.

``answer_quality.py --dump FILE`` saves each grounded answer with the passages it was given and
whether its fact was right. This script runs today's ``check_claims`` on those answers again, so a
change to the check is measured on what the model really wrote, in seconds and without the model:

    python benchmarks/answer_quality.py --sets grounded --every 2 --models default-fast --dump answers.jsonl
    python benchmarks/claim_check_answers.py answers.jsonl [--show missed|flagged|supported]

Reported (the same measures as answer_quality's ``claim_check``): precision of "unsupported" (the
flagged answers that are really wrong), recall on wrong answers that state a key figure or name,
and how often an answer marked fully supported is right; and the inline ``[n]`` markers as written
vs with the ones the app adds where the model wrote none (``rag.claim_markers``). ``--baseline`` names a git revision whose
``claim_check`` (with the other ``claim_*`` modules of that revision) is run on the same answers
beside today's (from ``git show``, nothing checked out).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_quality import claim_check_quality, fact_found, gold_pages, load  # noqa: E402
from git_modules import module_at  # noqa: E402
from desktop_app.core.records import Citation  # noqa: E402
from desktop_app.services.answer_recheck import split_evidence_line  # noqa: E402


def load_answers(path: Path) -> list[dict]:
    """The grounded answers of a dump, each with its Citation objects."""
    questions = {q["id"]: q for q in load("corpus_questions.jsonl")}
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("set") != "grounded" or not row.get("answer"):
            continue
        row["citations"] = [Citation(s["n"], s["source"], s["page"], s["text"], document=s.get("document", ""))
                            for s in row["sources"]]
        own, quoted = split_evidence_line(row["answer"])
        if quoted:
            # The check reads the model's own words, not the source line the app quoted under them
            # (answer_recheck.evidence_line), and is measured on whether those words are right.
            row["answer"], row["fact_right"] = own, fact_found(own, questions[row["id"]])
        rows.append(row)
    return rows


def verdicts(check_claims, rows: list[dict]) -> list[dict]:
    """One row per answer in answer_quality's shape, plus the claims for --show."""
    from desktop_app.services.answer_recheck import is_quoted_line

    out = []
    for row in rows:
        if is_quoted_line(row["answer"]):
            # A source line quoted in place of an echo: the app checks and marks nothing in it.
            out.append({"right": row["fact_right"], "checked": False, "flagged": False, "fully_supported": False,
                        "row": row, "claims": []})
            continue
        check = check_claims(row["answer"], row["citations"], row["question"])
        key = [c for c in check.claims if c.key]
        out.append({"right": row["fact_right"], "checked": bool(key), "flagged": bool(check.unsupported_key),
                    "fully_supported": bool(key) and all(c.supported for c in key), "row": row, "claims": key})
    return out


def baseline_checker(revision: str):
    """``check_claims`` as it was at ``revision``: its claim_* modules (the check's rules live in
    several) loaded from git, the rest of the app today's."""
    return module_at(revision, "claim_", "claim_check", "baseline_rag").check_claims


def marker_quality(rows: list[dict]) -> dict:
    """Inline [n] markers as the model wrote them vs with ``claim_markers`` added (what the app saves):
    how many answers carry one, and how many right answers carry one that opens a gold page."""
    from desktop_app.rag.claim_check import check_claims
    from desktop_app.rag.claim_markers import with_source_markers

    questions = {q["id"]: q for q in load("corpus_questions.jsonl")}
    out = {}
    for name, text_of in (("as_written", lambda r: r["answer"]),
                          ("with_added_markers", lambda r: with_source_markers(
                              r["answer"], check_claims(r["answer"], r["citations"], r["question"])))):
        with_marker = right_on_gold = 0
        for row in rows:
            cited = {int(n) for n in re.findall(r"\[(\d+)\]", text_of(row))}
            gold = gold_pages(questions[row["id"]]) if row["id"] in questions else set()
            with_marker += bool(cited)
            right_on_gold += row["fact_right"] and any((Path(c.source).name, c.page) in gold
                                                       for c in row["citations"] if c.number in cited)
        out[name] = {"answers_with_a_marker": with_marker, "right_with_a_marker_on_a_gold_page": right_on_gold}
    return out


def show(results: list[dict], which: str) -> None:
    pick = {"missed": lambda r: r["checked"] and not r["right"] and not r["flagged"],
            "flagged": lambda r: r["flagged"],
            "supported": lambda r: r["fully_supported"]}[which]
    for r in filter(pick, results):
        row = r["row"]
        print(f"--- {row['id']} right={r['right']} | {row['question']}", file=sys.stderr)
        print(f"    A: {row['answer'][:300]}", file=sys.stderr)
        for c in r["claims"]:
            where = ""
            if c.supported:
                text = next(x.text for x in row["citations"] if x.number == c.source)
                where = " <- …" + text[max(0, c.source_start - 80):c.source_end + 40].replace("\n", " ") + "…"
            print(f"    {'OK ' if c.supported else 'NO '}{c.kind}: {c.text!r}{where}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("answers", type=Path, nargs="+", help="dumps written by answer_quality.py --dump")
    parser.add_argument("--baseline", default="", metavar="REV", help="also run the check as it was at this git revision")
    parser.add_argument("--show", choices=("missed", "flagged", "supported"), help="list those answers on stderr")
    args = parser.parse_args()
    from desktop_app.rag.claim_check import check_claims

    rows = [row for path in args.answers for row in load_answers(path)]
    results = verdicts(check_claims, rows)
    out = {"benchmark": "claim_check_answers", "answers": len(rows), "models": sorted({r["model"] for r in rows}),
           "now": claim_check_quality(results), "source_markers": marker_quality(rows)}
    if args.baseline:
        out["baseline"] = {"revision": args.baseline,
                           **claim_check_quality(verdicts(baseline_checker(args.baseline), rows))}
    if args.show:
        show(results, args.show)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
