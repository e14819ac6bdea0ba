"""One app window per data folder: a lock file the second instance finds taken.

Two app processes on one data folder would not lose writes (the store is
SQLite in WAL mode with a busy timeout, see tests/test_concurrency.py), but
they would fight over autosaves, settings and background training, and the
user would not know which window is which. So the app takes an exclusive
lock on ``<data folder>/instance.lock`` for its whole life; a second app on
the same folder is told, with the first one's process id, instead of opening.

The lock is an OS advisory lock on an open file (``flock`` on POSIX,
``msvcrt.locking`` on Windows): the kernel drops it when the process ends,
even by SIGKILL or a crash, so a stale lock never blocks the next start. The
CLI does not take it: commands such as ``draftwheel log`` are meant to run
next to the app. Plain Python (no Qt) — the UI calls
:func:`acquire_instance_lock` before showing its window::

    lock = acquire_instance_lock(paths)   # raises DraftwheelError if taken
    ...                                   # keep ``lock`` referenced while the app runs
    lock.release()                        # or let the process end
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from draftwheel.config.paths import AppPaths, private_dir
from draftwheel.errors import DraftwheelError
from draftwheel.config.oslock import is_held, try_lock, unlock

LOCK_NAME = "instance.lock"


class InstanceLock:
    """A held instance lock; :meth:`release` (or process exit) frees it."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "InstanceLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lock_owner(paths: AppPaths) -> dict | None:
    """{"pid", "since"} of the app holding the data folder, or None when no app has it open."""
    path = private_dir(paths.home) / LOCK_NAME
    if not is_held(path):
        return None
    return _read(path) or {"pid": None}


def _read(path: Path) -> dict:
    try:
        raw = json.loads(path.read_text(encoding="utf-8") or "{}")
        return raw if isinstance(raw, dict) else {}
    except (OSError, ValueError):
        return {}


def acquire_instance_lock(paths: AppPaths) -> InstanceLock:
    """Take the data folder for this app process; a clear DraftwheelError if another app has it."""
    path = private_dir(paths.home) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise DraftwheelError(f"Cannot open {path}: {exc.strerror or exc}.",
                              "Check the permissions of the data folder.") from None
    if not try_lock(fd):
        os.close(fd)
        owner = _read(path).get("pid")
        who = f" (process {owner})" if owner else ""
        raise DraftwheelError(
            f"Draftwheel is already open on this data folder{who}: {paths.home}.",
            "Switch to that window, or close it first. To run two profiles side by side, "
            "start the second with --home pointing at another folder.",
        )
    # Who holds it, for the message above; written after locking, so a reader never sees a half record.
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps({"pid": os.getpid(), "since": time.time()}).encode("utf-8"))
    return InstanceLock(path, fd)
