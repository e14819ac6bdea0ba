"""The document a window edits: open, save, save as, recent files, autosave and restore (plain Python, no Qt).

:class:`Documents` owns the state and the decisions; the window only asks the
user (file dialogs, "save first?") and shows the text. Every failure a user
can cause becomes a :class:`DraftwheelError` that says what happened and what
to do; saves are atomic, so a crash mid-save never leaves half a file.

Autosave files are written through the ``io`` callable the window passes in
(the store thread in the app), so a write and a later delete of the same file
run in the order they were asked for.
"""

from __future__ import annotations

import base64
import builtins
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from draftwheel.config.atomic import atomic_write_text, pid_alive, sweep_stale_temps
from draftwheel.errors import DraftwheelError, InputError

# Larger files open slowly in a plain-text editor and are not drafts; 5 MiB is
# about 800k words.
MAX_BYTES = 5 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".rst")
FILE_FILTER = "Text and Markdown (*.txt *.md *.markdown *.text *.rst);;All files (*)"
# Save As: one filter per format, so the one the user picks decides the extension added.
SAVE_FORMATS = (("Markdown", (".md", ".markdown")), ("Plain text", (".txt", ".text")), ("reStructuredText", (".rst",)))
ALL_FILES = "All files (*)"
MAX_RECENT = 10


def _filter(name: str, suffixes: tuple[str, ...]) -> str:
    return f"{name} ({' '.join('*' + s for s in suffixes)})"


SAVE_FILTERS = [_filter(n, s) for n, s in SAVE_FORMATS] + [ALL_FILES]


def save_filter_for(path: str | None) -> str:
    """The Save As filter matching ``path``'s extension (Markdown for an untitled or unknown one)."""
    suffix = Path(path).suffix.lower() if path else ""
    for (_name, suffixes), flt in zip(SAVE_FORMATS, SAVE_FILTERS, strict=False):  # stops before 'All files'
        if suffix in suffixes:
            return flt
    return SAVE_FILTERS[0]


def with_format_extension(path: str, chosen_filter: str) -> str:
    """``path`` with the chosen format's extension added unless it already ends in one of that format's.

    "notes" + Markdown -> "notes.md"; "notes.txt" + Markdown -> "notes.txt.md"
    would surprise, so any known text extension is kept as typed; "All files"
    keeps the name exactly.
    """
    for (_name, suffixes), flt in zip(SAVE_FORMATS, SAVE_FILTERS, strict=False):  # stops before 'All files'
        if chosen_filter == flt:
            if Path(path).suffix.lower() in TEXT_SUFFIXES:
                return path
            return path + suffixes[0]
    return path


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
        raise InputError(
            f"{path} no longer exists.", "It may have been moved, renamed or deleted; choose it again with Open."
        ) from None
    except PermissionError:
        raise InputError(
            f"You do not have permission to read {path}.",
            "Check the file's permissions, or copy it somewhere you can read it.",
        ) from None
    except OSError as exc:
        raise InputError(f"{path} could not be read: {exc.strerror or exc}.") from None
    if b"\x00" in data[:8192]:
        raise InputError(
            f"{path.name} looks like a binary file, not text (it contains NUL bytes).",
            "Open a plain-text (.txt) or Markdown (.md) file.",
        )
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

    def add(self, path: str | Path) -> builtins.list[str]:
        path = str(Path(path).expanduser().resolve())
        items = [path] + [p for p in self.list() if p != path]
        self._write(items[:MAX_RECENT])
        return items[:MAX_RECENT]

    def remove(self, path: str) -> None:
        self._write([p for p in self.list() if p != path])

    def _write(self, items: builtins.list[str]) -> None:
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

    def save(self, path: str | None, text: str, file: Path | None = None) -> None:
        """Write ``text``; ``file`` pins the target chosen when the save was asked for (default: the current one)."""
        record = {"path": path, "text": text, "saved_at": time.time(), "pid": os.getpid()}
        atomic_write_text(file or self.file, json.dumps(record, ensure_ascii=False))

    def clear(self, file: Path | None = None) -> None:
        try:
            (file or self.file).unlink()
        except FileNotFoundError:
            pass

    def adopt(self, record: AutosaveRecord) -> Path:
        """Continue autosaving into a restored record's file; returns the file this window used before."""
        old = self.file
        _LIVE.discard(self.id)
        self.id = record.file.stem
        _LIVE.add(self.id)
        return old

    def orphans(self, sole_owner: bool = False) -> list[AutosaveRecord]:
        """Autosaves left by windows that are no longer running, newest first.

        ``sole_owner``: this process holds the data folder's instance lock, so no
        other app can own a file here, whatever its recorded pid. Without it a pid
        that is still a zombie or was reused by an unrelated process would hide a
        crashed window's text until some later start.
        """
        out = []
        for file in self.folder.glob("*.json"):
            if file.stem in _LIVE:
                continue  # a window of this process still owns it
            try:
                raw = json.loads(file.read_text(encoding="utf-8"))
                record = AutosaveRecord(
                    file, raw.get("path"), str(raw["text"]), float(raw.get("saved_at", 0)), int(raw.get("pid", 0))
                )
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
            if not sole_owner and record.pid != os.getpid() and pid_alive(record.pid):
                continue  # another running window owns it
            out.append(record)
        return sorted(out, key=lambda r: r.saved_at, reverse=True)

    @staticmethod
    def discard(record: AutosaveRecord) -> None:
        try:
            record.file.unlink()
        except FileNotFoundError:
            pass


