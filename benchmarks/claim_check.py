"""Claim check (issue 16): its speed, and how well it tells right figures from wrong ones.

Usage: python benchmarks/claim_check.py [--json] [--corpus ../shared/corpus]
                                        [--questions benchmarks/data/corpus_questions.jsonl]

Speed: ``check_claims`` on a ~300-word answer citing six corpus pages (target <= 50 ms), against a
baseline measured in the same run: a plain regex scan of the same answer for digit runs and
capitalised word pairs, each looked up with ``in`` in the passages' text.

Quality, on the grounded questions of corpus_questions.jsonl: for each question the gold pages
are read with the app's own loader (pypdf) and cited as [1], [2]...; a right answer is
synthesised from the gold answer string ("The answer is 13-18 years [1].") and wrong ones by
perturbing its first figure (off by one, a neighbouring digit, a shifted range end, a changed
day, code character or ordinal) and by borrowing another number from the same pages (the hardest
slip: the right page, the wrong figure; reported apart as well). Answers are phrased twice:
"plain" (no words beside the figure) and "question" (the question's words, then the figure),
because the check compares the words beside a small number with the passage's. Reported: precision of "unsupported" (what the check warns about
is really wrong), recall on wrong answers (share of wrong answers warned about), the share of
"fully supported" answers that are right, and the same per perturbation. Synthesised answers
state the figure as the documents do; the lead runs the same measure on real model answers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.core.records import Citation  # noqa: E402
from desktop_app.rag.claim_check import check_claims  # noqa: E402
from desktop_app.rag.claim_extract import extract  # noqa: E402

FIGURE_KINDS = ("number", "percent", "money", "range", "date", "ordinal", "code")
_NEXT_ORDINAL = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth").split()
_NEXT_WORD = ("one two three four five six seven eight nine ten eleven twelve").split()


def _default_corpus() -> Path:
    for candidate in (ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "corpus"


def load_page_texts(corpus: Path, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The text of each (file, page) as the app's loader reads it, whitespace-normalised like a prompt."""
    from desktop_app.rag.loaders import load_pages

    out: dict[tuple[str, int], str] = {}
    for name in sorted({f for f, _ in wanted}):
        pages = {p for f, p in wanted if f == name}
        for page in load_pages(corpus / name):
            if page.number in pages:
                out[(name, page.number)] = " ".join(page.text.split())
    return out


# ---------------------------------------------------------------- perturbations


def perturb(answer: str, rng: random.Random) -> tuple[str, str] | None:
    """(wrong answer text, perturbation) with the first figure changed, or None without a figure."""
    figures = [m for m in extract(answer) if m.kind in FIGURE_KINDS]
    if not figures:
        return None
    m = figures[0]
    figure = answer[m.start:m.end]
    changed, how = _perturb_figure(m, figure, rng)
    if changed is None or changed == figure:
        return None
    return answer[:m.start] + changed + answer[m.end:], how


def _perturb_figure(m, figure: str, rng: random.Random) -> tuple[str | None, str]:
    if m.kind == "ordinal":
        word = figure.lower()
        if word in _NEXT_ORDINAL:
            i = _NEXT_ORDINAL.index(word)
            return _NEXT_ORDINAL[i + 1 if i + 1 < len(_NEXT_ORDINAL) else i - 1], "ordinal"
        return _shift_digits(figure, rng), "ordinal"
    if m.kind == "code":
        chars = list(figure)
        spots = [i for i, c in enumerate(chars) if c.isalnum()]
        i = spots[-1] if rng.random() < 0.5 else rng.choice(spots)
        c = chars[i]
        chars[i] = str((int(c) + 1) % 10) if c.isdigit() else (chr(ord(c) + 1) if c not in "zZ" else chr(ord(c) - 1))
        return "".join(chars), "code_character"
    if m.kind == "range":
        numbers = list(re.finditer(r"\d[\d,]*(?:\.\d+)?", figure))
        if not numbers:
            return None, "range_end"
        n = numbers[0] if rng.random() < 0.5 else numbers[-1]
        return figure[:n.start()] + _off_by_one(n.group(0)) + figure[n.end():], "range_end"
    if m.kind == "date":
        numbers = list(re.finditer(r"\d+", figure))
        n = rng.choice(numbers)
        return figure[:n.start()] + _off_by_one(n.group(0)) + figure[n.end():], "date_part"
    words = re.search(r"[A-Za-z]+", figure)
    if words and words.group(0).lower() in _NEXT_WORD:
        i = _NEXT_WORD.index(words.group(0).lower())
        return figure.replace(words.group(0), _NEXT_WORD[i + 1]), "number_word"
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", figure)
    if digits is None:
        return None, "none"
    if rng.random() < 0.5:
        return figure[:digits.start()] + _off_by_one(digits.group(0)) + figure[digits.end():], "off_by_one"
    return figure[:digits.start()] + _shift_digits(digits.group(0), rng) + figure[digits.end():], "digit_change"


