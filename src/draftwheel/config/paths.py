"""Where Draftwheel keeps its files.

One data folder holds everything (settings, models, the store, adapters,
autosaves). It is the platform's user data dir unless ``DRAFTWHEEL_HOME`` (or
the CLI's ``--home``, which sets it) points elsewhere, so tests and users can
keep separate profiles. The folder is created readable by the user only.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from draftwheel.errors import DraftwheelError

ENV_HOME = "DRAFTWHEEL_HOME"


class DataFolderError(DraftwheelError):
    """The data folder cannot be created or written (a read-only disk, no permission)."""


def data_home() -> Path:
    override = os.environ.get(ENV_HOME)
    if override:
        return Path(override).expanduser().resolve()
    return Path(platformdirs.user_data_dir("draftwheel", appauthor=False))


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700 and tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode != 0o700:
            path.chmod(0o700)
    return path


@dataclass(frozen=True)
class AppPaths:
    home: Path

    @property
    def settings_file(self) -> Path:
        return self.home / "settings.json"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def catalogue_file(self) -> Path:
        return self.home / "models" / "catalogue.json"

    @property
    def database(self) -> Path:
        return self.home / "draftwheel.db"

    @property
    def adapters_dir(self) -> Path:
        return self.home / "adapters"

    @property
    def weights_cache(self) -> Path:
        """Trainable (dequantized safetensors) copies of GGUF models."""
        return self.home / "weights"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def autosave_dir(self) -> Path:
        return self.home / "autosave"

    @property
    def rules_file(self) -> Path:
        """The live checker's personal dictionary and ignored problems."""
        return self.home / "rules.json"

    def ensure(self) -> AppPaths:
        """Create the folders; a data folder that cannot be written is one DataFolderError up
        front (what and why, and what to do), not a failure half-way through a command."""
        try:
            private_dir(self.home)
            for sub in (self.models_dir, self.adapters_dir, self.runs_dir, self.autosave_dir):
                private_dir(sub)
            # access() sees a read-only mount even for root, and a folder not ours to write.
            if not os.access(self.home, os.W_OK | os.X_OK):
                raise PermissionError(13, "Permission denied", str(self.home))
        except OSError as exc:
            where = exc.filename if exc.filename and Path(exc.filename) != self.home else None
            reason = exc.strerror or str(exc)
            raise DataFolderError(
                f"The data folder {self.home} cannot be written ({reason}{f': {where}' if where else ''}).",
                "Make it writable, or choose another folder with --home DIR or DRAFTWHEEL_HOME.",
            ) from exc
        return self


def app_paths(home: Path | None = None) -> AppPaths:
    return AppPaths(Path(home) if home else data_home()).ensure()


def resources_dir() -> Path:
    """``draftwheel/resources/`` inside the package: icons, desktop entry, AppStream metadata and
    prompt presets. The same path in a checkout, an installed wheel and the PyInstaller bundle
    (its spec copies the folder to ``draftwheel/resources``), so nothing looks outside the package."""
    return Path(__file__).resolve().parents[1] / "resources"
