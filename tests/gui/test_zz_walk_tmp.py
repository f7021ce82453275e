"""Temporary: a real window walk on this machine (deleted after)."""
import shutil, time
from pathlib import Path
from desktop_app.llm.process_backend import ProcessBackend
from tests.gui.gui_fixtures import window_with_real_library
from tests.gui.documents.test_documents_with_chat import drop_on, send, last_answer

CORPUS = Path("/work/shared/corpus")

def test_walk(qtbot, isolated_home, bundled_model_path, tmp_path):
    backend = ProcessBackend(bundled_model_path, context_length=4096, gpu_offload="cpu", threads=2)
    gen = window_with_real_library(qtbot, isolated_home, backend)
    window = next(gen)
    window.resize(1300, 900)
    files = []
    for rel in ["ntsb-aviation-incident-accident-reports/20071229X02007.pdf",
                "ntsb-aviation-incident-accident-reports/20071231X02009.pdf"]:
        dst = tmp_path / Path(rel).name
        shutil.copy(CORPUS / rel, dst)
        files.append(str(dst))
    panel = window.documents_panel
    with qtbot.waitSignal(panel.indexFinished, timeout=600000):
        drop_on(window, files)
    for q in ["What was the registration number of the Piper PA-22-150 that crashed at a private airstrip near Tallahassee, Florida on December 8, 2007?",
              "How many hours of total flight experience did the 85-year-old pilot in the Tallahassee, Florida Piper PA-22-150 accident have?",
              "What is the capital of France?"]:
        t0 = time.monotonic()
        send(qtbot, window, q)
        qtbot.waitUntil(lambda: last_answer(window) is not None and not window.controller.busy, timeout=300000)
        m = last_answer(window)
        print("\nQ:", q, "\nA:", m.text(), "\n  cites:", [(c.number, Path(c.source).name, c.page) for c in m.citations()], f"{time.monotonic()-t0:.1f}s")
        qtbot.wait(500)
    window.grab().save("/tmp/walk.png")
    try:
        next(gen)
    except StopIteration:
        pass
    backend.close()
