"""Opening, saving, recent files and autosave for the editor (plain Python, no Qt).

Every failure a user can cause becomes a :class:`DraftwheelError` that says
what happened and what to do; the window shows it in a dialog and keeps the
text. Saves are atomic, so a crash mid-save never leaves half a file.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from draftwheel.config.atomic import atomic_write_text, pid_alive, sweep_stale_temps
from draftwheel.errors import DraftwheelError, InputError

# Larger files open slowly in a plain-text editor and are not drafts; 5 MiB is
# about 800k words.
MAX_BYTES = 5 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".rst")
FILE_FILTER = "Text and Markdown (*.txt *.md *.markdown *.text *.rst);;All files (*)"
MAX_RECENT = 10


def read_document(path: str | Path) -> str:
    path = Path(path).expanduser()
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError(f"{path} is a folder, not a file.", "Choose a text or Markdown file.")
        if size > MAX_BYTES:
            raise InputError(
                f"{path.name} is {size / 1024 / 1024:.1f} MB, more than the {MAX_BYTES // 1024 // 1024} MB "
                "a draft can be here.",
                "Split it into smaller files, or open only the part you want to revise.",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} no longer exists.",
                         "It may have been moved, renamed or deleted; choose it again with Open.") from None
    except PermissionError:
        raise InputError(f"You do not have permission to read {path}.",
                         "Check the file's permissions, or copy it somewhere you can read it.") from None
    except OSError as exc:
        raise InputError(f"{path} could not be read: {exc.strerror or exc}.") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{path.name} looks like a binary file, not text (it contains NUL bytes).",
                         "Open a plain-text (.txt) or Markdown (.md) file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}).",
            "Save it as UTF-8 in another editor, then open it again.",
        ) from None
    # Qt's editor works in "\n"; remember nothing else about line endings.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_document(path: str | Path, text: str) -> None:
    path = Path(path).expanduser()
    if path.is_dir():
        raise DraftwheelError(f"{path} is a folder.", "Choose a file name to save to.")
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        atomic_write_text(path, text, mode=mode)
    except PermissionError:
        raise DraftwheelError(
            f"Could not save to {path}: you do not have permission to write there.",
            "Your text is still open and autosaved; use Save As to save it somewhere else.",
        ) from None
    except OSError as exc:
        raise DraftwheelError(
            f"Could not save to {path}: {exc.strerror or exc}.",
            "Your text is still open and autosaved; use Save As to save it somewhere else.",
        ) from None


class RecentFiles:
    """Most recently opened or saved files, newest first, in ``recent.json``."""

    def __init__(self, file: Path):
        self.file = Path(file)

    def list(self) -> list[str]:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [p for p in raw if isinstance(p, str)][:MAX_RECENT] if isinstance(raw, list) else []

    def add(self, path: str | Path) -> list[str]:
        path = str(Path(path).expanduser().resolve())
        items = [path] + [p for p in self.list() if p != path]
        self._write(items[:MAX_RECENT])
        return items[:MAX_RECENT]

    def remove(self, path: str) -> None:
        self._write([p for p in self.list() if p != path])

    def _write(self, items: list[str]) -> None:
        try:
            atomic_write_text(self.file, json.dumps(items, indent=1) + "\n")
        except OSError:
            pass  # a recent-files list is a convenience; never fail an open or save over it


@dataclass
class AutosaveRecord:
    file: Path  # the autosave file itself
    path: str | None  # the document's own file, None for an untitled one
    text: str
    saved_at: float  # unix seconds
    pid: int

    @property
    def title(self) -> str:
        return Path(self.path).name if self.path else "Untitled"


# Autosave ids of windows alive in this process (a test may open several windows in one process).
_LIVE: set[str] = set()


def release_autosave(autosave_id: str) -> None:
    """Forget that a window owns ``autosave_id`` (it was closed or destroyed); its file stays."""
    _LIVE.discard(autosave_id)


class Autosave:
    """Unsaved work of one window, written to ``autosave_dir/<id>.json``.

    The file is removed when the document is saved or deliberately discarded,
    so any file left behind by a process that is no longer running is work a
    crash would have lost: :meth:`orphans` finds it for the next start.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.id = f"{int(time.time())}-{uuid.uuid4().hex[:8]}"
        _LIVE.add(self.id)
        sweep_stale_temps(self.folder)  # half-written copies from a crashed autosave

    @property
    def file(self) -> Path:
        return self.folder / f"{self.id}.json"

    def save(self, path: str | None, text: str) -> None:
        record = {"path": path, "text": text, "saved_at": time.time(), "pid": os.getpid()}
        atomic_write_text(self.file, json.dumps(record, ensure_ascii=False))

    def clear(self) -> None:
        try:
            self.file.unlink()
        except FileNotFoundError:
            pass

    def adopt(self, record: AutosaveRecord) -> None:
        """Continue autosaving into a restored record's file (so it is cleared with this window)."""
        self.clear()
        _LIVE.discard(self.id)
        self.id = record.file.stem
        _LIVE.add(self.id)

    def orphans(self) -> list[AutosaveRecord]:
        """Autosaves left by windows that are no longer running, newest first."""
        out = []
        for file in self.folder.glob("*.json"):
            if file.stem in _LIVE:
                continue  # a window of this process still owns it
            try:
                raw = json.loads(file.read_text(encoding="utf-8"))
                record = AutosaveRecord(file, raw.get("path"), str(raw["text"]), float(raw.get("saved_at", 0)),
                                        int(raw.get("pid", 0)))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if record.pid != os.getpid() and pid_alive(record.pid):
                continue  # another running window owns it
            out.append(record)
        return sorted(out, key=lambda r: r.saved_at, reverse=True)

    @staticmethod
    def discard(record: AutosaveRecord) -> None:
        try:
            record.file.unlink()
        except FileNotFoundError:
            pass
