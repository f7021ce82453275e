"""The llama.cpp CPU variant the app picks for this processor, against the AVX2 baseline, same run.

scripts/install-llama-runtime.sh builds llama.cpp's CPU code once per CPU generation and the app
loads the best one this processor runs (llm/llama_runtime.py). Before, every machine ran one
AVX2 build. Here the baseline is that AVX2 code (the ``haswell`` variant, pinned with
SLM_LLAMA_CPU_VARIANT) and "new" is the app's own pick; each side runs in a fresh process (a
process holds one CPU backend), alternating, so a noisy machine slows both alike:
  - prompt: time to read a grounded prompt of about 470 tokens (five sources, as the app sends them)
    with the bundled model's Q8_0 copy and the app's settings (n_ctx 4096, fused attention);
  - generation: tokens/s over 64 greedy tokens after it, and whether both wrote the same tokens.
Prints JSON; ratios are baseline time / new time (> 1: the app's pick is faster).

    python benchmarks/cpu_dispatch.py [--reps 3] [--threads 2] [--baseline haswell]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def child(threads: int, gen_tokens: int, evals: int) -> dict:
    """One side, in this process: the variant loaded, prompt seconds, tokens/s, the tokens."""
    from fast_weights import CACHE, measure, prompt_text

    from desktop_app.llm.bundled import DEFAULT_MODEL, ensure_bundled_model
    from desktop_app.llm.fast_weights import ensure_fast_copy
    from desktop_app.llm.llama_runtime import llama_cpp_module

    llama_cpp = llama_cpp_module()
    model = ensure_fast_copy(ensure_bundled_model(CACHE), DEFAULT_MODEL.sha256)
    llm = llama_cpp.Llama(model_path=str(model), n_ctx=4096, n_batch=512, n_threads=threads,
                          n_threads_batch=threads, flash_attn=True, verbose=False)
    tokens = llm.tokenize(prompt_text().encode())
    runs = [measure(llm, tokens, gen_tokens) for _ in range(evals)]
    llm.reset()
    written = []
    for token in llm.generate(tokens, temp=0.0, reset=True):
        written.append(int(token))
        if len(written) >= gen_tokens:
            break
    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    return {"features": " ".join(re.findall(r"(\w+) = 1", info)),
            "prompt_tokens": len(tokens), "prompt_s": min(r[0] for r in runs),
            "tokens_per_s": max(r[1] for r in runs), "tokens": written}


def run_side(variant: str | None, args) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    env.pop("SLM_LLAMA_CPU_VARIANT", None)
    if variant:
        env["SLM_LLAMA_CPU_VARIANT"] = variant
    cmd = [sys.executable, __file__, "--child", "--threads", str(args.threads), "--gen-tokens", str(args.gen_tokens)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="processes per side, alternating")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gen-tokens", type=int, default=64)
    ap.add_argument("--baseline", default="haswell", help="the CPU variant to compare with (the AVX2 build of before)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.threads, args.gen_tokens, evals=2)))
        return 0
    sides: dict[str, list[dict]] = {"baseline": [], "new": []}
    started = time.perf_counter()
    for _ in range(args.reps):
        sides["baseline"].append(run_side(args.baseline, args))
        sides["new"].append(run_side(None, args))
    out: dict = {"benchmark": "cpu_dispatch", "threads": args.threads, "reps": args.reps,
                 "load_average": round(os.getloadavg()[0], 2), "wall_s": round(time.perf_counter() - started, 1)}
    for name, runs in sides.items():
        out[name] = {"variant_features": runs[0]["features"], "prompt_tokens": runs[0]["prompt_tokens"],
                     "prompt_s_median": round(statistics.median(r["prompt_s"] for r in runs), 3),
                     "tokens_per_s_median": round(statistics.median(r["tokens_per_s"] for r in runs), 1)}
    out["prompt_speedup"] = round(out["baseline"]["prompt_s_median"] / out["new"]["prompt_s_median"], 2)
    out["generation_ratio"] = round(out["new"]["tokens_per_s_median"] / out["baseline"]["tokens_per_s_median"], 2)
    out["same_greedy_tokens"] = sides["baseline"][0]["tokens"] == sides["new"][0]["tokens"]
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
