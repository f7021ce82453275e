"""Plain records passed between layers: messages, hits, answers and the events of a stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args

from desktop_app.core.errors import AppError

Role = Literal["system", "user", "assistant"]
Route = Literal["local", "cloud"]
ROLES: tuple[str, ...] = get_args(Role)
# What a StoredMessage's status may be (see its docstring).
STATUSES = ("complete", "streaming", "stopped", "error")
# The "model" of an answer no model wrote: the documents searched hold nothing for the question.
DOCUMENT_SEARCH = "document search"
# The "model" of an answer the built-in calculator worked out (desktop_app.calc): no model was asked.
CALCULATOR = "calculator"


@dataclass(frozen=True)
class Message:
    """One turn as a model sees it."""

    role: Role
    content: str


@dataclass
class StoredMessage:
    """One turn as the conversation store keeps it.

    ``status`` is ``complete``, ``streaming`` (being written), ``stopped`` (cut short by the
    user or a crash: the text is what was received) or ``error``. ``meta`` carries the route,
    model, router reason, cited sources and timings of an answer.
    """

    id: int
    conversation_id: int
    role: Role
    content: str
    created_at: float
    status: str = "complete"
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Conversation:
    id: int
    title: str
    created_at: float
    updated_at: float
    collections: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    """A retrieved passage. ``page`` is 1-based; ``source`` is the file's path.

    ``score`` ranks hits (its scale depends on the retriever, e.g. fused reciprocal ranks);
    ``similarity`` is the passage's cosine similarity to the question when known (the router
    reads it as the strength of the evidence).
    """

    source: str
    page: int
    text: str
    score: float
    collection: str = "default"
    chunk_id: str = ""
    on_device_only: bool = False
    similarity: float | None = None
    unit: str = ""  # the cited part when it is not a page: "slide 3", "Sheet Budget, rows 2–40"
    # What the document is, from its metadata ("National Transportation Safety Board · Aviation
    # Accident Final Report, Death Valley, CA · November 29, 2007"); "" when unknown.
    document: str = ""
    # The day the period the question asks about ended, when the documents tell it and the question
    # does not ("Q1 2023" -> "2022-09-30" for a fiscal year ending in June): a statement's column.
    asked_period_end: str = ""

    @property
    def place(self) -> str:
        """Where in the file the passage is, as a reader says it: "page 7" or "slide 3"."""
        return place(self.page, self.unit)


@dataclass(frozen=True)
class Citation:
    """A numbered source in an answer: ``[number]`` in the text maps to this passage."""

    number: int
    source: str
    page: int
    text: str
    score: float = 0.0
    # The span of ``text`` a reader is pointed to (a checked claim's evidence), for the popup to
    # highlight; None for the citation as a whole. Not saved: claims carry their own spans.
    highlight: tuple[int, int] | None = None
    unit: str = ""  # see Hit.unit; saved only when set
    document: str = ""  # see Hit.document; saved only when set

    @property
    def place(self) -> str:
        return place(self.page, self.unit)

    def to_json(self) -> dict[str, Any]:
        data = {"n": self.number, "source": self.source, "page": self.page, "text": self.text, "score": self.score}
        if self.unit:
            data["unit"] = self.unit
        if self.document:
            data["document"] = self.document
        return data


def place(page: int, unit: str = "") -> str:
    """ "slide 3" or "Sheet Budget, rows 2–40" when the part has a name of its own, else "page 7"."""
    return unit or f"page {page}"


@dataclass(frozen=True)
class Claim:
    """A figure or name in an answer, and whether the cited passages state it.

    ``start``/``end``: its span in the answer's text. When supported, ``source`` is the citation
    number and ``source_start``/``source_end`` the span in that citation's text. ``key`` is False
    for claims whose absence is not worth a warning (names, "first"). ``reason`` says why an
    unsupported claim is: "" when no passage states it, OTHER_SUBJECT when only a passage from a
    document about something else does (``source`` then points at it), OTHER_FIELD when the
    passage states it in another field than the one asked about (``source_start``/``source_end``
    then point at the figure of the field asked about), OTHER_PERIOD when the passage states it for
    another fiscal year than the question asks about (the span then runs from that year to the
    figure), OTHER_MEANING when the passage's figure counts or numbers something else than the
    answer says ("6.4 million participants" for employees, "priority 2" for two objectives),
    OTHER_KIND when the question asks for a percent and the answer gives only counts, or asks how
    many and the answer gives only a percent (``source`` points at where the figure is stated).
    """

    OTHER_SUBJECT = "other_subject"
    OTHER_FIELD = "other_field"
    OTHER_PERIOD = "other_period"
    OTHER_MEANING = "other_meaning"
    OTHER_KIND = "other_kind"

    text: str
    kind: str  # number, percent, money, range, date, ordinal, code, name
    start: int
    end: int
    supported: bool
    source: int | None = None
    source_start: int | None = None
    source_end: int | None = None
    key: bool = True
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        data = {"text": self.text, "kind": self.kind, "supported": self.supported, "source": self.source,
                "start": self.start, "end": self.end, "source_start": self.source_start,
                "source_end": self.source_end, "key": self.key}
        if self.reason:
            data["reason"] = self.reason
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Claim":
        return cls(str(data["text"]), str(data["kind"]), int(data["start"]), int(data["end"]), bool(data["supported"]),
                   data.get("source"), data.get("source_start"), data.get("source_end"), bool(data.get("key", True)),
                   str(data.get("reason", "")))


@dataclass(frozen=True)
class ClaimCheck:
    """The result of checking an answer's figures and names against its sources."""

    claims: tuple[Claim, ...] = ()

    @property
    def supported_ratio(self) -> float | None:
        """Share of claims the sources state; None when the answer makes no checkable claim."""
        return sum(c.supported for c in self.claims) / len(self.claims) if self.claims else None

    @property
    def unsupported_key(self) -> tuple[Claim, ...]:
        """The key figures the sources do not state (these earn a warning)."""
        return tuple(c for c in self.claims if c.key and not c.supported)

    def to_json(self) -> dict[str, Any]:
        ratio = self.supported_ratio
        return {"claims": [c.to_json() for c in self.claims],
                "supported_ratio": None if ratio is None else round(ratio, 4)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "ClaimCheck | None":
        """Read what ``to_json`` wrote (a stored message's meta); None when absent or unreadable."""
        try:
            return cls(tuple(Claim.from_json(c) for c in (data or {})["claims"]))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class Timings:
    ttft_s: float = 0.0
    tokens_per_s: float = 0.0
    total_s: float = 0.0
    completion_tokens: int = 0
    prompt_tokens: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "ttft_s": round(self.ttft_s, 4),
            "tokens_per_s": round(self.tokens_per_s, 2),
            "total_s": round(self.total_s, 4),
            "completion_tokens": self.completion_tokens,
            "prompt_tokens": self.prompt_tokens,
        }


