"""No module of the app passes 400 lines (house rule 10): split one by role before it does."""

from __future__ import annotations

from pathlib import Path

import desktop_app

LIMIT = 400
ROOT = Path(desktop_app.__file__).parent


def oversized(root: Path, limit: int = LIMIT) -> list[str]:
    """``path: lines`` for each Python module under ``root`` longer than ``limit`` lines."""
    out = []
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            out.append(f"{path.relative_to(root.parent)}: {lines}")
    return out


def test_no_app_module_passes_400_lines():
    assert oversized(ROOT) == []


def test_the_check_sees_a_long_module(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "short.py").write_text("x = 1\n" * LIMIT)
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * (LIMIT + 1))
    assert oversized(tmp_path / "pkg") == [f"pkg/long.py: {LIMIT + 1}"]
