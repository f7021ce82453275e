"""The router: table-driven rules, privacy, and accuracy on the labelled question set."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.records import Hit, Message
from desktop_app.routing.evaluation import evaluate, load_labelled
from desktop_app.routing.router import RouterConfig, RoutingInput, decide

DATA = Path(__file__).resolve().parents[1] / "data" / "router_questions.jsonl"


def hit(score=0.7, collection="policies", private=False):
    return Hit(source=f"{collection}/a.pdf", page=2, text="passage", score=score, collection=collection,
               on_device_only=private, similarity=score)


@pytest.mark.parametrize(
    ("question", "expected", "signal"),
    [
        ("What does SLA stand for?", "local", "lookup"),
        ("Who signs off expense reports?", "local", "lookup"),
        ("Write a 1000-word article on supply chain resilience for our customers.", "cloud", "long_form"),
        ("Write a SQL query that finds customers with no orders in the last 90 days.", "cloud", "code"),
        ("Calculate the monthly payment on a 300,000 loan at 4.5% over 25 years.", "cloud", "maths"),
        ("Compare Kubernetes and Nomad for a small ops team and recommend one.", "cloud", "reasoning"),
        ("Write a one-line reminder for the team chat about Friday's deadline.", "local", "short_form"),
        ("Fix the spelling: \"recieve the packige\"", "local", "short_edit"),
    ],
)
def test_task_rules(question, expected, signal):
    d = decide(RoutingInput(question))
    assert d.route == expected, d
    assert signal in d.signals["contributions"]
    assert d.reason and "\n" not in d.reason


def test_long_translation_goes_out_short_one_stays():
    short = decide(RoutingInput('Translate "thank you" into German.'))
    long = decide(RoutingInput('Translate into Italian: "Our offices will be closed on Friday for maintenance, and the helpdesk will answer urgent calls only."'))
    assert short.route == "local"
    assert long.route == "cloud" and "translation" in long.reason


@pytest.mark.parametrize("forced", [None, "cloud", "local"])
def test_on_device_only_hit_always_local(forced):
    inp = RoutingInput(
        "Write a detailed report comparing these contracts and compute the total exposure.",
        hits=(hit(0.8), hit(0.6, "legal-private", private=True)),
        documents_in_play=True,
        forced=forced,
        prompt_tokens=9000,
        local_context_length=4096,
    )
    d = decide(inp)
    assert d.route == "local"
    assert "legal-private" in d.reason and d.signals["rule"] == "on_device_only"


def test_on_device_only_by_collection_name_even_without_flag():
    d = decide(RoutingInput("Draft a board memo on these figures.", hits=(hit(0.7, "finance"),), documents_in_play=True,
                            on_device_only_collections=("finance",)))
    assert d.route == "local" and d.signals["rule"] == "on_device_only"


def test_forced_routes_and_no_cloud():
    assert decide(RoutingInput("What is 2+2?", forced="cloud")).route == "cloud"
    assert decide(RoutingInput("Write a 2000-word essay on inflation.", forced="local")).route == "local"
    d = decide(RoutingInput("Write a 2000-word essay on inflation.", forced="cloud", cloud_available=False))
    assert d.route == "local" and "no cloud" in d.reason


def test_prompt_that_does_not_fit_goes_to_cloud():
    d = decide(RoutingInput("What is the capital of Peru?", prompt_tokens=5000, local_context_length=4096))
    assert d.route == "cloud" and "does not fit" in d.reason
    assert decide(RoutingInput("What is the capital of Peru?", prompt_tokens=300, local_context_length=4096)).route == "local"


def test_retrieval_evidence():
    q = "What does the policy say about working from abroad?"
    weak = decide(RoutingInput(q, hits=(hit(0.1),), documents_in_play=True))
    strong = decide(RoutingInput(q, hits=(hit(0.8),), documents_in_play=True))
    assert "weak_evidence" in weak.signals["contributions"]
    assert "strong_evidence" in strong.signals["contributions"]
    assert weak.signals["score"] > strong.signals["score"]
    assert strong.route == "local"


def test_evidence_reads_similarity_not_rank_fusion_scores():
    q = "What does the policy say about working from abroad?"
    rrf = Hit("a.pdf", 1, "p", score=0.032, similarity=None)
    assert "weak_evidence" not in decide(RoutingInput(q, hits=(rrf,), documents_in_play=True)).signals["contributions"]
    weak = Hit("a.pdf", 1, "p", score=0.032, similarity=0.22)
    strong = Hit("a.pdf", 1, "p", score=0.016, similarity=0.71)
    assert "weak_evidence" in decide(RoutingInput(q, hits=(weak,), documents_in_play=True)).signals["contributions"]
    assert "strong_evidence" in decide(RoutingInput(q, hits=(strong,), documents_in_play=True)).signals["contributions"]


def test_local_confidence_tips_borderline_questions():
    q = "Explain how our pension scheme works."
    assert decide(RoutingInput(q)).route == "local"
    unsure = decide(RoutingInput(q, local_confidence=-2.8))
    assert unsure.route == "cloud" and "unsure" in unsure.reason
    assert decide(RoutingInput(q, local_confidence=-0.2)).signals["contributions"].get("confident") == -1.0


def test_threshold_is_configurable():
    q = "Compare the two offers."
    assert decide(RoutingInput(q)).route == "local"
    assert decide(RoutingInput(q), RouterConfig(threshold=1.0)).route == "cloud"


def test_decision_is_pure_and_deterministic():
    inp = RoutingInput("Analyse the risks of our pricing change and propose mitigations.", history=(Message("user", "hi"),))
    assert decide(inp) == decide(inp)


def test_labelled_set_is_large_and_balanced():
    questions = load_labelled(DATA)
    assert len(questions) >= 60
    assert sum(q.expected == "cloud" for q in questions) >= 20
    assert sum(q.expected == "local" for q in questions) >= 20
    assert sum(q.only_private_documents for q in questions) >= 5


def test_router_accuracy_on_labelled_set():
    ev = evaluate(load_labelled(DATA))
    assert ev.accuracy >= 0.85, [(q.question, d.reason) for q, d in ev.misses]
    assert ev.private_routed == 0
