"""The usage ledger: real answers through Assistant (fake model, fake gateway) are recorded as
counts only; the summary, the cost arithmetic, the CSV columns and the retention period."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date, datetime, timedelta

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import AppError, StorageError
from desktop_app.core.records import DoneEvent, Hit
from desktop_app.core.usage_store import SCHEMA_VERSION, UsageRecord, UsageStore, buckets_from_records
from desktop_app.llm.fake import FakeBackend
from desktop_app.routing.base import HandoffPlan
from desktop_app.services.assistant import Assistant
from desktop_app.services.usage import UsageLedger, UsageRecorder, parse_since
from desktop_app.services.usage_prices import Price, documented_price, resolve_price
from desktop_app.services.usage_report import CSV_COLUMNS, summarize, week_start
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import CloudError, FakeGateway, FakeRetriever, fake_grounding

QUESTION = "What did Marguerite write about the zebra-striped quarterly budget?"
NOON = datetime(2026, 3, 11, 12, 0).timestamp()  # a Wednesday


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


@pytest.fixture
def ledger(tmp_path):
    led = UsageLedger(tmp_path / "usage.sqlite3", Settings(), clock=lambda: NOON)
    yield led
    led.close()


def assistant(store, ledger, backend, gateway=None, cloud_off_by_policy=False, retriever=None) -> Assistant:
    recorder = UsageRecorder(ledger, cloud_off_by_policy, clock=lambda: NOON)
    return Assistant(store=store, backend_factory=lambda: backend, settings=ledger.settings, gateway=gateway,
                     retriever_factory=(lambda: retriever) if retriever else None,
                     grounding=fake_grounding if retriever else None, observer=recorder.observe)


def done(events) -> DoneEvent:
    assert isinstance(events[-1], DoneEvent), events[-1]
    return events[-1]


# ------------------------------------------------------------------ recording real answers


def test_a_local_answer_is_recorded_with_its_counts_and_no_text(tmp_path, store, ledger):
    backend = FakeBackend(model_name="tiny-local").enqueue("The zebra budget grew by four percent.")
    answer = done(list(ask(assistant(store, ledger, backend), QUESTION))).answer
    [row] = ledger.store().records()
    t = answer.timings
    assert (row.route, row.model, row.prompt_tokens, row.completion_tokens) == ("local", "tiny-local", t.prompt_tokens,
                                                                                 t.completion_tokens)
    assert row.completion_tokens > 0 and row.prompt_tokens > 0
    assert row.ttft_s == pytest.approx(t.ttft_s) and row.tokens_per_s == pytest.approx(t.tokens_per_s)
    assert (row.kept, row.fell_back, row.stopped, row.redactions, row.at) == ("", False, False, {}, NOON)
    ledger.close()  # checkpoint the WAL into the file, then look at every byte on disk
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("usage.sqlite3*"))
    for text in ("Marguerite", "zebra", "quarterly", "four percent"):
        assert text.encode() not in raw and text.encode("utf-16-le") not in raw


def test_cloud_answer_counts_tokens_and_redactions(store, ledger):
    gateway = FakeGateway().enqueue("A long essay about rivers.")
    gateway.plan = _with_redactions(gateway.plan, {"[EMAIL_1]": "a@b.c", "[EMAIL_2]": "d@e.f", "[PHONE_1]": "555"})
    done(list(ask(assistant(store, ledger, FakeBackend(), gateway), "Write an essay for a@b.c")))
    [row] = ledger.store().records()
    assert (row.route, row.model, row.completion_tokens, row.kept) == ("cloud", "big-cloud-model", 5, "")
    assert row.redactions == {"EMAIL": 2, "PHONE": 1}


def test_cloud_failure_that_falls_back_is_a_device_answer_marked_fell_back(store, ledger):
    backend = FakeBackend(model_name="tiny-local").enqueue("Local answer.")
    gateway = FakeGateway().enqueue(CloudError("the cloud model did not answer within 60 seconds"))
    done(list(ask(assistant(store, ledger, backend, gateway), "Write an essay")))
    [row] = ledger.store().records()
    assert (row.route, row.model, row.fell_back, row.kept) == ("local", "tiny-local", True, "")


def test_declined_hand_off_is_kept_on_the_device_by_the_user(store, ledger):
    gateway = FakeGateway(needs_confirmation=True)
    done(list(ask(assistant(store, ledger, FakeBackend().enqueue("Here."), gateway), "Write an essay")))
    [row] = ledger.store().records()
    assert (row.route, row.kept, row.redactions) == ("local", "declined", {})


def test_on_device_only_collection_keeps_it_here(store, ledger):
    ledger.settings.routing.policy = "auto"
    ledger.settings.routing.on_device_only_collections = ["hr"]
    hits = [Hit("/docs/salaries.pdf", 3, "Salaries rise in May.", 0.9, collection="hr")]
    gateway = FakeGateway(route="local")
    a = assistant(store, ledger, FakeBackend().enqueue("In May [1]."), gateway, retriever=FakeRetriever(hits))
    done(list(ask(a, "When do salaries rise?", collections=["hr"])))
    assert ledger.store().records()[0].kept == "on_device_only"


def test_cloud_off_by_policy_is_kept_by_policy_and_off_by_choice_is_not(store, ledger):
    done(list(ask(assistant(store, ledger, FakeBackend(), cloud_off_by_policy=True), "hi")))
    done(list(ask(assistant(store, ledger, FakeBackend(), cloud_off_by_policy=False), "hi again")))
    assert [r.kept for r in ledger.store().records()] == ["policy", ""]


def test_not_in_documents_reply_is_not_counted(store, ledger):
    a = assistant(store, ledger, FakeBackend(), retriever=FakeRetriever([]))
    done(list(ask(a, "Anything about llamas?", collections=["default"])))
    assert ledger.store().count() == 0


def test_a_calculator_answer_is_not_counted(store, ledger):
    a = assistant(store, ledger, FakeBackend())
    assert done(list(ask(a, "What is 15% of 240?"))).answer.text == "15% of 240 = 36"
    assert ledger.store().count() == 0  # no model ran: it would only pull the latency medians down


def test_ledger_off_records_nothing_and_the_view_says_so(store, ledger):
    ledger.settings.usage.enabled = False
    done(list(ask(assistant(store, ledger, FakeBackend()), "hi")))
    assert not ledger.path.exists()
    with pytest.raises(AppError, match="turned off"):
        ledger.summary()


def test_a_ledger_that_cannot_be_written_never_costs_the_answer(tmp_path, store):
    (tmp_path / "blocked").mkdir()
    broken = UsageLedger(tmp_path / "blocked", Settings())  # a folder where the file should be
    events = list(ask(assistant(store, broken, FakeBackend().enqueue("Still answered.")), "hi"))
    assert done(events).answer.text == "Still answered."


def test_caller_stopping_at_the_done_event_still_records(store, ledger):
    for event in ask(assistant(store, ledger, FakeBackend()), "hi"):
        if isinstance(event, DoneEvent):
            break
    assert ledger.store().count() == 1


# ------------------------------------------------------------------ store


def test_store_refuses_text_shaped_fields(tmp_path):
    with UsageStore(tmp_path / "u.sqlite3") as s:
        assert s.schema_version == SCHEMA_VERSION
        for bad in (dict(route="elsewhere"), dict(kept="because"), dict(redactions={"my secret": 1})):
            with pytest.raises(ValueError):
                s.add(UsageRecord(**{"at": NOON, "route": "local", "model": "m", **bad}))
        s.add(UsageRecord(NOON, "local", "multi\nline   model"))
        assert s.records()[0].model == "multi line model"


def test_a_ledger_from_a_newer_app_is_refused_untouched(tmp_path):
    path = tmp_path / "u.sqlite3"
    UsageStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="newer version"):
        UsageStore(path)


def test_retention_purges_old_rows_on_open_and_on_query(tmp_path):
    settings = Settings()
    settings.usage.retention_days = 30
    now = [NOON]
    path = tmp_path / "u.sqlite3"
    with UsageStore(path) as s:
        s.add_many([UsageRecord(NOON - d * 86400, "local", "m", 10, 5) for d in (0, 10, 29, 31, 400)])
    led = UsageLedger(path, settings, clock=lambda: now[0])
    assert led.store().count() == 3  # 31 and 400 days old went on open
    now[0] = NOON + 5 * 86400  # the window stays open five days
    summary = led.summary()
    assert summary.total.device.answers == 2 and led.store().count() == 2
    led.close()


# ------------------------------------------------------------------ summary, cost, CSV


def rec(days_ago: float, route="local", pt=1000, ct=200, ttft=0.5, tps=40.0, **kw) -> UsageRecord:
    return UsageRecord(NOON - days_ago * 86400, route, "m", pt, ct, ttft, tps, **kw)


def test_summary_by_day_and_week_with_medians_and_gaps():
    records = [rec(0, ttft=0.2), rec(0, ttft=0.4), rec(0, ttft=0.9, tps=20.0), rec(0, "cloud", ttft=1.5, tps=90.0),
               rec(9, kept="declined"), rec(9, fell_back=True, ttft=0.0, tps=0.0),
               rec(9, "cloud", redactions={"EMAIL": 2, "SECRET_KIND": 1})]
    s = summarize(buckets_from_records(records), None)
    assert [d.start for d in s.days][0] == date(2026, 3, 2) and len(s.days) == 10  # every day, zeros in the gaps
    assert [w.start for w in s.weeks] == [date(2026, 3, 2), date(2026, 3, 9)]
    today = s.days[-1]
    assert (today.device.answers, today.cloud.answers) == (3, 1)
    assert today.device.median_ttft_s == pytest.approx(0.4) and today.device.median_tokens_per_s == pytest.approx(40.0)
    assert today.cloud.median_ttft_s == pytest.approx(1.5)
    assert s.days[3].answers == 0 and s.days[3].device.median_ttft_s is None
    t = s.total
    assert (t.device.answers, t.cloud.answers, t.kept["declined"], t.cloud_fallbacks) == (5, 2, 1, 1)
    assert (t.device.prompt_tokens, t.device.completion_tokens) == (5000, 1000)
    assert dict(t.redactions) == {"EMAIL": 2, "SECRET_KIND": 1}
    assert t.cost_avoided is None
    assert week_start(date(2026, 3, 15)) == date(2026, 3, 9)  # Sunday belongs to Monday's week


def test_sqlite_buckets_equal_the_python_definition(tmp_path):
    import random

    rng = random.Random(3)
    records = [UsageRecord(NOON - rng.uniform(0, 40) * 86400, rng.choice(["local", "cloud"]), "m", rng.randint(0, 900),
                           rng.randint(0, 300), rng.choice([0.0, rng.uniform(0.01, 2)]), rng.choice([0.0, rng.uniform(1, 90)]),
                           rng.choice(["", "", "declined", "policy", "on_device_only"]), rng.random() < 0.1,
                           redactions=rng.choice([{}, {}, {"EMAIL": 2}, {"PHONE": 1, "IBAN": 1}]))
               for _ in range(400)]
    with UsageStore(tmp_path / "u.sqlite3") as store:
        store.add_many(records)
        in_sql = store.buckets()
        since = NOON - 10 * 86400
        assert sum(b.answers for b in store.buckets(since)) == sum(r.at >= since for r in records)
    in_python = buckets_from_records(records)
    assert len(in_sql) == len(in_python) > 40
    for a, b in zip(in_sql, in_python):
        assert (a.day, a.route, a.answers, a.prompt_tokens, a.completion_tokens, a.kept, a.fell_back, a.redactions) == \
            (b.day, b.route, b.answers, b.prompt_tokens, b.completion_tokens, b.kept, b.fell_back, b.redactions)
        # SQLite sends whole microseconds and thousandths of a token/s.
        assert sorted(a.ttfts) == pytest.approx(sorted(b.ttfts), abs=2e-6)
        assert sorted(a.speeds) == pytest.approx(sorted(b.speeds), abs=2e-3)


def test_cost_avoided_and_cloud_spend_arithmetic():
    price = Price(0.15, 0.60, "settings")
    s = summarize(buckets_from_records([rec(0, pt=2_000_000, ct=500_000), rec(1, pt=1_000_000, ct=0),
                                        rec(0, "cloud", pt=100_000, ct=50_000)]), price)
    # device: 3M in at $0.15 + 0.5M out at $0.60 = 0.45 + 0.30
    assert s.total.cost_avoided == pytest.approx(0.75)
    assert s.total.cloud_spend == pytest.approx(0.1 * 0.15 + 0.05 * 0.60)
    assert sum(d.cost_avoided for d in s.days) == pytest.approx(0.75)


def test_prices_settings_win_then_documented_table_by_longest_name():
    s = Settings()
    assert resolve_price(s) is None  # no cloud model, no price: no estimate
    s.routing.cloud.model = "gpt-4o-mini-2024-07-18"
    p = resolve_price(s)
    assert (p.in_per_mtok, p.out_per_mtok, p.source) == (0.15, 0.60, "gpt-4o-mini") and p.taken
    assert documented_price("openai/GPT-4o").source == "gpt-4o" and documented_price("llama-3-70b") is None
    s.usage.price_out_per_mtok = 2.0
    assert (resolve_price(s).in_per_mtok, resolve_price(s).out_per_mtok) == (0.15, 2.0)
    s.usage.price_in_per_mtok = 1.0
    assert resolve_price(s) == Price(1.0, 2.0, "settings")
    s.usage.price_in_per_mtok = s.usage.price_out_per_mtok = -1.0
    s.usage.price_model = "claude-sonnet-4-20250514"
    assert resolve_price(s).source == "claude-sonnet-4"


def test_csv_columns_are_the_documented_ones_and_rows_parse():
    records = [rec(0, redactions={"EMAIL": 1, "NATIONAL_ID": 2, "ODD": 4}), rec(8, "cloud")]
    s = summarize(buckets_from_records(records), Price(1, 2, "settings"))
    rows = list(csv.DictReader(io.StringIO(s.to_csv())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert CSV_COLUMNS[:4] == ("granularity", "period_start", "answers_device", "answers_cloud")
    assert CSV_COLUMNS[-2:] == ("cost_avoided_usd", "cloud_spend_usd")
    assert [r["granularity"] for r in rows].count("day") == 9 and rows[-1]["granularity"] == "total"
    total = rows[-1]
    assert (total["answers_device"], total["answers_cloud"], total["redactions_email"], total["redactions_national_id"],
            total["redactions_other"]) == ("1", "1", "1", "2", "4")
    assert float(total["cost_avoided_usd"]) == pytest.approx(1000 / 1e6 * 1 + 200 / 1e6 * 2)
    from pathlib import Path

    documented = (Path(__file__).resolve().parents[2] / "docs" / "USAGE.md").read_text(encoding="utf-8")
    for column in CSV_COLUMNS:
        assert f"`{column}`" in documented, column


def test_since_parsing():
    today = date(2026, 3, 11)
    assert parse_since("2026-01-31", today) == date(2026, 1, 31)
    assert parse_since("30d", today) == today - timedelta(days=30)
    assert parse_since("", today) is None
    with pytest.raises(AppError, match="not a date"):
        parse_since("last tuesday", today)


def _with_redactions(plan_fn, mapping):
    def plan(*args, **kwargs) -> HandoffPlan:
        from dataclasses import replace

        return replace(plan_fn(*args, **kwargs), redactions=mapping)

    return plan


@pytest.mark.parametrize(("lists", "expected"), [
    ([[]], None), ([[1.0]], 1.0), ([[1.0, 3.0]], 2.0), ([[1.0, 5.0], [2.0]], 2.0),
    ([[0.1, 0.2], [], [0.3, 0.9]], 0.25), ([[4.0], [1.0], [3.0], [2.0], [5.0]], 3.0),
])
def test_median_of_sorted_buckets(lists, expected):
    from desktop_app.services.usage_report import _median

    assert _median(lists) == (None if expected is None else pytest.approx(expected))
