"""The local model in its own process (ProcessBackend): answers, Stop, and surviving a crash.

A real child process with the real bundled model; the crash is a real SIGKILL of that process
mid-answer, as an out-of-memory killer or a native fault would end it.
"""

from __future__ import annotations

import os
import signal
import sys

import pytest

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import ModelError
from desktop_app.core.records import Message
from desktop_app.llm.base import GenerationRequest
from desktop_app.llm.process_backend import ModelProcessStopped, ProcessBackend

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

COUNT = (Message("user", "Count from 1 to 200, one number per line."),)


@pytest.fixture(scope="module")
def backend(bundled_model_path):
    b = ProcessBackend(bundled_model_path, context_length=1024, gpu_offload="cpu", threads=1)
    yield b
    b.close()


def test_answers_from_the_child_and_reuses_its_cache_on_a_follow_up(backend):
    assert backend.pid and backend.pid != os.getpid()
    assert "AMX" not in backend.system_info.replace("AMX_INT8 = 0", "")  # the portable runtime answers
    first = (Message("user", "What is the capital of France? Answer in one word."),)
    text = "".join(backend.stream(GenerationRequest(first, max_tokens=8, temperature=0.0)))
    assert "Paris" in text
    stats = backend.last_stats
    assert stats.completion_tokens > 0 and stats.ttft_s > 0 and stats.extra["model_process_peak_mb"] > 50
    follow = first + (Message("assistant", text), Message("user", "And of Italy?"))
    "".join(backend.stream(GenerationRequest(follow, max_tokens=8, temperature=0.0)))
    assert backend.last_stats.reused_prefix_tokens > 10  # the KV cache lives on in the child
    assert backend.count_tokens(first) > 5


def test_stop_ends_the_answer_and_the_next_one_starts_clean(backend):
    cancel = CancelToken()
    pieces = []
    for piece in backend.stream(GenerationRequest(COUNT, max_tokens=300, temperature=0.0), cancel):
        pieces.append(piece)
        if len(pieces) == 3:
            cancel.cancel()
    assert 3 <= len(pieces) < 20
    again = "".join(backend.stream(GenerationRequest((Message("user", "Say OK."),), max_tokens=4, temperature=0.0)))
    assert again.strip()


def test_a_killed_model_process_ends_one_answer_plainly_and_the_next_question_restarts_it(backend):
    pid, restarts = backend.pid, backend.restarts
    pieces = []
    with pytest.raises(ModelProcessStopped) as caught:
        for piece in backend.stream(GenerationRequest(COUNT, max_tokens=300, temperature=0.0)):
            pieces.append(piece)
            if len(pieces) == 2:
                os.kill(pid, signal.SIGKILL)
    assert pieces  # what arrived before the crash was handed out
    assert "stopped unexpectedly" in caught.value.message and "killed" in caught.value.message
    assert "Ask again" in caught.value.hint
    text = "".join(backend.stream(GenerationRequest((Message("user", "What is 2 + 2?"),), max_tokens=8, temperature=0.0)))
    assert "4" in text
    assert backend.restarts == restarts + 1 and backend.pid != pid


def test_a_damaged_model_file_is_a_plain_model_error(tmp_path, bundled_model_path):
    cut = tmp_path / "cut.gguf"
    with open(bundled_model_path, "rb") as src:
        cut.write_bytes(src.read(4 * 1024 * 1024))
    with pytest.raises(ModelError) as caught:
        ProcessBackend(cut, context_length=256, gpu_offload="cpu", threads=1)
    assert "Traceback" not in str(caught.value)


def _model_children(parent_pid: int) -> list[int]:
    """PIDs of the spawned children of ``parent_pid`` that run the model (not the resource tracker)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent_pid and b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the model process through /proc")
def test_cli_exits_with_one_plain_line_and_keeps_the_conversation_when_the_model_dies(bundled_model_path, tmp_path):
    import json
    import subprocess
    import time

    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(json.dumps(
        {"llm": {"model_path": str(bundled_model_path), "max_tokens": 400, "context_length": 1024, "threads": 1}}))
    proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "--home", str(home), "ask", COUNT[0].content],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout.read(6)  # the answer is streaming
        children = []
        deadline = time.monotonic() + 30
        while not children and time.monotonic() < deadline:
            children = _model_children(proc.pid)
        assert children, "no model process found"
        os.kill(children[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("SLM Assistant: "), err
    assert "stopped unexpectedly" in lines[0] and "Traceback" not in err
    listing = subprocess.run([sys.executable, "-m", "desktop_app", "--home", str(home), "conversations", "export", "1",
                              "--format", "json"], capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    saved = json.loads(listing.stdout)
    messages = saved["messages"] if isinstance(saved, dict) else saved
    assert messages[-1]["role"] == "assistant" and messages[-1]["content"].strip()  # the partial answer is kept
    assert messages[-1]["status"] == "error"
