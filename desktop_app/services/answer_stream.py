"""One answer on its way out: stream the pieces, save as they come, fall back, finish.

``AnswerStream`` is phase 2 of ``Assistant`` (phase 1, preparing, is in ``assistant.py``). Its
steps, in order: announce the route, the sources and the notices; store a placeholder message;
pump the backend's pieces (saving every ``SAVE_EVERY_S``; a cloud failure switches to the local
model, announced by a second RouteEvent after which the text starts afresh); then finish: the
timings, the claim check, the final save and the DoneEvent (or ErrorEvent).

Runs on the answer's worker thread in the GUI: never touch widgets here.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Iterator, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, CloudError, StorageError
from desktop_app.core.records import (
    Answer, AnswerEvent, ClaimCheck, ClaimsEvent, DOCUMENT_SEARCH, DoneEvent, ErrorEvent, NoticeEvent, Route, RouteEvent,
    SourcesEvent, Timings, TokenEvent,
)
from desktop_app.llm.base import ChatBackend, GenerationRequest
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_markers import with_source_markers
from desktop_app.services.answer_recheck import (
    ECHO_NOTICE, ECHO_QUOTED_NOTICE, EVIDENCE_QUOTED_NOTICE, FIELD_QUOTED_NOTICE, FILL_IN_NOTICE, ROW_QUOTED_NOTICE,
    STILL_NUMBER_ONLY_NOTICE, closest_line_answer, declines, evidence_line, field_answer, fill_in_request,
    gives_only_a_source_number, part_rechecked, recheck_notice, restates_the_question, row_evidence, stricter_request,
    wants_recheck)
from desktop_app.routing.base import CloudGateway
from desktop_app.services.part_claims import checked_parts
from desktop_app.services.prepared_question import PreparedQuestion, close_stream, quietly

SAVE_EVERY_S = 0.5  # how often a streaming answer is written to disk
KEPT_LOCAL = "You kept this question on this device."

log = logging.getLogger(__name__)


class AnswerStream:
    """Streams one prepared answer as events (``events()``), saving it in ``store`` as it goes.

    Args:
        request: builds the local model's GenerationRequest (called again after a cloud fallback).
        use_cloud: stream from ``gateway`` (the plan says cloud and the user allowed it).
        notices: the notices to show; a fallback's notice is appended (it is saved with the answer).
        recheck: ask the local model once more, with a stricter instruction, when its grounded
            answer states a key figure the sources do not (``services.answer_recheck``).
        fill_in: ask it once more when its grounded answer is only a source's number ("... is [1].").
        parts: a question about two documents asked as one question each (``rag.question_parts``):
            each part's request (or its fixed text when nothing was found for it), answered locally
            one after another into this one message, a blank line between them.
    """

    def __init__(self, store, backend: ChatBackend, gateway: CloudGateway | None, prepared: PreparedQuestion,
                 cancel: CancelToken, use_cloud: bool, notices: list[str],
                 request: Callable[[], GenerationRequest], recheck: bool = False, fill_in: bool = False,
                 parts: Sequence[Callable[[], GenerationRequest] | str] = ()) -> None:
        self.store = store
        self.backend = backend
        self.gateway = gateway
        self.prepared = prepared
        self.cancel = cancel
        self.use_cloud = use_cloud
        self.notices = notices
        self._request = request
        plan = prepared.plan
        self.route: Route = "cloud" if use_cloud else "local"
        self.model = (plan.model or "cloud model") if use_cloud else backend.model_name
        self.reason = plan.reason if (use_cloud or plan.route == "local") else KEPT_LOCAL
        self.meta = {"route": self.route, "model": self.model, "reason": self.reason,
                     "sources": [c.to_json() for c in prepared.citations]}
        self.message_id: int | None = None
        self._recheck = recheck
        self._fill_in = fill_in
        self._parts = list(parts)
        self._part_starts: list[int] = []  # where each part's answer starts in self.text
        self._retry_request: GenerationRequest | None = None
        self._first: tuple | None = None  # (text, claims, note, timings) of the answer a recheck replaces
        self._restart()

    def _restart(self) -> None:
        """The text so far and its clock (again after a fallback: the answer starts afresh)."""
        self.text, self.count = "", 0
        self.first_at: float | None = None
        self.started = self.last_save = time.perf_counter()

    def events(self) -> Iterator[AnswerEvent]:
        """The answer's events; ends with DoneEvent or ErrorEvent (nothing after a closed generator)."""
        yield from self._announce()
        try:
            self.message_id = self.store.add_message(self.prepared.conversation_id, "assistant", "",
                                                     status="streaming", meta=self.meta).id
        except AppError as exc:
            yield ErrorEvent(exc)
            return
        natural_end, error = yield from self._pump()
        yield from self._finish(natural_end, error)

    def _announce(self) -> Iterator[AnswerEvent]:
        yield RouteEvent(self.route, self.model, self.reason)
        if self.prepared.citations:
            yield SourcesEvent(self.prepared.citations)
        for note in self.notices:
            yield NoticeEvent(note)

    def _pump(self):
        """Hand out the backend's pieces until it ends, the user stops, or it fails.

        Returns (natural_end, error). A generator closed mid-answer (Ctrl+C, the window
        dropping it) keeps what arrived, marked ``stopped``.
        """
        pieces = self._pieces()
        natural_end = exited = False
        save_failed = False
        error: AppError | None = None
        try:
            while not self.cancel.cancelled:
                try:
                    piece = next(pieces)
                except StopIteration:
                    natural_end = True
                    break
                except CloudError as exc:
                    if self.cancel.cancelled:
                        break
                    close_stream(pieces)
                    yield from self._fall_back_to_local(exc)
                    pieces = self._pieces()
                    continue
                if self._take(piece):
                    failed = yield from self._save_progress(tell=not save_failed)
                    save_failed = save_failed or failed
                yield TokenEvent(piece)
            exited = True
        except AppError as exc:
            error, exited = exc, True
        finally:
            close_stream(pieces)
            if not exited:
                quietly(self.store.update_message, self.message_id, content=self.text, status="stopped",
                        meta=self.meta)
        return natural_end, error

    def _pieces(self) -> Iterator[str]:
        if self.use_cloud:
            return self.gateway.stream(self.prepared.plan, self.cancel)  # type: ignore[union-attr]
        if self._parts:
            return self._part_pieces()
        return self.backend.stream(self._retry_request or self._request(), self.cancel)

    def _part_pieces(self) -> Iterator[str]:
        self._part_starts = []
        for i, part in enumerate(self._parts):
            if self.cancel.cancelled:
                return
            if i:
                yield "\n\n"
            self._part_starts.append(len(self.text))  # the pieces yielded so far are in self.text
            if isinstance(part, str):
                yield part
                continue
            pieces = self.backend.stream(part(), self.cancel)
            try:
                yield from pieces
            finally:
                close_stream(pieces)

    def _fall_back_to_local(self, exc: CloudError) -> Iterator[AnswerEvent]:
        """The user always gets an answer: the local model's, with a one-line notice."""
        if not self.prepared.fits_locally:
            raise CloudError(f"The cloud model could not answer ({exc.message}), and the question is "
                             "too long for the model on this device.", exc.hint) from exc
        note = f"The cloud model could not answer ({exc.message}); answered on this device instead."
        self.notices.append(note)
        yield NoticeEvent(note)
        self.route, self.model, self.reason = "local", self.backend.model_name, "Cloud unavailable: answered on this device."
        self.meta.update(route=self.route, model=self.model, reason=self.reason)
        yield RouteEvent(self.route, self.model, self.reason)  # after tokens: the answer starts afresh
        self.use_cloud = False
        self._restart()

    def _take(self, piece: str) -> bool:
        """Add a piece; True when it is time to save (saved before it is shown: a crash loses nothing seen)."""
        now = time.perf_counter()
        if self.first_at is None:
            self.first_at = now
        self.text += piece
        self.count += 1
        if now - self.last_save >= SAVE_EVERY_S:
            self.last_save = now
            return True
        return False

    def _save_progress(self, tell: bool):
        """Save the text so far; a failure keeps the answer going and is said once (``tell``). Returns failed."""
        try:
            self.store.update_message(self.message_id, content=self.text)
        except StorageError as exc:
            if tell:
                yield NoticeEvent(f"{exc} The answer is still shown but may not be saved.")
            return True
        return False

    def _timings(self, natural_end: bool) -> Timings:
        end = time.perf_counter()
        # The backend's own figures are stale after a cut-short stream, a cloud has none, and with
        # parts they are the last part's only.
        stats = self.backend.last_stats if (natural_end and not self.use_cloud and not self._parts) else None
        first_at, count = self.first_at, self.count
        return Timings(
            ttft_s=stats.ttft_s if stats else ((first_at - self.started) if first_at else 0.0),
            tokens_per_s=stats.tokens_per_s if stats else (count / (end - first_at) if first_at and end > first_at else 0.0),
            total_s=end - self.started,
            completion_tokens=stats.completion_tokens if stats else count,
            prompt_tokens=stats.prompt_tokens if stats else self.prepared.prompt_tokens,
        )

    def _retry(self, text: str, claims: ClaimCheck | None) -> tuple[str, GenerationRequest] | None:
        """(notice, request) for one more local answer, or None: only once, only grounded local answers."""
        if self._first is not None or self.use_cloud or not self.prepared.citations or self._parts:
            return None
        if self._fill_in and gives_only_a_source_number(text):
            return FILL_IN_NOTICE, fill_in_request(self._request())
        if self._recheck and claims is not None and wants_recheck(claims):
            return recheck_notice(claims), stricter_request(self._request(), claims)
        return None

    def _ask_again(self, text: str, claims: ClaimCheck | None, timings: Timings,
                   note: str, request: GenerationRequest) -> Iterator[AnswerEvent]:
        """One more local answer to ``request`` (a stricter or a fill-in instruction); it replaces this one."""
        self._first = (text, claims, note, timings)
        self.meta["rechecked"] = True
        self.notices.append(note)
        yield NoticeEvent(note)
        yield RouteEvent(self.route, self.model, self.reason)  # tokens after this start the answer afresh
        self._retry_request = request
        self._restart()
        natural_end, error = yield from self._pump()
        yield from self._finish(natural_end, error)

    def _recheck_parts(self):
        """Each part's answer rechecked against its own question and sources (``part_rechecked``),
        then its claims checked the same way (``part_claims``); the message's (text, claims)."""
        ends = self._part_starts[1:] + [len(self.text)]
        said = [self.text[a:b].strip() for a, b in zip(self._part_starts, ends)]
        rechecked = [part_rechecked(p.question, p.citations, t) if p.hits and t else (t, None)
                     for p, t in zip(self.prepared.parts, said)]
        done = checked_parts(self.prepared.parts, [t for t, _ in rechecked], _check_claims)
        self.meta["parts"] = done.meta(self.prepared.parts)
        if done.markers_added:
            self.meta["markers_added"] = True
        if [t for t, _ in rechecked] != said:
            for note in dict.fromkeys(n for _, n in rechecked if n):
                self.notices.append(note)
                yield NoticeEvent(note)
            yield from self._replaced_by(done.text)
        return done.text, done.claims

    def _replaced_by(self, text: str) -> Iterator[AnswerEvent]:
        """The streamed answer gives way to ``text``: a route starts it afresh (the window clears
        the words shown, the API and the CLI begin a new paragraph), then ``text`` as its tokens."""
        yield RouteEvent(self.route, self.model, self.reason)
        yield TokenEvent(text)

    def _finish(self, natural_end: bool, error: AppError | None) -> Iterator[AnswerEvent]:
        timings = self._timings(natural_end)
        prepared, meta = self.prepared, self.meta
        if self._first is not None and (error is not None or self.cancel.cancelled):
            # Stopped or failed while asking again: the complete first answer stays, not a fragment.
            text, claims, note, timings = self._first
            stopped, error = False, None
            self.notices.remove(note)
            meta.pop("rechecked", None)
        else:
            if error is not None and not self.text:
                quietly(self.store.delete_message, self.message_id)  # nothing worth keeping; the question stays
                yield ErrorEvent(error)
                return
            stopped = self.cancel.cancelled and error is None
            text = self.text.strip()  # completion-style models open with a space and may end with a newline
            claims = _check_claims(text, prepared) if error is None else None
            retry = self._retry(text, claims) if natural_end and not stopped and error is None else None
            if retry is not None:
                yield from self._ask_again(text, claims, timings, *retry)
                return
            if self._parts and not self.use_cloud:
                if not stopped and error is None:  # each part is rechecked as one answer to its question
                    text, claims = yield from self._recheck_parts()
            elif self._fill_in and not stopped and self.prepared.citations and gives_only_a_source_number(text):
                # Still only a number (the second try, or one not asked again): say so.
                self.notices.append(STILL_NUMBER_ONLY_NOTICE)
                yield NoticeEvent(STILL_NUMBER_ONLY_NOTICE)
            elif not stopped and self.prepared.citations and restates_the_question(text, prepared.question):
                # Asking again did not help (0 of 14 such answers became right): the source line
                # closest to the question says more (see answer_recheck), or say what it is.
                quoted = closest_line_answer(prepared.question, prepared.citations)
                if quoted is not None:
                    # The source's own words: no claim of the model's to check or mark.
                    self.meta["echo"] = text
                    text, claims = quoted, None
                note = ECHO_NOTICE if quoted is None else ECHO_QUOTED_NOTICE
                self.notices.append(note)
                yield NoticeEvent(note)
                if quoted is not None:
                    yield from self._replaced_by(quoted)
            elif not stopped and not self.use_cloud and self.prepared.citations and declines(text):
                # The small model declines with the answer in a form field of its prompt
                # ("Registered Owner: …"): that field, quoted (see answer_recheck.field_answer).
                quoted = field_answer(prepared.question, prepared.citations)
                if quoted is not None:
                    self.meta["declined"] = text
                    text, claims = quoted, None
                    self.notices.append(FIELD_QUOTED_NOTICE)
                    yield NoticeEvent(FIELD_QUOTED_NOTICE)
                    yield from self._replaced_by(quoted)
        if claims is not None and error is None and not stopped and not self._parts:  # (parts: part_claims)
            marked = with_source_markers(text, claims)  # the model wrote no [n]: the check's sources
            if marked != text:
                text, claims = marked, _check_claims(marked, prepared)  # spans moved: check again
                meta["markers_added"] = True
        if claims is not None and error is None and not stopped and not self._parts:
            # A flagged figure or name: the source line closest to the question, quoted under the
            # answer (its marks keep their places in the text before it).
            quoted, note = evidence_line(prepared.question, prepared.citations, text, claims), EVIDENCE_QUOTED_NOTICE
            if quoted is None and not self.use_cloud:  # a figure of the sources, not the asked row's (rag.row_answer)
                quoted, note = row_evidence(prepared.question, prepared.citations, text), ROW_QUOTED_NOTICE
            if quoted is not None:
                text += "\n\n" + quoted
                meta["evidence_line"] = True
                yield TokenEvent("\n\n" + quoted)
                self.notices.append(note)
                yield NoticeEvent(note)
        if claims is not None:
            meta["claims"] = claims.to_json()  # saved with the message: a reopened answer keeps its marks
        meta.update(timings=timings.to_json(), notices=self.notices)
        status = "error" if error else ("stopped" if stopped else "complete")
        try:
            self.store.update_message(self.message_id, content=text, status=status, meta=meta)
        except StorageError as exc:
            error = error or exc
        if error is not None:
            yield ErrorEvent(error)
            return
        if claims is not None:
            yield ClaimsEvent(claims)
        yield DoneEvent(Answer(
            text=text, model=self.model, route=self.route, reason=self.reason, sources=list(prepared.citations),
            timings=timings, stopped=stopped, notices=self.notices, message_id=self.message_id,
            conversation_id=prepared.conversation_id, claims=claims,
        ))


