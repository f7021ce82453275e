"""The local API under load: rounds of 50 concurrent streaming chats against `slm-assistant serve`.

Starts `serve` (real bundled model, its own temporary home) on a free 127.0.0.1 port, then:
- baseline: one streaming request alone (single_request_s);
- --rounds rounds of --clients concurrent streaming requests (max_tokens --max-tokens): each must
  be answered (200, ends with [DONE]) or refused with 429 + Retry-After; anything else is counted
  in ``other`` (a crash shows there, or as connection errors);
- rss_mb after each round: the server and its children (the model process), from /proc; a flat
  line (rss_growth_ratio, last round over the first) means nothing is kept per request;
- finally Ctrl+C (SIGINT): the exit code and how long it took to stop.

    .venv/bin/python benchmarks/api_load.py [--clients 50] [--rounds 3] [--max-tokens 8]

Prints one JSON object; ``ok`` is true when every request was answered or refused, none failed,
the server stopped with exit 0 and memory grew less than 10% from the first round to the last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("SLM_TEST_CACHE", "/tmp/slm-test-cache"))
TOKEN = "benchmark-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    family, frontier = {pid}, [pid]
    while frontier:
        kids = [p for p, parent in parents.items() if parent in frontier and p not in family]
        family.update(kids)
        frontier = kids
    total_kb = 0
    for p in family:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
    return round(total_kb / 1024, 1)


async def one(http: httpx.AsyncClient, url: str, model: str, max_tokens: int) -> str:
    body = {"model": model, "stream": True, "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": "Name three fruits."}]}
    try:
        async with http.stream("POST", f"{url}/chat/completions", headers=HEADERS, json=body) as response:
            text = "".join([line async for line in response.aiter_lines()])
            if response.status_code == 200 and text.endswith("data: [DONE]") and '"error"' not in text:
                return "answered"
            if response.status_code == 429 and response.headers.get("retry-after"):
                return "refused"
            return f"other:{response.status_code}"
    except httpx.HTTPError as exc:
        return f"other:{exc.__class__.__name__}"


async def round_of(url: str, model: str, clients: int, max_tokens: int) -> list[str]:
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(timeout=600, limits=limits) as http:
        return await asyncio.gather(*(one(http, url, model, max_tokens) for _ in range(clients)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from desktop_app.llm.bundled import ensure_bundled_model

    model_path = ensure_bundled_model(CACHE)
    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        home = Path(tmp) / "home"
        (home / "config").mkdir(parents=True)
        (home / "config" / "settings.json").write_text(json.dumps({"llm": {
            "model_path": str(model_path), "max_tokens": args.max_tokens, "context_length": 2048,
            "temperature": 0.0, "threads": args.threads}}))
        port = free_port()
        url = f"http://127.0.0.1:{port}/v1"
        env = {**os.environ, "SLM_ASSISTANT_API_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1",
               "SLM_ASSISTANT_POLICY_FILE": str(Path(tmp) / "no-policy.json")}
        env.pop("SLM_ASSISTANT_HOME", None)
        err = open(Path(tmp) / "serve.err", "w")
        proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "--home", str(home), "serve", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("serve did not start: " + (Path(tmp) / "serve.err").read_text())
                try:
                    models = httpx.get(f"{url}/models", headers=HEADERS, timeout=2)
                    if models.status_code == 200:
                        model = models.json()["data"][0]["id"]
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.25)

            t = time.perf_counter()
            single = asyncio.run(round_of(url, model, 1, args.max_tokens))
            single_s = time.perf_counter() - t
            rounds, rss, round_s = [], [], []
            for _ in range(args.rounds):
                t = time.perf_counter()
                rounds.append(asyncio.run(round_of(url, model, args.clients, args.max_tokens)))
                round_s.append(round(time.perf_counter() - t, 2))
                rss.append(tree_rss_mb(proc.pid))
        finally:
            t = time.perf_counter()
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = None
            stop_s = time.perf_counter() - t
            err.close()

    outcomes = [o for r in rounds for o in r]
    other = sorted({o for o in outcomes if o.startswith("other")})
    growth = rss[-1] / rss[0] if rss and rss[0] else None
    result = {
        "clients": args.clients, "rounds": args.rounds, "max_tokens": args.max_tokens,
        "requests": len(outcomes), "answered": outcomes.count("answered"), "refused_429": outcomes.count("refused"),
        "other": len(outcomes) - outcomes.count("answered") - outcomes.count("refused"), "other_kinds": other,
        "single_request_s": round(single_s, 2), "baseline_ok": single == ["answered"], "round_s": round_s,
        "rss_mb_after_round": rss, "rss_growth_ratio": round(growth, 3) if growth else None,
        "stop_exit_code": code, "stop_s": round(stop_s, 2),
    }
    result["ok"] = (result["other"] == 0 and result["baseline_ok"] and code == 0
                    and growth is not None and growth < 1.10)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
