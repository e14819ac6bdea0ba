"""Non-blocking exclusive locks on an open file (flock on POSIX, msvcrt on Windows).

The kernel drops such a lock when its process ends, even by SIGKILL, so a
crashed holder never leaves a stale lock behind. Used for the one-app-per-
data-folder lock and the one-training-at-a-time lock.
"""

from __future__ import annotations

import os
import time


def try_lock(fd: int) -> bool:
    """Take the lock on ``fd`` if it is free; False when another process holds it."""
    if os.name == "nt":
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
    if os.name == "nt":
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
