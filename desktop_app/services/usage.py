"""The usage ledger: what each answer cost and where it ran, in counts only; and its queries.

``UsageRecorder.observe`` wraps ``Assistant.answer``'s event stream (the composition root
passes it as the Assistant's ``observer``): it watches the RouteEvents and the DoneEvent go by
and writes one ``UsageRecord`` per finished answer. It never reads TokenEvents and never sees
the question's text, so no text can reach the ledger. Recording must never cost the user an
answer: a ledger that cannot be written is logged and skipped.

``UsageLedger`` owns the SQLite file (opened on first use), applies ``usage.enabled`` and the
retention period, and answers the usage view's query (``summary``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime, timedelta
from typing import Callable, Iterator

from desktop_app.config.settings import Settings
from desktop_app.core.errors import AppError
from desktop_app.core.records import AnswerEvent, DoneEvent, RouteEvent
from desktop_app.core.usage_store import UsageRecord, UsageStore
from desktop_app.routing.redaction import kind_counts
from desktop_app.services.prepared_question import PreparedQuestion
from desktop_app.services.usage_prices import resolve_price
from desktop_app.services.usage_report import UsageSummary, summarize

log = logging.getLogger(__name__)

DISABLED_MESSAGE = "The usage view is turned off."
DISABLED_BY_POLICY = "The usage view is turned off by your organization."


class UsageLedger:
    """The ledger file under the settings' rules; safe to share between threads.

    Args:
        path: ``AppPaths.usage_db``.
        settings: the effective settings (``usage.*``; the policy already applied).
        clock: Unix time now (tests move it).
        managed: the machine policy set ``usage.enabled`` (said when the view is off).
    """

    def __init__(self, path, settings: Settings, clock: Callable[[], float] = time.time, managed: bool = False) -> None:
        self.path = path
        self.settings = settings
        self.managed = managed
        self._clock = clock
        self._lock = threading.Lock()
        self._store: UsageStore | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.usage.enabled)

    def store(self) -> UsageStore:
        """The open ledger; on first open, rows past the retention period are deleted."""
        with self._lock:
            if self._store is None:
                store = UsageStore(self.path)
                try:
                    store.purge(self.cutoff())
                except AppError:
                    store.close()
                    raise
                self._store = store
            return self._store

    def cutoff(self) -> float:
        """Rows older than this Unix time are past ``usage.retention_days`` (at least one day)."""
        return self._clock() - max(1, int(self.settings.usage.retention_days)) * 86400

    def record(self, record: UsageRecord) -> None:
        """Append one answer's counts when the ledger is on. Raises StorageError."""
        if self.enabled:
            self.store().add(record)

    def purge(self) -> int:
        """Delete rows past the retention period now; returns how many went."""
        return self.store().purge(self.cutoff())

    def summary(self, since: date | None = None) -> UsageSummary:
        """The figures by day and by week from ``since`` (local date) on. Runs on a worker in the GUI.

        Raises:
            AppError: the ledger is turned off. StorageError: it cannot be read.
        """
        if not self.enabled:
            if self.managed:
                raise AppError(DISABLED_BY_POLICY)
            raise AppError(DISABLED_MESSAGE, "Turn it on with 'slm-assistant config set usage.enabled true'.")
        store = self.store()
        store.purge(self.cutoff())  # a window left open for days still honours the retention period
        start = None if since is None else datetime.combine(since, datetime.min.time()).timestamp()
        return summarize(store.buckets(since=start), resolve_price(self.settings), since)

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


class UsageRecorder:
    """Turns each answer's events into one UsageRecord (see the module docstring).

    Args:
        ledger: where records go.
        cloud_off_by_policy: the organisation's policy locked the cloud hand-off off, so every
            answer stayed on the device by policy.
    """

    def __init__(self, ledger: UsageLedger, cloud_off_by_policy: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.ledger = ledger
        self.cloud_off_by_policy = cloud_off_by_policy
        self._clock = clock

    def observe(self, prepared: PreparedQuestion, events: Iterator[AnswerEvent]) -> Iterator[AnswerEvent]:
        """Yield ``events`` unchanged, recording the answer when its DoneEvent passes."""
        first_route: str | None = None
        fell_back = False
        try:
            for event in events:
                if isinstance(event, RouteEvent):
                    if first_route is None:
                        first_route = event.route
                    elif first_route == "cloud" and event.route == "local":
                        fell_back = True
                elif isinstance(event, DoneEvent):
                    # Before yielding: a caller may stop reading at the DoneEvent.
                    self._record(prepared, event, first_route, fell_back)
                yield event
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()

    def _record(self, prepared: PreparedQuestion, done: DoneEvent, first_route: str | None, fell_back: bool) -> None:
        if prepared.calculation or (prepared.documents_in_play and not prepared.hits):
            return  # the calculator, or "the documents do not say": no model ran, nothing to count
        if not self.ledger.enabled:
            return
        try:
            self.ledger.record(self.record_for(prepared, done, first_route, fell_back))
        except (AppError, ValueError) as exc:  # never cost the user an answer
            log.warning("usage not recorded: %s", exc)

    def record_for(self, prepared: PreparedQuestion, done: DoneEvent, first_route: str | None,
                   fell_back: bool) -> UsageRecord:
        """The counts of one finished answer (public for tests of the rules)."""
        answer = done.answer
        t = answer.timings
        sent = first_route == "cloud"
        return UsageRecord(
            at=self._clock(),
            route=answer.route,
            model=answer.model,
            prompt_tokens=t.prompt_tokens,
            completion_tokens=t.completion_tokens,
            ttft_s=t.ttft_s,
            tokens_per_s=t.tokens_per_s,
            kept="" if (sent or answer.route == "cloud") else self._kept(prepared),
            fell_back=fell_back,
            stopped=answer.stopped,
            redactions=kind_counts(prepared.plan.redactions) if sent else {},
        )

    def _kept(self, prepared: PreparedQuestion) -> str:
        """Why an answer produced on this device stayed here, when a rule kept it."""
        if prepared.plan.route == "cloud":
            return "declined"  # the router suggested the cloud; the user kept it here
        routing = self.ledger.settings.routing
        if routing.policy == "off":  # no hand-off at all: only IT's choice counts as a rule
            return "policy" if self.cloud_off_by_policy else ""
        private = set(routing.on_device_only_collections)
        if any(h.on_device_only or h.collection in private for h in prepared.hits):
            return "on_device_only"
        return ""


def parse_since(text: str | None, today: date | None = None) -> date | None:
    """``--since``: YYYY-MM-DD, or a number of days back such as ``30d``. None for empty.

    Raises:
        AppError: in plain words, for anything else.
    """
    if not text:
        return None
    text = text.strip()
    today = today or date.today()
    if text.endswith("d") and text[:-1].isdigit():
        return today - timedelta(days=int(text[:-1]))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AppError(f"'{text}' is not a date.", "Give a date as YYYY-MM-DD, or a number of days such as 30d.") from None