def borrow(answer: str, citations: list[Citation], rng: random.Random) -> tuple[str, str] | None:
    """(the answer with its first number replaced by another number from the same pages, how).

    The hardest slip to catch: the model picked the wrong figure from the right page.
    """
    figures = [m for m in extract(answer) if m.kind in ("number", "percent", "money")]
    if not figures:
        return None
    m = figures[0]
    others = sorted({p.text for c in citations for p in extract(c.text, passage=True)
                     if p.kind == m.kind and p.value.value != m.value.value and re.fullmatch(r"[\d,.]+%?", p.text)})
    if not others:
        return None
    return answer[:m.start] + rng.choice(others) + answer[m.end:], "borrowed_from_page"


def _off_by_one(number: str) -> str:
    """'13' -> '14', '2,319' -> '2,320', '4.5' -> '4.6' (the last digit moves by one)."""
    digits = [i for i, c in enumerate(number) if c.isdigit()]
    last = digits[-1]
    value = int(number[last])
    bump = value + 1 if value < 9 else value - 1
    return number[:last] + str(bump) + number[last + 1:]


def _shift_digits(number: str, rng: random.Random) -> str:
    """Change one digit (not always the last): '2319' -> '2419'."""
    digits = [i for i, c in enumerate(number) if c.isdigit()]
    i = rng.choice(digits)
    old = int(number[i])
    new = rng.choice([d for d in range(10) if d != old and not (i == digits[0] and d == 0)])
    return number[:i] + str(new) + number[i + 1:]


_MONTH_NAMES = ("January February March April May June July August September October November "
                "December").split()


def paraphrase(answer: str) -> tuple[str, str] | None:
    """(the right answer with its first figure written another way, how), or None.

    "2319" <-> "2,319", "13-18" -> "13 to 18", "seventh" <-> "7th", "nine" <-> "9", "12%" <->
    "12 percent", "12/08/2007" -> "December 8, 2007": what a model writes when it is right. The
    questions' ``accept`` forms ("3.74" where the page's text reads "3 .74") are checked as well.
    """
    figures = [m for m in extract(answer) if m.kind in FIGURE_KINDS]
    if not figures:
        return None
    m = figures[0]
    figure = answer[m.start:m.end]
    new, how = None, m.kind
    if m.kind == "range":
        new = re.sub(r"\s*(?:-|–|—)\s*", " to ", figure, count=1) if re.search(r"\d\s*[-–—]\s*\d", figure) else \
            re.sub(r"^between\s+(.*?)\s+and\s+", r"\1-", re.sub(r"\s+to\s+", "-", figure), flags=re.I)
    elif m.kind == "ordinal":
        word = figure.lower()
        if word in _NEXT_ORDINAL:
            n = _NEXT_ORDINAL.index(word) + 1
            new = f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n, 'th') }".replace(" ", "")
    elif m.kind == "date" and re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", figure):
        month, day, year = (int(x) for x in figure.split("/"))
        new = f"{_MONTH_NAMES[month - 1]} {day}, {year}"
    elif m.kind == "percent":
        new = figure.replace("%", " percent") if "%" in figure else re.sub(r"\s*percent", "%", figure)
    elif m.kind in ("number", "money"):
        word = re.search(r"[A-Za-z]+", figure)
        digits = re.search(r"\d[\d,]*(?: ?\.\d+)?", figure)
        if word and word.group(0).lower() in _NEXT_WORD:
            new, how = figure.replace(word.group(0), str(_NEXT_WORD.index(word.group(0).lower()) + 1)), "number_word"
        elif digits and "," in digits.group(0):
            new, how = figure.replace(digits.group(0), digits.group(0).replace(",", "")), "thousands_separator"
        elif digits and re.fullmatch(r"\d{4,}", digits.group(0)) and not 1900 <= int(digits.group(0)) <= 2100:
            new, how = figure.replace(digits.group(0), f"{int(digits.group(0)):,}"), "thousands_separator"
        elif digits and re.fullmatch(r"[1-9]", digits.group(0)):
            new, how = figure.replace(digits.group(0), _NEXT_WORD[int(digits.group(0)) - 1], 1), "number_word"
    if not new or new == figure:
        return None
    return answer[:m.start] + new + answer[m.end:], how


# ---------------------------------------------------------------- measures


