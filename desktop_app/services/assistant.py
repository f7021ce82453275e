"""Assistant: answers a question in a conversation, streaming typed events, saving as it goes.

One pipeline for the CLI and the GUI:
  retrieve passages (if the conversation uses collections) -> build the local prompt within the
  context budget (oldest turns dropped first, system prompt kept) -> plan the route (cloud
  gateway, if configured) -> stream from the chosen backend -> save.
The answer is saved while it streams, so a crash or a Stop keeps what was received, marked
``stopped``. A cloud failure, even mid-answer, falls back to the local model with a one-line
notice; the fallback is announced by a second RouteEvent, after which the answer's text starts
afresh (the DoneEvent carries the final text).

Two phases, the entry points every front-end uses: ``prepare`` (here: the documents a question
consults, the prompt, the route) and ``answer`` (streamed by ``answer_stream.AnswerStream``). A
plan that needs the user's confirmation (policy ``ask``) is confirmed by the caller between the
two and passed to ``answer`` as ``approved``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterator, Sequence

from desktop_app.calc import Calculation, calculate
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError
from desktop_app.core.records import CALCULATOR, AnswerEvent, Citation, ErrorEvent, Hit, Message, Route, StoredMessage
from desktop_app.llm.base import ChatBackend, GenerationRequest
from desktop_app.rag.base import Retriever
from desktop_app.rag.claim_subject import on_subject_hits
from desktop_app.rag.question_parts import split_question
from desktop_app.routing.base import CloudGateway, HandoffPlan
from desktop_app.services.answer_stream import KEPT_LOCAL, AnswerStream, fixed_answer
from desktop_app.services.part_claims import not_found_part
from desktop_app.services.document_use import refers_to_documents, strong_enough
from desktop_app.services.follow_up import leans_on, refers_back, search_text
from desktop_app.services.named_terms import declines
from desktop_app.services.prepared_question import PreparedQuestion, overflow_error, title_from
from desktop_app.services.prompt_budget import answer_reserve, fit_history
from desktop_app.core.plurals import plural

NOT_IN_DOCUMENTS = "The selected documents do not contain information about this, so I can't answer it from them."
# Nothing was chosen, but the question pointed at a document ("in the NTSB report") none of them holds.
NOT_IN_YOUR_DOCUMENTS = "Your documents do not contain information about this, so I can't answer it from them."
CALCULATED = "Worked out exactly by the built-in calculator; no model or document was needed."


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
        unmentioned: ``(words, collections) -> words`` no indexed passage of those collections
            holds (``DocumentLibrary.unmentioned``); a question naming one is declined.
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
        unmentioned: Callable[[list[str], list[str]], list[str]] | None = None,
        general_backend_factory: Callable[[], ChatBackend] | None = None,
    ) -> None:
        self.store = store
        self._observer = observer  # sees every answer's events on their way out (the usage ledger)
        self._backend_factory = backend_factory
        self._general_backend_factory = general_backend_factory
        self.settings = settings
        self._retriever_factory = retriever_factory
        self.gateway = gateway
        self._grounding = grounding
        self._unmentioned = unmentioned

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
        # Only arithmetic or a unit conversion, every word understood: exact, instant, and never
        # sent to a cloud (desktop_app.calc), unless the user asked for the cloud. Anything else
        # goes to the model as before.
        calculation = calculate(question) if self.settings.llm.calculator and forced != "cloud" else None
        # Load the model first: a broken one must not leave an empty conversation behind.
        backend = self.backend if calculation is None else None
        created = conversation_id is None
        if created:
            conv = self.store.create_conversation(title_from(question), list(collections or ()))
            conversation_id = conv.id
        else:
            conv = self.store.get_conversation(conversation_id)
            if conv is None:
                raise AppError("That conversation no longer exists.", "Start a new conversation.")
        try:
            if calculation is not None:
                return _calculated(conv.id, calculation)
            prepared = self._build(question, conv.id, forced, conv.collections if collections is None else list(collections),
                                   backend, before_id, consult)
            return self._with_general_model(prepared, backend)
        except BaseException:
            if created:
                try:
                    self.store.delete_conversation(conversation_id)
                except AppError:
                    pass
            raise

    def _with_general_model(self, prepared: PreparedQuestion, backend: ChatBackend) -> PreparedQuestion:
        """Hand a question with no documents in play to the general model, where there is a
        separate one (``general_backend_factory``) and the prompt fits it as it fits the main one."""
        if (self._general_backend_factory is None or prepared.hits or prepared.documents_in_play
                or prepared.plan.route != "local" or not prepared.fits_locally):
            return prepared
        general = self._general_backend_factory()
        if general is backend:
            return prepared
        budget = general.context_length - answer_reserve(general.context_length, self.settings.llm.max_tokens)
        prompt_tokens = general.count_tokens(list(prepared.messages))
        if prompt_tokens > budget:
            return prepared
        return replace(prepared, general_model=True, prompt_tokens=prompt_tokens)

    def _backend_for(self, prepared: PreparedQuestion) -> ChatBackend:
        if prepared.general_model and self._general_backend_factory is not None:
            return self._general_backend_factory()
        return self.backend

    def _build(self, question, conversation_id, forced, collections, backend, before_id, consult=()) -> PreparedQuestion:
        prepared = self._build_one(question, conversation_id, forced, collections, backend, before_id, consult)
        parts = split_question(question)
        if len(parts) < 2 or not prepared.hits or prepared.follows or prepared.plan.route != "local":
            return prepared
        # Asked about two documents at once, the small model answered one side or mixed them (1 of
        # 15 corpus questions right): each part is searched and answered on its own
        # (rag.question_parts), its sources numbered on from the part before.
        built: list[PreparedQuestion] = []
        for part in parts:
            earlier = [Message("user", p.question) for p in built]
            built.append(self._build_one(part, conversation_id, forced, collections, backend, before_id, consult,
                                         first_number=1 + sum(len(p.citations) for p in built), earlier=earlier))
        if not all(p.fits_locally for p in built):
            return prepared
        return replace(prepared, parts=tuple(built), citations=tuple(c for p in built for c in p.citations),
                       hits=tuple(h for p in built for h in p.hits),
                       prompt_tokens=max(p.prompt_tokens for p in built))

    def _build_one(self, question, conversation_id, forced, collections, backend, before_id, consult=(),
                   first_number: int = 1, earlier: Sequence[Message] = ()) -> PreparedQuestion:
        """One question's sources, prompt and plan. ``earlier``: the parts of the same question asked
        before this one, which a part that points back ("the most recent one") is searched with."""
        # ``earlier`` stands in for the conversation in the search only: a part's prompt has no earlier turns.
        history = list(earlier) if earlier else self._history(conversation_id, before_id)
        hits: list[Hit] = []
        searched = list(collections) or list(consult)
        # A follow-up ("What was its registration?") is searched with the question it follows.
        follows = leans_on(question, history)
        query = search_text(question, history)
        if searched and self._retriever_factory is not None:
            retriever = self._retriever_factory()
            if retriever is not None:
                hits = list(retriever.retrieve(query, k=self.settings.rag.top_k, collections=searched))
        if hits and not collections and not refers_to_documents(question) and not strong_enough(
                query, hits, self.settings.rag.consult_min_similarity):
            hits = []  # nothing chosen and nothing close: plain chat, not an answer from a stray passage
        lookup = (lambda names: self._unmentioned(names, searched)) if self._unmentioned else None
        if hits and declines(query, [f"{h.document}\n{h.text}" for h in hits], lookup):
            # The question names something (a company, a place, a drug) that no passage mentions
            # (nor its document's label: "Lutronic, Inc. · Clinical Protocol"), or a name that no
            # document of the searched collections holds at all ("Honolulu" beside "NTSB"): the
            # passages only share a year or a common word with it, and a small model would invent
            # an answer from them. See services/named_terms.py and benchmarks/decline_rule.py.
            hits = []
        # Passages of documents the question's names rule out (another accident's report) are
        # not shown to the model: it took its figures from them (rag.claim_subject).
        hits = on_subject_hits(query, hits)
        # With nothing chosen, a question that says where its answer is ("in the NTSB report") is
        # still about the documents: a miss is declined, not answered by the model from nothing.
        documents_in_play = bool(collections) or bool(hits) or (bool(consult) and refers_to_documents(question))

        if earlier:
            history = []
        elif hits and not refers_back(question):
            # A document question that stands alone is answered from its sources alone: shown the
            # earlier turns, the small model repeated the previous answer's figure for a new
            # question (benchmarks/follow_ups.py). A follow-up keeps them to know what "its" is.
            history = []
        context = backend.context_length
        budget = context - answer_reserve(context, self.settings.llm.max_tokens)
        system = Message("system", self.settings.llm.system_prompt)
        user_content, citations = question, []
        if hits and self._grounding is not None:
            # The sources may take all the user message's room; older turns give way first.
            frame = backend.count_tokens([system, Message("user", "")])
            room = max(0, budget - frame)
            user_content, citations = (self._grounding(question, hits, room, backend.count_tokens) if first_number == 1
                                       else self._grounding(question, hits, room, backend.count_tokens, first_number))

        messages, dropped = fit_history(system, history, Message("user", user_content), budget, backend.count_tokens)
        notices: list[str] = []
        if dropped:
            notices.append(f"The oldest {plural(dropped, 'message')} {'was' if dropped == 1 else 'were'} left out so the conversation fits the model's memory.")
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
            collections_chosen=bool(collections),
            prompt_tokens=prompt_tokens,
            fits_locally=fits,
            follows=follows,
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

        if prepared.calculation:
            yield from fixed_answer(self.store, prepared, prepared.calculation, notices, model=CALCULATOR,
                                    reason=CALCULATED)
            return
        if prepared.documents_in_play and not prepared.hits:
            text = NOT_IN_DOCUMENTS if prepared.collections_chosen else NOT_IN_YOUR_DOCUMENTS
            yield from fixed_answer(self.store, prepared, text, notices)
            return
        if not use_cloud and not prepared.fits_locally:
            yield ErrorEvent(overflow_error())
            return
        try:
            backend = self._backend_for(prepared)
        except AppError as exc:
            yield ErrorEvent(exc)
            return
        stream = AnswerStream(self.store, backend, self.gateway, prepared, cancel, use_cloud, notices,
                              request=lambda: self._request(prepared, backend),
                              recheck=self.settings.rag.recheck_unsupported,
                              fill_in=self.settings.rag.ask_again_number_only,
                              parts=[(lambda p=p: self._request(p)) if p.hits else not_found_part(p.question)
                                     for p in prepared.parts])
        yield from stream.events()

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

    def _request(self, prepared: PreparedQuestion, backend: ChatBackend | None = None) -> GenerationRequest:
        llm = self.settings.llm
        room = (backend or self.backend).context_length - prepared.prompt_tokens
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


def _calculated(conversation_id: int, calculation: Calculation) -> PreparedQuestion:
    return PreparedQuestion(conversation_id=conversation_id, question=calculation.question, messages=(), citations=(),
                            hits=(), plan=HandoffPlan(route="local", reason=CALCULATED),
                            calculation=calculation.answer)


__all__ = ["Assistant", "PreparedQuestion", "NOT_IN_DOCUMENTS", "KEPT_LOCAL", "StoredMessage"]