def fixed_answer(store, prepared: PreparedQuestion, text: str, notices: list[str], model: str = DOCUMENT_SEARCH,
                 reason: str = "") -> Iterator[AnswerEvent]:
    """An answer that no model writes, saved like any other: the documents hold nothing relevant
    (the default ``model``), or the built-in calculator worked it out (``CALCULATOR``)."""
    if not reason:
        where = "the selected documents" if prepared.collections_chosen else "your documents"
        reason = f"Nothing relevant was found in {where}."
    yield RouteEvent("local", model, reason)
    for note in notices:
        yield NoticeEvent(note)
    yield TokenEvent(text)
    meta = {"route": "local", "model": model, "reason": reason, "sources": [], "notices": notices}
    try:
        msg = store.add_message(prepared.conversation_id, "assistant", text, meta=meta)
    except AppError as exc:
        yield ErrorEvent(exc)
        return
    yield DoneEvent(Answer(text=text, model=model, route="local", reason=reason, notices=notices,
                           message_id=msg.id, conversation_id=prepared.conversation_id))


def _check_claims(text: str, prepared: PreparedQuestion, quoted: list[tuple[int, int]] | None = None) -> ClaimCheck | None:
    """A grounded answer's figures and names checked against its cited passages (issue 16).

    Regexes only, a few ms, no model call; in the GUI this runs on the answer's worker thread.
    None for answers without sources or text. The check only adds marks to an answer, so a fault
    in it is logged and the answer is kept unmarked rather than lost.
    """
    if not prepared.citations or not text:
        return None
    try:
        return check_claims(text, prepared.citations, prepared.question, known=prepared.follows, quoted=quoted or ())
    except Exception:  # noqa: BLE001 - see the docstring: never lose an answer over its check
        log.exception("Checking the answer's figures against its sources failed")
        return None
