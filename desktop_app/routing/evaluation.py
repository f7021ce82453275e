"""Measure the router on a labelled set of questions (tests and benchmarks/router_accuracy.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from desktop_app.core.records import Hit
from desktop_app.routing.router import RouteDecision, RouterConfig, RoutingInput, decide


@dataclass(frozen=True)
class LabelledQuestion:
    """One row of the labelled set: the question, its context and the expected route."""

    question: str
    difficulty: str
    expected: str
    routing_input: RoutingInput

    @property
    def only_private_documents(self) -> bool:
        """True when every retrieved passage comes from an on-device-only collection."""
        hits = self.routing_input.hits
        return bool(hits) and all(h.on_device_only for h in hits)


def load_labelled(path: Path) -> list[LabelledQuestion]:
    """Read a JSON Lines file of labelled questions."""
    out: list[LabelledQuestion] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(_row(json.loads(line)))
    return out


def _row(row: dict[str, Any]) -> LabelledQuestion:
    hits = tuple(
        Hit(
            source=f"{h['collection']}/doc.pdf",
            page=1,
            text="(passage)",
            score=float(h["score"]),
            similarity=float(h["score"]),  # the labelled set gives cosine similarities
            collection=h["collection"],
            on_device_only=bool(h.get("on_device_only", False)),
        )
        for h in row.get("hits", ())
    )
    inp = RoutingInput(
        question=row["question"],
        hits=hits,
        documents_in_play=bool(row.get("documents", False)),
        prompt_tokens=int(row.get("prompt_tokens", 0)),
        local_context_length=int(row.get("context_length", 4096)),
        local_confidence=row.get("confidence"),
        cloud_available=True,
    )
    return LabelledQuestion(row["question"], row["difficulty"], row["expected"], inp)


@dataclass(frozen=True)
class Evaluation:
    """Accuracy of a router on a labelled set, with the misses for inspection."""

    total: int
    correct: int
    misses: list[tuple[LabelledQuestion, RouteDecision]]
    private_routed: int  # questions touching only on-device-only documents that went to the cloud

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate(
    questions: list[LabelledQuestion],
    config: RouterConfig = RouterConfig(),
    router: Callable[[RoutingInput], RouteDecision] | None = None,
) -> Evaluation:
    """Run ``router`` (default: ``decide`` with ``config``) on every question and count
    agreements with the labels."""
    route = router or (lambda inp: decide(inp, config))
    correct = 0
    private_routed = 0
    misses = []
    for q in questions:
        decision = route(q.routing_input)
        if decision.route == q.expected:
            correct += 1
        else:
            misses.append((q, decision))
        if q.only_private_documents and decision.route == "cloud":
            private_routed += 1
    return Evaluation(len(questions), correct, misses, private_routed)
