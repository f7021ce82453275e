"""UsageStore: one row of counts per answer, in SQLite in the data folder; never any text.

What a row holds is fixed by the schema below: when, which route and model, token counts,
time to first token, speed, why a question stayed on the device, how many values of each kind
were redacted, and whether a cloud failure fell back to the device. There is no column a
question, an answer, a document name or a redacted value could go into, and ``add`` checks the
few strings it stores (route, model, kept, redaction kinds) against short fixed shapes.

Thread rule: one connection serialised by a lock, as in ConversationStore (the GUI records
from answer workers and queries from another worker). The schema is versioned with
``PRAGMA user_version``; migrations are appended, never edited.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from desktop_app.core.errors import StorageError
from desktop_app.core.store_errors import storage_error_from_sqlite

KEPT_REASONS = ("", "on_device_only", "declined", "policy")  # why a question stayed on the device
_KIND = re.compile(r"^[A-Z][A-Z_]{0,31}$")  # redaction kinds are placeholder names: EMAIL, NATIONAL_ID...
_MODEL_MAX = 200


@dataclass(frozen=True)
class UsageRecord:
    """Counts about one answer. ``at`` is a Unix time; ``redactions`` maps kind -> count.

    ``kept`` says why the question stayed on the device: ``on_device_only`` (its passages come
    from an on-device-only collection), ``declined`` (the router suggested the cloud and the
    user kept it here), ``policy`` (the organisation turned the cloud hand-off off), or empty.
    """

    at: float
    route: str  # "local" or "cloud": where the answer was produced
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_s: float = 0.0
    tokens_per_s: float = 0.0
    kept: str = ""
    fell_back: bool = False  # the cloud failed and this device answered instead
    stopped: bool = False
    redactions: dict[str, int] = field(default_factory=dict)


@dataclass
class DayBucket:
    """One local calendar day's answers on one route, summed; what the usage view is built from.

    ``ttfts`` and ``speeds`` keep every measured value, sorted (0 means not measured and is left
    out), so medians over a week or a year stay exact.
    """

    day: date
    route: str
    answers: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    kept: dict[str, int] = field(default_factory=dict)  # non-empty KEPT_REASONS -> answers
    fell_back: int = 0
    ttfts: list[float] = field(default_factory=list)
    speeds: list[float] = field(default_factory=list)
    redactions: dict[str, int] = field(default_factory=dict)


def buckets_from_records(records: Iterable[UsageRecord]) -> list[DayBucket]:
    """The buckets of ``records``, computed in Python: what ``UsageStore.buckets`` computes in SQL."""
    out: dict[tuple[date, str], DayBucket] = {}
    for r in records:
        day = datetime.fromtimestamp(r.at).date()
        b = out.setdefault((day, r.route), DayBucket(day, r.route))
        b.answers += 1
        b.prompt_tokens += r.prompt_tokens
        b.completion_tokens += r.completion_tokens
        if r.kept:
            b.kept[r.kept] = b.kept.get(r.kept, 0) + 1
        b.fell_back += int(r.fell_back)
        if r.ttft_s > 0:
            b.ttfts.append(r.ttft_s)
        if r.tokens_per_s > 0:
            b.speeds.append(r.tokens_per_s)
        for kind, n in r.redactions.items():
            b.redactions[kind] = b.redactions.get(kind, 0) + n
    for b in out.values():
        b.ttfts.sort()
        b.speeds.sort()
    return [out[k] for k in sorted(out)]


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE answers (
            id                INTEGER PRIMARY KEY AUTOINCREMENT,
            at                REAL    NOT NULL,
            day               TEXT    NOT NULL,  -- local calendar day when answered, YYYY-MM-DD
            route             TEXT    NOT NULL CHECK (route IN ('local', 'cloud')),
            model             TEXT    NOT NULL,
            prompt_tokens     INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            ttft_s            REAL    NOT NULL DEFAULT 0,
            tokens_per_s      REAL    NOT NULL DEFAULT 0,
            kept              TEXT    NOT NULL DEFAULT '',
            fell_back         INTEGER NOT NULL DEFAULT 0,
            stopped           INTEGER NOT NULL DEFAULT 0,
            redactions        TEXT    NOT NULL DEFAULT '{}'
        )
        """
    )
    conn.execute("CREATE INDEX answers_by_time ON answers(at)")


# Index i holds the migration to version i + 1. Append only.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)
_COLUMNS = ("at", "day", "route", "model", "prompt_tokens", "completion_tokens", "ttft_s", "tokens_per_s", "kept",
            "fell_back", "stopped", "redactions")


