"""A baseline's modules read from a git revision, for benchmarks that compare today's code with it.

``claim_check_answers.py`` runs the claim check as it was at a revision, ``table_rows.py`` the
table reader: each needs a set of ``desktop_app/rag`` modules of that revision (those whose names
start with a prefix), importing one another from the same revision while the rest of the app is
today's. Nothing is checked out: the files come from ``git show`` into a temporary package.
"""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_at(revision: str, prefix: str, entry: str, package: str):
    """The module ``desktop_app/rag/<entry>.py`` as it was at ``revision``, with every
    ``desktop_app/rag/<prefix>*.py`` of that revision loaded beside it as ``<package>.<name>``."""
    folder = Path(tempfile.mkdtemp(prefix=f"slm-{package}-"))
    (folder / package).mkdir()
    (folder / package / "__init__.py").write_text("")
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", revision, "desktop_app/rag/"],
                            check=True, capture_output=True, text=True).stdout.split()
    names = [Path(p).stem for p in listed if Path(p).name.startswith(prefix) and p.endswith(".py")]
    for name in names:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:desktop_app/rag/{name}.py"],
                                check=True, capture_output=True, text=True).stdout
        for other in names:
            source = source.replace(f"desktop_app.rag.{other}", f"{package}.{other}")
        (folder / package / f"{name}.py").write_text(source)
    sys.path.insert(0, str(folder))
    importlib.import_module(package)
    spec = importlib.util.spec_from_file_location(f"{package}.{entry}", folder / package / f"{entry}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"{package}.{entry}"] = module
    spec.loader.exec_module(module)
    return module
