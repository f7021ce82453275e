"""`slm-assistant summarize / compare / extract` through the real dispatcher, with a fake model."""

from __future__ import annotations

import json

from tests.unit.cli_fakes import fake_core, run_cli  # noqa: F401 (fixture)
from tests.unit.task_fakes import NotingBackend

MINUTES = ("The committee approved a budget of 5,000 dollars for new chairs. It met on Tuesday.\n\n"
           "Applications are due by 30 June 2025 at noon. Late forms are refused.\n")


def test_summarize_prints_points_with_pages_and_sources_and_adds_nothing_to_the_index(fake_core, capsys, tmp_path):
    fake_core.use_backend(NotingBackend())
    path = tmp_path / "minutes.txt"
    path.write_text(MINUTES, encoding="utf-8")
    code, out, err = run_cli(capsys, "summarize", str(path))
    assert code == 0
    assert out.startswith("Summary of minutes.txt:\n- The committee approved a budget of 5,000 dollars for new chairs (p. 1).")
    assert f"[1] minutes.txt, page 1  ({path})" in out
    assert "nothing was added to the index" in err and "[1/1] Reading minutes.txt, part 1 of 1" in err
    code, out, _ = run_cli(capsys, "docs", "list")
    assert str(path) not in out


def test_summarize_json_and_extract_and_compare(fake_core, capsys, tmp_path):
    backend = NotingBackend()
    fake_core.use_backend(backend)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(MINUTES, encoding="utf-8")
    b.write_text("The committee approved a budget of 7,500 dollars for new desks.\n", encoding="utf-8")

    code, out, _ = run_cli(capsys, "summarize", "--json", str(a))
    data = json.loads(out)
    assert code == 0 and data["kind"] == "summary" and data["points"][0]["pages"] == [1]
    assert data["sources"][0]["page"] == 1 and data["model_calls"] == 1

    backend.enqueue("- Applications are due by 30 June 2025 at noon (p. 1)")
    code, out, _ = run_cli(capsys, "extract", str(a), "--what", "deadlines")
    assert code == 0 and out.startswith("Deadlines in a.txt:\n- Applications are due by 30 June 2025 at noon (p. 1).")

    code, out, _ = run_cli(capsys, "compare", str(a), str(b))
    assert code == 0 and "(A p. 1)" in out and "(B p. 1)" in out and "Key points of B (b.txt)" in out


def test_a_missing_file_or_bad_choice_is_one_plain_line(fake_core, capsys, tmp_path):
    code, out, err = run_cli(capsys, "summarize", str(tmp_path / "nowhere.pdf"))
    assert code == 1 and out == "" and "is not a file" in err and "Traceback" not in err
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    code, _, err = run_cli(capsys, "summarize", str(empty))
    assert code == 1 and "Traceback" not in err and err.strip()
