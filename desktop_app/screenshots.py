"""Render the main window states to PNG, offscreen: ``python -m desktop_app.screenshots OUT_DIR``.

The window, the Assistant, the conversation store and the settings are the real ones, on a
throw-away home folder. The model is a scripted ``FakeBackend`` (so the pictures are the same
on every machine and need no model load), and the documents panel shows a small scripted
library. The error picture uses the real model loader on a file that is not a model.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

DEMO_MODEL = "Qwen2.5 Coder 0.5B Instruct"  # the name the app shows for the bundled model
# After the quick start on a small machine the larger bundled model answers questions without
# documents (Core.general_backend); the pictures show what such a user sees.
DEMO_GENERAL_MODEL = "Qwen2.5 Coder 1.5B Instruct"
MARKDOWN_ANSWER = """Here is a short plan for the **quarterly report**:

1. Collect the revenue figures per region.
2. Compare them with the *same quarter last year*.
3. Summarise the three largest changes.

A quick way to compute the growth in Python:

```python
def growth(now: float, before: float) -> float:
    return (now - before) / before * 100
```

| Region | Q3 | Growth |
|--------|----|--------|
| North  | 4.2 M | +6 % |
| South  | 3.1 M | +2 % |
"""
CONVERSATIONS = [
    ("Summarise the supplier contract", "The contract runs for **24 months** with a 90-day notice period."),
    ("Draft an email to the design team", "Subject: Review on Thursday\n\nHi all, ..."),
    ("Explain reciprocal rank fusion", "It merges rankings by summing `1 / (k + rank)` for each list."),
    ("Translate the meeting notes to French", "Voici les notes de la réunion : ..."),
    ("What does WAL mode do in SQLite?", "Write-ahead logging lets readers and a writer work at the same time."),
]


class _ScriptedLibrary:
    """A few documents so the documents panel looks like it does in use."""

    def collections(self):
        from desktop_app.rag.records import CollectionInfo

        return [CollectionInfo(name="default", documents=2, pages=148, chunks=612)]

    def documents(self, collection=None):
        from desktop_app.rag.records import DocumentInfo

        now = time.time()
        return [
            DocumentInfo("/home/alex/Documents/Annual report 2025.pdf", "default", 120, 498, now - 3600),
            DocumentInfo("/home/alex/Documents/Supplier contract.pdf", "default", 28, 114, now - 86400),
        ]

    def retriever(self):
        return None

    def close(self) -> None:
        pass


class _ScriptedModels:
    """Model list for the settings picture (no 490 MB bundled model assembly in a temp folder)."""

    def list_models(self):
        from desktop_app.llm.models import ModelInfo

        return [
            ModelInfo(name="Qwen2.5 Coder 0.5B Instruct", path=Path("/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"),
                      size_bytes=491_400_064, context_length=32768, quantization="Q4_K_M", architecture="qwen2",
                      has_chat_template=True, bundled=True, active=True),
            ModelInfo(name="Qwen2.5 Coder 1.5B Instruct", path=Path("/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
                      size_bytes=1_117_320_768, context_length=32768, quantization="Q4_K_M", architecture="qwen2",
                      has_chat_template=True),
            ModelInfo(name="Llama 3.2 3B Instruct", path=Path("/models/llama-3.2-3b-instruct-q4_k_m.gguf"), size_bytes=2_019_377_696,
                      context_length=131072, quantization="Q4_K_M", architecture="llama", has_chat_template=True),
        ]


def _wait(app, condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents()
        time.sleep(0.01)


def _settle(app, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _core(home: Path, delay_s: float = 0.01):
    from desktop_app.app import build_core
    from desktop_app.llm.fake import FakeBackend

    core = build_core(str(home))
    core.settings.ui.theme = "light"
    core.provide(backend=FakeBackend(model_name=DEMO_MODEL, context_length=4096, delay_s=delay_s),
                 general_backend=FakeBackend(model_name=DEMO_GENERAL_MODEL, context_length=4096, delay_s=delay_s),
                 library=_ScriptedLibrary(), models=_ScriptedModels())
    return core


def _window(app, core, size=(1280, 800)):
    from desktop_app.gui.shell.main_window import MainWindow

    window = MainWindow(core)
    window.resize(*size)
    window.show()
    _wait(app, lambda: window.startup_done)
    _wait(app, lambda: window.status.model_label.text() != "" or window.banner.isVisible())
    _settle(app)
    return window


def _save(widget, out: Path, name: str) -> Path:
    path = out / name
    widget.grab().save(str(path))
    print(path)
    return path


def render(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Render every state into ``out_dir``; returns the written files."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from desktop_app.gui.shell.application import create_application
    from desktop_app.gui.shell.theme import apply_theme

    app = create_application(["slm-assistant-screenshots"])
    apply_theme(app, "light")  # README pictures are light whatever the machine's theme
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="slm-shots-") as tmp:
        home = Path(tmp) / "home"

        # 1. Empty start.
        core = _core(home)
        window = _window(app, core)
        written.append(_save(window, out, "01-empty-start.png"))

        # 2. A streamed answer with Markdown, through the real Assistant and window.
        core.loaded_general_backend().enqueue(MARKDOWN_ANSWER)
        window.controller.send("How should I prepare the quarterly report? Include a Python helper and a table.")
        _wait(app, lambda: not window.controller.busy)
        _settle(app)
        written.append(_save(window, out, "02-markdown-answer.png"))

        # 3. The sidebar with several conversations, filtered by a search.
        for question, answer in CONVERSATIONS:
            window.new_chat()
            core.loaded_general_backend().enqueue(answer)
            window.controller.send(question)
            _wait(app, lambda: not window.controller.busy)
        _settle(app)
        written.append(_save(window, out, "03-conversations.png"))
        window.sidebar.search_edit.setText("report")
        _wait(app, lambda: len(window.sidebar.conversation_ids()) == 1)
        window.open_conversation(window.sidebar.conversation_ids()[0])
        window.sidebar.select(window.controller.conversation_id)
        _settle(app)
        written.append(_save(window, out, "04-search.png"))

        # 4. Settings.
        from desktop_app.gui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(core, window.pool, window)
        dialog.show()
        _wait(app, lambda: dialog.model_page.table.rowCount() > 0)
        _settle(app)
        written.append(_save(dialog, out, "05-settings.png"))
        dialog.close()
        window.close()
        core.close()

        # 5. An error: the chosen model file is not a model. The conversation stays intact.
        broken = Path(tmp) / "notes-not-a-model.gguf"
        broken.write_bytes(b"These are meeting notes, not a model.\n" * 20)
        core = _core(home)
        core.provide(backend=None, models=None)  # the real model loader reads the file and explains the problem
        core.settings.llm.model_path = str(broken)
        window = _window(app, core)
        _wait(app, window.banner.isVisible)
        _settle(app)
        written.append(_save(window, out, "06-error-banner.png"))
        window.close()
        core.settings.llm.model_path = ""
        core.close()

        # 6. The same conversation in the dark theme.
        apply_theme(app, "dark")
        core = _core(home)
        core.settings.ui.theme = "dark"
        window = _window(app, core)
        written.append(_save(window, out, "07-dark-theme.png"))
        window.close()
        core.close()
        apply_theme(app, "light")

        # 7. Tools → Usage and savings, on twelve weeks of scripted usage priced as gpt-4o-mini.
        from desktop_app.gui.dialogs.usage import UsageDialog

        core = _core(home)
        core.settings.routing.cloud.model = "gpt-4o-mini"
        core.usage.store().add_many(_demo_usage(time.time()))
        window = _window(app, core)
        dialog = UsageDialog(core, window, pool=window.pool)
        dialog.resize(980, 680)
        dialog.show()
        _wait(app, lambda: dialog.summary is not None)
        _settle(app)
        written.append(_save(dialog, out, "08-usage.png"))
        dialog.close()
        window.close()
        core.close()
    return written


def _demo_usage(now: float, weeks: int = 12):
    """Usage like a team member's: about 30 answers a working day, one in eight to the cloud."""
    import random

    from desktop_app.core.usage_store import UsageRecord

    rng = random.Random(8)
    out = []
    for day in range(weeks * 7):
        at_day = now - day * 86400
        workday = time.localtime(at_day).tm_wday < 5
        for _ in range(rng.randint(20, 40) if workday else rng.randint(0, 4)):
            cloud = rng.random() < 0.12
            out.append(UsageRecord(
                at=at_day - rng.uniform(0, 28800), route="cloud" if cloud else "local",
                model="gpt-4o-mini" if cloud else DEMO_MODEL, prompt_tokens=rng.randint(60, 1600),
                completion_tokens=rng.randint(30, 450), ttft_s=rng.uniform(0.5, 1.4) if cloud else rng.uniform(0.08, 0.4),
                tokens_per_s=rng.uniform(70, 110) if cloud else rng.uniform(25, 55),
                kept="" if cloud else rng.choice(["", "", "", "", "", "declined", "on_device_only"]),
                fell_back=(not cloud) and rng.random() < 0.01,
                redactions={"EMAIL": 1} if cloud and rng.random() < 0.25 else {},
            ))
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m desktop_app.screenshots OUT_DIR", file=sys.stderr)
        return 2
    render(args[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
