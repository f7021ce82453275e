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
import inspect
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_quality import claim_check_quality, fact_found, gold_pages, grounded_by_id, own_words  # noqa: E402
from git_modules import module_at  # noqa: E402
from desktop_app.core.records import Citation  # noqa: E402
from desktop_app.services.answer_recheck import quoted_spans, split_evidence_line  # noqa: E402
from desktop_app.services.part_claims import check_by_part  # noqa: E402


def load_answers(path: Path) -> list[dict]:
    """The grounded answers of a dump, each with its Citation objects."""
    questions = grounded_by_id()
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("set") != "grounded" or not row.get("answer"):
            continue
        row["citations"] = [Citation(s["n"], s["source"], s["page"], s["text"], document=s.get("document", ""))
                            for s in row["sources"]]
        # The check reads the model's own words, not the source lines the app quoted in their
        # place, in a part's place or under them (answer_recheck.quoted_spans), and is measured on
        # whether those words are right; "as shown" counts the quoted lines too.
        question = questions[row["id"]]
        row["shown_right"] = fact_found(row["answer"], question)
        row["fact_right"] = fact_found(own_words(row["answer"]), question)
        rows.append(row)
    return rows


def verdicts(check_claims, rows: list[dict]) -> list[dict]:
    """One row per answer in answer_quality's shape, plus the claims for --show."""
    out = []
    for row in rows:
        text = row["answer"]
        if not own_words(text).strip():
            # Only source lines, quoted in place of an echo or a decline: nothing of the model's to check.
            out.append({"right": row["fact_right"], "shown_right": row["shown_right"], "checked": False,
                        "flagged": False, "fully_supported": False, "row": row, "claims": []})
            continue
        check = checked_as_the_app_does(check_claims, row)
        key = [c for c in check.claims if c.key]
        out.append({"right": row["fact_right"], "shown_right": row["shown_right"], "checked": bool(key),
                    "flagged": bool(check.unsupported_key), "fully_supported": bool(key) and all(c.supported for c in key),
                    "row": row, "claims": key})
    return out


def checked_as_the_app_does(check_claims, row: dict):
    """The answer's check as the app ran it: part by part for an answer given so (its parts saved
    in the dump since stop 35), the quoted source lines skipped. A baseline ``check_claims`` too old
    to skip quoted lines is given the text before the first one, as the benchmark did before."""
    text = row["answer"]
    if row.get("parts"):
        return check_by_part(text, row["parts"], row["citations"],
                             lambda t, q, c, quoted: _check(check_claims, t, c, q, quoted))
    return _check(check_claims, text, row["citations"], row["question"], quoted_spans(text))


def _check(check_claims, text, citations, question, quoted):
    if "quoted" in inspect.signature(check_claims).parameters:
        return check_claims(text, citations, question, quoted=quoted)
    return check_claims(split_evidence_line(text)[0], citations, question)  # a revision before it took ``quoted``


def baseline_checker(revision: str):
    """``check_claims`` as it was at ``revision``: its claim_* modules (the check's rules live in
    several) loaded from git, the rest of the app today's."""
    return module_at(revision, "claim_", "claim_check", "baseline_rag").check_claims


def marker_quality(rows: list[dict]) -> dict:
    """Inline [n] markers as the model wrote them vs with ``claim_markers`` added (what the app saves):
    how many answers carry one, and how many right answers carry one that opens a gold page."""
    from desktop_app.rag.claim_check import check_claims
    from desktop_app.rag.claim_markers import with_source_markers

    questions = grounded_by_id()
    out = {}
    own = lambda r: split_evidence_line(r["answer"])[0]  # noqa: E731 - the text before a line quoted under it
    for name, text_of in (("as_written", own),
                          ("with_added_markers", lambda r: with_source_markers(
                              own(r), check_claims(own(r), r["citations"], r["question"])))):
        with_marker = right_on_gold = 0
        for row in rows:
            cited = {int(n) for n in re.findall(r"\[(\d+)\]", text_of(row))}
            gold = gold_pages(questions[row["id"]]) if row["id"] in questions else set()
            with_marker += bool(cited)
            right_on_gold += fact_found(own(row), questions[row["id"]]) and any((Path(c.source).name, c.page) in gold
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
