"""Check GPU offload on this machine: load the bundled model with offload ``auto`` and generate.

    python benchmarks/gpu_check.py [--model PATH] [--max-tokens N]

Prints one JSON object: supports_gpu_offload (this llama.cpp build), n_gpu_layers used
(-1 = all), total_layers, device label, tokens_per_s and ttft_s on that device, whether the
answer mentions Paris, and, for comparison, the same generation on the CPU. On a CPU-only build
supports_gpu_offload is false and n_gpu_layers 0 (the app then runs on the CPU by design).
A GPU build of llama-cpp-python is needed for offload, e.g.
``CMAKE_ARGS="-DGGML_CUDA=on" pip install --no-binary llama-cpp-python llama-cpp-python``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop_app.core.records import Message  # noqa: E402
from desktop_app.llm.base import GenerationRequest  # noqa: E402


def _generate(backend, max_tokens: int) -> dict:
    request = GenerationRequest((Message("user", "What is the capital of France?"),), max_tokens=max_tokens, temperature=0.0)
    text = "".join(backend.stream(request))
    stats = backend.last_stats
    return {"tokens_per_s": round(stats.tokens_per_s, 2), "ttft_s": round(stats.ttft_s, 4),
            "completion_tokens": stats.completion_tokens, "answer_mentions_paris": "Paris" in text}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load the bundled model with GPU offload auto and report.")
    parser.add_argument("--model", help="GGUF file (default: the bundled model)")
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args(argv)

    from desktop_app.llm.bundled import ensure_bundled_model
    from desktop_app.llm.llama_runtime import recent_log, supports_gpu_offload
    from desktop_app.llm.local_backend import LocalLlamaBackend

    model = Path(args.model) if args.model else ensure_bundled_model(Path(os.environ.get("SLM_TEST_CACHE", "/tmp/slm-test-cache")))
    backend = LocalLlamaBackend(model, context_length=2048, gpu_offload="auto")
    result = {
        "supports_gpu_offload": supports_gpu_offload(),
        "n_gpu_layers": backend.n_gpu_layers,
        "total_layers": backend.total_layers,
        "device": backend.device_label,
        "threads": backend.threads,
        "notices": backend.notices,
        **_generate(backend, args.max_tokens),
    }
    backend.close()
    if result["n_gpu_layers"] != 0:
        cpu = LocalLlamaBackend(model, context_length=2048, gpu_offload="cpu")
        result["cpu"] = _generate(cpu, args.max_tokens)
        cpu.close()
    result["llama_log_tail"] = recent_log()[-5:]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