def _run_now(fn: Callable, *args, on_error: Callable[[str], None] | None = None) -> None:
    try:
        fn(*args)
    except OSError as exc:
        if on_error is None:
            raise
        on_error(str(exc))


class Documents:
    """Current path, modified state, recent files, autosave and restore of one window.

    ``io(fn, *args, on_error=...)`` runs autosave writes and deletes; the
    default runs them at once, the app passes its store thread's ``submit``.
    ``sole_owner``: this process holds the data folder (see :meth:`Autosave.orphans`).
    """

    def __init__(self, home: Path, autosave_dir: Path, io: Callable | None = None, sole_owner: bool = False):
        self.home = Path(home)
        self.recent = RecentFiles(self.home / "recent.json")
        self.autosave = Autosave(autosave_dir)
        self.layout = WindowLayout(self.home / "window.json")
        self.io = io or _run_now
        self.sole_owner = sole_owner
        self.path: str | None = None
        self.modified = False
        self._offered: set[Path] = set()  # autosave files the user was asked about this session

    @property
    def title(self) -> str:
        return Path(self.path).name if self.path else "Untitled"

    # -- open, new, save --------------------------------------------------------------
    def new(self) -> None:
        """An empty untitled document; the caller has asked about unsaved text."""
        self._adopt(None, modified=False)

    def open(self, path: str) -> str:
        """Read ``path`` and make it the current document; DraftwheelError (state unchanged) when it cannot be read."""
        resolved = str(Path(path).expanduser().resolve())
        try:
            text = read_document(path)
        except DraftwheelError:
            if not Path(path).expanduser().exists():
                self.recent.remove(resolved)  # a vanished file is not offered again
            raise
        self._adopt(resolved, modified=False)
        self.recent.add(resolved)
        self.layout.remember(last_document=resolved)
        return text

    def save(self, text: str, path: str | None = None) -> str:
        """Write ``text`` to ``path`` (default: the current file); returns the resolved path saved to."""
        target = path or self.path
        if target is None:
            raise DraftwheelError("This draft has no file yet.", "Use Save As to choose one.")
        write_document(target, text)
        resolved = str(Path(target).expanduser().resolve())
        self._adopt(resolved, modified=False)
        self.recent.add(resolved)
        self.layout.remember(last_document=resolved)
        return resolved

    def save_as(self, text: str, path: str, chosen_filter: str) -> str:
        """Save under ``path`` with the chosen format's extension added when it has none of its own."""
        return self.save(text, with_format_extension(path, chosen_filter))

    def set_modified(self, modified: bool) -> None:
        self.modified = bool(modified)

    def _adopt(self, path: str | None, modified: bool) -> None:
        self.path = path
        self.modified = modified
        if not modified:  # nothing unsaved any more: nothing to restore after a crash
            self.io(self.autosave.clear, self.autosave.file)

    # -- autosave -----------------------------------------------------------------------
    def autosave_text(self, text: str, on_error: Callable[[str], None] | None = None) -> bool:
        """Keep unsaved ``text`` for a crash; False (nothing written) when there is nothing unsaved."""
        if not self.modified:
            return False
        self.io(self.autosave.save, self.path, text, self.autosave.file, on_error=on_error)
        return True

    def close(self, keep_autosave: bool = False) -> None:
        """The window closes: its unsaved text was saved or deliberately discarded unless ``keep_autosave``."""
        if not keep_autosave:
            self.io(self.autosave.clear, self.autosave.file)
        release_autosave(self.autosave.id)

    # -- restore --------------------------------------------------------------------------
    def next_restore(self) -> AutosaveRecord | None:
        """The newest autosave left by a crash that the user was not yet asked about (asked once per file)."""
        for record in self.autosave.orphans(sole_owner=self.sole_owner):
            if record.file not in self._offered:
                self._offered.add(record.file)
                return record
        return None

    def restore(self, record: AutosaveRecord) -> str:
        """Make ``record`` the current document (unsaved) and keep autosaving into its file.

        The caller has already asked the user about the text being replaced:
        this window's own autosave file is deleted here, because what it held
        was saved or deliberately discarded.
        """
        old = self.autosave.adopt(record)
        self.io(self.autosave.clear, old)
        self.path = record.path
        self.modified = True
        return record.text

    def discard(self, record: AutosaveRecord) -> None:
        """The user chose to throw ``record`` away."""
        Autosave.discard(record)


class WindowLayout:
    """Where the window was and what it showed, in ``window.json``: restored on the next start.

    Geometry and dock state are opaque bytes (Qt's ``saveGeometry``/``saveState``)
    kept as base64 text; a damaged file is simply ignored.
    """

    def __init__(self, file: Path):
        self.file = Path(file)

    def read(self) -> dict:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def remember(self, **values) -> None:
        data = self.read()
        for key, value in values.items():
            data[key] = base64.b64encode(value).decode("ascii") if isinstance(value, (bytes, bytearray)) else value
        try:
            atomic_write_text(self.file, json.dumps(data, indent=1) + "\n")
        except OSError:
            pass  # a convenience; never fail a save or a close over it

    def blob(self, key: str) -> bytes | None:
        value = self.read().get(key)
        if not isinstance(value, str):
            return None
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            return None

    def last_document(self) -> str | None:
        """The document open when the app last closed, if it still exists."""
        path = self.read().get("last_document")
        return path if isinstance(path, str) and path and Path(path).is_file() else None
