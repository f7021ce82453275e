"""Usage figures by day and by week, the cost estimate, and the stable CSV export.

Pure functions over day buckets (``core.usage_store.DayBucket``, summed by SQLite): the CLI,
the window and the benchmark share them.
Days are local calendar days; a week starts on Monday and is named by that Monday's date.
Every period from the first recorded one to the last is listed, with zeros where nothing was
asked, so a spreadsheet or a chart sees the gaps.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Sequence

from desktop_app.core.usage_store import DayBucket
from desktop_app.services.usage_prices import Price

# Redaction kinds with their own CSV column (routing.redaction_patterns); any other is "other".
REDACTION_KINDS = ("EMAIL", "PHONE", "CARD", "IBAN", "NATIONAL_ID")

# The CSV columns, in order. Stable: new columns are only ever appended (docs/USAGE.md).
CSV_COLUMNS = (
    "granularity", "period_start",
    "answers_device", "answers_cloud",
    "prompt_tokens_device", "completion_tokens_device", "prompt_tokens_cloud", "completion_tokens_cloud",
    "median_ttft_s_device", "median_ttft_s_cloud", "median_tokens_per_s_device", "median_tokens_per_s_cloud",
    "kept_on_device_only", "kept_declined", "kept_policy", "cloud_fallbacks",
    *(f"redactions_{k.lower()}" for k in REDACTION_KINDS), "redactions_other",
    "cost_avoided_usd", "cloud_spend_usd",
)


@dataclass
class RouteFigures:
    """One route's figures in one period. Medians are None when no answer had a timing."""

    answers: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    median_ttft_s: float | None = None
    median_tokens_per_s: float | None = None


@dataclass
class PeriodRow:
    """One day, one week, or the whole span (granularity ``total``)."""

    granularity: str
    start: date
    device: RouteFigures = field(default_factory=RouteFigures)
    cloud: RouteFigures = field(default_factory=RouteFigures)
    kept: Counter = field(default_factory=Counter)  # on_device_only / declined / policy -> answers
    cloud_fallbacks: int = 0
    redactions: Counter = field(default_factory=Counter)  # kind -> values redacted
    cost_avoided: float | None = None  # None: no price known
    cloud_spend: float | None = None

    @property
    def answers(self) -> int:
        return self.device.answers + self.cloud.answers

    def csv_row(self) -> list[str]:
        other = sum(n for k, n in self.redactions.items() if k not in REDACTION_KINDS)
        return [
            self.granularity, self.start.isoformat(),
            str(self.device.answers), str(self.cloud.answers),
            str(self.device.prompt_tokens), str(self.device.completion_tokens),
            str(self.cloud.prompt_tokens), str(self.cloud.completion_tokens),
            _num(self.device.median_ttft_s, 3), _num(self.cloud.median_ttft_s, 3),
            _num(self.device.median_tokens_per_s, 1), _num(self.cloud.median_tokens_per_s, 1),
            str(self.kept["on_device_only"]), str(self.kept["declined"]), str(self.kept["policy"]),
            str(self.cloud_fallbacks),
            *(str(self.redactions[k]) for k in REDACTION_KINDS), str(other),
            _num(self.cost_avoided, 4), _num(self.cloud_spend, 4),
        ]

    def to_json(self) -> dict:
        return {
            "granularity": self.granularity,
            "period_start": self.start.isoformat(),
            "device": dataclasses.asdict(self.device),
            "cloud": dataclasses.asdict(self.cloud),
            "kept": {k: self.kept[k] for k in ("on_device_only", "declined", "policy")},
            "cloud_fallbacks": self.cloud_fallbacks,
            "redactions": dict(sorted(self.redactions.items())),
            "cost_avoided_usd": self.cost_avoided,
            "cloud_spend_usd": self.cloud_spend,
        }


@dataclass
class UsageSummary:
    """Everything the usage view shows: rows by day and by week, the total, and the price used."""

    days: list[PeriodRow]
    weeks: list[PeriodRow]
    total: PeriodRow
    price: Price | None
    since: date | None = None

    def to_csv(self) -> str:
        """Day rows, then week rows, then the total row, under the stable ``CSV_COLUMNS``."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in [*self.days, *self.weeks, self.total]:
            writer.writerow(row.csv_row())
        return buffer.getvalue()

    def to_json(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "price": None if self.price is None else {
                "in_per_mtok": self.price.in_per_mtok, "out_per_mtok": self.price.out_per_mtok,
                "source": self.price.source, "taken": self.price.taken},
            "estimate": "cost_avoided_usd prices this device's tokens at the cloud price; both figures are estimates",
            "total": self.total.to_json(),
            "weeks": [r.to_json() for r in self.weeks],
            "days": [r.to_json() for r in self.days],
        }


def summarize(buckets: Iterable[DayBucket], price: Price | None, since: date | None = None) -> UsageSummary:
    """Aggregate day buckets (``UsageStore.buckets`` or ``buckets_from_records``) by day and by
    week, and price the tokens with ``price``."""
    by_day: dict[date, list[DayBucket]] = {}
    for b in buckets:
        by_day.setdefault(b.day, []).append(b)
    everything = [b for group in by_day.values() for b in group]
    total = _row("total", since or (min(by_day) if by_day else date.today()), everything, price)
    if not by_day:
        return UsageSummary([], [], total, price, since)
    first, last = min(by_day), max(by_day)
    days = [_row("day", d, by_day.get(d, ()), price) for d in _dates(first, last, 1)]
    by_week: dict[date, list[DayBucket]] = {}
    for d, group in by_day.items():
        by_week.setdefault(week_start(d), []).extend(group)
    weeks = [_row("week", w, by_week.get(w, ()), price) for w in _dates(week_start(first), week_start(last), 7)]
    return UsageSummary(days, weeks, total, price, since)


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _dates(first: date, last: date, step: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(0, (last - first).days + 1, step)]


def _row(granularity: str, start: date, buckets: Sequence[DayBucket], price: Price | None) -> PeriodRow:
    row = PeriodRow(granularity, start)
    row.device = _figures([b for b in buckets if b.route == "local"])
    row.cloud = _figures([b for b in buckets if b.route == "cloud"])
    for b in buckets:
        for k, n in b.kept.items():
            row.kept[k] += n
        row.cloud_fallbacks += b.fell_back
        for k, n in b.redactions.items():
            row.redactions[k] += n
    if price is not None:
        row.cost_avoided = price.cost(row.device.prompt_tokens, row.device.completion_tokens)
        row.cloud_spend = price.cost(row.cloud.prompt_tokens, row.cloud.completion_tokens)
    return row


def _figures(buckets: Sequence[DayBucket]) -> RouteFigures:
    # A stopped answer may have no first token: unmeasured values are not in the buckets' lists.
    return RouteFigures(
        answers=sum(b.answers for b in buckets),
        prompt_tokens=sum(b.prompt_tokens for b in buckets),
        completion_tokens=sum(b.completion_tokens for b in buckets),
        median_ttft_s=_median([b.ttfts for b in buckets]),
        median_tokens_per_s=_median([b.speeds for b in buckets]),
    )


def _median(sorted_lists: list[list[float]]) -> float | None:
    """The median of several sorted lists (each bucket's values are sorted): one list needs no
    sort at all, and sorting their concatenation is a merge of runs, which Timsort does fast."""
    lists = [v for v in sorted_lists if v]
    if not lists:
        return None
    values = lists[0] if len(lists) == 1 else sorted([x for v in lists for x in v])
    n = len(values)
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2


def _num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"
