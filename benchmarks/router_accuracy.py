"""Router accuracy on the labelled question set, against a length-only baseline.

Usage: python benchmarks/router_accuracy.py [--json] [--data tests/data/router_questions.jsonl]
Prints one JSON object: accuracy, the baseline's accuracy (route long questions to the cloud)
measured in the same run, and how many on-device-only questions were routed (must be 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.routing.evaluation import evaluate, load_labelled  # noqa: E402
from desktop_app.routing.router import RouteDecision, RoutingInput  # noqa: E402


def length_baseline(inp: RoutingInput) -> RouteDecision:
    """The naive router: more than 20 words goes to the cloud."""
    return RouteDecision("cloud" if len(inp.question.split()) > 20 else "local", "length")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--data", default=str(ROOT / "tests" / "data" / "router_questions.jsonl"))
    args = parser.parse_args()
    questions = load_labelled(Path(args.data))
    ev = evaluate(questions)
    base = evaluate(questions, router=length_baseline)
    result = {
        "benchmark": "router_accuracy",
        "questions": ev.total,
        "expected_cloud": sum(q.expected == "cloud" for q in questions),
        "accuracy": round(ev.accuracy, 4),
        "baseline": "length_only_20_words",
        "baseline_accuracy": round(base.accuracy, 4),
        "on_device_only_routed": ev.private_routed,
        "misses": [{"question": q.question, "expected": q.expected, "reason": d.reason} for q, d in ev.misses],
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Router accuracy: {ev.correct}/{ev.total} = {ev.accuracy:.1%} (length-only baseline {base.accuracy:.1%})")
        print(f"On-device-only questions routed to the cloud: {ev.private_routed}")
        for miss in result["misses"]:
            print(f"  miss ({miss['expected']} expected): {miss['question'][:80]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
