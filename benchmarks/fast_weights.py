"""The bundled model's Q8_0 copy (llm/fast_weights.py) against the shipped Q4_K_M file, same run.

Both files are loaded with the app's settings (``n_ctx`` 4096, ``--threads``) and measured in
alternation, so a noisy machine slows both alike:
  - prompt: time to read a grounded prompt of ~600 tokens (five sources cut to their sentences,
    as the app sends them), i.e. the time to first token of a document answer;
  - generation: tokens/s over 64 greedy tokens after it.
Ratios are new/baseline (prompt: baseline time / new time, so > 1 means faster). Prints JSON.
``--compare flash``: the Q8_0 copy with llama.cpp's fused attention off (the baseline) and on
(``llm.flash_attention``, the app's default), measured the same way.

    python benchmarks/fast_weights.py [--reps 5] [--threads 2] [--compare weights|flash] [--model default|large]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = Path(os.environ.get("SLM_TEST_CACHE", "/tmp/slm-test-cache"))

PASSAGE = ("[{n}] report-{n}.pdf, page {p}:\n\"The airplane's right main landing gear collapsed during the landing roll "
           "after the pilot reported a gusting crosswind of 15 knots. The National Transportation Safety Board "
           "determines the probable cause to be the pilot's failure to maintain directional control, which "
           "resulted in a ground loop. Contributing was the gusting crosswind. Total flight time 1,240 hours.\"")


def prompt_text() -> str:
    sources = "\n\n".join(PASSAGE.format(n=i, p=3 * i) for i in range(1, 6))
    return ("Answer the question using only the sources below, in one or two sentences. Copy names and figures "
            f"exactly.\n\nSources:\n{sources}\n\nQuestion: What did the Board find as the probable cause?")


def measure(llm, tokens: list[int], gen_tokens: int) -> tuple[float, float]:
    llm.reset()
    start = time.perf_counter()
    llm.eval(tokens)
    prompt_s = time.perf_counter() - start
    start, n = time.perf_counter(), 0
    # generate() with its default reset finds the whole prompt in the cache and samples at once;
    # reset=False (used until stop 27) read the prompt a second time inside this timing, so the
    # "generation" figures before then were mostly a second prompt read.
    for _ in llm.generate(tokens, temp=0.0):
        n += 1
        if n >= gen_tokens:
            break
    return prompt_s, n / (time.perf_counter() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gen-tokens", type=int, default=64)
    ap.add_argument("--compare", choices=("weights", "flash"), default="weights")
    ap.add_argument("--model", choices=("default", "large"), default="default",
                    help="the bundled 0.5B (default) or the larger 1.5B (with the large-model extra)")
    args = ap.parse_args()
    from desktop_app.llm.llama_runtime import llama_cpp_module

    llama_cpp = llama_cpp_module()  # with the CPU backend for this processor registered

    from desktop_app.llm.bundled import DEFAULT_MODEL, QWEN_CODER_1_5B, BundledSource, ensure_bundled_model
    from desktop_app.llm.fast_weights import ensure_fast_copy

    model = DEFAULT_MODEL if args.model == "default" else QWEN_CODER_1_5B
    shipped = ensure_bundled_model(CACHE, BundledSource.default(model))
    started = time.perf_counter()
    fast = ensure_fast_copy(shipped, model.sha256)
    made_s = time.perf_counter() - started
    if fast is None:
        print(json.dumps({"error": "the Q8_0 copy could not be made"}))
        return 1
    runs = ((("baseline_q4_k_m", shipped, False), ("new_q8_0", fast, False)) if args.compare == "weights"
            else (("baseline_no_flash", fast, False), ("new_flash", fast, True)))
    models = {name: llama_cpp.Llama(model_path=str(path), n_ctx=4096, n_batch=512, n_threads=args.threads,
                                    n_threads_batch=args.threads, flash_attn=flash, verbose=False)
              for name, path, flash in runs}
    baseline, new = (name for name, _, _ in runs)
    tokens = models[baseline].tokenize(prompt_text().encode())
    results: dict[str, dict[str, list[float]]] = {name: {"prompt_s": [], "tokens_per_s": []} for name in models}
    for _ in range(args.reps):
        for name, llm in models.items():
            prompt_s, tps = measure(llm, tokens, args.gen_tokens)
            results[name]["prompt_s"].append(prompt_s)
            results[name]["tokens_per_s"].append(tps)
    out = {"benchmark": "fast_weights", "model": model.name, "prompt_tokens": len(tokens), "threads": args.threads, "reps": args.reps,
           "copy_made_or_checked_s": round(made_s, 2), "load_average": os.getloadavg()[0],
           "compare": args.compare,
           "size_mb": {name: round(path.stat().st_size / 2**20) for name, path, _ in runs}}
    for name, r in results.items():
        out[name] = {"prompt_s_median": round(statistics.median(r["prompt_s"]), 3),
                     "tokens_per_s_median": round(statistics.median(r["tokens_per_s"]), 1)}
    out["prompt_speedup"] = round(out[baseline]["prompt_s_median"] / out[new]["prompt_s_median"], 2)
    out["generation_ratio"] = round(out[new]["tokens_per_s_median"] / out[baseline]["tokens_per_s_median"], 2)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
