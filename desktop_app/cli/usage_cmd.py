"""`slm-assistant usage [--since DATE] [--json|--csv]`: answers on this device vs the cloud, by
day and week, with latency, what stayed on the device, redactions and the cloud cost avoided.

The figures come from the usage ledger (counts only, never text); the CSV columns are stable and
documented in docs/USAGE.md.
"""

from __future__ import annotations

import argparse
import json
import sys

from desktop_app.services.usage import parse_since
from desktop_app.services.usage_report import PeriodRow, UsageSummary

DAYS_SHOWN = 14  # the text view's daily table; --csv and --json have every day


def register(subparsers, name: str) -> None:
    p = subparsers.add_parser(name, help="usage on this device vs the cloud, latency and the cloud cost avoided")
    p.add_argument("--since", metavar="DATE", help="only answers from DATE on (YYYY-MM-DD, or e.g. 30d)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--csv", action="store_true", help="print CSV rows by day, by week and the total (docs/USAGE.md)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    since = parse_since(args.since)
    summary = core.usage.summary(since)  # AppError when the ledger is off: printed as one line
    if args.csv:
        sys.stdout.write(summary.to_csv())
    elif args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False))
    else:
        print(render_text(summary))
    return 0


def render_text(summary: UsageSummary) -> str:
    """The plain-text report: totals, latency, what stayed here, the estimate, then tables."""
    t = summary.total
    if not t.answers:
        when = f" since {summary.since.isoformat()}" if summary.since else ""
        return f"No answers recorded{when}. The ledger keeps counts only, never questions or answers."
    lines = [
        f"Answers: {t.device.answers} on this device, {t.cloud.answers} in the cloud"
        + (f" (since {summary.since.isoformat()})" if summary.since else ""),
        f"Tokens in/out: this device {t.device.prompt_tokens:,} / {t.device.completion_tokens:,}; "
        f"cloud {t.cloud.prompt_tokens:,} / {t.cloud.completion_tokens:,}",
        f"Median time to first token: this device {_s(t.device.median_ttft_s)}, cloud {_s(t.cloud.median_ttft_s)}",
        f"Median speed: this device {_tps(t.device.median_tokens_per_s)}, cloud {_tps(t.cloud.median_tokens_per_s)}",
        f"Kept on this device: {t.kept['on_device_only']} for on-device-only collections, "
        f"{t.kept['declined']} you chose to keep here, {t.kept['policy']} by your organization's policy",
        f"Cloud failures answered on this device: {t.cloud_fallbacks}",
        "Redacted before sending: " + (", ".join(f"{n} {k}" for k, n in sorted(t.redactions.items())) or "nothing"),
    ]
    if summary.price is None:
        lines.append("Cost avoided: no cloud price is known. Set usage.price_in_per_mtok and usage.price_out_per_mtok, "
                     "or usage.price_model (see docs/USAGE.md).")
    else:
        lines.append(f"Cost avoided (estimate): ${t.cost_avoided:,.2f}; cloud spend (estimate): ${t.cloud_spend:,.2f}")
        lines.append(f"  This device's tokens priced at {summary.price.describe()}.")
    lines += ["", "By week (week starting)", *_table(summary.weeks, summary.price is not None)]
    lines += ["", f"By day (last {DAYS_SHOWN}; --csv for all)", *_table(summary.days[-DAYS_SHOWN:], summary.price is not None)]
    return "\n".join(lines)


def _table(rows: list[PeriodRow], priced: bool) -> list[str]:
    head = f"{'period':<11}{'device':>8}{'cloud':>7}{'tokens in':>11}{'tokens out':>11}{'TTFT dev':>10}{'TTFT cld':>10}{'tok/s dev':>10}"
    head += f"{'kept':>6}{'fallbk':>7}{'redact':>7}" + (f"{'saved $':>10}" if priced else "")
    out = [head]
    for r in rows:
        line = (f"{r.start.isoformat():<11}{r.device.answers:>8}{r.cloud.answers:>7}"
                f"{r.device.prompt_tokens + r.cloud.prompt_tokens:>11,}{r.device.completion_tokens + r.cloud.completion_tokens:>11,}"
                f"{_s(r.device.median_ttft_s):>10}{_s(r.cloud.median_ttft_s):>10}{_num(r.device.median_tokens_per_s):>10}"
                f"{sum(r.kept.values()):>6}{r.cloud_fallbacks:>7}{sum(r.redactions.values()):>7}")
        if priced:
            line += f"{r.cost_avoided:>10.2f}"
        out.append(line)
    return out


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _tps(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} tokens/s"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
