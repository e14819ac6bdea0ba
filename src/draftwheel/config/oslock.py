"""Non-blocking exclusive locks on an open file (flock on POSIX, msvcrt on Windows).

The kernel drops such a lock when its process ends, even by SIGKILL, so a
crashed holder never leaves a stale lock behind. Used for the one-app-per-
data-folder lock, the one-training-at-a-time lock and the settings lock.

Who holds a lock (its pid, for "already open in process N" and for cancelling
a training) is kept in a separate file, ``<lock>.pid``: on Windows a
``msvcrt`` byte lock makes the locked file unreadable to every other process,
so the holder's record cannot live in the lock file itself.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def try_lock(fd: int) -> bool:
    """Take the lock on ``fd`` if it is free; False when another process holds it."""
    if sys.platform == "win32":  # not os.name: mypy checks the branch for the platform it runs on
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def lock_wait(fd: int, timeout_s: float, poll_s: float = 0.005) -> bool:
    """Take the lock on ``fd``, waiting up to ``timeout_s`` seconds; False if it stayed taken.

    Polls rather than blocking so a stuck holder costs a clear error, not a hang.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        if try_lock(fd):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)


def unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def is_held(path) -> bool:
    """Whether another process holds the lock on the file at ``path`` (created if missing)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if try_lock(fd):
            unlock(fd)
            return False
        return True
    finally:
        os.close(fd)


def holder_file(lock_path) -> Path:
    """``<lock>.pid``: the holder's record, readable while the lock is held (see module doc)."""
    lock_path = Path(lock_path)
    return lock_path.with_name(lock_path.name + ".pid")


def write_holder(lock_path, info: dict) -> None:
    """Record the holder (call with the lock held): ``{"pid": <this process>, **info}``, atomically."""
    from draftwheel.config.atomic import atomic_write_text

    atomic_write_text(holder_file(lock_path), json.dumps({"pid": os.getpid(), **info}))


def read_holder(lock_path) -> dict:
    """The holder's record, {} if none. Only meaningful while :func:`is_held` says the lock is held:
    a holder killed by SIGKILL leaves its record behind, and the next holder overwrites it."""
    try:
        raw = json.loads(holder_file(lock_path).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def clear_holder(lock_path) -> None:
    """Remove the record (call before unlocking, so a next holder's record is never removed)."""
    try:
        holder_file(lock_path).unlink()
    except FileNotFoundError:
        pass
