"""`slm-assistant ask --file PATH`: the file is asked about privately, for one question or for a
conversation, and never joins the user's collections. The real dispatcher and Core, the real
Library (manifest, keyword store on disk) with the fake embedder, a FakeBackend as the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.services.conversation_files import FILES_FOLDER, conversation_collection
from tests.unit.cli_fakes import fake_core, run_cli  # noqa: F401 (fixture)


@pytest.fixture
def cli_core(fake_core, monkeypatch):
    """``fake_core`` whose Library uses the fake embedder and an in-memory vector store."""
    import desktop_app.app as app

    from desktop_app.rag.embedder import FakeEmbedder
    from desktop_app.rag.fake import InMemoryVectorStore
    from desktop_app.services.library import Library

    vectors = InMemoryVectorStore()  # one for the test: the CLI builds a Core per command
    built = app.build_core

    def build(home=None):
        core = built(home)
        core.provide(library=Library(core.paths, core.settings, core.policy, embedder=FakeEmbedder(),
                                     vector_store=vectors))
        return core

    monkeypatch.setattr(app, "build_core", build)
    return fake_core


@pytest.fixture
def handbook(tmp_path) -> Path:
    path = tmp_path / "handbook.md"
    path.write_text("The archive room access code is ZEBRA-4471. Visitors sign in at the front desk.", encoding="utf-8")
    return path


def test_ask_file_grounds_one_question_then_leaves_nothing(cli_core, capsys, handbook):
    cli_core.backend_fake.enqueue("The code is ZEBRA-4471 [1].")
    code, out, err = run_cli(capsys, "ask", "--json", "--file", str(handbook), "What is the archive room access code?")
    assert code == 0, err
    data = json.loads(out)
    assert [s["source"] for s in data["sources"]] == [str(handbook)]  # the user's file, not the app's copy
    assert "ZEBRA-4471" in cli_core.backend_fake.history[-1].messages[-1].content  # the passage was in the prompt
    library = cli_core.core.library
    assert library.collections() == [] and library.documents() == []
    assert not any((cli_core.core.paths.index_dir / FILES_FOLDER).glob("*/*"))
    code, out, _ = run_cli(capsys, "docs", "list")
    assert code == 0 and "handbook" not in out and "private" not in out


def test_ask_file_in_a_conversation_is_kept_until_the_conversation_is_deleted(cli_core, capsys, handbook):
    cli_core.backend_fake.enqueue("Hello.", "The code is ZEBRA-4471 [1].", "It is ZEBRA-4471 [1].")
    _, out, _ = run_cli(capsys, "ask", "--json", "hello")
    cid = json.loads(out)["conversation_id"]
    code, out, err = run_cli(capsys, "ask", "--json", "--conversation", str(cid), "--file", str(handbook),
                             "What is the archive room access code?")
    assert code == 0, err
    assert [Path(s["source"]).name for s in json.loads(out)["sources"]] == ["handbook.md"]
    # The next question in that conversation still uses it, without --file.
    code, out, err = run_cli(capsys, "ask", "--json", "--conversation", str(cid), "And the access code again?")
    assert code == 0, err
    assert [Path(s["source"]).name for s in json.loads(out)["sources"]] == ["handbook.md"]
    name = conversation_collection(cid)
    assert [Path(d.path).name for d in cli_core.core.library.documents(name)] == ["handbook.md"]
    code, out, _ = run_cli(capsys, "docs", "list")  # kept, and still in no list
    assert code == 0 and "handbook" not in out and "private" not in out
    code, _, err = run_cli(capsys, "conversations", "delete", str(cid))
    assert code == 0, err
    assert cli_core.core.library.documents(name) == []


def test_ask_file_sources_name_the_file_the_user_gave(cli_core, capsys, handbook, monkeypatch):
    cli_core.backend_fake.enqueue("The code is ZEBRA-4471 [1].")
    monkeypatch.chdir(handbook.parent)  # named as users do, relative to where they are
    code, out, err = run_cli(capsys, "ask", "--file", "handbook.md", "What is the archive room access code?")
    assert code == 0, err
    sources = out.split("Sources:")[1].strip().splitlines()
    assert sources == [f"[1] handbook.md, page 1  ({handbook})"], out
    assert FILES_FOLDER not in out + err


def test_ask_file_of_an_unread_type_is_one_plain_line(cli_core, capsys, tmp_path):
    path = tmp_path / "data.xyz"
    path.write_text("x")
    code, out, err = run_cli(capsys, "ask", "--file", str(path), "what is in it?")
    assert code != 0 and out == ""
    assert "data.xyz cannot be read" in err and "Traceback" not in err
