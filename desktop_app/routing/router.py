"""The router: a pure, explainable decision between the local model and the cloud model.

``decide(RoutingInput) -> RouteDecision`` never does I/O. The rules, in order (docs/ROUTING.md):

1. Privacy: any passage from an on-device-only collection keeps the question local, always.
2. A forced route (the user's per-question choice) wins over everything but privacy.
3. Without a usable cloud endpoint the answer is local.
4. A prompt that does not fit the local context window goes to the cloud.
5. Otherwise the signals are scored; a total of ``threshold`` or more hands off. The reason
   names the strongest signals in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from desktop_app.core.records import Hit, Message, Route
from desktop_app.routing.task_signals import TaskCues, detect_tasks


@dataclass(frozen=True)
class RouterConfig:
    """Weights and thresholds of the scored rules (documented in docs/ROUTING.md)."""

    threshold: float = 2.0
    long_form: float = 2.5
    reasoning: float = 1.5  # per matching reasoning cue, capped at 2 cues
    maths: float = 1.5  # per matching maths cue, capped at 2 cues
    code: float = 1.5  # per matching code cue, capped at 2 cues
    translation: float = 1.0
    translation_long_text: float = 1.5  # more than ``short_text_words`` words to translate
    short_text_words: int = 8
    lookup: float = -1.5  # short factual question
    short_edit: float = -1.5
    short_form: float = -2.5
    long_question_words: int = 30
    long_question: float = 1.0
    very_long_question_words: int = 70
    very_long_question: float = 1.0
    many_numbers: int = 3  # three or more figures suggest a calculation
    many_numbers_weight: float = 1.0
    multi_part: float = 0.5  # several questions or sentences
    strong_evidence: float = 0.5  # retrieval score at or above: the documents answer it
    strong_evidence_weight: float = -1.0
    weak_evidence: float = 0.3  # best retrieval score below: the passages barely match
    weak_evidence_weight: float = 1.5
    unsure_logprob: float = -2.0  # mean token logprob of a local draft below: the model is guessing
    unsure_weight: float = 2.0
    hesitant_logprob: float = -1.2
    hesitant_weight: float = 1.0
    confident_logprob: float = -0.6
    confident_weight: float = -1.0


@dataclass(frozen=True)
class RoutingInput:
    """Everything the router looks at for one question.

    Args:
        question: the user's question as typed.
        history: earlier turns of the conversation (only their count is used).
        hits: retrieved passages (empty without documents).
        documents_in_play: the conversation uses document collections.
        prompt_tokens: tokens of the full local prompt.
        local_context_length: the local model's context window (0 = unknown).
        local_confidence: mean token logprob of a short local draft, if measured.
        forced: the user's per-question choice ("local" or "cloud"), or None.
        cloud_available: a cloud endpoint is configured and the policy allows hand-off.
        on_device_only_collections: collections whose passages never leave the device.
    """

    question: str
    history: Sequence[Message] = ()
    hits: Sequence[Hit] = ()
    documents_in_play: bool = False
    prompt_tokens: int = 0
    local_context_length: int = 0
    local_confidence: float | None = None
    forced: Route | None = None
    cloud_available: bool = True
    on_device_only_collections: Sequence[str] = ()


@dataclass(frozen=True)
class RouteDecision:
    """Where to answer, why (one plain line), and the signals behind it."""

    route: Route
    reason: str
    signals: dict[str, Any] = field(default_factory=dict)


# Plain words for each scored signal, used to build the one-line reason.
_WORDS = {
    "long_form": "it asks for a long piece of writing",
    "reasoning": "it needs multi-step reasoning",
    "maths": "it involves a calculation",
    "code": "it is about code",
    "translation": "it asks for a translation",
    "long_question": "it is long and detailed",
    "very_long_question": "it is very long",
    "many_numbers": "it has several figures to work with",
    "multi_part": "it has several parts",
    "weak_evidence": "the documents match it only weakly",
    "unsure": "the local model is unsure of its draft",
    "hesitant": "the local model is hesitant",
    "lookup": "it is a short factual question",
    "short_edit": "it is a short edit",
    "short_form": "it asks for something short",
    "strong_evidence": "the documents answer it directly",
    "confident": "the local model is confident",
}


def private_hits(inp: RoutingInput) -> list[Hit]:
    """Hits that must never leave the device (flagged by the index or by collection name)."""
    names = set(inp.on_device_only_collections)
    return [h for h in inp.hits if h.on_device_only or h.collection in names]


def evidence(hits: Sequence[Hit]) -> float | None:
    """How well the best passage matches the question (a similarity), or None if unknown.

    Retrievers that fill ``Hit.similarity`` are read directly. Otherwise a ``score`` above 0.1
    is taken as a similarity; below that it is most likely a fused reciprocal rank (at most
    about 0.05), which orders hits but says nothing about their strength.
    """
    sims = [h.similarity for h in hits if h.similarity is not None]
    if sims:
        return max(sims)
    best = max((h.score for h in hits), default=None)
    return best if best is not None and best > 0.1 else None


def decide(inp: RoutingInput, config: RouterConfig = RouterConfig()) -> RouteDecision:
    """Decide local or cloud for one question; pure and deterministic."""
    private = private_hits(inp)
    if private:
        names = ", ".join(sorted({h.collection for h in private}))
        return RouteDecision(
            "local",
            f"Answered on this device: it uses documents from on-device-only collection(s) ({names}).",
            {"rule": "on_device_only", "collections": sorted({h.collection for h in private})},
        )
    if inp.forced == "local":
        return RouteDecision("local", "Answered on this device (you chose local).", {"rule": "forced"})
    if not inp.cloud_available:
        return RouteDecision("local", "Answered on this device (no cloud model is configured).", {"rule": "no_cloud"})
    if inp.forced == "cloud":
        return RouteDecision("cloud", "Sent to the cloud model (you chose cloud).", {"rule": "forced"})
    if inp.local_context_length and inp.prompt_tokens > inp.local_context_length:
        return RouteDecision(
            "cloud",
            f"Sent to the cloud model: the prompt ({inp.prompt_tokens} tokens) does not fit the local "
            f"model's context ({inp.local_context_length} tokens).",
            {"rule": "context", "prompt_tokens": inp.prompt_tokens, "local_context_length": inp.local_context_length},
        )

    cues = detect_tasks(inp.question)
    contributions = _score(inp, cues, config)
    total = round(sum(contributions.values()), 3)
    route: Route = "cloud" if total >= config.threshold else "local"
    signals = {
        "rule": "score",
        "score": total,
        "threshold": config.threshold,
        "contributions": contributions,
        "tasks": {k: v for k, v in cues.families.items()},
        "words": cues.words,
    }
    if inp.hits:
        signals["evidence"] = evidence(inp.hits)
    if inp.local_confidence is not None:
        signals["local_confidence"] = inp.local_confidence
    return RouteDecision(route, _reason(route, contributions), signals)


def _score(inp: RoutingInput, cues: TaskCues, c: RouterConfig) -> dict[str, float]:
    """Each signal's contribution; positive means the cloud would do better."""
    out: dict[str, float] = {}
    short = cues.has("short_form")
    if cues.has("long_form") and not short:
        out["long_form"] = c.long_form
    if short:
        out["short_form"] = c.short_form
    if cues.has("reasoning"):
        out["reasoning"] = c.reasoning * min(2, cues.hits("reasoning"))
    maths_cues = cues.hits("maths") + (1 if cues.numbers >= c.many_numbers else 0)
    if cues.has("maths"):
        out["maths"] = c.maths * min(2, maths_cues)
    elif cues.numbers >= c.many_numbers:
        out["many_numbers"] = c.many_numbers_weight
    if cues.has("code"):
        out["code"] = c.code * min(2, cues.hits("code"))
    # "in French" alone is often a short phrase question; a translation task says "translate".
    if any("translat" in m.lower() for m in cues.families.get("translation", ())):
        out["translation"] = c.translation
        if cues.quoted_words > c.short_text_words or _several_languages(inp.question):
            out["translation"] += c.translation_long_text
    if cues.has("lookup") and cues.words <= 14 and not any(k in out for k in ("maths", "code", "long_form")):
        out["lookup"] = c.lookup
    if cues.has("short_edit") and cues.words <= 25:
        out["short_edit"] = c.short_edit
    if cues.words > c.long_question_words:
        out["long_question"] = c.long_question
    if cues.words > c.very_long_question_words:
        out["very_long_question"] = c.very_long_question
    if cues.sentences >= 3 or inp.question.count("?") >= 2:
        out["multi_part"] = c.multi_part
    best = evidence(inp.hits) if inp.documents_in_play else None
    if best is not None:
        if best < c.weak_evidence:
            out["weak_evidence"] = c.weak_evidence_weight
        elif best >= c.strong_evidence and not out.get("long_form") and not out.get("reasoning"):
            out["strong_evidence"] = c.strong_evidence_weight
    if inp.local_confidence is not None:
        lp = inp.local_confidence
        if lp < c.unsure_logprob:
            out["unsure"] = c.unsure_weight
        elif lp < c.hesitant_logprob:
            out["hesitant"] = c.hesitant_weight
        elif lp > c.confident_logprob:
            out["confident"] = c.confident_weight
    return out


_LANGS = ("english", "german", "french", "spanish", "italian", "portuguese", "dutch", "polish", "japanese", "chinese", "korean", "arabic", "russian", "turkish")


def _several_languages(question: str) -> bool:
    q = question.lower()
    return sum(1 for lang in _LANGS if lang in q) >= 2


def _reason(route: Route, contributions: dict[str, float]) -> str:
    """One plain line naming the two strongest signals in the direction of the decision."""
    sign = 1 if route == "cloud" else -1
    top = sorted((k for k, v in contributions.items() if v * sign > 0), key=lambda k: -abs(contributions[k]))[:2]
    if route == "cloud":
        return f"Sent to the cloud model: {' and '.join(_WORDS[k] for k in top)}."
    if not top:
        return "Answered on this device: the local model can handle this question."
    return f"Answered on this device: {' and '.join(_WORDS[k] for k in top)}."