def quality(rows: list[dict], texts: dict[tuple[str, int], str], seed: int = 16, phrasing: str = "plain") -> dict:
    rng = random.Random(seed)
    right_flagged = right_total = wrong_flagged = wrong_total = 0
    paraphrased_flagged = paraphrased_total = 0
    fully_right = fully_wrong = 0
    per_kind: dict[str, list[int]] = {}
    misses: list[dict] = []
    false_alarms: list[dict] = []
    for row in rows:
        citations, answer = _synthesise(row, texts, phrasing)
        if not citations:
            continue
        right = check_claims(answer, citations, row["question"])
        right_total += 1
        flagged = bool(right.unsupported_key)
        right_flagged += flagged
        if flagged:
            false_alarms.append({"id": row["id"], "answer": answer,
                                 "unsupported": [c.text for c in right.unsupported_key]})
        if right.claims and not right.unsupported_key:
            fully_right += 1
        accepted = row.get("accept") or []
        accepted = [accepted] if isinstance(accepted, str) else [a for a in accepted if isinstance(a, str)]
        if row.get("answers_all"):
            accepted = []  # per-answer lists: the synthesised answer joins several answers
        rewritten = [paraphrase(answer)] + [(answer.replace(row["answers"][0], form), "accepted_form")
                                            for form in accepted if form != row["answers"][0]]
        for text, how in (r for r in rewritten if r is not None):
            check = check_claims(text, citations, row["question"])
            paraphrased_total += 1
            paraphrased_flagged += bool(check.unsupported_key)
            if check.unsupported_key:
                false_alarms.append({"id": row["id"], "answer": text, "paraphrase": how,
                                     "unsupported": [c.text for c in check.unsupported_key]})
        for wrong in (perturb(answer, rng), borrow(answer, citations, rng)):
            if wrong is None:
                continue
            wrong_text, how = wrong
            check = check_claims(wrong_text, citations, row["question"])
            wrong_total += 1
            caught = bool(check.unsupported_key)
            wrong_flagged += caught
            per_kind.setdefault(how, [0, 0])
            per_kind[how][0] += caught
            per_kind[how][1] += 1
            if not caught:
                fully_wrong += 1 if check.claims else 0
                misses.append({"id": row["id"], "answer": wrong_text, "perturbation": how})
    flagged_total = right_flagged + wrong_flagged
    supported_total = fully_right + fully_wrong
    return {
        "answers_right": right_total,
        "answers_wrong": wrong_total,
        "precision_unsupported": round(wrong_flagged / flagged_total, 4) if flagged_total else None,
        "recall_wrong": round(wrong_flagged / wrong_total, 4) if wrong_total else None,
        "false_alarm_rate_right": round(right_flagged / right_total, 4) if right_total else None,
        "fully_supported_are_right": round(fully_right / supported_total, 4) if supported_total else None,
        # Right answers whose figure is written another way ("2,319" for "2319", "13 to 18" for "13-18").
        "answers_paraphrased": paraphrased_total,
        "false_alarm_rate_paraphrased": round(paraphrased_flagged / paraphrased_total, 4) if paraphrased_total else None,
        "precision_unsupported_with_paraphrases": (
            round(wrong_flagged / (flagged_total + paraphrased_flagged), 4) if flagged_total + paraphrased_flagged else None),
        "recall_wrong_perturbed": _recall(per_kind, exclude="borrowed_from_page"),
        "recall_borrowed": _recall(per_kind, only="borrowed_from_page"),
        "recall_by_perturbation": {k: round(c / n, 4) for k, (c, n) in sorted(per_kind.items())},
        "count_by_perturbation": {k: n for k, (_, n) in sorted(per_kind.items())},
        "false_alarms": false_alarms,
        "missed_wrong": misses,
    }


def _recall(per_kind: dict[str, list[int]], only: str = "", exclude: str = "") -> float | None:
    kept = [(c, n) for k, (c, n) in per_kind.items() if (not only or k == only) and k != exclude]
    total = sum(n for _, n in kept)
    return round(sum(c for c, _ in kept) / total, 4) if total else None


def _synthesise(row: dict, texts: dict[tuple[str, int], str], phrasing: str = "plain") -> tuple[list[Citation], str]:
    """The gold pages as citations and a right answer built from the gold answer string(s).

    ``phrasing`` "plain": "The answer is X [1]." (no words beside the figure); "question": the
    question's words then the figure ("How many hours ... did the pilot have: X [1]."), as an
    answer that restates what it answers gives the check words to compare beside the figure.
    """
    citations: list[Citation] = []
    for name, page in zip(_files(row), row["pages"]):
        text = texts.get((name, page))
        if text and not any(c.source == name and c.page == page for c in citations):
            citations.append(Citation(len(citations) + 1, name, page, text))
    if not citations:
        return [], ""
    if row.get("answers_all"):
        parts = [f"{a} [{min(i + 1, len(citations))}]" for i, a in enumerate(row["answers"])]
        return citations, "The answers are " + " and ".join(parts) + "."
    if phrasing == "question":
        return citations, f"{row['question'].strip().rstrip('?')}: {row['answers'][0]} [1]."
    return citations, f"The answer is {row['answers'][0]} [1]."