@dataclass
class Answer:
    """The finished (or stopped) answer to one question."""

    text: str
    model: str
    route: Route = "local"
    reason: str = ""
    sources: list[Citation] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    stopped: bool = False
    notices: list[str] = field(default_factory=list)
    message_id: int | None = None
    conversation_id: int | None = None
    claims: ClaimCheck | None = None  # figures and names checked against the sources (grounded answers)

    def to_json(self) -> dict[str, Any]:
        data = {
            "answer": self.text,
            "model": self.model,
            "route": self.route,
            "reason": self.reason,
            "sources": [c.to_json() for c in self.sources],
            "timings": self.timings.to_json(),
            "stopped": self.stopped,
            "notices": list(self.notices),
            "conversation_id": self.conversation_id,
        }
        if self.claims is not None:
            data.update(self.claims.to_json())
        return data


# --- Events yielded by services while an answer streams (rule: streaming is a plain generator) ---


@dataclass(frozen=True)
class TokenEvent:
    text: str


@dataclass(frozen=True)
class SourcesEvent:
    sources: tuple[Citation, ...]


@dataclass(frozen=True)
class RouteEvent:
    """Where the answer is produced, e.g. route=local model="gemma-3-270m" reason="...".

    A second RouteEvent after tokens means the cloud failed mid-answer and this device answers
    instead: the text shown so far is replaced (start the answer afresh); DoneEvent has the final text.
    """

    route: Route
    model: str
    reason: str = ""


@dataclass(frozen=True)
class NoticeEvent:
    """A one-line notice shown beside the answer (fallback, trimmed history, on-device-only...)."""

    text: str


@dataclass(frozen=True)
class ClaimsEvent:
    """The answer's figures and names checked against its sources; comes just before DoneEvent."""

    check: ClaimCheck


@dataclass(frozen=True)
class DoneEvent:
    answer: Answer


@dataclass(frozen=True)
class ErrorEvent:
    error: AppError


AnswerEvent = Union[TokenEvent, SourcesEvent, RouteEvent, NoticeEvent, ClaimsEvent, DoneEvent, ErrorEvent]
