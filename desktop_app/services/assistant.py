"""Assistant: answers a question in a conversation, streaming typed events, saving as it goes.

One pipeline for the CLI and the GUI:
  retrieve passages (if the conversation uses collections) -> build the local prompt within the
  context budget (oldest turns dropped first, system prompt kept) -> plan the route (cloud
  gateway, if configured) -> stream from the chosen backend -> save.
The answer is saved while it streams, so a crash or a Stop keeps what was received, marked
``stopped``. A cloud failure falls back to the local model with a one-line notice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, CloudError, ContextOverflowError, StorageError
from desktop_app.core.records import (
    Answer,
    AnswerEvent,
    Citation,
    ConfirmEvent,
    DoneEvent,
    ErrorEvent,
    Hit,
    Message,
    NoticeEvent,
    Route,
    RouteEvent,
    SourcesEvent,
    StoredMessage,
    Timings,
    TokenEvent,
)
from desktop_app.llm.base import ChatBackend, GenerationRequest
from desktop_app.rag.base import Retriever
from desktop_app.routing.base import CloudGateway, HandoffPlan

NOT_IN_DOCUMENTS = "The selected documents do not contain information about this, so I can't answer it from them."
SAVE_EVERY_S = 0.5  # how often a streaming answer is written to disk


@dataclass
class PreparedQuestion:
    """Everything decided before generation starts; the GUI shows ``plan`` for confirmation."""

    conversation_id: int
    question: str
    messages: tuple[Message, ...]
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    plan: HandoffPlan
    notices: tuple[str, ...] = ()
    documents_in_play: bool = False


class Assistant:
    """Answers questions; built once by the composition root and shared by CLI and GUI.

    Args:
        store: the conversation store (``desktop_app.core.conversation_store.ConversationStore``).
        backend_factory: returns the loaded local ChatBackend (loads it lazily on first use).
        settings: the effective settings (machine policy already applied).
        retriever_factory: returns the document Retriever, or None without documents.
        gateway: the cloud gateway, or None when cloud routing is off / not configured.
        grounding: builds the grounded user message (``rag.prompting.build_grounded_prompt``).
    """

    def __init__(
        self,
        store,
        backend_factory: Callable[[], ChatBackend],
        settings: Settings,
        retriever_factory: Callable[[], Retriever | None] | None = None,
        gateway: CloudGateway | None = None,
        grounding: Callable[..., tuple[str, list[Citation]]] | None = None,
    ) -> None:
        self.store = store
        self._backend_factory = backend_factory
        self.settings = settings
        self._retriever_factory = retriever_factory
        self.gateway = gateway
        self._grounding = grounding

    @property
    def backend(self) -> ChatBackend:
        return self._backend_factory()

    # ---------------------------------------------------------------- phase 1: prepare

    def prepare(
        self,
        question: str,
        conversation_id: int | None = None,
        route: Route | None = None,
        collections: Sequence[str] | None = None,
    ) -> PreparedQuestion:
        """Retrieve, build the prompt and plan the route. Raises AppError in plain language.

        Runs on a worker thread in the GUI (it may load the model and the embedder).
        """
        question = question.strip()
        if not question:
            raise AppError("Type a question first.")
        if conversation_id is None:
            conversation_id = self.store.create_conversation(_title_from(question)).id
        conv = self.store.get_conversation(conversation_id)
        if collections is None:
            collections = conv.collections if conv else []
        history = self._history(conversation_id)
        backend = self.backend

        hits: list[Hit] = []
        documents_in_play = bool(collections)
        if documents_in_play and self._retriever_factory is not None:
            retriever = self._retriever_factory()
            if retriever is not None:
                hits = retriever.retrieve(question, k=self.settings.rag.top_k, collections=collections)

        answer_reserve = min(self.settings.llm.max_tokens, max(64, backend.context_length // 4))
        budget = backend.context_length - answer_reserve
        system = Message("system", self.settings.llm.system_prompt)
        user_content, citations = question, []
        if hits and self._grounding is not None:
            # The sources get what the system prompt and the question leave of the budget.
            fixed = backend.count_tokens([system, Message("user", question)])
            user_content, citations = self._grounding(question, hits, max(0, budget - fixed - 32), backend.count_tokens)

        messages, dropped = _fit(system, history, Message("user", user_content), budget, backend.count_tokens)
        notices: list[str] = []
        if dropped:
            notices.append(f"The oldest {dropped} message(s) were left out so the conversation fits the model's memory.")
        prompt_tokens = backend.count_tokens(messages)

        if self.gateway is not None:
            plan = self.gateway.plan(question, messages, hits, route, backend.context_length, prompt_tokens)
        else:
            why = "forced local" if route == "local" else "cloud hand-off is off"
            plan = HandoffPlan(route="local", reason=f"Answered on this device ({why}).")
        if plan.route == "local" and prompt_tokens > budget:
            raise ContextOverflowError(
                "The question is too long for the model's context window.",
                "Shorten the question or choose a model with a larger context in Settings.",
            )
        return PreparedQuestion(
            conversation_id=conversation_id,
            question=question,
            messages=tuple(messages),
            citations=tuple(citations),
            hits=tuple(hits),
            plan=plan,
            notices=tuple(notices) + tuple(plan.notices),
            documents_in_play=documents_in_play,
        )

    # ---------------------------------------------------------------- phase 2: answer

    def answer(
        self,
        prepared: PreparedQuestion,
        cancel: CancelToken | None = None,
        approved: bool | None = None,
        save_question: bool = True,
    ) -> Iterator[AnswerEvent]:
        """Stream the answer as events, saving as it goes. Ends with DoneEvent or ErrorEvent.

        Args:
            approved: the user's answer to a ``needs_confirmation`` plan (None = not asked:
                the answer stays local under policy ``ask``).
            save_question: False when regenerating (the question is already stored).
        """
        cancel = cancel or CancelToken()
        plan = prepared.plan
        use_cloud = plan.route == "cloud" and (not plan.needs_confirmation or approved is True)
        notices = list(prepared.notices)
        if plan.route == "cloud" and not use_cloud:
            notices.append("You kept this question on this device.")
        try:
            if save_question:
                self.store.add_message(prepared.conversation_id, "user", prepared.question)
        except StorageError as exc:
            yield ErrorEvent(exc)
            return

        if prepared.documents_in_play and not prepared.hits:
            yield from self._fixed_answer(prepared, NOT_IN_DOCUMENTS, notices)
            return

        backend = self.backend
        model = plan.model if use_cloud else backend.model_name
        route: Route = "cloud" if use_cloud else "local"
        reason = plan.reason if use_cloud else (plan.reason if plan.route == "local" else "You kept this question on this device.")
        yield RouteEvent(route, model, reason)
        if prepared.citations:
            yield SourcesEvent(prepared.citations)
        for note in notices:
            yield NoticeEvent(note)

        meta = {"route": route, "model": model, "reason": reason, "sources": [c.to_json() for c in prepared.citations]}
        try:
            msg = self.store.add_message(prepared.conversation_id, "assistant", "", status="streaming", meta=meta)
        except StorageError as exc:
            yield ErrorEvent(exc)
            return

        text = ""
        started = time.perf_counter()
        first_token_at: float | None = None
        pieces: Iterator[str]
        if use_cloud:
            pieces = self.gateway.stream(plan, cancel)  # type: ignore[union-attr]
        else:
            pieces = backend.stream(self._request(prepared.messages), cancel)
        last_save = started
        error: AppError | None = None
        try:
            while True:
                try:
                    piece = next(pieces)
                except StopIteration:
                    break
                except CloudError as exc:
                    if text or cancel.cancelled:
                        raise
                    # Fall back to the local model with a one-line notice; the user always gets an answer.
                    note = f"The cloud model could not answer ({exc.message}); answered on this device instead."
                    notices.append(note)
                    yield NoticeEvent(note)
                    route, model = "local", backend.model_name
                    reason = "Cloud unavailable: fell back to this device."
                    meta.update(route=route, model=model, reason=reason)
                    yield RouteEvent(route, model, reason)
                    use_cloud = False
                    pieces = backend.stream(self._request(prepared.messages), cancel)
                    continue
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                text += piece
                yield TokenEvent(piece)
                now = time.perf_counter()
                if now - last_save >= SAVE_EVERY_S:
                    self.store.update_message(msg.id, content=text)
                    last_save = now
                if cancel.cancelled:
                    break
        except AppError as exc:
            error = exc
        finally:
            close = getattr(pieces, "close", None)
            if close:
                close()

        stats = None if use_cloud else backend.last_stats
        total = time.perf_counter() - started
        timings = Timings(
            ttft_s=(stats.ttft_s if stats else ((first_token_at - started) if first_token_at else 0.0)),
            tokens_per_s=(stats.tokens_per_s if stats else 0.0),
            total_s=total,
            completion_tokens=(stats.completion_tokens if stats else 0),
            prompt_tokens=(stats.prompt_tokens if stats else 0),
        )
        stopped = cancel.cancelled
        status = "error" if error else ("stopped" if stopped else "complete")
        meta.update(timings=timings.to_json(), notices=notices)
        try:
            self.store.update_message(msg.id, content=text, status=status, meta=meta)
        except StorageError as exc:
            error = error or exc
        if error is not None:
            yield ErrorEvent(error)
            return
        yield DoneEvent(
            Answer(
                text=text,
                model=model,
                route=route,
                reason=reason,
                sources=list(prepared.citations),
                timings=timings,
                stopped=stopped,
                notices=notices,
                message_id=msg.id,
                conversation_id=prepared.conversation_id,
            )
        )

    def ask(self, question: str, conversation_id: int | None = None, route: Route | None = None,
            collections: Sequence[str] | None = None, cancel: CancelToken | None = None,
            approved: bool | None = None) -> Iterator[AnswerEvent]:
        """prepare + answer in one generator (CLI); preparation errors become an ErrorEvent."""
        try:
            prepared = self.prepare(question, conversation_id, route, collections)
        except AppError as exc:
            yield ErrorEvent(exc)
            return
        if prepared.plan.needs_confirmation:
            yield ConfirmEvent(prepared.plan.reason, prepared.plan.preview)
        yield from self.answer(prepared, cancel, approved)

    def prepare_regenerate(self, conversation_id: int, route: Route | None = None) -> PreparedQuestion:
        """Drop the last answer and prepare the last question again (its text stays stored)."""
        msgs = self.store.messages(conversation_id)
        while msgs and msgs[-1].role == "assistant":
            self.store.delete_message(msgs.pop().id)
        if not msgs or msgs[-1].role != "user":
            raise AppError("There is no question to answer again.")
        last = msgs[-1]
        self.store.delete_message(last.id)
        try:
            return self.prepare(last.content, conversation_id, route)
        except AppError:
            self.store.add_message(conversation_id, "user", last.content)
            raise

    # ---------------------------------------------------------------- helpers

    def _request(self, messages: Sequence[Message]) -> GenerationRequest:
        llm = self.settings.llm
        return GenerationRequest(tuple(messages), max_tokens=llm.max_tokens, temperature=llm.temperature)

    def _history(self, conversation_id: int) -> list[Message]:
        out: list[Message] = []
        for m in self.store.messages(conversation_id):
            if m.role in ("user", "assistant") and m.content and m.status != "error":
                out.append(Message(m.role, m.content))
        return out

    def _fixed_answer(self, prepared: PreparedQuestion, text: str, notices: list[str]) -> Iterator[AnswerEvent]:
        model = "document search"
        reason = "Nothing relevant was found in the selected documents."
        yield RouteEvent("local", model, reason)
        yield TokenEvent(text)
        meta = {"route": "local", "model": model, "reason": reason, "sources": [], "notices": notices}
        try:
            msg = self.store.add_message(prepared.conversation_id, "assistant", text, meta=meta)
        except StorageError as exc:
            yield ErrorEvent(exc)
            return
        yield DoneEvent(Answer(text=text, model=model, route="local", reason=reason, notices=notices,
                               message_id=msg.id, conversation_id=prepared.conversation_id))


def _fit(system: Message, history: list[Message], question: Message, budget: int, count) -> tuple[list[Message], int]:
    """Drop the oldest turns until system + history + question fit ``budget`` tokens."""
    turns = list(history)
    dropped = 0
    while turns and count([system, *turns, question]) > budget:
        turns.pop(0)
        dropped += 1
        # Never start the kept history with an answer whose question was dropped.
        if turns and turns[0].role == "assistant":
            turns.pop(0)
            dropped += 1
    return [system, *turns, question], dropped


def _title_from(question: str) -> str:
    line = " ".join(question.split())
    return line if len(line) <= 60 else line[:57].rstrip() + "…"


__all__ = ["Assistant", "PreparedQuestion", "NOT_IN_DOCUMENTS", "StoredMessage"]