def _files(row: dict) -> list[str]:
    files = list(row["files"])
    return files * len(row["pages"]) if len(files) == 1 else files


def speed(texts: dict[tuple[str, int], str], rows: list[dict], reps: int = 50) -> dict:
    pages = sorted(texts.items())[:6]  # sorted: a set of pages iterates in a different order each run
    citations = [Citation(i + 1, name, page, text) for i, ((name, page), text) in enumerate(pages)]
    sentences: list[str] = []
    for row in rows:
        if len(" ".join(sentences).split()) >= 300:
            break
        sentences.append(f"The documents state that {row['answers'][0]} [{1 + len(sentences) % len(citations)}].")
        sentences.append(re.sub(r"\s+", " ", pages[len(sentences) % len(pages)][1][200:420]).strip() + ".")
    answer = " ".join(" ".join(sentences).split()[:300])

    def baseline() -> int:
        passages = " ".join(c.text for c in citations)
        found = re.findall(r"\d[\d,.]*\d|\d|[A-Z][a-z]+(?: [A-Z][a-z]+)+", answer)
        return sum(1 for f in found if f in passages)

    def timed(fn) -> tuple[float, float]:
        """Median wall and CPU milliseconds (CPU time is steadier on a shared machine)."""
        fn()  # warm (compiled regexes, caches)
        wall, cpu = [], []
        for _ in range(reps):
            started, started_cpu = time.perf_counter(), time.process_time()
            fn()
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        return statistics.median(wall) * 1000, statistics.median(cpu) * 1000

    check_ms, check_cpu_ms = timed(lambda: check_claims(answer, citations, "What do the documents say?"))
    base_ms, base_cpu_ms = timed(baseline)
    claims = check_claims(answer, citations).claims
    return {"answer_words": len(answer.split()), "passages": len(citations),
            "passage_chars": sum(len(c.text) for c in citations), "claims": len(claims),
            "check_ms": round(check_ms, 3), "check_cpu_ms": round(check_cpu_ms, 3),
            "baseline": "regex_scan_and_substring", "baseline_ms": round(base_ms, 3),
            "baseline_cpu_ms": round(base_cpu_ms, 3), "ratio": round(check_ms / base_ms, 2) if base_ms else None,
            "target_ms": 50, "load_average_1m": _load()}


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--corpus", type=Path, default=_default_corpus())
    parser.add_argument("--questions", type=Path, default=ROOT / "benchmarks" / "data" / "corpus_questions.jsonl")
    parser.add_argument("--reps", type=int, default=50)
    args = parser.parse_args()
    if not args.corpus.is_dir() or not args.questions.exists():
        print(json.dumps({"benchmark": "claim_check", "error": f"needs {args.corpus} and {args.questions}"}))
        return 1
    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("grounded", True) and r.get("answers") and r.get("pages")]
    wanted = {(f, p) for r in rows for f, p in zip(_files(r), r["pages"])}
    texts = load_page_texts(args.corpus, wanted)
    result = {"benchmark": "claim_check", "speed": speed(texts, rows, args.reps), "quality": quality(rows, texts),
              "quality_question_phrasing": quality(rows, texts, phrasing="question")}
    if args.json:
        print(json.dumps(result))
    else:
        s = result["speed"]
        print(f"Check of a {s['answer_words']}-word answer: {s['check_ms']} ms, {s['check_cpu_ms']} ms CPU "
              f"(regex-scan baseline {s['baseline_ms']} ms; load {s['load_average_1m']})")
        for phrasing in ("quality", "quality_question_phrasing"):
            q = result[phrasing]
            print(f"{phrasing}: precision of 'unsupported' {q['precision_unsupported']}, recall on wrong answers "
                  f"{q['recall_wrong']} (perturbed {q['recall_wrong_perturbed']}, borrowed {q['recall_borrowed']}), "
                  f"fully supported answers right {q['fully_supported_are_right']}")
            print(f"  false alarms on right answers {q['false_alarm_rate_right']}, on right answers written another "
                  f"way {q['false_alarm_rate_paraphrased']} of {q['answers_paraphrased']}")
            print(f"  by perturbation: {q['recall_by_perturbation']}")
            for miss in q["false_alarms"]:
                print(f"  false alarm {miss['id']}: {miss['unsupported']} in {miss['answer'][:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
