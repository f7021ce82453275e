"""Assistant: answers a question in a conversation, streaming typed events, saving as it goes.

One pipeline for the CLI and the GUI:
  retrieve passages (if the conversation uses collections) -> build the local prompt within the
  context budget (oldest turns dropped first, system prompt kept) -> plan the route (cloud
  gateway, if configured) -> stream from the chosen backend -> save.
The answer is saved while it streams, so a crash or a Stop keeps what was received, marked
``stopped``. A cloud failure, even mid-answer, falls back to the local model with a one-line
notice; the fallback is announced by a second RouteEvent, after which the answer's text starts
afresh (the DoneEvent carries the final text).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Callable, Iterator, Sequence

from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, CloudError, StorageError
from desktop_app.core.records import (
    Answer,
    AnswerEvent,
    Citation,
    ClaimCheck,
    ClaimsEvent,
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
from desktop_app.rag.claim_check import check_claims
from desktop_app.routing.base import CloudGateway, HandoffPlan
from desktop_app.services.named_terms import names_nothing_here
from desktop_app.services.prepared_question import PreparedQuestion, close_stream, overflow_error, quietly, title_from
from desktop_app.services.prompt_budget import answer_reserve, fit_history

NOT_IN_DOCUMENTS = "The selected documents do not contain information about this, so I can't answer it from them."
SAVE_EVERY_S = 0.5  # how often a streaming answer is written to disk
KEPT_LOCAL = "You kept this question on this device."

log = logging.getLogger(__name__)


class Assistant:
    """Answers questions; built once by the composition root and shared by CLI and GUI.

    Args:
        store: the conversation store (``desktop_app.core.conversation_store.ConversationStore``).
        backend_factory: returns the loaded local ChatBackend (loads it lazily on first use).
        settings: the effective settings (machine policy already applied).
        retriever_factory: returns the document Retriever, or None without documents.
        gateway: the cloud gateway, or None when cloud routing is off / not configured.
        grounding: builds the grounded user message (``rag.prompting.build_grounded_prompt``).
        observer: wraps each answer's event stream (``services.usage.UsageRecorder.observe``).
    """

    def __init__(
        self,
        store,
        backend_factory: Callable[[], ChatBackend],
        settings: Settings,
        retriever_factory: Callable[[], Retriever | None] | None = None,
        gateway: CloudGateway | None = None,
        grounding: Callable[..., tuple[str, list[Citation]]] | None = None,
        observer: Callable[[PreparedQuestion, Iterator[AnswerEvent]], Iterator[AnswerEvent]] | None = None,
    ) -> None:
        self.store = store
        self._observer = observer  # sees every answer's events on their way out (the usage ledger)
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
        route: Route | str | None = None,
        collections: Sequence[str] | None = None,
        consult: Sequence[str] = (),
    ) -> PreparedQuestion:
        """Retrieve, build the prompt and plan the route. Raises AppError in plain language.

        Runs on a worker thread in the GUI (it may load the model and the embedder). A new
        conversation (``conversation_id`` None) is created with ``collections``; it is removed
        again if preparing fails, so a failed first question leaves no empty conversation.

        ``collections`` are the conversation's documents: when they hold nothing relevant, the
        answer says so. ``consult`` (used only when there are no ``collections``) are searched for
        this question alone: relevant passages ground the answer, and a miss is answered like
        plain chat ("What is the capital of France?" must not get "the documents do not say").
        """
        return self._prepare(question, conversation_id, route, collections, before_id=None, consult=consult)

    def _prepare(self, question, conversation_id, route, collections, before_id, consult=()) -> PreparedQuestion:
        question = (question or "").strip()
        if not question:
            raise AppError("Type a question first.")
        forced: Route | None = route if route in ("local", "cloud") else None  # "auto"/None: the router decides
        backend = self.backend  # load first: a broken model must not leave an empty conversation behind
        created = conversation_id is None
        if created:
            conv = self.store.create_conversation(title_from(question), list(collections or ()))
            conversation_id = conv.id
        else:
            conv = self.store.get_conversation(conversation_id)
            if conv is None:
                raise AppError("That conversation no longer exists.", "Start a new conversation.")
        try:
            return self._build(question, conv.id, forced, conv.collections if collections is None else list(collections),
                               backend, before_id, consult)
        except BaseException:
            if created:
                try:
                    self.store.delete_conversation(conversation_id)
                except AppError:
                    pass
            raise

    def _build(self, question, conversation_id, forced, collections, backend, before_id, consult=()) -> PreparedQuestion:
        history = self._history(conversation_id, before_id)
        hits: list[Hit] = []
        searched = list(collections) or list(consult)
        if searched and self._retriever_factory is not None:
            retriever = self._retriever_factory()
            if retriever is not None:
                hits = list(retriever.retrieve(question, k=self.settings.rag.top_k, collections=searched))
        if hits and names_nothing_here(question, (h.text for h in hits)):
            # The question names something (a company, a place, a drug) that no passage mentions:
            # the passages only share a year or a common word with it, and a small model would
            # invent an answer from them. See services/named_terms.py for the measurement.
            hits = []
        documents_in_play = bool(collections) or bool(hits)

        context = backend.context_length
        budget = context - answer_reserve(context, self.settings.llm.max_tokens)
        system = Message("system", self.settings.llm.system_prompt)
        user_content, citations = question, []
        if hits and self._grounding is not None:
            # The sources may take all the user message's room; older turns give way first.
            frame = backend.count_tokens([system, Message("user", "")])
            user_content, citations = self._grounding(question, hits, max(0, budget - frame), backend.count_tokens)

        messages, dropped = fit_history(system, history, Message("user", user_content), budget, backend.count_tokens)
        notices: list[str] = []
        if dropped:
            notices.append(f"The oldest {dropped} message(s) were left out so the conversation fits the model's memory.")
        prompt_tokens = backend.count_tokens(messages)
        fits = prompt_tokens <= budget
        plan = self._plan(question, messages, hits, forced, context, prompt_tokens)
        if plan.route == "local" and not fits:
            raise overflow_error()
        return PreparedQuestion(
            conversation_id=conversation_id,
            question=question,
            messages=tuple(messages),
            citations=tuple(citations),
            hits=tuple(hits),
            plan=plan,
            notices=tuple(notices) + tuple(plan.notices),
            documents_in_play=documents_in_play,
            prompt_tokens=prompt_tokens,
            fits_locally=fits,
        )

    def _plan(self, question, messages, hits, forced, context, prompt_tokens) -> HandoffPlan:
        if self.gateway is None:
            notices: tuple[str, ...] = ()
            if forced == "cloud":
                why = ("cloud hand-off is off" if self.settings.routing.policy == "off"
                       else "no cloud model is configured")
                notices = (f"Answered on this device: {why}.",)
            why = "forced local" if forced == "local" else "cloud hand-off is off"
            return HandoffPlan(route="local", reason=f"Answered on this device ({why}).", notices=notices)
        try:
            return self.gateway.plan(question, messages, hits, forced, context, prompt_tokens)
        except AppError as exc:  # the contract says plan() never raises; stay safe and local if it does
            return HandoffPlan(route="local", reason="Answered on this device.", notices=(f"Cloud routing failed: {exc}",))

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
            save_question: False when the caller stored the question itself. A prepared
                regenerate never stores its question twice, whatever this says.
        """
        events = self._answer(prepared, cancel, approved, save_question)
        return events if self._observer is None else self._observer(prepared, events)

    def _answer(self, prepared, cancel, approved, save_question) -> Iterator[AnswerEvent]:
        cancel = cancel or CancelToken()
        plan = prepared.plan
        use_cloud = (plan.route == "cloud" and self.gateway is not None
                     and (not plan.needs_confirmation or approved is True))
        notices = list(prepared.notices)
        if plan.route == "cloud" and not use_cloud:
            notices.append(KEPT_LOCAL)
        try:
            if save_question and prepared.question_message_id is None:
                self.store.add_message(prepared.conversation_id, "user", prepared.question)
            for old in prepared.replaces_message_ids:
                self.store.delete_message(old)
        except AppError as exc:
            yield ErrorEvent(exc)
            return

        if prepared.documents_in_play and not prepared.hits:
            yield from self._fixed_answer(prepared, NOT_IN_DOCUMENTS, notices)
            return
        if not use_cloud and not prepared.fits_locally:
            yield ErrorEvent(overflow_error())
            return
        yield from self._stream(prepared, cancel, use_cloud, notices)

    def _stream(self, prepared: PreparedQuestion, cancel: CancelToken, use_cloud: bool,
                notices: list[str]) -> Iterator[AnswerEvent]:
        plan = prepared.plan
        backend = self.backend
        route: Route = "cloud" if use_cloud else "local"
        model = (plan.model or "cloud model") if use_cloud else backend.model_name
        reason = plan.reason if (use_cloud or plan.route == "local") else KEPT_LOCAL
        yield RouteEvent(route, model, reason)
        if prepared.citations:
            yield SourcesEvent(prepared.citations)
        for note in notices:
            yield NoticeEvent(note)

        meta = {"route": route, "model": model, "reason": reason, "sources": [c.to_json() for c in prepared.citations]}
        try:
            msg = self.store.add_message(prepared.conversation_id, "assistant", "", status="streaming", meta=meta)
        except AppError as exc:
            yield ErrorEvent(exc)
            return

        text, count = "", 0
        started = time.perf_counter()
        first_at: float | None = None
        last_save = started
        save_failed = False
        error: AppError | None = None
        natural_end = exited = False
        pieces = self.gateway.stream(plan, cancel) if use_cloud else backend.stream(self._request(prepared), cancel)
        try:
            while not cancel.cancelled:
                try:
                    piece = next(pieces)
                except StopIteration:
                    natural_end = True
                    break
                except CloudError as exc:
                    if cancel.cancelled:
                        break
                    if not prepared.fits_locally:
                        raise CloudError(f"The cloud model could not answer ({exc.message}), and the question is "
                                         "too long for the model on this device.", exc.hint) from exc
                    # The user always gets an answer: the local model's, with a one-line notice.
                    close_stream(pieces)
                    note = f"The cloud model could not answer ({exc.message}); answered on this device instead."
                    notices.append(note)
                    yield NoticeEvent(note)
                    route, model, reason = "local", backend.model_name, "Cloud unavailable: answered on this device."
                    meta.update(route=route, model=model, reason=reason)
                    yield RouteEvent(route, model, reason)  # after tokens: the answer starts afresh
                    text, count, first_at, use_cloud = "", 0, None, False
                    started = last_save = time.perf_counter()
                    pieces = backend.stream(self._request(prepared), cancel)
                    continue
                if first_at is None:
                    first_at = time.perf_counter()
                text += piece
                count += 1
                now = time.perf_counter()
                if now - last_save >= SAVE_EVERY_S:  # saved before it is shown: a crash loses nothing seen
                    last_save = now
                    try:
                        self.store.update_message(msg.id, content=text)
                    except StorageError as exc:
                        if not save_failed:  # keep answering; say once that saving fails
                            save_failed = True
                            yield NoticeEvent(f"{exc} The answer is still shown but may not be saved.")
                yield TokenEvent(piece)
            exited = True
        except AppError as exc:
            error, exited = exc, True
        finally:
            close_stream(pieces)
            if not exited:
                # Abandoned mid-answer (generator closed, Ctrl+C): keep what arrived, marked stopped.
                quietly(self.store.update_message, msg.id, content=text, status="stopped", meta=meta)

        end = time.perf_counter()
        stats = backend.last_stats if (natural_end and not use_cloud) else None  # stale after a cut-short stream
        timings = Timings(
            ttft_s=stats.ttft_s if stats else ((first_at - started) if first_at else 0.0),
            tokens_per_s=stats.tokens_per_s if stats else (count / (end - first_at) if first_at and end > first_at else 0.0),
            total_s=end - started,
            completion_tokens=stats.completion_tokens if stats else count,
            prompt_tokens=stats.prompt_tokens if stats else prepared.prompt_tokens,
        )
        if error is not None and not text:
            quietly(self.store.delete_message, msg.id)  # nothing worth keeping; the question stays
            yield ErrorEvent(error)
            return
        stopped = cancel.cancelled and error is None
        text = text.strip()  # completion-style models open with a space and may end with a newline
        claims = _check_claims(text, prepared) if error is None else None
        if claims is not None:
            meta["claims"] = claims.to_json()  # saved with the message: a reopened answer keeps its marks
        meta.update(timings=timings.to_json(), notices=notices)
        try:
            self.store.update_message(msg.id, content=text, status="error" if error else ("stopped" if stopped else "complete"),
                                      meta=meta)
        except StorageError as exc:
            error = error or exc
        if error is not None:
            yield ErrorEvent(error)
            return
        if claims is not None:
            yield ClaimsEvent(claims)
        yield DoneEvent(Answer(
            text=text, model=model, route=route, reason=reason, sources=list(prepared.citations), timings=timings,
            stopped=stopped, notices=notices, message_id=msg.id, conversation_id=prepared.conversation_id,
            claims=claims,
        ))

    def ask(self, question: str, conversation_id: int | None = None, route: Route | str | None = None,
            collections: Sequence[str] | None = None, cancel: CancelToken | None = None,
            approved: bool | None = None) -> Iterator[AnswerEvent]:
        """prepare + answer in one generator; preparation errors become an ErrorEvent."""
        try:
            prepared = self.prepare(question, conversation_id, route, collections)
        except AppError as exc:
            yield ErrorEvent(exc)
            return
        if prepared.plan.needs_confirmation:
            yield ConfirmEvent(prepared.plan.reason, prepared.plan.preview)
        yield from self.answer(prepared, cancel, approved)

    def prepare_regenerate(self, conversation_id: int, route: Route | str | None = None,
                           collections: Sequence[str] | None = None, consult: Sequence[str] = ()) -> PreparedQuestion:
        """Prepare the last question again. Nothing changes in the store until ``answer`` runs:
        then the old answer is replaced, and the question (already stored) is not saved twice.

        ``collections`` and ``consult`` as for ``prepare`` (``document_use.for_question``): the
        answer can be asked again without documents."""
        msgs = self.store.messages(conversation_id)
        i = len(msgs)
        while i and msgs[i - 1].role == "assistant":
            i -= 1
        if i == 0 or msgs[i - 1].role != "user":
            raise AppError("There is no question to answer again.")
        question = msgs[i - 1]
        prepared = self._prepare(question.content, conversation_id, route, collections, before_id=question.id,
                                 consult=consult)
        return replace(prepared, question_message_id=question.id, replaces_message_ids=tuple(m.id for m in msgs[i:]))

    # ---------------------------------------------------------------- helpers

    def _request(self, prepared: PreparedQuestion) -> GenerationRequest:
        llm = self.settings.llm
        room = self.backend.context_length - prepared.prompt_tokens
        return GenerationRequest(prepared.messages, max_tokens=max(1, min(llm.max_tokens, room)),
                                 temperature=llm.temperature)

    def _history(self, conversation_id: int, before_id: int | None = None) -> list[Message]:
        out: list[Message] = []
        for m in self.store.messages(conversation_id):
            if before_id is not None and m.id >= before_id:
                break
            if m.role in ("user", "assistant") and m.content and m.status != "error":
                out.append(Message(m.role, m.content))
        return out

    def _fixed_answer(self, prepared: PreparedQuestion, text: str, notices: list[str]) -> Iterator[AnswerEvent]:
        model = "document search"
        reason = "Nothing relevant was found in the selected documents."
        yield RouteEvent("local", model, reason)
        for note in notices:
            yield NoticeEvent(note)
        yield TokenEvent(text)
        meta = {"route": "local", "model": model, "reason": reason, "sources": [], "notices": notices}
        try:
            msg = self.store.add_message(prepared.conversation_id, "assistant", text, meta=meta)
        except AppError as exc:
            yield ErrorEvent(exc)
            return
        yield DoneEvent(Answer(text=text, model=model, route="local", reason=reason, notices=notices,
                               message_id=msg.id, conversation_id=prepared.conversation_id))


def _check_claims(text: str, prepared: PreparedQuestion) -> ClaimCheck | None:
    """A grounded answer's figures and names checked against its cited passages (issue 16).

    Regexes only, a few ms, no model call; in the GUI this runs on the answer's worker thread.
    None for answers without sources or text. The check only adds marks to an answer, so a fault
    in it is logged and the answer is kept unmarked rather than lost.
    """
    if not prepared.citations or not text:
        return None
    try:
        return check_claims(text, prepared.citations, prepared.question)
    except Exception:  # noqa: BLE001 - see the docstring: never lose an answer over its check
        log.exception("Checking the answer's figures against its sources failed")
        return None


__all__ = ["Assistant", "PreparedQuestion", "NOT_IN_DOCUMENTS", "StoredMessage"]
