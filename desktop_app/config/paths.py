"""Every on-disk location the app uses, derived from one home (platformdirs or --home)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "SLM Assistant"
HOME_ENV = "SLM_ASSISTANT_HOME"


def _repo_resources() -> Path:
    # PyInstaller unpacks data next to the executable (sys._MEIPASS); a source or
    # editable install finds resources/ at the repository root.
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


RESOURCES_DIR = _repo_resources()


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource (icons, prompts, policy schema)."""
    return RESOURCES_DIR.joinpath(*parts)


@dataclass(frozen=True)
class AppPaths:
    """All directories and files of one installation; nothing else invents paths.

    With a home directory (``--home DIR`` or ``SLM_ASSISTANT_HOME``) everything lives
    under it, which keeps tests and portable installs self-contained.
    """

    data_dir: Path
    config_dir: Path
    cache_dir: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None, data_dir_override: str | None = None) -> "AppPaths":
        """Build the paths from an explicit home, the environment, or the platform default.

        Args:
            home: explicit home directory (``--home``); wins over the environment.
            data_dir_override: a data directory forced by the machine policy.
        """
        home = home or os.environ.get(HOME_ENV) or None
        if home:
            root = Path(home).expanduser().resolve()
            paths = cls(data_dir=root / "data", config_dir=root / "config", cache_dir=root / "cache")
        else:
            paths = cls(
                data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
                config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
                cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            )
        if data_dir_override:
            paths = cls(data_dir=Path(data_dir_override).expanduser(), config_dir=paths.config_dir, cache_dir=paths.cache_dir)
        return paths

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def conversations_db(self) -> Path:
        return self.data_dir / "conversations.sqlite3"

    @property
    def index_dir(self) -> Path:
        """The document index: Chroma store, keyword index and manifest."""
        return self.data_dir / "index"

    @property
    def index_manifest(self) -> Path:
        """Which files are indexed, by content hash (exists once anything was indexed)."""
        return self.index_dir / "manifest.sqlite3"

    @property
    def audit_log(self) -> Path:
        """Everything ever sent to a cloud model (JSON Lines)."""
        return self.data_dir / "cloud-audit.jsonl"

    @property
    def usage_db(self) -> Path:
        """The usage ledger: counts per answer, never text (services.usage)."""
        return self.data_dir / "usage.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure(self) -> None:
        """Create the directories; raises OSError (mapped to a plain message by callers)."""
        for d in (self.data_dir, self.config_dir, self.cache_dir, self.models_dir, self.logs_dir):
            d.mkdir(parents=True, exist_ok=True)