class UsageStore:
    """The usage ledger file; safe to share between threads.

    Args:
        db_path: ``AppPaths.usage_db``; its folder is created.

    Raises:
        StorageError: the file cannot be created, written, or is not a usage ledger.
    """

    def __init__(self, db_path: Path | str) -> None:
        self.path = Path(db_path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=10.0, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")  # the window and a CLI may record at once
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            self.close()
            raise storage_error_from_sqlite(exc, "the usage ledger", opening=True) from exc

    def _migrate(self) -> None:
        conn = self._conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError("The usage ledger was written by a newer version of SLM Assistant.",
                               f"Update the app, or move {self.path.name} out of the data folder.")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[target - 1](conn)
                conn.execute(f"PRAGMA user_version = {target}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _db(self, what: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StorageError("The usage ledger is closed.")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise storage_error_from_sqlite(exc, what) from exc

    @property
    def schema_version(self) -> int:
        with self._db("the usage ledger") as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def add(self, record: UsageRecord) -> None:
        """Append one answer's counts. Raises ValueError for a field that is not a count or a name."""
        values = _checked(record)
        with self._db("the usage ledger") as conn:
            conn.execute(f"INSERT INTO answers ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", values)

    def add_many(self, records: list[UsageRecord]) -> None:
        """Append many rows in one transaction (imports, the benchmark's generated year)."""
        rows = [_checked(r) for r in records]
        with self._db("the usage ledger") as conn:
            conn.execute("BEGIN")
            try:
                conn.executemany(f"INSERT INTO answers ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def records(self, since: float | None = None, until: float | None = None) -> list[UsageRecord]:
        """Rows with ``since <= at < until`` (either bound optional), oldest first."""
        where, args = [], []
        if since is not None:
            where.append("at >= ?")
            args.append(since)
        if until is not None:
            where.append("at < ?")
            args.append(until)
        sql = f"SELECT {', '.join(_COLUMNS)} FROM answers {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY at"
        with self._db("the usage ledger") as conn:
            rows = conn.execute(sql, args).fetchall()
        return [UsageRecord(at, route, model, pt, ct, ttft, tps, kept, bool(fb), bool(st), _kinds(red))
                for at, _day, route, model, pt, ct, ttft, tps, kept, fb, st, red in rows]

    def buckets(self, since: float | None = None) -> list[DayBucket]:
        """Rows from ``since`` on, summed per local day and route by SQLite (a year of answers is
        tens of thousands of rows; turning each into an object took most of a second). The day is
        the one stored with the row: the user's calendar day when the answer was given."""
        where, args = ("WHERE at >= ?", (since,)) if since is not None else ("", ())
        day = "day"
        sql = f"""
            SELECT {day} AS day, route, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens),
                   SUM(kept = 'on_device_only'), SUM(kept = 'declined'), SUM(kept = 'policy'), SUM(fell_back),
                   group_concat(CASE WHEN ttft_s > 0 THEN CAST(ttft_s * 1e6 AS INTEGER) END),
                   group_concat(CASE WHEN tokens_per_s > 0 THEN CAST(tokens_per_s * 1e3 AS INTEGER) END)
            FROM answers {where} GROUP BY day, route ORDER BY day, route"""
        with self._db("the usage ledger") as conn:
            rows = conn.execute(sql, args).fetchall()
            # Redactions are rare (cloud answers with personal data): read those rows as they are.
            redacted = conn.execute(f"SELECT {day}, route, redactions FROM answers "
                                    f"{where + ' AND' if where else 'WHERE'} redactions != '{{}}'", args).fetchall()
        out: dict[tuple[str, str], DayBucket] = {}
        for d, route, n, pt, ct, odo, declined, policy, fb, ttfts, speeds in rows:
            kept = {k: int(v) for k, v in (("on_device_only", odo), ("declined", declined), ("policy", policy)) if v}
            out[(d, route)] = DayBucket(date.fromisoformat(d), route, int(n), int(pt), int(ct), kept, int(fb),
                                        _scaled(ttfts, 1e6), _scaled(speeds, 1e3))
        for d, route, text in redacted:
            bucket = out[(d, route)].redactions
            for kind, count in _kinds(text).items():
                bucket[kind] = bucket.get(kind, 0) + count
        return list(out.values())

    def purge(self, before: float) -> int:
        """Delete rows older than ``before`` (a Unix time); returns how many went."""
        with self._db("the usage ledger") as conn:
            return conn.execute("DELETE FROM answers WHERE at < ?", (before,)).rowcount

    def count(self) -> int:
        with self._db("the usage ledger") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except sqlite3.Error:
                    pass
                self._conn = None

    def __enter__(self) -> "UsageStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _checked(r: UsageRecord) -> tuple:
    """The row's values; refuses anything that is not a count, a route, a model name or a kind."""
    if r.route not in ("local", "cloud"):
        raise ValueError(f"route must be local or cloud, not {r.route!r}")
    if r.kept not in KEPT_REASONS:
        raise ValueError(f"unknown kept reason {r.kept!r}")
    model = " ".join(str(r.model).split())[:_MODEL_MAX]  # a name, on one line
    redactions = {}
    for kind, n in r.redactions.items():
        if not _KIND.match(str(kind)) or int(n) < 0:
            raise ValueError(f"redaction kinds are upper-case names with counts, not {kind!r}")
        if int(n):
            redactions[str(kind)] = int(n)
    return (float(r.at), datetime.fromtimestamp(r.at).date().isoformat(), r.route, model, max(0, int(r.prompt_tokens)), max(0, int(r.completion_tokens)),
            max(0.0, float(r.ttft_s)), max(0.0, float(r.tokens_per_s)), r.kept, int(bool(r.fell_back)),
            int(bool(r.stopped)), json.dumps(redactions, sort_keys=True))


def _scaled(text: str | None, scale: float) -> list[float]:
    # SQLite turns integers into text several times faster than floats (a year: 40 ms, not 100),
    # so the query sends microseconds and thousandths of a token per second.
    return sorted(int(v) / scale for v in text.split(",")) if text else []


def _kinds(text: str) -> dict[str, int]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}
