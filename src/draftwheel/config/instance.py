"""One app window per data folder: a lock file the second instance finds taken.

Two app processes on one data folder would not lose writes (the store is
SQLite in WAL mode with a busy timeout, see tests/test_concurrency.py), but
they would fight over autosaves, settings and background training, and the
user would not know which window is which. So the app takes an exclusive
lock on ``<data folder>/instance.lock`` for its whole life; a second app on
the same folder is told, with the first one's process id (from
``instance.lock.pid``, see config.oslock), instead of opening.

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

import os
import time
from pathlib import Path

from draftwheel.config.oslock import clear_holder, is_held, read_holder, try_lock, unlock, write_holder
from draftwheel.config.paths import AppPaths, private_dir
from draftwheel.errors import DraftwheelError

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
            clear_holder(self.path)
            unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lock_owner(paths: AppPaths) -> dict | None:
    """{"pid", "since"} of the app holding the data folder, or None when no app has it open."""
    path = private_dir(paths.home) / LOCK_NAME
    if not is_held(path):
        return None
    return read_holder(path) or {"pid": None}


def acquire_instance_lock(paths: AppPaths) -> InstanceLock:
    """Take the data folder for this app process; a clear DraftwheelError if another app has it."""
    path = private_dir(paths.home) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise DraftwheelError(
            f"Cannot open {path}: {exc.strerror or exc}.", "Check the permissions of the data folder."
        ) from None
    if not try_lock(fd):
        os.close(fd)
        owner = read_holder(path).get("pid")
        who = f" (process {owner})" if owner else ""
        raise DraftwheelError(
            f"Draftwheel is already open on this data folder{who}: {paths.home}.",
            "Switch to that window, or close it first. To run two profiles side by side, "
            "start the second with --home pointing at another folder.",
        )
    # Who holds it, for the message above: beside the lock (instance.lock.pid), which other processes
    # can read even where the lock makes instance.lock itself unreadable (Windows).
    try:
        write_holder(path, {"since": time.time()})
    except OSError:
        pass  # only the message loses the pid
    return InstanceLock(path, fd)


# -- messages to the running app ----------------------------------------------------------
# The lock says whether an app runs; a local socket (QLocalServer in the ui) lets a command
# hand it work, e.g. ``draftwheel revise-selection`` from a desktop shortcut, so the model
# already loaded there is used instead of loading a second copy. One JSON line per message.

MESSAGE_LIMIT = 4 * 1024 * 1024  # bytes; a selection larger than this is not a revision request
REVISE_SELECTION = "revise-selection"


def message_server_name(paths: AppPaths) -> str:
    """The local socket's name: one per user and data folder (two profiles each get their own)."""
    import hashlib

    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}\0{paths.home.resolve()}".encode()).hexdigest()[:16]
    return f"draftwheel-{digest}"


def encode_message(command: str, text: str) -> bytes:
    import json

    return json.dumps({"command": command, "text": text}).encode("utf-8") + b"\n"


def decode_message(data: bytes) -> tuple[str, str] | None:
    """(command, text), or None for anything that is not one well-formed message."""
    import json

    if len(data) > MESSAGE_LIMIT:
        return None
    try:
        msg = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(msg, dict) or not isinstance(msg.get("command"), str) or not isinstance(msg.get("text"), str):
        return None
    return msg["command"], msg["text"]
