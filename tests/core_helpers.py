"""Test helpers of the core area: a truly read-only folder, even for root."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Make ``paths`` immutable (``chattr +i``) for the block: no one, not even root, may write there.

    Tests run as root, which ignores permission bits, so ``chmod`` cannot make a read-only folder;
    the immutable attribute can. Skips the test where chattr is missing or not allowed.
    """
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    done: list[Path] = []
    try:
        for p in paths:
            proc = subprocess.run(["chattr", "+i", str(p)], capture_output=True, text=True)
            if proc.returncode != 0:
                pytest.skip(f"cannot make {p} immutable here: {proc.stderr.strip()}")
            done.append(p)
        yield
    finally:
        for p in reversed(done):  # always undo, or the temp folder could never be deleted
            subprocess.run(["chattr", "-i", str(p)], capture_output=True)
