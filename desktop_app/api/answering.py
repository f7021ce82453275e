"""A ChatCall answered by the Assistant, as the window answers: events an HTTP response is built from.

Each call gets its own conversation (the request's earlier turns are its history), answered
with ``Assistant.prepare`` + ``answer`` and deleted afterwards, so API traffic never fills the
window's conversation list; what went to a cloud model is in the audit log as always. A
hand-off that needs the user's confirmation (policy ``ask``) stays on this device: an API
client cannot confirm on the user's behalf.

The request's ``max_tokens`` and ``stop`` are applied here, on the Assistant's stream (the
app's own ``llm.max_tokens`` is the ceiling): reaching either stops the generation through its
CancelToken. Runs on a worker thread; the generator is plain and synchronous.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from desktop_app.api.calls import ChatCall
from desktop_app.api.errors import ApiError, bad_request, from_app_error
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError
from desktop_app.core.records import (
    Citation,
    DoneEvent,
    ErrorEvent,
    NoticeEvent,
    RouteEvent,
    SourcesEvent,
    TokenEvent,
)
from desktop_app.services.prepared_question import quietly, title_from


@dataclass(frozen=True)
class Ready:
    """Preparation succeeded: the response may start (headers, first SSE chunk)."""


@dataclass(frozen=True)
class Piece:
    text: str


@dataclass
class Finished:
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    citations: list[Citation] = field(default_factory=list)
    route: dict = field(default_factory=dict)  # route, model, reason, notices (the slm_assistant extension)


@dataclass(frozen=True)
class Failed:
    error: ApiError


ApiEvent = Ready | Piece | Finished | Failed


def answer_call(assistant, call: ChatCall, cancel: CancelToken,
                indexed_collections: Callable[[], Sequence[str]]) -> Iterator[ApiEvent]:
    """Answer ``call``; yields Ready, Pieces, then Finished — or Failed at any point.

    Args:
        assistant: the app's ``services.assistant.Assistant`` (``Core.assistant``).
        cancel: set when the client leaves; also set here when max_tokens or a stop string is reached.
        indexed_collections: names of the collections that hold documents (for the documents model).
    """
    try:
        collections = _collections(call, indexed_collections)
    except ApiError as exc:
        yield Failed(exc)
        return
    except AppError as exc:
        yield Failed(from_app_error(exc))
        return
    # The plain model takes the client's instructions with the question (models without a
    # system role get them this way anyway). The documents model keeps to the app's grounding
    # rules, and its search must see the question alone.
    question = call.question
    if call.instructions and not call.documents:
        question = f"{call.instructions}\n\n{call.question}"
    store = assistant.store
    try:
        conversation = store.create_conversation(title_from(call.question), collections)
    except AppError as exc:
        yield Failed(from_app_error(exc))
        return
    try:
        for turn in call.history:
            store.add_message(conversation.id, turn.role, turn.content)
        prepared = assistant.prepare(question, conversation.id, call.route, collections)
        yield Ready()
        ceiling = assistant.settings.llm.max_tokens
        limit = min(call.max_tokens, ceiling) if call.max_tokens else ceiling
        # approved=None: a hand-off that needs the user's confirmation stays on this device.
        yield from _relay(assistant.answer(prepared, cancel, approved=None), call, cancel, limit)
    except AppError as exc:
        yield Failed(from_app_error(exc))
    finally:
        quietly(store.delete_conversation, conversation.id)


def _collections(call: ChatCall, indexed_collections: Callable[[], Sequence[str]]) -> list[str]:
    if not call.documents:
        return []
    available = list(indexed_collections())
    if call.collections is None:
        if not available:
            raise bad_request("No documents are indexed yet. Add some in the window or run "
                              "'slm-assistant index PATH' first.", "model", "no_documents")
        return available
    unknown = [name for name in call.collections if name not in available]
    if unknown:
        have = ", ".join(available) or "none yet"
        raise ApiError(404, f"There is no indexed collection called '{unknown[0]}' (indexed: {have}).",
                       "invalid_request_error", "collection_not_found", "collections")
    return list(call.collections)


def _relay(events, call: ChatCall, cancel: CancelToken, limit: int) -> Iterator[ApiEvent]:
    """The Assistant's events as API events, applying max_tokens and stop strings."""
    scanner = StopScanner(call.stop)
    text, pieces, cut = "", 0, ""
    route: dict = {}
    notices: list[str] = []
    citations: list[Citation] = []
    for event in events:
        if isinstance(event, RouteEvent):
            if route and (text or pieces):
                # The cloud failed mid-answer and the local model starts afresh: a streaming
                # client already has the first words, so it gets a break before the new answer.
                yield Piece("\n\n")
                text, pieces, cut, scanner = "", 0, "", StopScanner(call.stop)
            route = {"route": event.route, "model": event.model, "reason": event.reason}
        elif isinstance(event, NoticeEvent):
            notices.append(event.text)
        elif isinstance(event, SourcesEvent):
            citations = list(event.sources)
        elif isinstance(event, TokenEvent):
            if cut:
                continue  # the last piece before the generation noticed the cancel
            pieces += 1
            out, hit = scanner.feed(event.text)
            if not text:
                out = out.lstrip()  # completion-style models open with a space
            if out:
                text += out
                yield Piece(out)
            if hit:
                cut = "stop"
                cancel.cancel()
            elif pieces >= limit:
                cut = "length"
                cancel.cancel()
        elif isinstance(event, ErrorEvent):
            yield Failed(from_app_error(event.error))
            return
        elif isinstance(event, DoneEvent):
            if not cut:
                rest = scanner.flush()
                rest = rest if text else rest.lstrip()
                if rest:
                    text += rest
                    yield Piece(rest)
            answer = event.answer
            timings = answer.timings
            finish = cut or ("length" if timings.completion_tokens >= limit else "stop")
            route["notices"] = notices
            yield Finished(text=text.rstrip(), finish_reason=finish, prompt_tokens=timings.prompt_tokens,
                           completion_tokens=timings.completion_tokens or pieces,
                           citations=citations or list(answer.sources), route=route)
            return
    yield Failed(ApiError(500, "The answer ended without a result.", "server_error"))


class StopScanner:
    """Finds stop strings in streamed text, holding back a tail that may be the start of one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self._pending = ""

    def feed(self, piece: str) -> tuple[str, bool]:
        """Text safe to emit now, and whether a stop string was reached (text after it is dropped)."""
        if not self.stops:
            return piece, False
        buf = self._pending + piece
        found = [i for i in (buf.find(s) for s in self.stops) if i >= 0]
        if found:
            self._pending = ""
            return buf[:min(found)], True
        keep = 0
        for stop in self.stops:  # the longest tail of buf that begins some stop string
            for n in range(min(len(stop) - 1, len(buf)), keep, -1):
                if stop.startswith(buf[-n:]):
                    keep = n
                    break
        self._pending = buf[len(buf) - keep:] if keep else ""
        return buf[:len(buf) - keep], False

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return rest
